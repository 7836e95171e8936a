"""A batch of outcomes reported for an experiment, checked and folded into sufficient statistics.

Each outcome is one unit's report (JSON)::

    {"unit": "user-42", "arm": "treatment", "at": "2026-12-06T10:00:00Z",
     "metrics": {"thumbs_up": 1, "latency_p95_ms": 812.5, "cost_per_1k_requests": 11.2}}

``arm`` may be left out: it is the arm the experiment assigns the unit (a unit outside the
experiment's coverage then has no arm and is refused). ``at`` (default: now) chooses the day the
values count for. Every metric must be one of the experiment's; a proportion's value is 0 or 1.

:func:`fold` reads a whole batch before anything is kept: one bad outcome refuses the batch,
with every problem located (``$[3].metrics.latency_p95_ms``), so a batch is kept whole or not
at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from modelsteward.domain import assignment
from modelsteward.domain.documents import describe, indexed, located
from modelsteward.domain.experiment import Experiment
from modelsteward.domain.outcomes import MAX_VALUE, MetricKind, MomentKey, Moments
from modelsteward.errors import DocumentInvalid, Problem

MAX_PROBLEMS = 50
MAX_UNIT = 200
_KEYS = frozenset({"unit", "arm", "at", "metrics"})


class _Sums:
    """Running count, sum and sum of squares (lists are cheaper than frozen values here)."""

    __slots__ = ("count", "total", "total_sq")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.total_sq = 0.0


def fold(items: Iterable[object], experiment: Experiment, now: datetime,
         source: str = "outcomes") -> tuple[dict[MomentKey, Moments], int, int]:
    """The moments of ``items`` by (arm, metric, day), with the outcome count per arm and day
    under the metric ``""``; and the number of outcomes and of observations (metric values).
    Raises :class:`DocumentInvalid` naming every problem (at most :data:`MAX_PROBLEMS`)."""
    kinds = {m.name: m.kind for m in experiment.metrics}
    arms = {a.name for a in experiment.arms}
    ranges = experiment.ranges()
    names = [a.name for a in experiment.arms]
    today = now.astimezone(UTC).date()
    sums: dict[MomentKey, _Sums] = {}
    problems: list[Problem] = []
    outcomes = observations = 0
    days: dict[str, date] = {}
    for index, item in enumerate(items):
        where = indexed("$", index)
        outcomes += 1
        if not isinstance(item, Mapping):
            problems.append(Problem(where, f"must be an outcome such as {{\"unit\": \"user-42\", "
                                           f"\"metrics\": {{\"thumbs_up\": 1}}}}, found "
                                           f"{describe(item)}"))
        else:
            found = _outcome(item, where, experiment, kinds, arms, ranges, names, today, days,
                             problems)
            if found is not None and not problems:
                arm, day, values = found
                key = (arm, "", day)
                rows = sums.get(key) or sums.setdefault(key, _Sums())
                rows.count += 1
                for metric, value in values:
                    key = (arm, metric, day)
                    s = sums.get(key) or sums.setdefault(key, _Sums())
                    s.count += 1
                    s.total += value
                    s.total_sq += value * value
                    observations += 1
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem("$", "and possibly more problems after these; fix them and "
                                         "send the batch again"))
            break
    if problems:
        raise DocumentInvalid(source, problems, consequence="no outcome of the batch was kept")
    if not outcomes:
        raise DocumentInvalid(source, [Problem("$", "holds no outcome; send at least one")],
                              consequence="nothing was kept")
    return ({k: Moments(s.count, s.total, s.total_sq) for k, s in sums.items()}, outcomes,
            observations)


def _outcome(item: Mapping[object, object], where: str, experiment: Experiment,
             kinds: Mapping[str, MetricKind], arms: set[str],
             ranges: list[assignment.Range], names: list[str], today: date,
             days: dict[str, date], problems: list[Problem],
             ) -> tuple[str, date, list[tuple[str, float]]] | None:
    before = len(problems)
    if not _KEYS.issuperset(item):
        problems.extend(Problem(located(where, key), "is not an outcome field; the fields are "
                                                     "unit, arm, at, metrics")
                        for key in item if key not in _KEYS)
    unit = item.get("unit")
    if not isinstance(unit, str) or not unit or len(unit) > MAX_UNIT or not unit.isprintable():
        problems.append(Problem(located(where, "unit"), f"must be the unit's id ({experiment.unit},"
                                                        f" printable, 1 to {MAX_UNIT} characters),"
                                                        f" found {describe(unit)}"))
        unit = None
    arm = item.get("arm")
    if arm is None:
        if unit is not None:
            chosen = assignment.assign(experiment.seed, unit, ranges)
            if chosen is None:
                problems.append(Problem(located(where, "unit"), f"{unit!r} is outside the "
                                        "experiment's coverage and has no arm; report only units "
                                        "the route gave an arm, or name the arm"))
            else:
                arm = names[chosen]
    elif not isinstance(arm, str) or arm not in arms:
        problems.append(Problem(located(where, "arm"), f"must be one of {', '.join(names)}, "
                                                       f"found {describe(arm)}"))
    day = today
    at = item.get("at")
    if at is not None:
        if isinstance(at, str):
            known = days.get(at)
            if known is None:
                known = _day(at)
                if known is not None:
                    days[at] = known
            if known is None:
                problems.append(Problem(located(where, "at"), f"must be a time with its zone, "
                                                              f"such as 2026-12-06T10:00:00Z, "
                                                              f"found {describe(at)}"))
            else:
                day = known
        else:
            problems.append(Problem(located(where, "at"), f"must be a time with its zone, such "
                                                          f"as 2026-12-06T10:00:00Z, found "
                                                          f"{describe(at)}"))
    values = _values(item.get("metrics"), located(where, "metrics"), kinds, problems)
    if len(problems) > before:
        return None
    return str(arm), day, values


def _day(text: str) -> date | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).date()


def _values(metrics: object, where: str, kinds: Mapping[str, MetricKind],
            problems: list[Problem]) -> list[tuple[str, float]]:
    if not isinstance(metrics, Mapping) or not metrics:
        problems.append(Problem(where, f"must be an object of metric values such as "
                                       f"{{\"thumbs_up\": 1}}, found {describe(metrics)}"))
        return []
    values: list[tuple[str, float]] = []
    for name, value in metrics.items():
        kind = kinds.get(name) if isinstance(name, str) else None
        if kind is None:
            problems.append(Problem(located(where, name), f"is not a metric of this experiment;"
                                                          f" its metrics are "
                                                          f"{', '.join(sorted(kinds))}"))
        elif isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or abs(value) > MAX_VALUE:
            problems.append(Problem(located(where, name), f"must be a finite number within "
                                                          f"±1e15, found {describe(value)}"))
        elif kind is MetricKind.PROPORTION and value not in (0, 1):
            problems.append(Problem(located(where, name), f"is a proportion: 0 or 1 per "
                                                          f"outcome, found {value!r}"))
        else:
            values.append((name, float(value)))
    return values
