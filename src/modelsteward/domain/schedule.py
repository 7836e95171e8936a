"""Retrain schedules: a named cadence or a five-field cron rule, evaluated in UTC.

A schedule is written as one of the names below or as a cron rule
``minute hour day-of-month month day-of-week``. The names are cron rules too, at 00:00 UTC:

============  ==================  =====================================================
``daily``     ``0 0 * * *``       every day
``weekly``    ``0 0 * * 1``       every Monday (the ISO week's first day; cron's own
                                  ``@weekly`` is Sunday, which nobody plans a week from)
``monthly``   ``0 0 1 * *``       the first of every month
``quarterly`` ``0 0 1 1,4,7,10 *``  1 January, 1 April, 1 July and 1 October
``yearly``    ``0 0 1 1 *``       1 January
============  ==================  =====================================================

A cron field is ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a list of
these separated by commas (``0,30``, ``1-5,10-15/2``). Minutes run 0–59, hours 0–23, days of
the month 1–31, months 1–12, days of the week 0–7 (0 and 7 are Sunday). Nothing else is read:
no names (``mon``, ``jan``), no ``L``, ``W``, ``#`` or ``?``, no ``@`` macros, no ``a/n``.

Day of month and day of week combine as cron combines them: when both fields are restricted,
a day matches if **either** matches (``0 0 1 * 1``: the first of the month and every Monday);
when one of them is written starting with ``*`` (``*`` or ``*/n``), a day must match both —
the rule of Vixie cron and cronie, whose ``*/2`` in one field therefore does not turn the other
into an "or". A rule that can never fall due (``0 0 30 2 *``) is refused.

Times are timezone-aware; every result is an aware UTC time on a whole minute. Nothing here
reads a clock: the caller passes the times.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from modelsteward.domain.documents import describe
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["NAMED_RULES", "Cadence", "Schedule", "parse_schedule", "read_schedule"]


class Cadence(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


NAMED_RULES: dict[Cadence, str] = {
    Cadence.DAILY: "0 0 * * *",
    Cadence.WEEKLY: "0 0 * * 1",
    Cadence.MONTHLY: "0 0 1 * *",
    Cadence.QUARTERLY: "0 0 1 1,4,7,10 *",
    Cadence.YEARLY: "0 0 1 1 *",
}
"""The cron rule each named cadence stands for (see the module's docstring)."""
assert set(NAMED_RULES) == set(Cadence)

# (name in messages, lowest, highest) of the five fields, in their order
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12),
           ("day-of-week", 0, 7))
_PART = re.compile(r"(?:(\*)|([0-9]{1,2})(?:-([0-9]{1,2}))?)(?:/([0-9]{1,2}))?")
_FORMS = ("write *, a number, a range a-b, a step */n or a-b/n, or a list of these separated "
          "by commas")
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29: February in leap years
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Schedule:
    """A schedule as :func:`parse_schedule` reads it: ``text`` is its canonical form (a
    cadence's name, or the cron rule with single spaces) and the sets are what each field
    allows. ``weekdays`` counts 0 = Sunday … 6 = Saturday (a 7 is read as 0).
    ``days_star``/``weekdays_star``: the field was written starting with ``*``, which decides
    how the two day fields combine (see the module's docstring)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_star: bool
    weekdays_star: bool

    def __post_init__(self) -> None:
        # an empty field never matches: the searches below would run to the year 10000
        if not all((self.minutes, self.hours, self.days, self.months, self.weekdays)):
            raise InvalidInput(f"The schedule {self.text!r} leaves a field without values; "
                               "read schedules with parse_schedule.")

    @property
    def cadence(self) -> Cadence | None:
        """The named cadence, when the schedule was written as one."""
        return Cadence(self.text) if self.text in NAMED_RULES else None

    def describe(self) -> str:
        """How messages name it: ``the quarterly schedule``, ``the schedule '0 6 1 */3 *'``."""
        return f"the {self.text} schedule" if self.cadence else f"the schedule {self.text!r}"

    def day_matches(self, day: date) -> bool:
        """Whether ``day`` is one of the schedule's days (the cron day rule)."""
        in_month = day.day in self.days
        in_week = day.isoweekday() % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return in_month and in_week
        return in_month or in_week

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule falls due at ``moment``'s minute (seconds are ignored)."""
        utc = _utc(moment, "moment")
        return (utc.month in self.months and self.day_matches(utc.date())
                and utc.hour in self.hours and utc.minute in self.minutes)

    def next_due(self, after: datetime) -> datetime:
        """The first due time strictly after ``after``. Raises :class:`InvalidInput` when
        ``after`` is naive or when no due time comes before the year 10000."""
        moment = _minute(_utc(after, "after"))
        try:
            moment += _MINUTE
            while True:
                if moment.month not in self.months:
                    moment = _month_start(moment.year, moment.month + 1)
                elif not self.day_matches(moment.date()):
                    moment = _day_start(moment) + timedelta(days=1)
                elif moment.hour not in self.hours:
                    moment = _hour_start(moment) + timedelta(hours=1)
                else:
                    later = [m for m in self.minutes if m >= moment.minute]
                    if later:
                        return moment.replace(minute=min(later))
                    moment = _hour_start(moment) + timedelta(hours=1)
        except (OverflowError, ValueError):
            raise InvalidInput(f"{self.describe().capitalize()} does not fall due after "
                               f"{after.isoformat()} and before the year 10000.") from None

    def previous_due(self, at: datetime) -> datetime | None:
        """The last due time at or before ``at``; ``None`` when there is none (only near the
        year 1). Raises :class:`InvalidInput` when ``at`` is naive."""
        moment = _minute(_utc(at, "at"))
        try:
            while True:
                if moment.month not in self.months:
                    moment = _month_start(moment.year, moment.month) - _MINUTE
                elif not self.day_matches(moment.date()):
                    moment = _day_start(moment) - _MINUTE
                elif moment.hour not in self.hours:
                    moment = _hour_start(moment) - _MINUTE
                else:
                    earlier = [m for m in self.minutes if m <= moment.minute]
                    if earlier:
                        return moment.replace(minute=max(earlier))
                    moment = _hour_start(moment) - _MINUTE
        except (OverflowError, ValueError):
            return None

    def due_times(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """The due times in ``(after, until]``, in order, computed as they are taken (a rule
        of every minute over a year yields half a million)."""
        end = _utc(until, "until")
        moment = _utc(after, "after")
        while True:
            moment = self.next_due(moment)
            if moment > end:
                return
            yield moment


def parse_schedule(text: object, source: str = "schedule", where: str = "$") -> Schedule:
    """The schedule ``text`` writes (a cadence's name, any case, or a cron rule); raises
    :class:`DocumentInvalid` naming ``source`` with every problem, located at ``where``
    (``retrain_schedule`` for the registry file's model-level key)."""
    problems: list[Problem] = []
    schedule = read_schedule(text, where, problems)
    if schedule is None:
        raise DocumentInvalid(source, problems)
    return schedule


def read_schedule(value: object, where: str, problems: list[Problem]) -> Schedule | None:
    """The schedule ``value`` writes, or ``None`` after appending its problems, each located
    at ``where`` and naming the field it is about; for parsers of documents holding one."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, f"must be {_EXPECTED}, found {describe(value)}"))
        return None
    name = value.strip().lower()
    if name in NAMED_RULES:
        return _rule(name, NAMED_RULES[Cadence(name)].split(), where, [])
    fields = value.split()
    if len(fields) != len(_FIELDS):
        shown = describe(value)
        problems.append(Problem(where, f"must be {_EXPECTED}, found {shown} "
                                       f"({len(fields)} field{'s' * (len(fields) != 1)})"))
        return None
    return _rule(" ".join(fields), fields, where, problems)


_EXPECTED = (f"{', '.join(c.value for c in Cadence)} or a cron rule of five fields "
             "(minute hour day-of-month month day-of-week, e.g. '0 6 1 */3 *')")


def _rule(text: str, fields: list[str], where: str,
          problems: list[Problem]) -> Schedule | None:
    before = len(problems)
    sets = [_field(raw, name, low, high, where, problems)
            for raw, (name, low, high) in zip(fields, _FIELDS, strict=True)]
    if len(problems) > before:
        return None
    minutes, hours, days, months, weekdays = sets
    schedule = Schedule(text, minutes, hours, days, months,
                        frozenset(d % 7 for d in weekdays),
                        fields[2].startswith("*"), fields[4].startswith("*"))
    either = not (schedule.days_star or schedule.weekdays_star)
    if not either and not any(d <= _LONGEST_MONTH[m - 1] for m in months for d in days):
        problems.append(Problem(where, f"{text!r} never falls due: none of its months has "
                                       f"one of its days of the month; check both fields"))
        return None
    return schedule


def _field(raw: str, name: str, low: int, high: int, where: str,
           problems: list[Problem]) -> frozenset[int]:
    """The values of one cron field, appending a problem for each part that is wrong."""
    values: set[int] = set()
    for part in raw.split(","):
        match = _PART.fullmatch(part)
        if match is None:
            problems.append(Problem(where, f"the {name} field {raw!r} is not understood at "
                                           f"{part!r}: {_FORMS}"))
            continue
        star, first, last, step = match.groups()
        start = low if star else int(first)
        end = high if star else int(last) if last is not None else start
        if step is not None and not star and last is None:
            problems.append(Problem(where, f"the {name} field {raw!r} has the step {part!r} "
                                           f"without a range: write {first}-{high}/{step}"))
            continue
        wrong = [n for n in (start, end) if not low <= n <= high]
        if wrong:
            problems.append(Problem(where, f"the {name} field {raw!r} holds {wrong[0]}, but "
                                           f"the {name} runs from {low} to {high}"))
            continue
        if start > end:
            problems.append(Problem(where, f"the {name} field {raw!r} has the range "
                                           f"{start}-{end}, which runs backwards; write "
                                           f"{end}-{start}"))
            continue
        every = int(step) if step is not None else 1
        if not 1 <= every <= high - low + 1:
            problems.append(Problem(where, f"the {name} field {raw!r} has the step {every}: "
                                           f"a step is a whole number from 1 to "
                                           f"{high - low + 1}"))
            continue
        values.update(range(start, end + 1, every))
    return frozenset(values)


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"The time {name}={moment.isoformat()} has no time zone; schedules "
                           "are evaluated in UTC, so give an aware time (e.g. with tzinfo=UTC).")
    return moment.astimezone(UTC)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _month_start(year: int, month: int) -> datetime:
    """00:00 UTC on the first of ``month`` (13 is January of the next year)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)
