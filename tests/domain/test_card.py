"""The card as a pure fold of events: lineage reaching two generations back, withdrawn
advisories leaving the known issues, an unknown event kind kept in the changelog, support
windows by calendar month, and the Markdown's byte-for-byte determinism."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from modelsteward.domain import events as ev
from modelsteward.domain.card import Card
from modelsteward.domain.card_history import build_card
from modelsteward.domain.card_markdown import render_markdown
from modelsteward.domain.events import Event, NewEvent, extend_chain
from modelsteward.domain.support import add_months

START = datetime(2026, 1, 31, 12, tzinfo=UTC)


def _history(*items: tuple[str, str, dict[str, object]]) -> list[Event]:
    written: list[Event] = []
    for day, (kind, subject, payload) in enumerate(items):
        head = (written[-1].seq, written[-1].hash) if written else (0, "")
        written += extend_chain(head, START + timedelta(days=day), "alice",
                                [NewEvent(kind, subject, payload)])
    return written


def _story() -> list[Event]:
    return _history(
        (ev.MODEL_CREATED, "bot", {"owner_team": "t", "risk_tier": "low", "license": "mit",
                                   "support_months": 1, "support_after": "best effort"}),
        (ev.VERSION_REGISTERED, "bot@1.10.0", {"digest": "a" * 64}),
        (ev.VERSION_REGISTERED, "bot@1.9.0", {"digest": "b" * 64}),
        (ev.VERSION_DERIVED, "mid@1.0.0", {"parent": "root@1.0.0", "relation": "finetune"}),
        (ev.VERSION_DERIVED, "bot@1.9.0", {"parent": "mid@1.0.0", "relation": "adapter"}),
        (ev.ADVISORY_PUBLISHED, "x_MSA-2026-0001", {"summary": "jailbreak", "level": "high",
                                                    "affected": ["root@1.0.0"],
                                                    "inherited": []}),
        ("model:something:new", "bot", {}),
        (ev.ADVISORY_WITHDRAWN, "x_MSA-2026-0001", {"reason": "false positive"}),
    )


def test_an_advisory_two_generations_back_is_inherited_until_withdrawn() -> None:
    events = _story()
    card = build_card("bot", "", events[:6])
    [issue] = card.known_issues
    assert (issue.version, issue.inherited_from, issue.seq) == ("1.9.0", "root@1.0.0", 6)
    assert [e.seq for e in card.changelog] == [1, 2, 3, 5, 6]
    assert build_card("bot", "", events).known_issues == ()


def test_versions_sort_numerically_and_unknown_kinds_stay_in_the_changelog() -> None:
    card = build_card("bot", "", _story())
    assert [v.version for v in card.versions] == ["1.9.0", "1.10.0"]
    assert "model:something:new on bot" in [e.text for e in card.changelog]
    # 1.10.0 registered on 1 February 2026, 1.9.0 on the 2nd: one month of active support
    assert [v.end_of_active_support for v in card.versions] == ["2026-03-02", "2026-03-01"]
    assert card.support == "1 months active support, then best effort"


def test_the_markdown_is_the_same_bytes_for_the_same_history() -> None:
    events = _story()
    first = render_markdown(build_card("bot", "", events, at="2026-02-10T00:00:00.000000Z"))
    second = render_markdown(build_card("bot", "", list(events),
                                        at="2026-02-10T00:00:00.000000Z"))
    assert first.encode() == second.encode() and first.endswith("\n")
    assert "as of 2026-02-10T00:00:00.000000Z (last event 8)" in first


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 22), 12) == date(2027, 11, 22)
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)


def test_incidents_fold_into_known_issues_and_a_stray_resolution_is_ignored() -> None:
    events = _history(
        (ev.MODEL_CREATED, "bot", {"owner_team": "t", "risk_tier": "low"}),
        (ev.VERSION_REGISTERED, "bot@1.0.0", {"digest": "a" * 64}),
        (ev.VERSION_REGISTERED, "bot@1.1.0", {"digest": "b" * 64}),
        (ev.INCIDENT_RECORDED, "bot@1.0.0", {"summary": "Timeouts", "severity": "critical",
                                             "started": "2026-02-01"}),
        (ev.INCIDENT_RESOLVED, "bot@1.1.0", {"incident": 4, "resolved": "2026-02-03"}),
        (ev.INCIDENT_RESOLVED, "bot@1.0.0", {"incident": 99, "resolved": "2026-02-03"}),
    )
    card = build_card("bot", "", events)
    [issue] = card.known_issues
    assert (issue.version, issue.reference, issue.severity, issue.open) == (
        "1.0.0", "4", "critical", True)
    text = render_markdown(card)
    assert "- 1.0.0: incident 4 (critical, open since 2026-02-01) — Timeouts (event 4)" in text
    assert "bot@1.0.0 incident recorded (critical): Timeouts (alice, event 4)" in text
    assert "bot@1.1.0 incident 4 resolved on 2026-02-03" in text  # the changelog keeps it
    assert build_card("bot", "1.1.0", events).known_issues == ()


def test_a_card_read_back_from_its_json_is_the_same_card() -> None:
    events = _story()[:5] + _history(
        (ev.VERSION_EVALUATED, "bot@1.9.0", {"suite": "golden", "dataset_digest": "d",
                                             "metrics": {"f1": 0.5, "acc": 1}}),
        (ev.REQUIREMENTS_SET, "bot@1.9.0", {"framework": "vllm", "framework_version": ">=0.6"}),
        (ev.INCIDENT_RECORDED, "bot@1.9.0", {"summary": "Slow", "severity": "low",
                                             "started": "2026-02-01"}),
        (ev.DEPRECATION_PLANNED, "bot@1.9.0", {"plan": "p", "reason": "superseded",
                                               "migration_steps": ["move"]}))
    card = build_card("bot", "", events)
    assert card.known_issues and card.deprecations and card.versions[0].evaluations
    assert Card.from_json(json.loads(json.dumps(card.as_json()))) == card
