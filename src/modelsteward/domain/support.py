"""Support windows: a model's :class:`~modelsteward.domain.model.SupportPolicy` ("12 months
active support, then community-maintained") gives each version an end-of-active-support date —
its registration date plus the policy's months, in calendar months — and a status after it.

Reminders go out some days before that date (the deprecation reminders' days, 30 and 7 by
default), once per version, team and number of days; after it, resolution warns and the audit
reports an ``end-of-support`` finding. Pure: the service supplies the versions and the date.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from modelsteward.domain.model import Model, SupportPolicy, Version
from modelsteward.domain.notices import Notice
from modelsteward.domain.subscriptions import REMINDER_END_OF_SUPPORT

__all__ = ["SupportWindow", "add_months", "due_support_reminder", "support_notice",
           "support_window", "support_window_of"]


def add_months(start: date, months: int) -> date:
    """``start`` moved ``months`` calendar months on; a day the target month lacks becomes its
    last day (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class SupportWindow:
    """The active support of one version: it ends on ``ends`` (the first day without it);
    ``afterwards`` is the policy's status after it ("community-maintained"; "" for none)."""

    ref: str
    ends: date
    afterwards: str = ""

    def ended(self, today: date) -> bool:
        return today >= self.ends

    @property
    def status_after(self) -> str:
        return self.afterwards or "unsupported"

    def warning(self) -> str:
        """The sentence resolution and the audit use once the window has ended."""
        return (f"{self.ref} reached the end of its active support on {self.ends.isoformat()}; "
                f"it is now {self.status_after}.")


def support_window(model: Model, version: Version) -> SupportWindow | None:
    """The support window of ``version`` under ``model``'s policy; ``None`` when the policy
    declares no active months."""
    return support_window_of(version.ref, version.registered_at, model.support)


def support_window_of(ref: str, registered_at: datetime,
                      policy: SupportPolicy) -> SupportWindow | None:
    """The support window of the version ``ref`` registered at ``registered_at`` under
    ``policy``; ``None`` when it declares no active months."""
    if policy.active_months is None:
        return None
    return SupportWindow(ref, add_months(registered_at.date(), policy.active_months),
                         policy.afterwards)


@dataclass(frozen=True)
class DueSupportReminder:
    window: SupportWindow
    threshold: int  # the configured number of days before the end it stands for
    days_left: int


def due_support_reminder(window: SupportWindow, today: date,
                         days: Sequence[int]) -> DueSupportReminder | None:
    """The reminder due ``today`` for ``window``: the smallest threshold of ``days`` already
    reached while the end is still ahead (so a dispatcher down for weeks sends the nearest
    one only); ``None`` when none is due."""
    left = (window.ends - today).days
    if left <= 0:
        return None
    reached = [d for d in days if d >= left]
    return DueSupportReminder(window, min(reached), left) if reached else None


def support_notice(model: Model, due: DueSupportReminder, team: str,
                   consumer_names: Sequence[str], in_production: bool,
                   now: datetime) -> Notice:
    """The notice telling ``team`` that a version it runs (through ``consumer_names``, or as
    the owner of the version holding production) reaches the end of its active support. Its
    key names the version, team, date and threshold, so it is written once."""
    window = due.window
    names = sorted(consumer_names)
    left = f"{due.days_left} day{'s' if due.days_left != 1 else ''} from now"
    uses = []
    if names:
        uses.append(f"{len(names)} of your consumers {'uses' if len(names) == 1 else 'use'} it: "
                    f"{', '.join(names)}")
    if in_production:
        uses.append("it holds production")
    message = (f"Reminder: {window.ref} reaches the end of its active support on "
               f"{window.ends.isoformat()} ({left}); after that it is {window.status_after} "
               f"({model.support.describe()}). {'; '.join(uses).capitalize()}. "
               f"Plan a move to a supported version.")
    return Notice(
        f"{REMINDER_END_OF_SUPPORT}:{window.ref}:{team}:{window.ends.isoformat()}:"
        f"{due.threshold}", team, model.name, REMINDER_END_OF_SUPPORT, message,
        {"target": window.ref, "end_of_support": window.ends.isoformat(),
         "afterwards": window.status_after, "days_before": due.threshold,
         "days_left": due.days_left, "consumers": len(names), "consumer_names": names,
         "in_production": in_production},
        now)
