"""The recommendation rules of ``domain/comparison.py``, one test per rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from modelsteward.domain.comparison import Recommendation, Verdict, compare
from modelsteward.domain.lifecycle import Evaluation
from modelsteward.domain.policy import Direction, MetricRule, ModelRules, Policy, Threshold

AT = datetime(2026, 11, 22, tzinfo=UTC)
POLICY = Policy(thresholds=(Threshold("accuracy", ">=", 0.9),))


def ev(suite: str, cost: float = 10.0, p95: float = 300.0, seq: int = 0,
       **metrics: float) -> Evaluation:
    return Evaluation(f"id{seq}", "m@1", suite, "sha256:" + "0" * 64, metrics, cost,
                      {"p50": 100.0, "p95": p95}, AT, "t", seq)


def run(candidate: list[Evaluation], baseline: list[Evaluation]) -> tuple[str, tuple[str, ...]]:
    result = compare("m@2", candidate, "m@1", baseline, POLICY, "m")
    return result.recommendation.value, result.reasons


def test_no_suite_in_common_holds() -> None:
    """"no suite in common → hold (evaluate both on the same suite first)" """
    verdict, reasons = run([ev("golden", accuracy=0.95)], [ev("other", accuracy=0.9)])
    assert verdict == "hold" and "no evaluation suite in common" in reasons[0]


def test_threshold_or_regression_rejects() -> None:
    """"a threshold of the policy unmet by the candidate, or a metric worse than the baseline by
    more than the regression tolerance → reject" """
    verdict, reasons = run([ev("golden", accuracy=0.85)], [ev("golden", accuracy=0.8)])
    assert verdict == "reject" and reasons == ("threshold accuracy >= 0.9 not met: 0.85 on "
                                               "'golden'",)
    verdict, reasons = run([ev("golden", accuracy=0.92, toxicity_rate=0.05)],
                           [ev("golden", accuracy=0.92, toxicity_rate=0.01)])
    assert verdict == "reject" and "toxicity_rate regresses on 'golden': 0.01 → 0.05" in reasons


def test_cost_or_latency_up_holds() -> None:
    """"cost per 1k requests up by more than 10 %, or p95 latency up by more than 20 % → hold" """
    verdict, reasons = run([ev("golden", cost=12.0, accuracy=0.96)],
                           [ev("golden", cost=10.0, accuracy=0.93)])
    assert verdict == "hold" and reasons[0].startswith("cost per 1k requests up +20%")
    verdict, reasons = run([ev("golden", p95=400.0, accuracy=0.96)],
                           [ev("golden", p95=300.0, accuracy=0.93)])
    assert verdict == "hold" and "latency_p95_ms up +33%" in reasons[0]


def test_improvement_promotes() -> None:
    """"some metric better by more than the tolerance, or cost or latency down → promote" """
    verdict, reasons = run([ev("golden", accuracy=0.95)], [ev("golden", accuracy=0.92)])
    assert verdict == "promote" and reasons == ("accuracy improves on 'golden': 0.92 → 0.95",)
    verdict, _ = run([ev("golden", cost=8.0, accuracy=0.92)], [ev("golden", accuracy=0.92)])
    assert verdict == "promote"


def test_no_measurable_change_holds() -> None:
    """"otherwise → hold (no measurable improvement)" """
    verdict, reasons = run([ev("golden", accuracy=0.925)], [ev("golden", accuracy=0.92)])
    assert verdict == "hold" and reasons == ("no measurable improvement over the baseline",)


def test_the_latest_result_of_a_suite_counts() -> None:
    candidate = [ev("golden", seq=1, accuracy=0.5), ev("golden", seq=2, accuracy=0.95)]
    assert run(candidate, [ev("golden", accuracy=0.92)])[0] == Recommendation.PROMOTE.value


# --- metric direction: declared, never guessed from the name --------------------------------


def test_refusal_accuracy_falling_is_worse_under_the_default_policy() -> None:
    """The name contains "refusal"; the default declaration says higher is better."""
    result = compare("m@2", [ev("safety", refusal_accuracy=0.91)], "m@1",
                     [ev("safety", refusal_accuracy=0.95)], Policy(), "m")
    [delta] = result.quality
    assert (delta.direction, delta.verdict) == (Direction.HIGHER_IS_BETTER, Verdict.WORSE)
    assert delta.better == pytest.approx(-0.04)
    assert result.recommendation is Recommendation.REJECT
    assert result.reasons == ("refusal_accuracy regresses on 'safety': 0.95 → 0.91",)


def test_an_undeclared_metric_is_neither_better_nor_worse_and_holds() -> None:
    result = compare("m@2", [ev("golden", accuracy=0.99, helpfulness=4.0)], "m@1",
                     [ev("golden", accuracy=0.92, helpfulness=3.0)], POLICY, "m")
    by_metric = {d.metric: d for d in result.quality}
    undeclared = by_metric["helpfulness"]
    assert (undeclared.direction, undeclared.better, undeclared.verdict) == (
        None, None, Verdict.UNDECLARED)
    assert result.recommendation is Recommendation.HOLD
    assert result.reasons == (
        "helpfulness on 'golden' is neither better nor worse (3 → 4): it has no declared "
        "direction; declare it under metrics: in the policy (helpfulness: {direction: higher} "
        "or lower), or give its direction in the evaluation file (\"directions\": "
        "{\"helpfulness\": \"higher\"} or \"lower\")",)


def test_a_regression_rejects_before_an_undeclared_metric_holds() -> None:
    result = compare("m@2", [ev("golden", accuracy=0.80, helpfulness=4.0)], "m@1",
                     [ev("golden", accuracy=0.92, helpfulness=3.0)], Policy(), "m")
    assert result.recommendation is Recommendation.REJECT


def test_a_declaration_overrides_the_default_and_the_threshold_decides_otherwise() -> None:
    declared = Policy(models={"m": ModelRules(metrics={
        "bias_score": MetricRule(Direction.HIGHER_IS_BETTER)})})
    candidate, baseline = [ev("golden", bias_score=0.7)], [ev("golden", bias_score=0.5)]
    assert compare("m@2", candidate, "m@1", baseline, Policy(), "m").recommendation is \
        Recommendation.REJECT
    assert compare("m@2", candidate, "m@1", baseline, declared, "m").recommendation is \
        Recommendation.PROMOTE
    assert compare("m@2", candidate, "m@1", baseline, declared, "other").recommendation is \
        Recommendation.REJECT
    by_threshold = Policy(thresholds=(Threshold("helpfulness", ">=", 3.0),))
    result = compare("m@2", [ev("golden", helpfulness=4.0)], "m@1",
                     [ev("golden", helpfulness=3.5)], by_threshold, "m")
    assert result.quality[0].direction is Direction.HIGHER_IS_BETTER
    assert result.recommendation is Recommendation.PROMOTE


def test_a_metrics_own_tolerance_replaces_the_regression_tolerance() -> None:
    lenient = Policy(metrics={**Policy().metrics,
                              "accuracy": MetricRule(Direction.HIGHER_IS_BETTER, 0.05)})
    candidate, baseline = [ev("golden", accuracy=0.90)], [ev("golden", accuracy=0.93)]
    assert compare("m@2", candidate, "m@1", baseline, Policy(), "m").recommendation is \
        Recommendation.REJECT
    assert compare("m@2", candidate, "m@1", baseline, lenient, "m").reasons == (
        "no measurable improvement over the baseline",)


def test_an_evaluation_files_direction_counts_unless_the_two_disagree() -> None:
    def with_direction(value: float, direction: Direction, seq: int) -> Evaluation:
        return replace(ev("golden", seq=seq, helpfulness=value),
                       directions={"helpfulness": direction})

    higher, lower = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
    result = compare("m@2", [with_direction(3.0, higher, 2)],
                     "m@1", [ev("golden", helpfulness=4.0)], Policy(), "m")
    assert result.quality[0].verdict is Verdict.WORSE
    assert result.recommendation is Recommendation.REJECT
    result = compare("m@2", [with_direction(3.0, higher, 2)], "m@1",
                     [with_direction(4.0, lower, 1)], Policy(), "m")
    assert result.quality[0].verdict is Verdict.UNDECLARED
    assert "declared higher-is-better by one evaluation file and lower-is-better by the other" \
        in result.reasons[0]
