"""An experiment's analysis: every treatment against the control on every metric, and what to
do next.

The recommendation, by the first rule that applies:

1. **blocked** when the split of units does not follow the weights (:func:`.srm`): every
   comparison is suspect until that is explained;
2. **rollback** when a treatment has a guardrail ``inferior`` (fixed-horizon non-inferiority
   test) or its primary metric significantly worse by the sequential test; the first such
   treatment is named, and the reasons list every one;
3. **promote** a treatment whose primary metric is significantly better by the sequential test
   (valid under the daily looks an experiment gets) with every guardrail ``non_inferior``; of
   several, the one with the largest improvement of the primary metric;
4. **keep_running** otherwise, with the more days until every open question can be answered
   with the design's power (:mod:`.duration`), the latest over the treatments: a primary metric
   not yet decided needs the sequential test's units for the MDE, a guardrail not yet shown
   ``non_inferior`` the fixed-horizon test's units for an effect of its margin (showing a
   treatment no worse than the margin takes as many units as detecting an effect that size).

With several treatments, each is compared with the control at ``alpha / k`` (Bonferroni, ``k``
the number of treatments), so the chance that any comparison errs stays at most ``alpha``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modelsteward.analysis.decision import Decision
from modelsteward.analysis.duration import TimeToDecision, time_to_decision
from modelsteward.analysis.fixed_horizon import MetricResult, compare, toward_better
from modelsteward.analysis.sequential import SequentialResult, msprt
from modelsteward.analysis.srm import SrmCheck, srm
from modelsteward.domain.outcomes import Design, MetricRole, MetricSpec, Moments
from modelsteward.errors import InvalidInput

TRAFFIC_WINDOW = 7  # looks (days) the daily traffic is averaged over: a week evens out weekdays


@dataclass(frozen=True)
class ArmData:
    """One arm as the analysis reads it: its ``weight`` (share of traffic, any scale), the
    ``units`` assigned to it (for the sample-ratio check), and per metric name its moments
    pooled over the experiment and its cumulative moments at each look (daily, in time order,
    for the sequential test)."""

    name: str
    weight: float
    units: int
    pooled: Mapping[str, Moments]
    looks: Mapping[str, Sequence[Moments]]


class Action(enum.StrEnum):
    PROMOTE = "promote"
    ROLLBACK = "rollback"
    KEEP_RUNNING = "keep_running"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Recommendation:
    """What to do and why: ``arm`` is the treatment to promote or roll back (``None`` for the
    other actions); ``days_to_decision`` is set when the experiment should keep running and
    the days can be estimated."""

    action: Action
    arm: str | None
    reasons: tuple[str, ...]
    days_to_decision: int | None = None

    def as_payload(self) -> dict[str, object]:
        return {"action": self.action.value, "arm": self.arm, "reasons": list(self.reasons),
                "days_to_decision": self.days_to_decision}


@dataclass(frozen=True)
class TreatmentAnalysis:
    """One treatment against the control: the fixed-horizon and the sequential result and the
    time to a decision of each metric, in the order of the metrics given (a guardrail's time is
    for an effect of its margin)."""

    arm: str
    results: tuple[MetricResult, ...]
    sequential: tuple[SequentialResult, ...]
    timings: tuple[TimeToDecision, ...]

    @property
    def primary(self) -> SequentialResult:
        """The sequential result of the primary metric (the one the decision is made on)."""
        return next(r for r in self.sequential if r.role is MetricRole.PRIMARY)

    @property
    def guardrails(self) -> tuple[MetricResult, ...]:
        return tuple(r for r in self.results if r.role is MetricRole.GUARDRAIL)

    def days_to_decision(self) -> tuple[int | None, tuple[str, ...]]:
        """The more days until every open metric can be decided (the module's docstring), 0
        when none is open; ``None`` with the reasons when a timing cannot be estimated."""
        days: list[int] = []
        reasons: list[str] = []
        for result, timing in zip(self.sequential, self.timings, strict=True):
            if result.role is MetricRole.PRIMARY:
                if result.decision in (Decision.BETTER, Decision.WORSE):
                    continue
                found = timing.sequential_days
            else:
                if self.result(result.metric).decision is Decision.NON_INFERIOR:
                    continue
                found = timing.fixed_days
            if found is None:
                reasons.append(timing.reason)
            else:
                days.append(found)
        return (None if reasons else max(days, default=0)), tuple(reasons)

    def result(self, metric: str) -> MetricResult:
        """The fixed-horizon result of ``metric``; raises ``KeyError`` for another name."""
        for found in self.results:
            if found.metric == metric:
                return found
        raise KeyError(metric)

    def as_payload(self) -> dict[str, object]:
        return {"arm": self.arm, "results": [r.as_payload() for r in self.results],
                "sequential": [r.as_payload() for r in self.sequential],
                "timings": [t.as_payload() for t in self.timings],
                "days_to_decision": self.days_to_decision()[0]}


@dataclass(frozen=True)
class Analysis:
    """The whole analysis; ``alpha_per_treatment`` is the level each comparison used."""

    arms: tuple[str, ...]
    design: Design
    alpha_per_treatment: float
    srm: SrmCheck
    treatments: tuple[TreatmentAnalysis, ...]
    recommendation: Recommendation

    def treatment(self, arm: str) -> TreatmentAnalysis:
        """The analysis of treatment ``arm``; raises ``KeyError`` for another name."""
        for found in self.treatments:
            if found.arm == arm:
                return found
        raise KeyError(arm)

    def as_payload(self) -> dict[str, object]:
        """A JSON-able dict (no NaN or infinity: ``json.dumps(..., allow_nan=False)`` holds)."""
        return {
            "arms": list(self.arms),
            "design": {"alpha": self.design.alpha, "power": self.design.power,
                       "mde": self.design.mde},
            "alpha_per_treatment": self.alpha_per_treatment,
            "srm": self.srm.as_payload(),
            "treatments": [t.as_payload() for t in self.treatments],
            "recommendation": self.recommendation.as_payload(),
        }


def analyse(arms: Sequence[ArmData], metrics: Sequence[MetricSpec], design: Design) -> Analysis:
    """Analyse an experiment whose first arm is the control (see the module's docstring).

    Raises :class:`~modelsteward.errors.InvalidInput` listing every problem of the input:
    fewer than two arms, arm or metric names given twice, not exactly one primary metric, an
    arm without pooled moments or looks for a metric, arms with different numbers of looks for
    a metric, and (from the checks it runs) weights, unit counts or moments that cannot be."""
    _validate(arms, metrics)
    control, treatments = arms[0], arms[1:]
    split = srm([a.units for a in arms], [a.weight for a in arms], [a.name for a in arms])
    alpha = design.alpha / len(treatments)
    per_treatment = Design(alpha=alpha, power=design.power, mde=design.mde)
    analysed = tuple(_treatment(control, arm, metrics, per_treatment) for arm in treatments)
    return Analysis(arms=tuple(a.name for a in arms), design=design, alpha_per_treatment=alpha,
                    srm=split, treatments=analysed, recommendation=_recommend(split, analysed))


def _treatment(control: ArmData, arm: ArmData, metrics: Sequence[MetricSpec],
               design: Design) -> TreatmentAnalysis:
    results = tuple(compare(control.pooled[m.name], arm.pooled[m.name], m, design,
                            arm=arm.name, control_arm=control.name) for m in metrics)
    sequential = tuple(msprt(list(zip(control.looks[m.name], arm.looks[m.name], strict=True)),
                             m, design, arm=arm.name, control_arm=control.name)
                       for m in metrics)
    timings = tuple(
        time_to_decision(control.pooled[m.name], arm.pooled[m.name], m,
                         design if m.role is MetricRole.PRIMARY
                         else Design(alpha=design.alpha, power=design.power, mde=m.margin),
                         daily_control=_daily(control.looks[m.name]),
                         daily_treatment=_daily(arm.looks[m.name]), tau=s.tau)
        for m, s in zip(metrics, sequential, strict=True))
    return TreatmentAnalysis(arm.name, results, sequential, timings)


def _daily(looks: Sequence[Moments]) -> float:
    """Observations a day, averaged over the last :data:`TRAFFIC_WINDOW` looks (a look a day)."""
    counts = [0, *(m.count for m in looks)]
    window = min(TRAFFIC_WINDOW, len(looks))
    return (counts[-1] - counts[-1 - window]) / window if window else 0.0


def _recommend(split: SrmCheck, treatments: Sequence[TreatmentAnalysis]) -> Recommendation:
    if split.mismatch:
        return Recommendation(Action.BLOCKED, None, (_sentence(split.sentence),))

    rollback: list[tuple[str, str]] = []
    for t in treatments:
        rollback.extend((t.arm, _sentence(g.describe())) for g in t.guardrails
                        if g.decision is Decision.INFERIOR)
        if t.primary.decision is Decision.WORSE:
            rollback.append((t.arm, _sentence(t.primary.describe())))
    if rollback:
        return Recommendation(Action.ROLLBACK, rollback[0][0], tuple(r for _, r in rollback))

    promotable = [t for t in treatments if t.primary.decision is Decision.BETTER
                  and all(g.decision is Decision.NON_INFERIOR for g in t.guardrails)]
    if promotable:
        best = max(promotable, key=_improvement)
        return Recommendation(Action.PROMOTE, best.arm, (
            _sentence(best.primary.describe()),
            *(_sentence(g.describe()) for g in best.guardrails)))

    reasons: list[str] = []
    days: list[int | None] = []
    for t in treatments:
        reasons.append(_sentence(t.primary.describe()))
        reasons.extend(_sentence(g.describe()) for g in t.guardrails
                       if g.decision is not Decision.NON_INFERIOR)
        more, unknown = t.days_to_decision()
        reasons.extend(unknown)
        days.append(more)
        if more == 0 and t.primary.decision is Decision.NO_DIFFERENCE:
            reasons.append(f"Arm {t.arm} has the units the sequential test needs to detect the "
                           "MDE with the design's power, and shows no difference: an effect "
                           "that large is unlikely, so stopping and keeping the control is "
                           "reasonable.")
    known = [d for d in days if d is not None]
    return Recommendation(Action.KEEP_RUNNING, None, tuple(dict.fromkeys(reasons)),
                          max(known) if len(known) == len(days) else None)


def _improvement(t: TreatmentAnalysis) -> float:
    """How much the primary improved, in its direction (the sequential test's last estimate)."""
    last = t.primary.looks[-1].difference if t.primary.looks else None
    return (last or 0.0) * toward_better(t.primary.direction)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def _validate(arms: Sequence[ArmData], metrics: Sequence[MetricSpec]) -> None:
    problems: list[str] = []
    if len(arms) < 2:
        problems.append(f"there {'is' if len(arms) == 1 else 'are'} {len(arms)} "
                        f"arm{'' if len(arms) == 1 else 's'}; give the control first and at "
                        "least one treatment")
    for kind, names in (("arm", [a.name for a in arms]), ("metric", [m.name for m in metrics])):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"{kind} names given more than once: {', '.join(twice)}")
    if any(not a.name.strip() for a in arms):
        problems.append("an arm has an empty name")
    primaries = [m.name for m in metrics if m.role is MetricRole.PRIMARY]
    if len(primaries) != 1:
        problems.append(f"{len(primaries)} primary metrics ({', '.join(primaries) or 'none'}); "
                        "an experiment is decided on exactly one, the others are guardrails")
    for m in metrics:
        for a in arms:
            if m.name not in a.pooled:
                problems.append(f"arm {a.name} has no pooled moments of {m.name} (give "
                                "Moments() for a metric it has not seen yet)")
            if m.name not in a.looks:
                problems.append(f"arm {a.name} has no looks of {m.name} (give [] before the "
                                "first look)")
        counts = {len(a.looks[m.name]) for a in arms if m.name in a.looks}
        if len(counts) > 1:
            problems.append(f"the arms have different numbers of looks of {m.name} "
                            f"({', '.join(str(len(a.looks.get(m.name, ()))) for a in arms)}); "
                            "each look is one day's cumulative moments of every arm")
    if problems:
        raise InvalidInput(f"The experiment cannot be analysed: {'; '.join(problems)}.")
