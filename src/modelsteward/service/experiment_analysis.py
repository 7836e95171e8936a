"""From an experiment's kept sums to its analysis (:mod:`modelsteward.analysis`): pooled moments
per arm and metric, the cumulative moments at each day (the looks of the sequential test), the
outcome rows per arm (the sample-ratio check), and for a canary the readings of its guardrails.

Imports SciPy and statsmodels through :mod:`modelsteward.analysis`: only a use case that
analyses loads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from modelsteward.analysis.decision import Decision
from modelsteward.analysis.experiment import Analysis, ArmData, analyse
from modelsteward.analysis.fixed_horizon import MetricResult, compare
from modelsteward.analysis.offline import contradicts_offline
from modelsteward.domain.canary import Guard, GuardReading
from modelsteward.domain.comparison import Comparison
from modelsteward.domain.experiment import Experiment
from modelsteward.domain.outcomes import MetricRole, MomentKey, Moments

_GUARDS = {Decision.NON_INFERIOR: Guard.HOLDS, Decision.INFERIOR: Guard.BREACHED}


def arm_data(experiment: Experiment, kept: Mapping[MomentKey, Moments]) -> list[ArmData]:
    """Each arm's moments, control first: pooled, and cumulative at the end of every day that
    has any outcome (a day without outcomes of an arm repeats its previous sums); and its
    units for the sample-ratio check: its outcomes on the busiest day. A unit reports once a
    day at most, so a day's outcomes count distinct units, where the sum over days would
    count a unit once per day it reported and overstate the evidence of a skewed split."""
    days = sorted({day for (_, _, day) in kept})
    busiest = busiest_day(kept)
    names = [m.name for m in experiment.metrics]
    arms = []
    for arm in experiment.arms:
        looks: dict[str, list[Moments]] = {}
        for metric in ["", *names]:
            running = Moments()
            series = []
            for day in days:
                running = running + kept.get((arm.name, metric, day), Moments())
                series.append(running)
            looks[metric] = series
        pooled = {m: (series[-1] if series else Moments()) for m, series in looks.items()}
        arms.append(ArmData(arm.name, arm.weight, units_on(kept, arm.name, busiest),
                            {m: pooled[m] for m in names}, {m: looks[m] for m in names}))
    return arms


def busiest_day(kept: Mapping[MomentKey, Moments]) -> date | None:
    """The day with the most outcomes (every arm together); None without outcomes."""
    totals: dict[date, int] = {}
    for (_arm, metric, day), m in kept.items():
        if metric == "":
            totals[day] = totals.get(day, 0) + m.count
    return max(sorted(totals), key=lambda d: totals[d]) if totals else None


def units_on(kept: Mapping[MomentKey, Moments], arm: str, day: date | None) -> int:
    """The outcomes of ``arm`` on ``day``: its units that day, as each unit reports at most
    once a day."""
    found = kept.get((arm, "", day)) if day is not None else None
    return found.count if found is not None else 0


def analysed(experiment: Experiment, kept: Mapping[MomentKey, Moments]) -> Analysis:
    """The analysis of an A/B/n experiment (see :func:`modelsteward.analysis.experiment.
    analyse`)."""
    return analyse(arm_data(experiment, kept), experiment.metrics, experiment.design)


def guard_readings(experiment: Experiment, kept: Mapping[MomentKey, Moments],
                   since: date | None = None,
                   ) -> tuple[list[GuardReading], dict[str, int], list[MetricResult]]:
    """A canary's guardrails read on the outcomes from day ``since`` on (the current step's
    days; all when None): each guardrail's non-inferiority verdict, the observations per arm
    of its least observed guardrail (of outcome rows when it has none), and the results."""
    recent = {key: m for key, m in kept.items() if since is None or key[2] >= since}
    data = {a.name: a for a in arm_data(experiment, recent)}
    control, canary = (data[a.name] for a in experiment.arms[:2])
    guardrails = [m for m in experiment.metrics if m.role is MetricRole.GUARDRAIL]
    results = [compare(control.pooled[m.name], canary.pooled[m.name], m, experiment.design,
                       arm=canary.name, control_arm=control.name) for m in guardrails]
    readings = [GuardReading(r.metric, _GUARDS.get(r.decision, Guard.INCONCLUSIVE),
                             r.describe()) for r in results]
    if guardrails:
        samples = {arm.name: min(arm.pooled[m.name].count for m in guardrails)
                   for arm in (control, canary)}
    else:
        samples = {arm.name: arm.units for arm in (control, canary)}
    return readings, samples, results


def contradictions(analysis: Analysis, offline: Mapping[str, Comparison]) -> list[str]:
    """Sentences for each treatment metric whose online result contradicts the offline
    comparison of the same versions (``offline`` by treatment arm)."""
    found = []
    for treatment in analysis.treatments:
        comparison = offline.get(treatment.arm)
        if comparison is None:
            continue
        deltas = {d.metric: d.candidate - d.baseline
                  for d in (*comparison.quality, *comparison.cost, *comparison.latency)}
        for result in treatment.results:
            sentence = contradicts_offline(result, deltas.get(result.metric))
            if sentence:
                found.append(sentence)
    return found


def payload_of(results: Sequence[MetricResult]) -> list[dict[str, object]]:
    return [r.as_payload() for r in results]
