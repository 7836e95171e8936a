"""Deadline reminders: 30 and 7 days before each soft and hard deadline, one per affected team
(direct consumers and consumers of derived models), never twice; delivered like any notice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model
from modelsteward.domain.policy import Policy
from modelsteward.domain.reminders import Deadline, DueReminder, due_reminders
from modelsteward.notify.settings import NotifySettings
from tests.conftest import FixedClock
from tests.notify.conftest import Receiver
from tests.service.eligibility_helpers import through_gates

TODAY = date(2026, 11, 22)
SOFT = TODAY + timedelta(days=40)
HARD = TODAY + timedelta(days=100)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    # about reminders, not the gates: the batch consumer's ^1.0 may take the ungated 1.1.0
    development = Policy(eligibility=EligibilityRule(Stage.TRAINED))
    with Registry.open(db_url, actor="alice", clock=clock, policy=development) as reg:
        reg.create_model(Model("base"))
        reg.register_version("base", "1.0.0")
        reg.register_version("base", "1.1.0", force=True, reason="seeding")
        through_gates(reg, "base@1.1.0")  # the replacement, and what ^1.0 resolves to
        reg.create_model(Model("bot"))
        reg.register_version("bot", "1.0.0", derived_from="base@1.0.0",
                             relation=Relation.FINETUNE)
        for name, team, uses in (("chat", "team-chat", "bot 1.0.0"),
                                 ("base-user", "team-core", "base 1.0.0"),
                                 ("batch", "team-core", "base ^1.0"),  # → 1.1.0: unaffected
                                 ("newer", "team-new", "base 1.1.0")):
            reg.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team,
                                       pins=(parse_uses(uses),)))
        reg.deprecations.plan(
            "base@1.0.0", reason=DeprecationReason.HARMFUL_BIAS, replacement="base@1.1.0",
            announced=TODAY, soft_deadline=SOFT, hard_deadline=HARD,
            migration_steps=("Pin base 1.1.0",))
        yield reg


def test_reminders_before_each_deadline_once_per_team(registry: Registry,
                                                      clock: FixedClock) -> None:
    with registry.notifications(NotifySettings(allow_private=True)) as notifications:
        notifications.subscribe("team-core", webhook="http://127.0.0.1:9/hook",
                                kinds=["reminder*"])
        written = []
        start = clock.moment  # TODAY, 09:00
        for day in (0, 10, 10, 11, 33, 34, 70, 93, 99, 100, 130):
            clock.moment = start + timedelta(days=day)
            written.append(notifications.reminders())
        assert written == [0, 2, 0, 0, 2, 0, 2, 2, 0, 0, 0]

        reminders = [n for n in registry.deprecations.notices() if n.kind.startswith("reminder")]
        seen = {(n.team, n.kind, n.payload["days_before"]) for n in reminders}
        assert seen == {(team, f"reminder:{deadline}", days)
                        for team in ("team-core", "team-chat")
                        for deadline in ("soft-deadline", "hard-deadline") for days in (30, 7)}
        assert len({n.key for n in reminders}) == len(reminders) == 8
        chat = next(n for n in reminders if n.team == "team-chat")
        assert chat.model == "bot" and chat.payload["inherited_via"] == "bot"
        assert chat.message == (
            f"Reminder: base@1.0.0 reaches its soft deadline on {SOFT} (30 days from now): from "
            "then on no new consumer may adopt it. 1 of your consumers uses bot, which derives "
            "from it: chat. Move to base@1.1.0. Migration steps:\n  1. Pin base 1.1.0")
        core = [n for n in reminders if n.team == "team-core"]
        assert all(n.payload["consumer_names"] == ["base-user"] for n in core)
        # the subscription asked for reminders only: the announcement itself is not delivered
        kinds = sorted(d.notice.kind for d in notifications.deliveries())
        assert kinds == ["reminder:hard-deadline"] * 2 + ["reminder:soft-deadline"] * 2


def test_the_worker_writes_the_days_reminders_and_delivers_them(
        registry: Registry, clock: FixedClock, receiver: Receiver) -> None:
    clock.advance(days=10)
    with registry.notifications(NotifySettings(allow_private=True, interval=0.05)) as n:
        receiver.secrets["/r"] = n.subscribe("team-chat", webhook=receiver.url("/r"),
                                             kinds=["reminder:*"]).secret
        stop = threading.Event()
        total = n.run(stop, report=lambda counts: stop.set())
    assert total.delivered == 1
    [receipt] = receiver.accepted
    assert receipt.body["type"] == "reminder:soft-deadline"
    assert receipt.body["data"]["payload"]["days_left"] == 30


def test_only_the_nearest_reminder_is_due() -> None:
    """A worker that was down for weeks does not send "30 days left" a week before."""
    plan = DeprecationPlan("p", "m", "1.0.0", DeprecationReason.REPLACED, "", TODAY, SOFT, HARD)
    assert due_reminders(plan, SOFT - timedelta(days=5), (30, 7)) == [
        DueReminder(Deadline.SOFT, SOFT, 7, 5)]
    assert due_reminders(plan, SOFT - timedelta(days=31), (30, 7)) == []
    assert due_reminders(plan, SOFT, (30, 7)) == []  # the deadline itself: the phase notice
    assert due_reminders(plan, HARD - timedelta(days=1), (30, 7, 1)) == [
        DueReminder(Deadline.HARD, HARD, 1, 1)]
    early = DeprecationPlan("p", "m", "1.0.0", DeprecationReason.REPLACED, "",
                            TODAY + timedelta(days=20), SOFT, HARD)
    assert due_reminders(early, TODAY + timedelta(days=15), (30, 7)) == []  # not announced yet
