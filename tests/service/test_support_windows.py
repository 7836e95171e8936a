"""Support windows: a model's support policy ("12 months active support, then
community-maintained") gives each version an end-of-active-support date (its registration date
plus the months, in calendar months). Reminders go out before it, once, only for versions in
use; after it resolution warns and the audit reports an ``end-of-support`` finding of level
low, which ``--fail-on`` and the ignore file configure like any other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import FindingKind, parse_fail_on
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, SupportPolicy
from modelsteward.domain.policy import Policy
from modelsteward.domain.severity import Level
from modelsteward.domain.subscriptions import NOTICE_KINDS, REMINDER_END_OF_SUPPORT
from modelsteward.domain.support import add_months
from tests.conftest import FixedClock

REGISTERED = date(2026, 11, 22)  # the clock's start
ENDS = date(2027, 11, 22)  # 12 calendar months later
MANIFEST = parse_manifest('[application]\nname = "portal"\nteam = "support"\n\n'
                          '[models]\nbot = "1.0.0"\n')


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    # about support windows, not the gates: registered versions are eligible here
    development = Policy(eligibility=EligibilityRule(Stage.TRAINED))
    with Registry.open(db_url, actor="alice", clock=clock, policy=development) as reg:
        reg.create_model(Model("bot", owner_team="ml", support=SupportPolicy(
            12, "community-maintained")))
        reg.register_version("bot", "1.0.0")
        reg.register_version("bot", "1.1.0", force=True, reason="nobody uses it")
        reg.create_model(Model("plain"))  # no support policy: no window
        reg.register_version("plain", "1.0.0")
        reg.consumers.add(Consumer("chat", ConsumerKind.APPLICATION, "team-chat",
                                   pins=(parse_uses("bot 1.0.0"), parse_uses("plain 1.0.0"))))
        yield reg


def test_the_window_ends_calendar_months_after_registration() -> None:
    """Rule: the end of active support is the registration date plus the policy's months in
    calendar months; a day the month lacks becomes its last day."""
    assert add_months(REGISTERED, 12) == ENDS
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert REMINDER_END_OF_SUPPORT in NOTICE_KINDS


def test_reminders_go_out_before_the_end_once_and_only_for_versions_in_use(
        registry: Registry, clock: FixedClock) -> None:
    start = clock.moment
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 0  # a year ahead
    clock.moment = start + timedelta(days=(ENDS - REGISTERED).days - 30)
    first = registry.deprecations.tick(reminder_days=(30, 7))
    support = [n for n in registry.deprecations.notices() if n.kind == REMINDER_END_OF_SUPPORT]
    # bot@1.0.0 is used by chat (team-chat) and owned by ml; bot@1.1.0 is used by nobody
    assert first.reminders == 2
    assert sorted((n.team, n.payload["target"], n.payload["days_before"]) for n in support) == [
        ("ml", "bot@1.0.0", 30), ("team-chat", "bot@1.0.0", 30)]
    chat = next(n for n in support if n.team == "team-chat")
    assert "2027-11-22" in chat.message and "community-maintained" in chat.message
    assert chat.payload["consumer_names"] == ["chat"]
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 0  # never twice
    clock.advance(days=23)  # 7 days left: the second reminder
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 2
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 0
    clock.advance(days=30)  # past the end: nothing more to remind
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 0


def test_after_the_end_resolution_warns_and_the_audit_reports_it(
        registry: Registry, clock: FixedClock) -> None:
    lock = registry.locking.lock(MANIFEST).lock
    default = parse_fail_on("low,soft-deadline-passed")
    assert registry.resolution("bot", "1.0.0").warning == ""
    assert not registry.audits.audit(lock, fail_on=default).findings

    clock.moment += timedelta(days=(ENDS - REGISTERED).days)  # the first day without support
    warning = registry.resolution("bot", "1.0.0").warning
    assert warning == ("bot@1.0.0 reached the end of its active support on 2027-11-22; it is "
                       "now community-maintained.")
    assert registry.resolution("plain", "1.0.0").warning == ""

    report = registry.audits.audit(lock, fail_on=default)
    [finding] = report.findings
    assert (finding.kind, finding.id, finding.level) == (
        FindingKind.END_OF_SUPPORT, "end-of-support:bot@1.0.0", Level.LOW)
    assert finding.dates == {"end_of_support": "2027-11-22"}
    assert "steward lock --upgrade bot" in finding.fix
    assert not report.passed  # low fails under the default --fail-on
    assert registry.audits.audit(lock, fail_on=parse_fail_on("medium")).passed
    ignored = registry.audits.audit(lock, fail_on=default, ignores=[Ignore(
        "end-of-support:bot@1.0.0", "moving next quarter", date(2028, 3, 1))])
    assert ignored.passed and ignored.findings[0].ignored
