"""The recommendation rules of ``domain/comparison.py``, one test per rule."""

from __future__ import annotations

from datetime import UTC, datetime

from modelsteward.domain.comparison import Recommendation, compare
from modelsteward.domain.lifecycle import Evaluation
from modelsteward.domain.policy import Policy, Threshold

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
