"""The mlflow role: tags, MLflow numbers (1-based registration order, deleted versions counted)
and the batched records the MLflow mapping reads."""

from __future__ import annotations

from typing import Any

import pytest

from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import Stage

from .helpers import T0, add_model, add_version, at


def _seed(store: Any) -> None:
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha", minutes=1)
        add_model(tx, "gone", minutes=2)
        for i, v in enumerate(["1.0.0", "1.1.0", "0.9.0", "2.0.0"]):
            add_version(tx, "bot", v, minutes=i)
        add_version(tx, "alpha", "1.0.0")
        tx.mark_deleted("bot", "1.1.0", at(9))
        tx.mark_deleted("gone", "", at(9))
        tx.set_stage("bot", "2.0.0", Stage.PRODUCTION)
        tx.set_stage("bot", "1.0.0", Stage.PRODUCTION)
        tx.set_model_tag("bot", "team", "nlp")
        tx.set_model_tag("bot", "a", "first")
        tx.set_model_tag("alpha", "team", "Vision")
        tx.set_version_tag("bot", "2.0.0", "z", "1")
        tx.set_version_tag("bot", "2.0.0", "b", "2")
        tx.assign_alias("bot", "prod", "2.0.0", exclusive=True, at=at(3), by="a", reason="")
        tx.assign_alias("bot", "old", "1.1.0", exclusive=False, at=at(4), by="a", reason="")
        tx.append_events("alice", at(1), [NewEvent("model:created", "bot", {})])
        tx.append_events("bob", at(2), [NewEvent("model:updated", "bot@2.0.0", {})])
        tx.append_events("carol", at(3), [NewEvent("model:updated", "bots", {})])


def test_tags_set_replace_and_delete(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        tx.set_model_tag("bot", "team", "speech")
        assert tx.delete_model_tag("bot", "a") and not tx.delete_model_tag("bot", "a")
        assert tx.delete_version_tag("bot", "2.0.0", "z")
        assert not tx.delete_version_tag("bot", "2.0.0", "nope")
    with store.read() as tx:
        assert tx.model_tags("bot") == {"team": "speech"}
        assert tx.version_tags("bot", "2.0.0") == {"b": "2"}
        assert tx.version_tags("bot", "1.0.0") == {}


def test_tags_come_sorted_by_key(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert list(tx.model_tags("bot")) == ["a", "team"]
        assert list(tx.version_tags("bot", "2.0.0")) == ["b", "z"]


def test_numbers_count_deleted_versions(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert tx.registration_order("bot") == ["1.0.0", "1.1.0", "0.9.0", "2.0.0"]
        assert tx.version_count("bot") == 4
        assert [(r.version.id.__str__(), r.number) for r in tx.mlflow_versions("bot")] == [
            ("1.0.0", 1), ("0.9.0", 3), ("2.0.0", 4)]
        deleted = tx.mlflow_version("bot", 2)
        assert deleted.deleted and deleted.aliases == ("old",)
        assert tx.mlflow_version("bot", 5) is None and tx.mlflow_version("bot", 0) is None
        assert tx.mlflow_version("gone", 1) is None


def test_version_records_carry_tags_aliases_and_last_event(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        record = tx.mlflow_version("bot", 4)
        assert record.tags == {"b": "2", "z": "1"} and record.aliases == ("prod",)
        assert record.last_event == "2026-03-01T12:02:00.000000Z"
        assert record.version.stage is Stage.PRODUCTION and record.version.files == ()
        assert tx.mlflow_version("bot", 1).last_event is None
        assert tx.mlflow_version_by_alias("bot", "prod").number == 4
        assert tx.mlflow_version_by_alias("bot", "old").number == 2
        assert tx.mlflow_version_by_alias("bot", "nope") is None


def test_all_live_versions_by_model_then_number(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        assert [(r.version.model, r.number) for r in tx.mlflow_versions()] == [
            ("alpha", 1), ("bot", 1), ("bot", 3), ("bot", 4)]


def test_version_pages_by_name_then_number_descending(store: Any) -> None:
    """Keyset pages in MLflow's search order: model name ascending, number descending; live
    versions of live models only, numbers counting deleted versions."""
    _seed(store)
    with store.read() as tx:
        def page(model: str, after: tuple[str, int] | None, limit: int) -> list[object]:
            return [(r.version.model, r.number) for r in
                    tx.mlflow_version_page(model, after, limit)]

        everything = [("alpha", 1), ("bot", 4), ("bot", 3), ("bot", 1)]
        assert page("", None, 10) == everything
        assert page("", None, 2) == everything[:2]
        assert page("", ("alpha", 1), 2) == [("bot", 4), ("bot", 3)]
        assert page("", ("bot", 3), 10) == [("bot", 1)]  # the deleted 2 is skipped
        assert page("", ("bot", 2), 10) == [("bot", 1)]  # after a deleted one's number
        assert page("", ("bot", 9), 10) == [("bot", 4), ("bot", 3), ("bot", 1)]
        assert page("", ("b", 1), 1) == [("bot", 4)]  # a name between models
        assert page("", ("bot", 1), 10) == []
        assert page("bot", None, 10) == everything[1:]
        assert page("bot", ("bot", 4), 1) == [("bot", 3)]
        assert page("gone", None, 10) == [] and page("nobody", None, 10) == []
        assert page("", None, 0) == []
        record = tx.mlflow_version_page("bot", None, 1)[0]
        assert record == tx.mlflow_version("bot", 4)  # the same record, tags and all


def test_version_pages_number_long_histories(store: Any) -> None:
    """Numbers on a page deep in a model's history, with deleted versions before and on it."""
    with store.write() as tx:
        add_model(tx, "long")
        for i in range(30):
            add_version(tx, "long", f"1.{i}.0", minutes=i)
        for i in (3, 17, 18):
            tx.mark_deleted("long", f"1.{i}.0", at(40))
    with store.read() as tx:
        page = tx.mlflow_version_page("", ("long", 20), 5)
        assert [(str(r.version.id), r.number) for r in page] == [
            ("1.16.0", 17), ("1.15.0", 16), ("1.14.0", 15),
            ("1.13.0", 14), ("1.12.0", 13)]
        assert [r.number for r in tx.mlflow_version_page("long", ("long", 5), 10)] == [
            3, 2, 1]


def test_model_records(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        records = tx.mlflow_models(["bot", "gone", "nobody", "alpha", "bot"])
    assert [r.model.name for r in records] == ["bot", "alpha"]
    bot, alpha = records
    assert bot.created_at == T0 and bot.creator == "alice"
    assert bot.last_event == "2026-03-01T12:02:00.000000Z"  # "bots" is another model
    assert bot.tags == {"a": "first", "team": "nlp"}
    assert bot.aliases == (("prod", 4),)  # 1.1.0, which holds "old", is deleted
    assert [(r.number, r.version.stage) for r in bot.newest] == [
        (3, Stage.TRAINED), (4, Stage.PRODUCTION)]
    assert alpha.creator == "" and alpha.last_event is None and alpha.aliases == ()


def test_model_records_of_models_of_many_versions(store: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A model of very many versions has its first event found by its own subject and its last
    among the events since its newest registration: the same records as for any model — when
    that registration's event is about another subject, and when more events followed it than
    the model has versions (then every event about it is read), too."""
    from modelsteward.store import mlflow_sql

    monkeypatch.setattr(mlflow_sql, "_MANY", 0)
    test_model_records(store)
    with store.write() as tx:
        add_version(tx, "bot", "3.0.0", minutes=5)
        tx.append_events("dan", at(6), [NewEvent("version:registered", "bot@3.0.0", {}),
                                        NewEvent("model:updated", "bot@1.0.0", {}),
                                        NewEvent("model:updated", "alpha", {})])
    with store.read() as tx:
        bot = tx.mlflow_models(["bot"])[0]
        assert (bot.creator, bot.last_event) == ("alice", "2026-03-01T12:06:00.000000Z")
    for _ in range(5):  # until more events follow than the model has versions
        with store.write() as tx:
            tx.append_events("erin", at(7), [NewEvent("model:updated", "bots", {})])
        with store.read() as tx:
            assert tx.mlflow_models(["bot"])[0].last_event == "2026-03-01T12:06:00.000000Z"


def test_the_newest_version_of_each_stage_is_the_newest_live_one(store: Any) -> None:
    """Per stage, the live version registered last (deleted ones skipped, whatever their
    number), numbered by registration."""
    stages = [Stage.PRODUCTION, Stage.STAGING, Stage.PRODUCTION, Stage.TRAINED, Stage.STAGING,
              Stage.PRODUCTION, Stage.RETIRED, Stage.STAGING]
    with store.write() as tx:
        add_model(tx, "many")
        add_model(tx, "other")
        for n, stage in enumerate(stages):
            add_version(tx, "many", f"1.{n}.0", minutes=n)
            add_version(tx, "other", f"0.{n}.0", minutes=n)
            if stage is not Stage.TRAINED:
                tx.set_stage("many", f"1.{n}.0", stage)
        tx.set_stage("many", "1.6.0", Stage.RETIRED)
        tx.mark_deleted("many", "1.5.0", at(20))  # the newest in production
        tx.mark_deleted("many", "1.7.0", at(20))  # the newest in staging
    with store.read() as tx:
        many, other = tx.mlflow_models(["many", "other"])
    assert [(r.number, str(r.version.id), r.version.stage) for r in many.newest] == [
        (3, "1.2.0", Stage.PRODUCTION), (4, "1.3.0", Stage.TRAINED),
        (5, "1.4.0", Stage.STAGING), (7, "1.6.0", Stage.RETIRED)]
    assert [(r.number, str(r.version.id)) for r in other.newest] == [(8, "0.7.0")]


def test_model_keys_filter_a_superset(store: Any) -> None:
    _seed(store)
    with store.read() as tx:
        keys = tx.mlflow_model_keys([], with_tags=True, with_last_event=True)
        assert [(k.name, k.last_event) for k in keys] == [
            ("alpha", None), ("bot", "2026-03-01T12:02:00.000000Z")]
        assert keys[1].tags == {"a": "first", "team": "nlp"} and keys[1].created_at == T0

        def names(*conditions: tuple[str, str, str]) -> list[str]:
            found = tx.mlflow_model_keys(list(conditions), with_tags=False,
                                         with_last_event=False)
            assert all(k.tags == {} and k.last_event is None for k in found)
            return [k.name for k in found]

        assert names(("name", "=", "bot")) == ["bot"]
        assert names(("name", "!=", "bot")) == ["alpha"]
        assert names(("name", "LIKE", "B%")) == ["bot"]  # case left to the caller
        assert names(("name", "ILIKE", "_lph_")) == ["alpha"]
        assert names(("tags.team", "=", "nlp")) == ["bot"]
        assert names(("tags.team", "ILIKE", "vis%")) == ["alpha"]
        assert names(("tags.a", "!=", "first")) == ["alpha"]  # a missing tag differs
        assert names(("tags.a", "LIKE", "fïrst")) == ["bot"]  # only "has the tag"
        assert names(("tags.nope", "=", "x")) == []
        assert names(("description", "=", "x")) == ["alpha", "bot"]


def test_model_keys_page_by_name(store: Any) -> None:
    """``after`` and ``limit`` make a keyset page of the keys, conditions applied first."""
    _seed(store)
    with store.write() as tx:
        for name in ("carl", "dora", "eve"):
            add_model(tx, name)
        tx.set_model_tag("dora", "team", "nlp")
    with store.read() as tx:
        def names(*conditions: tuple[str, str, str], after: str = "",
                  limit: int | None = None) -> list[str]:
            return [k.name for k in tx.mlflow_model_keys(
                list(conditions), with_tags=False, with_last_event=False, after=after,
                limit=limit)]

        assert names() == ["alpha", "bot", "carl", "dora", "eve"]  # "gone" is deleted
        assert names(limit=2) == ["alpha", "bot"]
        assert names(after="bot", limit=2) == ["carl", "dora"]
        assert names(after="c", limit=10) == ["carl", "dora", "eve"]
        assert names(after="eve") == []
        assert names(("tags.team", "=", "nlp"), after="alpha", limit=1) == ["bot"]
        assert names(("tags.team", "=", "nlp"), after="bot", limit=1) == ["dora"]
