"""Incidents on the living card, on every store: recorded against a version (the event's
number is the incident's id), shown open on its card and in the changelog, resolved later (the
card before the resolution still shows it open), and bad input refused with nothing written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.card import IssueKind
from modelsteward.domain.model import Model
from modelsteward.errors import (
    Conflict,
    InvalidInput,
    ModelNotFound,
    NotAuthorised,
    NotFound,
    VersionNotFound,
)
from tests.conftest import FixedClock


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("support-bot", owner_team="team-support"))
        reg.register_version("support-bot", "1.0.0")
        reg.register_version("support-bot", "1.1.0", force=True, reason="test")
        yield reg


def test_an_incident_is_a_known_issue_until_it_is_resolved(registry: Registry,
                                                           clock: FixedClock) -> None:
    recorded = registry.cards.record_incident(
        "support-bot@1.1.0", "  Answers in the wrong\nlanguage  ", severity="high",
        started="2026-11-20", link="https://status.example.com/incidents/81")
    assert recorded.kind == ev.INCIDENT_RECORDED and recorded.subject == "support-bot@1.1.0"
    assert recorded.payload == {"summary": "Answers in the wrong language", "severity": "high",
                                "started": "2026-11-20",
                                "link": "https://status.example.com/incidents/81"}
    before = clock.now()
    clock.advance(days=2)
    resolved = registry.cards.resolve_incident("support-bot@1.1.0", recorded.seq)
    assert resolved.payload == {"incident": recorded.seq, "resolved": "2026-11-24"}

    card = registry.cards.card("support-bot@1.1.0")
    [issue] = card.known_issues
    assert (issue.kind, issue.version, issue.reference, issue.severity, issue.started,
            issue.resolved, issue.open) == (IssueKind.INCIDENT, "1.1.0", str(recorded.seq),
                                            "high", "2026-11-20", "2026-11-24", False)
    then = registry.cards.card("support-bot@1.1.0", at=before)
    assert then.known_issues[0].open and not then.known_issues[0].resolved
    text = registry.cards.markdown("support-bot")
    assert (f"- 1.1.0: incident {recorded.seq} (high, resolved 2026-11-24, started 2026-11-20) "
            f"— Answers in the wrong language — <https://status.example.com/incidents/81> "
            f"(event {recorded.seq})") in text
    assert (f"support-bot@1.1.0 incident {recorded.seq} resolved on 2026-11-24 (alice, event "
            f"{resolved.seq})") in text
    assert registry.cards.card("support-bot@1.0.0").known_issues == ()  # another version's
    [data] = json.loads(json.dumps(card.as_json()))["known_issues"]
    assert (data["open"], data["kind"], data["link"]) == (
        False, "incident", "https://status.example.com/incidents/81")


def test_an_incident_over_already_and_the_defaults(registry: Registry) -> None:
    over = registry.cards.record_incident("support-bot@1.0.0", "Timeouts",
                                          started="2026-11-01", resolved="2026-11-02")
    assert over.payload["resolved"] == "2026-11-02"
    plain = registry.cards.record_incident("support-bot@1.0.0", "Slow")
    assert plain.payload == {"summary": "Slow", "severity": "medium", "started": "2026-11-22"}
    with pytest.raises(Conflict, match="resolved already"):
        registry.cards.resolve_incident("support-bot@1.0.0", over.seq)
    registry.cards.resolve_incident("support-bot@1.0.0", plain.seq, resolved="2026-11-22")
    with pytest.raises(Conflict, match="resolved already"):
        registry.cards.resolve_incident("support-bot@1.0.0", plain.seq)
    issues = registry.cards.card("support-bot").known_issues
    assert [(i.reference, i.open) for i in issues] == [(str(over.seq), False),
                                                       (str(plain.seq), False)]


@pytest.mark.parametrize(("change", "message"), [
    ({"summary": "   "}, "summary is empty"),
    ({"summary": "x" * 501}, "at most 500"),
    ({"severity": "urgent"}, "not an incident severity: use low, medium, high or critical"),
    ({"started": "22/11/2026"}, "not a date: write it as YYYY-MM-DD"),
    ({"resolved": "2026-13-01"}, "not a date"),
    ({"started": "2026-11-05", "resolved": "2026-11-04"}, "before it started"),
    ({"link": "status.example.com/81"}, "not an http(s) URL"),
    ({"link": "https://example.com/a b"}, "not an http(s) URL"),
])
def test_bad_input_is_refused_and_nothing_is_written(registry: Registry, change: dict[str, str],
                                                     message: str) -> None:
    arguments = {"summary": "Timeouts", "severity": "medium", "started": "", "resolved": "",
                 "link": "", **change}
    head = registry.log()[-1].seq
    with pytest.raises(InvalidInput, match=re.escape(message)):
        registry.cards.record_incident(
            "support-bot@1.0.0", arguments["summary"], severity=arguments["severity"],
            started=arguments["started"], resolved=arguments["resolved"], link=arguments["link"])
    assert registry.log()[-1].seq == head


def test_unknown_versions_incidents_and_an_unauthorised_writer(registry: Registry) -> None:
    head = registry.log()[-1].seq
    with pytest.raises(VersionNotFound):
        registry.cards.record_incident("support-bot@9.9.9", "Timeouts")
    with pytest.raises(ModelNotFound):
        registry.cards.record_incident("nobody@1.0.0", "Timeouts")
    with pytest.raises(NotFound, match="no incident"):
        registry.cards.resolve_incident("support-bot@1.0.0", head)  # not an incident's event
    recorded = registry.cards.record_incident("support-bot@1.0.0", "Timeouts")
    with pytest.raises(NotFound, match=re.escape("support-bot@1.1.0 has no incident")):
        registry.cards.resolve_incident("support-bot@1.1.0", recorded.seq)  # another version's
    with pytest.raises(NotFound):
        registry.cards.resolve_incident("support-bot@1.0.0", 10_000)
    with pytest.raises(InvalidInput, match="before that"):
        registry.cards.resolve_incident("support-bot@1.0.0", recorded.seq,
                                        resolved="2026-01-01")
    with pytest.raises(InvalidInput, match="not a date"):
        registry.cards.resolve_incident("support-bot@1.0.0", recorded.seq, resolved="soon")

    def refuse(_model: Model) -> None:
        raise NotAuthorised("not yours")

    with pytest.raises(NotAuthorised):
        registry.cards.record_incident("support-bot@1.0.0", "Timeouts", authorize=refuse)
    with pytest.raises(NotAuthorised):
        registry.cards.resolve_incident("support-bot@1.0.0", recorded.seq, authorize=refuse)
    assert registry.log()[-1].seq == recorded.seq
