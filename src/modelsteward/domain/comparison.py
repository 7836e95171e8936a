"""Comparing a candidate version with a baseline (usually production) on the suites both have,
and recommending promote, hold or reject with the reasons.

Rules, in order:

* no suite in common → **hold** (evaluate both on the same suite first);
* a threshold of the policy unmet by the candidate, or a metric worse than the baseline by more
  than its tolerance (declared, else the regression tolerance) → **reject**;
* a metric whose direction is not declared (by the policy, a threshold or the evaluation
  files) → **hold**: it can be neither better nor worse until it is declared;
* cost per 1k requests up by more than 10 %, or p95 latency up by more than 20 % → **hold**
  (a person should weigh quality against cost and latency);
* some metric better by more than the tolerance, or cost or latency down → **promote**;
* otherwise → **hold** (no measurable improvement).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modelsteward.domain.direction import Direction
from modelsteward.domain.gates import (
    delta_toward_better,
    latest_by_suite,
    metric_direction,
    undeclared_fix,
    undeclared_reason,
)
from modelsteward.domain.lifecycle import Evaluation
from modelsteward.domain.policy import Policy, Threshold

COST_TOLERANCE = 0.10
LATENCY_TOLERANCE = 0.20


class Recommendation(enum.StrEnum):
    PROMOTE = "promote"
    HOLD = "hold"
    REJECT = "reject"


class Verdict(enum.StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    UNDECLARED = "undeclared"  # the metric has no declared direction


@dataclass(frozen=True)
class Delta:
    """``better`` is the improvement toward the metric's ``direction`` (negative: worse);
    both are ``None`` when the metric has no declared direction."""

    suite: str
    metric: str
    candidate: float
    baseline: float
    better: float | None
    direction: Direction | None
    tolerance: float = 0.0  # how much worse it may be (quality metrics; 0 for cost, latency)

    @property
    def verdict(self) -> Verdict:
        if self.better is None:
            return Verdict.UNDECLARED
        if self.better > 0:
            return Verdict.BETTER
        return Verdict.WORSE if self.better < 0 else Verdict.SAME


@dataclass(frozen=True)
class Comparison:
    candidate: str
    baseline: str
    suites: tuple[str, ...]
    quality: tuple[Delta, ...]
    cost: tuple[Delta, ...]
    latency: tuple[Delta, ...]
    recommendation: Recommendation
    reasons: tuple[str, ...]


def _relative(delta: Delta) -> float:
    return (delta.candidate - delta.baseline) / delta.baseline if delta.baseline else 0.0


def compare(candidate: str, candidate_evaluations: Sequence[Evaluation], baseline: str,
            baseline_evaluations: Sequence[Evaluation], policy: Policy,
            model: str) -> Comparison:
    ours, theirs = latest_by_suite(candidate_evaluations), latest_by_suite(baseline_evaluations)
    thresholds: Mapping[str, Threshold] = policy.thresholds_for(model)
    suites = tuple(sorted(set(ours) & set(theirs)))
    quality: list[Delta] = []
    cost: list[Delta] = []
    latency: list[Delta] = []
    lower = Direction.LOWER_IS_BETTER
    for suite in suites:
        a, b = ours[suite], theirs[suite]
        for metric in sorted(set(a.metrics) & set(b.metrics)):
            direction = metric_direction(metric, policy, model, (a, b))
            now, before = a.metrics[metric], b.metrics[metric]
            quality.append(Delta(
                suite, metric, now, before,
                None if direction is None else delta_toward_better(direction, now, before),
                direction, policy.tolerance_for(model, metric)))
        if a.cost_per_1k_requests is not None and b.cost_per_1k_requests is not None:
            cost.append(Delta(suite, "cost_per_1k_requests", a.cost_per_1k_requests,
                              b.cost_per_1k_requests,
                              b.cost_per_1k_requests - a.cost_per_1k_requests, lower))
        latency.extend(Delta(suite, f"latency_{pct}_ms", a.latency_ms[pct], b.latency_ms[pct],
                             b.latency_ms[pct] - a.latency_ms[pct], lower)
                       for pct in sorted(set(a.latency_ms) & set(b.latency_ms)))
    undeclared = [f"{d.metric} on {d.suite!r} is neither better nor worse ({d.baseline:g} → "
                  f"{d.candidate:g}): "
                  f"{undeclared_reason(d.metric, (ours[d.suite], theirs[d.suite]))}; "
                  f"{undeclared_fix(d.metric)}" for d in quality if d.better is None]
    recommendation, reasons = _recommend(suites, ours, quality, cost, latency, undeclared,
                                         thresholds, baseline)
    return Comparison(candidate, baseline, suites, tuple(quality), tuple(cost), tuple(latency),
                      recommendation, tuple(reasons))


def _recommend(suites: tuple[str, ...], ours: Mapping[str, Evaluation],
               quality: list[Delta], cost: list[Delta], latency: list[Delta],
               undeclared: list[str], thresholds: Mapping[str, Threshold],
               baseline: str) -> tuple[Recommendation, list[str]]:
    if not suites:
        return Recommendation.HOLD, [f"no evaluation suite in common with {baseline}: evaluate "
                                     "both on the same suite"]
    rejections = []
    for metric, threshold in sorted(thresholds.items()):
        for suite, evaluation in sorted(ours.items()):
            value = evaluation.metrics.get(metric)
            if value is not None and not threshold.holds(value):
                rejections.append(f"threshold {threshold} not met: {value:g} on {suite!r}")
    rejections += [f"{d.metric} regresses on {d.suite!r}: {d.baseline:g} → {d.candidate:g}"
                   for d in quality if d.better is not None and d.better < -d.tolerance]
    if rejections:
        return Recommendation.REJECT, rejections
    holds = list(undeclared)
    holds += [f"cost per 1k requests up {_relative(d):+.0%} on {d.suite!r} "
             f"({d.baseline:g} → {d.candidate:g})" for d in cost if _relative(d) > COST_TOLERANCE]
    holds += [f"{d.metric} up {_relative(d):+.0%} on {d.suite!r} ({d.baseline:g} → "
              f"{d.candidate:g})" for d in latency
              if d.metric == "latency_p95_ms" and _relative(d) > LATENCY_TOLERANCE]
    if holds:
        return Recommendation.HOLD, holds
    gains = [f"{d.metric} improves on {d.suite!r}: {d.baseline:g} → {d.candidate:g}"
             for d in quality if d.better is not None and d.better > d.tolerance]
    gains += [f"cost per 1k requests down {_relative(d):+.0%} on {d.suite!r}"
              for d in cost if d.verdict is Verdict.BETTER]
    gains += [f"{d.metric} down {_relative(d):+.0%} on {d.suite!r}"
              for d in latency if d.metric == "latency_p95_ms" and d.verdict is Verdict.BETTER]
    if gains:
        return Recommendation.PROMOTE, gains
    return Recommendation.HOLD, ["no measurable improvement over the baseline"]
