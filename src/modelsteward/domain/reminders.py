"""Deadline reminders: a notice to every affected team some days (30 and 7 by default) before a
deprecation plan's soft and hard deadlines.

A reminder is due from its day on until the deadline; when several are due (a dispatcher that
was down for weeks) only the nearest is written, so a team is not told "30 days left" a week
before the deadline. Each reminder's key names the plan, team, deadline and number of days, so
it is written once however often reminders are computed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from modelsteward.domain.deprecation import DeprecationPlan, Phase
from modelsteward.domain.embedding import ReembeddingPlan
from modelsteward.domain.notices import Notice
from modelsteward.domain.subscriptions import REMINDER_HARD, REMINDER_SOFT

DEFAULT_REMINDER_DAYS: tuple[int, ...] = (30, 7)
"""Days before each soft and hard deadline that a reminder is due, unless configured."""


class Deadline(enum.StrEnum):
    SOFT = "soft-deadline"
    HARD = "hard-deadline"


@dataclass(frozen=True)
class DueReminder:
    """A reminder due today: ``threshold`` is the configured number of days before the deadline
    it stands for, ``days_left`` how many days remain."""

    deadline: Deadline
    on: date
    threshold: int
    days_left: int

    @property
    def kind(self) -> str:
        match self.deadline:
            case Deadline.SOFT:
                return REMINDER_SOFT
            case Deadline.HARD:
                return REMINDER_HARD


def due_reminders(plan: DeprecationPlan, today: date, days: Sequence[int]) -> list[DueReminder]:
    """The reminders of ``plan`` due on ``today`` for the thresholds ``days``: for each deadline
    still ahead, the smallest threshold already reached, if any. Nothing before the plan is
    announced."""
    if plan.phase(today) is Phase.ACTIVE:
        return []
    due: list[DueReminder] = []
    for deadline, on in ((Deadline.SOFT, plan.soft_deadline), (Deadline.HARD, plan.hard_deadline)):
        left = (on - today).days
        if left <= 0:
            continue
        reached = [d for d in days if d >= left]
        if reached:
            due.append(DueReminder(deadline, on, min(reached), left))
    return due


def reminder_notice(plan: DeprecationPlan, due: DueReminder, team: str,
                    consumer_names: Sequence[str], now: datetime,
                    derived_model: str = "", reembedding: ReembeddingPlan | None = None) -> Notice:
    """The notice telling ``team`` (whose consumers ``consumer_names`` use the plan's versions,
    or ``derived_model`` derived from them) that a deadline is near; ``reembedding``: the data
    migration the plan carries (an embedding model's), stated in the message and payload."""
    names = sorted(consumer_names)
    left = f"{due.days_left} day{'s' if due.days_left != 1 else ''} from now"
    match due.deadline:
        case Deadline.SOFT:
            what = (f"reaches its soft deadline on {due.on} ({left}): from then on no new "
                    "consumer may adopt it.")
        case Deadline.HARD:
            after = (f"resolution then moves to {plan.replacement}" if plan.redirect
                     else "pins that resolve only to it stop resolving")
            what = f"retires on {due.on} ({left}): {after}."
    uses = f"{derived_model}, which derives from it" if derived_model else "it"
    steps = "".join(f"\n  {i}. {step}" for i, step in enumerate(plan.migration_steps, 1))
    message = (f"Reminder: {plan.ref} {what} {len(names)} of your consumers "
               f"{'uses' if len(names) == 1 else 'use'} {uses}: {', '.join(names)}."
               + (f" Move to {plan.replacement}." if plan.replacement else "")
               + (f" Migration steps:{steps}" if steps else "")
               + (f" Moving is a data migration: {reembedding.describe()}." if reembedding
                  else ""))
    suffix = f":inherited:{derived_model}" if derived_model else ""
    return Notice(
        f"reminder:{plan.id}:{team}:{due.deadline.value}:{due.on.isoformat()}:{due.threshold}"
        f"{suffix}", team, derived_model or plan.model, due.kind, message,
        {"plan": plan.id, "target": plan.ref, "deadline": due.deadline.value,
         "date": due.on.isoformat(), "days_before": due.threshold, "days_left": due.days_left,
         "inherited_via": derived_model or None, "consumers": len(names),
         "consumer_names": names, "replacement": plan.replacement or None,
         "migration_steps": list(plan.migration_steps),
         **({"reembedding": reembedding.as_payload()} if reembedding else {})},
        now)
