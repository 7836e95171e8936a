"""Retrain schedules: the named cadences, and the cron evaluator checked against a brute-force
minute-by-minute reference over random rules."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from modelsteward.domain.schedule import Cadence, Schedule, parse_schedule
from modelsteward.errors import DocumentInvalid, InvalidInput

from .strategies import FAST


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due_in(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    return list(schedule.due_times(start, end))


# --- named cadences ----------------------------------------------------------------------------


def test_quarterly_is_the_first_of_january_april_july_and_october_at_midnight_utc() -> None:
    quarterly = parse_schedule("quarterly")
    assert quarterly.cadence is Cadence.QUARTERLY
    assert due_in(quarterly, at(2025, 12, 31), at(2026, 12, 31)) == [
        at(2026, 1, 1), at(2026, 4, 1), at(2026, 7, 1), at(2026, 10, 1)]
    assert quarterly.next_due(at(2026, 2, 15, 13, 7)) == at(2026, 4, 1)
    assert quarterly.next_due(at(2026, 4, 1)) == at(2026, 7, 1)  # strictly after
    assert quarterly.previous_due(at(2026, 4, 1)) == at(2026, 4, 1)  # at or before
    assert quarterly.previous_due(at(2026, 3, 31, 23, 59)) == at(2026, 1, 1)


def test_the_other_cadences() -> None:
    start, end = at(2026, 1, 1), at(2026, 3, 1)
    assert len(due_in(parse_schedule("daily"), start, end)) == 59
    weekly = due_in(parse_schedule("weekly"), start, end)
    assert {d.isoweekday() for d in weekly} == {1} and weekly[0] == at(2026, 1, 5)  # Mondays
    assert due_in(parse_schedule("monthly"), start, end) == [at(2026, 2, 1), at(2026, 3, 1)]
    assert due_in(parse_schedule(" Yearly "), at(2025, 6, 1), at(2027, 6, 1)) == [
        at(2026, 1, 1), at(2027, 1, 1)]
    assert parse_schedule(" Yearly ").text == "yearly"


def test_times_in_other_zones_are_read_in_utc_and_naive_times_are_refused() -> None:
    quarterly = parse_schedule("quarterly")
    paris = timezone(timedelta(hours=2))
    # 1 April 01:30 in Paris is 31 March 23:30 UTC: the quarter is not due yet
    assert quarterly.next_due(datetime(2026, 4, 1, 1, 30, tzinfo=paris)) == at(2026, 4, 1)
    with pytest.raises(InvalidInput, match="no time zone"):
        quarterly.next_due(datetime(2026, 4, 1))


# --- cron rules --------------------------------------------------------------------------------


def test_day_of_month_and_day_of_week_are_either_when_both_are_restricted() -> None:
    either = parse_schedule("0 0 1 * 1")  # the first of the month, and every Monday
    days = [d.date() for d in due_in(either, at(2026, 5, 31), at(2026, 6, 30))]
    assert days == [date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 22),
                    date(2026, 6, 29)]
    assert date(2026, 7, 1) == either.next_due(at(2026, 6, 30)).date()  # a Wednesday
    # a field written from '*' makes it "both": odd days that are Mondays
    both = parse_schedule("0 0 */2 * 1")
    assert [d.date() for d in due_in(both, at(2026, 6, 1), at(2026, 7, 1))] == [
        date(2026, 6, 15), date(2026, 6, 29)]


def test_a_rule_of_every_fifth_minute_in_office_hours() -> None:
    rule = parse_schedule("*/15 9-17/4 * * 1-5")
    assert due_in(rule, at(2026, 6, 5, 12), at(2026, 6, 8, 10)) == [
        at(2026, 6, 5, 13), at(2026, 6, 5, 13, 15), at(2026, 6, 5, 13, 30),
        at(2026, 6, 5, 13, 45), at(2026, 6, 5, 17), at(2026, 6, 5, 17, 15),
        at(2026, 6, 5, 17, 30), at(2026, 6, 5, 17, 45), at(2026, 6, 8, 9),
        at(2026, 6, 8, 9, 15), at(2026, 6, 8, 9, 30), at(2026, 6, 8, 9, 45)]


def test_the_twenty_ninth_of_february_falls_due_in_leap_years_only() -> None:
    leap = parse_schedule("0 12 29 2 *")
    assert leap.next_due(at(2096, 3, 1)) == at(2104, 2, 29, 12)  # 2100 is no leap year
    assert leap.previous_due(at(2104, 2, 29, 11)) == at(2096, 2, 29, 12)


def test_far_ends_of_the_calendar() -> None:
    with pytest.raises(InvalidInput, match="before the year 10000"):
        parse_schedule("yearly").next_due(datetime(9999, 6, 1, tzinfo=UTC))
    assert parse_schedule("yearly").previous_due(datetime(1, 1, 1, 0, 0, tzinfo=UTC)) == \
        datetime(1, 1, 1, tzinfo=UTC)
    assert parse_schedule("0 0 2 1 *").previous_due(datetime(1, 1, 1, 5, tzinfo=UTC)) is None


REFUSED = {
    "fortnightly": "must be daily, weekly, monthly, quarterly, yearly or a cron rule of five "
                   "fields (minute hour day-of-month month day-of-week, e.g. '0 6 1 */3 *'), "
                   "found the text 'fortnightly' (1 field)",
    "@daily": "found the text '@daily' (1 field)",
    "0 6 1 */3": "(4 fields)",
    "0 0 * * mon": "the day-of-week field 'mon' is not understood at 'mon': write *, a number, "
                   "a range a-b, a step */n or a-b/n, or a list of these separated by commas",
    "0 0 L * *": "the day-of-month field 'L' is not understood",
    "0 0 ? * 1": "the day-of-month field '?' is not understood",
    "0 0 * * 1#2": "the day-of-week field '1#2' is not understood",
    "5/15 * * * *": "the minute field '5/15' has the step '5/15' without a range: write "
                    "5-59/15",
    "*/0 * * * *": "the minute field '*/0' has the step 0: a step is a whole number from 1 "
                   "to 60",
    "60 * * * *": "the minute field '60' holds 60, but the minute runs from 0 to 59",
    "0 24 * * *": "the hour field '24' holds 24",
    "0 0 0 * *": "the day-of-month field '0' holds 0",
    "0 0 * 13 *": "the month field '13' holds 13",
    "0 0 * * 8": "the day-of-week field '8' holds 8",
    "0 0 5-3 * *": "the day-of-month field '5-3' has the range 5-3, which runs backwards; "
                   "write 3-5",
    "0 0 30 2 *": "'0 0 30 2 *' never falls due: none of its months has one of its days of "
                  "the month; check both fields",
    "0 0 31 4,6,9,11 *": "never falls due",
    "0 0 1,,2 * *": "is not understood at ''",
    "0 0 \u0663 * *": "is not understood",  # an Arabic-Indic three is not a cron digit
}


@pytest.mark.parametrize("text", sorted(REFUSED))
def test_what_a_schedule_may_not_be_is_refused_with_its_location(text: str) -> None:
    with pytest.raises(DocumentInvalid) as refused:
        parse_schedule(text, "pipeline.yaml", "fine_tuning.trigger.schedule")
    problems = refused.value.problems
    assert [p.location for p in problems] == ["fine_tuning.trigger.schedule"]
    assert REFUSED[text] in problems[0].message


def test_every_wrong_field_is_reported() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        parse_schedule("61 25 * jan 9")
    assert [p.message.split(" field")[0] for p in refused.value.problems] == [
        "the minute", "the hour", "the month", "the day-of-week"]


@pytest.mark.parametrize("value", [None, 3, ["quarterly"], {"every": "quarter"}, "", "  "])
def test_a_schedule_is_text(value: object) -> None:
    with pytest.raises(DocumentInvalid, match="must be daily, weekly"):
        parse_schedule(value)


# --- the evaluator against a brute-force reference ---------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A rule as the strategy built it: the sets each field allows, worked out from the parts
    drawn, not by the parser under test."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0-7 as drawn; 0 and 7 are Sunday
    days_star: bool
    weekdays_star: bool

    def day(self, d: date) -> bool:
        """cron's rule: either day field when both are restricted, else both."""
        in_month = d.day in self.days
        sunday_first = (d.weekday() + 1) % 7  # Monday is 0 for datetime, 1 for cron
        in_week = sunday_first in self.weekdays or (sunday_first == 0 and 7 in self.weekdays)
        if self.days_star or self.weekdays_star:
            return in_month and in_week
        return in_month or in_week

    def matches(self, t: datetime) -> bool:
        return (t.minute in self.minutes and t.hour in self.hours and t.month in self.months
                and self.day(t.date()))


_FORMS = ["*", "*/n", "a", "a-b", "a-b/n"]
_LONGEST = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30,
            12: 31}


def _field(rng: random.Random, low: int, high: int) -> tuple[str, frozenset[int]]:
    """A field of one to three parts, its text and the values it allows. (Drawn from one
    Random that Hypothesis seeds: five fields of many small draws each made generating a
    rule cost more than checking it.)"""
    texts: list[str] = []
    values: set[int] = set()
    for _ in range(rng.choice((1, 1, 2, 3))):
        form = rng.choice(_FORMS)
        a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
        n = rng.choice((rng.randint(1, 4), rng.randint(1, high - low + 1)))
        text, chosen = {
            "*": ("*", range(low, high + 1)),
            "*/n": (f"*/{n}", range(low, high + 1, n)),
            "a": (str(a), range(a, a + 1)),
            "a-b": (f"{a}-{b}", range(a, b + 1)),
            "a-b/n": (f"{a}-{b}/{n}", range(a, b + 1, n)),
        }[form]
        texts.append(text)
        values.update(chosen)
    return ",".join(texts), frozenset(values)


def _rule(rng: random.Random) -> Reference:
    while True:
        fields = [_field(rng, 0, 59), _field(rng, 0, 23), _field(rng, 1, 31),
                  _field(rng, 1, 12), _field(rng, 0, 7)]
        (_, minutes), (_, hours), (day, days), (_, months), (weekday, weekdays) = fields
        ref = Reference(" ".join(f for f, _ in fields), minutes, hours, days, months, weekdays,
                        day.startswith("*"), weekday.startswith("*"))
        either = not (ref.days_star or ref.weekdays_star)
        # the parser refuses rules that never fall due; those are tested above
        if either or any(d <= _LONGEST[m] for m in ref.months for d in ref.days):
            return ref


RULES = st.randoms(use_true_random=False).map(_rule)
INSTANTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2110, 1, 1)
                        ).map(lambda t: t.replace(tzinfo=UTC))


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    """Every whole minute in (start, end]."""
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    count = int((end - first).total_seconds() // 60) + 1
    return [first + timedelta(minutes=i) for i in range(max(0, count))]


@FAST
@given(RULES, INSTANTS, st.integers(0, 36 * 60))
@example(Reference("0 0 1 * 1", frozenset({0}), frozenset({0}), frozenset({1}),
                   frozenset(range(1, 13)), frozenset({1}), False, False),
         datetime(2026, 5, 31, tzinfo=UTC), 2 * 24 * 60)
def test_due_times_are_the_minutes_the_reference_matches(ref: Reference, start: datetime,
                                                         span: int) -> None:
    """Every whole minute in (start, start + span] that the rule allows, and no other."""
    end = start + timedelta(minutes=span)
    schedule = parse_schedule(ref.text)
    assert list(schedule.due_times(start, end)) == [
        t for t in _minutes(start, end) if ref.matches(t)]


def _no_match_between(ref: Reference, start: datetime, end: datetime) -> bool:
    """No minute in (start, end) matches: minute by minute on the first and last day, day by
    day in between (a matching day always has a matching minute)."""
    first_day_end = min(end, datetime.combine(start.date() + timedelta(days=1),
                                              datetime.min.time(), UTC))
    last_day_start = max(start, datetime.combine(end.date(), datetime.min.time(), UTC))
    edges = _minutes(start, first_day_end) + _minutes(last_day_start, end)
    if any(ref.matches(t) for t in edges if start < t < end):
        return False
    day = start.date() + timedelta(days=1)
    while day < end.date():
        if day.month in ref.months and ref.day(day):
            return False
        day += timedelta(days=1)
    return True


@FAST
@given(RULES, INSTANTS)
def test_next_due_is_the_first_minute_the_reference_matches(ref: Reference,
                                                            start: datetime) -> None:
    due = parse_schedule(ref.text).next_due(start)
    assert due > start and due.second == 0 and due.tzinfo is UTC
    assert ref.matches(due)
    assert _no_match_between(ref, start, due)


@FAST
@given(RULES, INSTANTS)
def test_previous_due_is_the_last_minute_the_reference_matches(ref: Reference,
                                                               start: datetime) -> None:
    due = parse_schedule(ref.text).previous_due(start)
    assert due is not None and due <= start and ref.matches(due)
    assert _no_match_between(ref, due, start.replace(second=0, microsecond=0)
                             + timedelta(minutes=1))
