"""The consumers role: consumers and their pins."""

from __future__ import annotations

from typing import Any

import pytest

from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.errors import ModelNotFound

from .helpers import add_model, at


def _seed(store: Any) -> None:
    with store.write() as tx:
        for name in ["bot", "alpha", "zeta"]:
            add_model(tx, name)
        tx.add_consumer(Consumer("web", ConsumerKind.APPLICATION, "team-a", "a@x", "prod",
                                 (ConsumerPin("zeta", "^1"), ConsumerPin("bot", "~2.1"))), at(0))
        tx.add_consumer(Consumer("etl", ConsumerKind.PIPELINE, "team-b"), at(1))


def test_a_consumer_reads_back_with_its_pins_by_model(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert tx.get_consumer("web") == Consumer(
            "web", ConsumerKind.APPLICATION, "team-a", "a@x", "prod",
            (ConsumerPin("bot", "~2.1"), ConsumerPin("zeta", "^1")))
        assert tx.get_consumer("nobody") is None


def test_consumers_list_by_name_and_by_model(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert [c.name for c in tx.list_consumers()] == ["etl", "web"]
        assert [c.name for c in tx.list_consumers("bot")] == ["web"]
        assert tx.list_consumers("alpha") == []


def test_the_consumers_of_many_models_read_at_once_as_one_by_one(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.add_consumer(Consumer("api", ConsumerKind.APPLICATION, "team-c",
                                 pins=(ConsumerPin("bot", "^2"),)), at(2))
    with store.read() as tx:
        found = tx.consumers_of(["bot", "zeta", "alpha", "nobody"])
        assert found == {"bot": tx.list_consumers("bot"), "zeta": tx.list_consumers("zeta")}
        assert [c.name for c in found["bot"]] == ["api", "web"]
        assert tx.consumers_of([]) == {}


def test_setting_a_pin_replaces_the_earlier_one(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.set_consumer_pin("web", ConsumerPin("bot", "3.0.0"))
        tx.set_consumer_pin("etl", ConsumerPin("alpha", "*"))
    with store.read() as tx:
        assert tx.get_consumer("web").pins == (ConsumerPin("bot", "3.0.0"),
                                               ConsumerPin("zeta", "^1"))
        assert [c.name for c in tx.list_consumers("alpha")] == ["etl"]


def test_removing_pins_and_consumers(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.remove_consumer_pin("web", "zeta")
        tx.remove_consumer("etl")
    with store.read() as tx:
        assert tx.get_consumer("web").pins == (ConsumerPin("bot", "~2.1"),)
        assert tx.get_consumer("etl") is None
        assert [c.name for c in tx.list_consumers()] == ["web"]


def test_a_pin_of_an_unknown_model_raises_and_writes_nothing(store: Any) -> None:
    _seed(store)
    with pytest.raises(ModelNotFound), store.write() as tx:
        tx.add_consumer(Consumer("new", ConsumerKind.NOTEBOOK, "team-c",
                                 pins=(ConsumerPin("nobody", "^1"),)), at(2))
    with pytest.raises(ModelNotFound), store.read() as tx:
        tx.list_consumers("nobody")
    with store.read() as tx:
        assert tx.get_consumer("new") is None


def test_pins_of_a_deleted_model_stay(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.mark_deleted("bot", "", at(3))
    with store.read() as tx:
        assert [c.name for c in tx.list_consumers("bot")] == ["web"]


def test_consumers_read_in_keyset_pages(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.add_consumer(Consumer("api", ConsumerKind.DEPLOYMENT, "team-c",
                                 pins=(ConsumerPin("bot", "*"),)), at(2))
    with store.read() as tx:
        assert [c.name for c in tx.list_consumers(limit=2)] == ["api", "etl"]
        assert [c.name for c in tx.list_consumers(after="api", limit=2)] == ["etl", "web"]
        assert [c.name for c in tx.list_consumers(after="etl")] == ["web"]
        assert [c.name for c in tx.list_consumers("bot", after="api", limit=5)] == ["web"]
        assert tx.list_consumers("bot", after="api", limit=5)[0].pins == (
            ConsumerPin("bot", "~2.1"), ConsumerPin("zeta", "^1"))
        assert tx.list_consumers(limit=0) == []
