"""The unit of work: all or nothing, one writer at a time, readers see committed states."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from modelsteward.domain.state import model_key, version_key

from .helpers import add_model, add_version, at


def test_an_exception_leaves_nothing_written(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
    with pytest.raises(RuntimeError), store.write() as tx:
        add_version(tx, "bot", "1.0.0")
        add_model(tx, "other")
        tx.set_model_tag("bot", "k", "v")
        tx.mark_deleted("bot", "", at(1))
        raise RuntimeError("abandoned")
    with store.read() as tx:
        assert tx.get_model("bot") is not None and tx.get_model("other") is None
        assert tx.list_versions("bot") == [] and tx.model_tags("bot") == {}
        assert tx.version_count("bot") == 0


def test_a_write_sees_its_own_changes(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
        assert tx.get_version("bot", "1.0.0") is not None
        assert [m.name for m in tx.list_models()] == ["bot"]


def test_a_reader_sees_only_committed_states(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
    writing, read_done = threading.Event(), threading.Event()

    def writer() -> None:
        with store.write() as tx:
            add_version(tx, "bot", "1.0.0")
            writing.set()
            read_done.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(10)
    with store.read() as tx:
        assert tx.list_versions("bot") == []  # the write is not committed yet
    read_done.set()
    thread.join(10)
    with store.read() as tx:
        assert [str(v.id) for v in tx.list_versions("bot")] == ["1.0.0"]


def test_writers_are_serialised(store: Any) -> None:
    """Each writer reads the count and registers the next version: no two get one number."""
    with store.write() as tx:
        add_model(tx, "bot")
    errors: list[BaseException] = []

    def register() -> None:
        try:
            for _ in range(3):
                with store.write() as tx:
                    n = tx.version_count("bot")
                    add_version(tx, "bot", f"1.{n}.0", minutes=n)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with store.read() as tx:
        assert tx.registration_order("bot") == [f"1.{n}.0" for n in range(12)]


def test_the_snapshot_reads_one_state(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
    with store.snapshot() as tx:
        state = tx.table_state()
        assert state[model_key("bot")]["deleted"] is False
        assert state[version_key("bot@1.0.0")]["stage"] == "trained"
        assert tx.chain_head()[0] == 1


def test_table_state_shows_every_kind_of_object(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
        tx.set_model_tag("bot", "team", "a")
        tx.set_version_tag("bot", "1.0.0", "k", "v")
        tx.assign_alias("bot", "prod", "1.0.0", exclusive=True, at=at(1), by="a", reason="")
        tx.mark_deleted("bot", "1.0.0", at(2))
    with store.read() as tx:
        state = tx.table_state()
    assert state[model_key("bot")]["mlflow_tags"] == {"team": "a"}
    assert state[model_key("bot")]["tags"] == ["nlp"]
    assert state[model_key("bot")]["extra"] == {"k": [1, 2]}
    version = state[version_key("bot@1.0.0")]
    assert version["mlflow_tags"] == {"k": "v"} and version["deleted"] is True
    assert version["metadata"] == {"origin": "test"} and version["change"] == "retrain"
    assert {"holders": ["1.0.0"]} in state.values()
