"""The state the events determine (``domain/state.py``), on hand-made histories."""

from __future__ import annotations

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event, NewEvent, chain
from modelsteward.domain.state import MLFLOW_ALIAS_REASON, Replay, differences


def _replay(*items: tuple[str, str, dict[str, object]]) -> Replay:
    replay = Replay()
    previous: Event | None = None
    for seq, (kind, subject, payload) in enumerate(items, 1):
        previous = chain(previous, seq, "2026-12-06T00:00:00.000000Z", "alice",
                         NewEvent(kind, subject, payload))
        replay.apply(previous)
    return replay


def test_a_lock_event_without_pins_leaves_the_pins_unknown_not_different() -> None:
    replay = _replay((ev.APPLICATION_LOCKED, "checkout", {"models": {"bot": "1.0.0"},
                                                          "changes": []}))
    table = {"consumer checkout": {"kind": "application", "team": "shop", "contact": "",
                                   "environment": "", "pins": {"bot": "^1.0"}}}
    assert differences(replay, table) == []
    table["consumer checkout"]["kind"] = "pipeline"
    [found] = differences(replay, table)
    assert (found.key, found.field, found.seq) == ("consumer checkout", "kind", 1)


def test_an_mlflow_alias_ends_every_holder_and_a_steward_alias_only_the_previous() -> None:
    replay = _replay(
        (ev.ALIAS_SET, "bot@1.0.0", {"alias": "canary", "previous": None, "reason": "x"}),
        (ev.ALIAS_SET, "bot@1.1.0", {"alias": "canary", "previous": None, "reason": "x"}),
        (ev.ALIAS_SET, "bot@1.2.0", {"alias": "canary", "previous": None, "reason": "x"}))
    assert replay.objects["alias bot canary"]["holders"] == (["1.0.0", "1.1.0", "1.2.0"], 3)
    replay = _replay(
        (ev.ALIAS_SET, "bot@1.0.0", {"alias": "canary", "previous": None, "reason": "x"}),
        (ev.ALIAS_SET, "bot@1.1.0", {"alias": "canary", "previous": None, "reason": "x"}),
        (ev.ALIAS_SET, "bot@1.2.0", {"alias": "canary", "previous": "1.1.0",
                                      "reason": MLFLOW_ALIAS_REASON}))
    assert replay.objects["alias bot canary"]["holders"] == (["1.2.0"], 3)


def test_an_object_an_event_removed_is_named_with_that_event() -> None:
    replay = _replay(
        (ev.CONSUMER_REGISTERED, "consumer:web", {"kind": "application", "team": "t",
                                                  "contact": "", "environment": "",
                                                  "pins": {"bot ^1.0": "1.0.0"}}),
        (ev.CONSUMER_REMOVED, "consumer:web", {"reason": "gone", "team": "t", "pins": []}))
    [found] = differences(replay, {"consumer web": {"kind": "application"}})
    assert (found.field, found.seq) == ("exists", 2)
    assert found.describe() == ("consumer web is in the tables but not in the events (event 2 "
                                "removed it)")


def test_a_model_made_without_a_team_takes_the_team_the_migration_gave_it() -> None:
    """Models made before every model had an owner team carry ``owner_team: ""`` in their
    events; the migration gave them the default team without an event."""
    replay = _replay((ev.MODEL_CREATED, "bot", {"owner_team": "", "kind": "self_hosted"}))
    assert differences(replay, {"model bot": {"owner_team": "platform", "kind": "self_hosted",
                                              "deleted": False, "mlflow_tags": {}}}) == []
    replay = _replay((ev.MODEL_CREATED, "bot", {"owner_team": "support",
                                                "kind": "self_hosted"}))
    [found] = differences(replay, {"model bot": {"owner_team": "platform",
                                                 "kind": "self_hosted", "deleted": False,
                                                 "mlflow_tags": {}}})
    assert (found.field, found.derived) == ("owner_team", "support")


def test_a_rollback_blocks_the_version_it_left_only_when_its_event_says_so() -> None:
    """Rollbacks recorded before production's rollbacks blocked the version they left carry no
    ``blocks`` flag: replaying them leaves that version's blocked reason alone."""
    registered = (ev.VERSION_REGISTERED, "bot@1.1.0", {"digest": "", "files": 0})
    reason = "rolled back from production on 2026-12-06: latency spike"
    replay = _replay(registered, (ev.ALIAS_ROLLED_BACK, "bot@1.0.0", {
        "alias": "production", "from": "1.1.0", "to": "1.0.0", "reason": "latency spike",
        "blocks": True, "blocked_reason": reason}))
    assert replay.objects["version bot@1.1.0"]["blocked_reason"] == (reason, 2)
    assert replay.objects["alias bot production"]["holders"] == (["1.0.0"], 2)
    old = _replay(registered, (ev.ALIAS_ROLLED_BACK, "bot@1.0.0", {
        "alias": "production", "from": "1.1.0", "to": "1.0.0", "reason": "latency spike"}))
    assert old.objects["version bot@1.1.0"]["blocked_reason"] == ("", 1)
