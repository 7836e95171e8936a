"""The events role: the hash chain, its head, and reading events by subject and by page."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from modelsteward.domain.events import GENESIS, NewEvent, event_hash
from modelsteward.domain.state import version_key

from .helpers import add_model, add_version, at


def _append(store: Any, *subjects: str, minutes: float = 0, actor: str = "alice") -> list[Any]:
    with store.write() as tx:
        written: list[Any] = tx.append_events(actor, at(minutes), [
            NewEvent("model:updated", s, {"n": i}) for i, s in enumerate(subjects)])
    return written


def test_an_empty_store_has_the_genesis_head(store: Any) -> None:
    with store.read() as tx:
        assert tx.chain_head() == (0, GENESIS)
        assert tx.events() == [] and tx.last_event_time("bot") is None


def test_events_are_numbered_and_chained(store: Any) -> None:
    first = _append(store, "bot", "bot@1.0.0")
    second = _append(store, "other", minutes=1, actor="bob")
    with store.read() as tx:
        found = tx.events()
        assert found == first + second
        assert [e.seq for e in found] == [1, 2, 3]
        assert found[0].prev_hash == GENESIS
        for before, after in pairwise(found):
            assert after.prev_hash == before.hash
        for e in found:
            assert e.hash == event_hash(e.seq, e.time, e.actor, e.kind, e.subject,
                                        e.payload_json, e.prev_hash)
        assert tx.chain_head() == (3, found[-1].hash)
        assert found[2].actor == "bob" and found[0].time == "2026-03-01T12:00:00.000000Z"


def test_the_events_of_a_batch_of_models_are_those_about_each(store: Any) -> None:
    _append(store, "bot", "bot@1.0.0", "bots", "other@1.0.0", "bot@2.0.0", "bo", "consumer:x",
            "other")
    with store.read() as tx:
        assert [e.seq for e in tx.events_of_models(["bot", "other", "nobody"])] == [
            1, 2, 4, 5, 8]
        assert [e.seq for e in tx.events_of_models(["bots", "bo"])] == [3, 6]
        assert tx.events_of_models(["bot"], kinds=("model:created",)) == []
        assert tx.events_of_models(["bot"], kinds=("model:updated",)) == tx.events(
            subject_prefix="bot")
        assert tx.events_of_models([]) == []


def test_the_events_of_more_models_than_a_statement_names_come_in_order(store: Any) -> None:
    names = [f"m{i:03d}" for i in range(250)]
    _append(store, *(f"{name}@1.0.0" for name in reversed(names)), *names)
    with store.read() as tx:
        found = tx.events_of_models(names[::2])
    assert [e.subject for e in found] == (
        [f"{n}@1.0.0" for n in reversed(names) if int(n[1:]) % 2 == 0]
        + [n for n in names if int(n[1:]) % 2 == 0])
    assert [e.seq for e in found] == sorted(e.seq for e in found)


def test_events_filter_by_subject_and_page_by_seq(store: Any) -> None:
    _append(store, "bot", "bot@1.0.0", "bots", "other@1.0.0", "bot@2.0.0")
    with store.read() as tx:
        assert [e.seq for e in tx.events(subject_prefix="bot")] == [1, 2, 5]
        assert [e.seq for e in tx.events(after_seq=2, limit=2)] == [3, 4]
        assert [e.seq for e in tx.events(subject_prefix="bot", after_seq=1, limit=1)] == [2]
        assert tx.events(after_seq=5) == []


def test_reading_by_subject_is_exact_about_case_and_neighbours(store: Any) -> None:
    """``bot`` reads ``bot`` and ``bot@…`` only: not ``Bot@…`` (SQLite's LIKE ignores case),
    not ``botA`` (just past the range ``bot@``…), not ``bot_x@…`` (a LIKE wildcard)."""
    _append(store, "bot", "Bot@1.0.0", "bot@1.0.0", "botA", "bot_x@1.0.0", "bo@1", "bot@",
            "bot@\u00e9\U0001f600")
    with store.read() as tx:
        assert [e.seq for e in tx.events(subject_prefix="bot")] == [1, 3, 7, 8]
        assert [e.seq for e in tx.events_about("bot")] == [1, 3, 7, 8]
        assert [e.seq for e in tx.events_about("bot", after_seq=3, limit=1)] == [7]
        assert [e.seq for e in tx.events_before(subject_prefix="bot", limit=10)] == [1, 3, 7, 8]
        assert [e.seq for e in tx.events_about("bot_x")] == [5]


def test_events_filter_by_kind_with_subject_and_page(store: Any) -> None:
    with store.write() as tx:
        tx.append_events("alice", at(0), [NewEvent("model:created", "bot", {}),
                                          NewEvent("model:version:derived", "bot@1", {"n": 1}),
                                          NewEvent("consumer:lock:written", "app", {}),
                                          NewEvent("model:created", "other", {}),
                                          NewEvent("model:version:derived", "bot@2", {})])
    with store.read() as tx:
        everything = tx.events()
        created = tx.events(kinds={"model:created"})
        assert created == [everything[0], everything[3]]
        assert [e.seq for e in tx.events(kinds=["model:version:derived",
                                                "consumer:lock:written"])] == [2, 3, 5]
        assert [e.seq for e in tx.events(subject_prefix="bot",
                                         kinds=("model:version:derived",))] == [2, 5]
        assert [e.seq for e in tx.events(kinds=("model:created", "model:version:derived"),
                                         after_seq=1, limit=2)] == [2, 4]
        assert tx.events(kinds=("no:such:kind",)) == []
        assert tx.events(kinds=()) == everything


def test_events_about_filter_by_kind_and_time(store: Any) -> None:
    with store.write() as tx:
        tx.append_events("alice", at(0), [NewEvent("model:created", "bot", {}),
                                          NewEvent("model:version:derived", "bot@1", {})])
        tx.append_events("alice", at(5), [NewEvent("model:version:derived", "bot@2", {})])
    with store.read() as tx:
        derived = tx.events_about("bot", kinds=("model:version:derived",))
        assert [e.seq for e in derived] == [2, 3]
        until = tx.events()[1].time
        assert [e.seq for e in tx.events_about("bot", until=until)] == [1, 2]
        assert [e.seq for e in tx.events_of(["bot@2", "bot@1", "nobody"])] == [2, 3]
        assert [e.seq for e in tx.events_of(["bot", "bot@1"], kinds=("model:created",))] == [1]
        assert [e.seq for e in tx.events_of(["bot@1", "bot@2"], until=until)] == [2]
        assert tx.events_of([]) == []


def test_advisories_and_consumers_are_found_by_the_models_they_name(store: Any) -> None:
    """The mention index: an advisory or a consumer is found from the models its events
    name, including after a later event (a withdrawal, a removal) that names none."""
    with store.write() as tx:
        tx.append_events("alice", at(0), [
            NewEvent("advisory:published", "MSA-1", {"affected": ["base@1.0.0"],
                                                     "inherited": ["child@2.0.0"]}),
            NewEvent("consumer:registered", "consumer:app", {"pins": {"base ^1": "1.0.0"}}),
            NewEvent("consumer:pin:set", "consumer:other", {"model": "third", "pin": "1"}),
            NewEvent("model:updated", "base", {"affected": ["nope@1"]}),
            NewEvent("advisory:withdrawn", "MSA-1", {}),
        ])
    with store.read() as tx:
        assert tx.subjects_mentioning(["base"]) == ["MSA-1", "consumer:app"]
        assert tx.subjects_mentioning(["child", "third"]) == ["MSA-1", "consumer:other"]
        assert tx.subjects_mentioning(["nope"]) == [] and tx.subjects_mentioning([]) == []
        assert [e.seq for e in tx.events_of(tx.subjects_mentioning(["child"]))] == [1, 5]


def test_events_before_are_the_newest_oldest_first(store: Any) -> None:
    _append(store, "bot", "bot@1.0.0", "other", "bot@2.0.0", "bot")
    with store.read() as tx:
        assert [e.seq for e in tx.events_before(limit=2)] == [4, 5]
        assert [e.seq for e in tx.events_before(before_seq=4, limit=2)] == [2, 3]
        assert [e.seq for e in tx.events_before(subject_prefix="bot", before_seq=5,
                                                limit=10)] == [1, 2, 4]


def test_last_event_time_with_and_without_versions(store: Any) -> None:
    _append(store, "bot", minutes=1)
    _append(store, "bot@1.0.0", minutes=2)
    with store.read() as tx:
        assert tx.last_event_time("bot") == "2026-03-01T12:01:00.000000Z"
        assert tx.last_event_time("bot", with_versions=True) == "2026-03-01T12:02:00.000000Z"
        assert tx.last_event_time("bot@1.0.0") == "2026-03-01T12:02:00.000000Z"


def test_a_rolled_back_write_leaves_the_chain_as_it_was(store: Any) -> None:
    _append(store, "bot")
    try:
        with store.write() as tx:
            tx.append_events("alice", at(1), [NewEvent("model:updated", "bot", {})])
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    later = _append(store, "bot", minutes=2)
    with store.read() as tx:
        assert [e.seq for e in tx.events()] == [1, 2]
        assert tx.chain_head() == (2, later[0].hash)
        assert tx.events()[1].prev_hash == tx.events()[0].hash


def test_registration_numbers_follow_the_chain_head(store: Any) -> None:
    _append(store, "x", "y")
    with store.write() as tx:
        add_model(tx, "bot")
        add_version(tx, "bot", "1.0.0")
    with store.read() as tx:
        assert tx.table_state()[version_key("bot@1.0.0")]["registered_seq"] == 3
