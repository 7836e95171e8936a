"""The experiment's analysis and its recommendation: blocked by a broken split, rolled back by
an inferior guardrail or a worse primary, promoted on a sequentially significant primary with
every guardrail non-inferior, kept running otherwise with the days it needs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from modelsteward.analysis import (
    Action,
    ArmData,
    Decision,
    analyse,
    compare,
    contradicts_offline,
)
from modelsteward.domain.direction import Direction
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec, Moments
from modelsteward.errors import InvalidInput
from tests.analysis.simulation import exact

DESIGN = Design(alpha=0.05, power=0.8, mde=0.02)
QUALITY = MetricSpec("quality")
LATENCY = MetricSpec("latency_ms", direction=Direction.LOWER_IS_BETTER,
                     role=MetricRole.GUARDRAIL, margin=0.05)
REFUSAL = MetricSpec("refusal", kind=MetricKind.PROPORTION, direction=Direction.LOWER_IS_BETTER,
                     role=MetricRole.GUARDRAIL, margin=0.2)
METRICS = [QUALITY, LATENCY, REFUSAL]
DAYS = 14


def _arm(name: str, per_day: int, quality: float = 0.70, latency: float = 300.0,
         refusal: float = 0.05, units: int | None = None, weight: float = 1.0) -> ArmData:
    """An arm whose moments at each daily look have exactly these means (quality sd 0.2,
    latency sd 60 ms), so what the analysis concludes follows from the effects alone."""
    def looks(metric: str) -> list[Moments]:
        found = []
        for day in range(1, DAYS + 1):
            n = per_day * day
            found.append({"quality": exact(n, quality, 0.2), "latency_ms": exact(n, latency, 60),
                          "refusal": Moments(n, n * refusal, n * refusal)}[metric])
        return found

    every = {m.name: looks(m.name) for m in METRICS}
    return ArmData(name, weight, units if units is not None else per_day * DAYS,
                   {m: v[-1] for m, v in every.items()}, every)


def test_a_broken_split_blocks_the_decision_and_names_the_mismatch() -> None:
    """A 50/50 experiment whose 100,000 units split 48/52: blocked, whatever the metrics say
    (here the treatment would otherwise be promoted)."""
    analysis = analyse([_arm("control", 2_000, units=48_000),
                        _arm("treatment", 2_000, quality=0.75, units=52_000)], METRICS, DESIGN)
    assert analysis.srm.mismatch
    recommendation = analysis.recommendation
    assert recommendation.action is Action.BLOCKED and recommendation.arm is None
    assert recommendation.reasons == (
        f"Arm treatment got 52.0% of units where 50.0% were expected (p = "
        f"{analysis.srm.p_value:.2g}); the split is broken, the decision is blocked until it "
        "is fixed.",)


def test_a_fair_split_with_a_clear_winner_is_promoted() -> None:
    treated = int(np.random.default_rng(5).binomial(100_000, 0.5))
    analysis = analyse([_arm("control", 2_000, units=100_000 - treated),
                        _arm("treatment", 2_000, quality=0.72, latency=301.0, units=treated)],
                       METRICS, DESIGN)
    assert not analysis.srm.mismatch
    assert analysis.recommendation.action is Action.PROMOTE
    assert analysis.recommendation.arm == "treatment"
    treatment = analysis.treatment("treatment")
    assert treatment.primary.decision is Decision.BETTER
    assert [g.decision for g in treatment.guardrails] == [Decision.NON_INFERIOR] * 2
    assert analysis.recommendation.reasons[0].startswith(
        "Quality (higher-is-better), sequential test: arm treatment always-valid p")


def test_an_inferior_guardrail_rolls_back_even_when_the_primary_wins() -> None:
    analysis = analyse([_arm("control", 2_000), _arm("canary", 2_000, quality=0.75,
                                                       latency=330.0)], METRICS, DESIGN)
    recommendation = analysis.recommendation
    assert recommendation.action is Action.ROLLBACK and recommendation.arm == "canary"
    assert recommendation.reasons == (
        analysis.treatment("canary").result("latency_ms").describe()[:1].upper()
        + analysis.treatment("canary").result("latency_ms").describe()[1:],)
    assert "inferior (worse than the 5% margin allows)" in recommendation.reasons[0]


def test_a_significantly_worse_primary_rolls_back() -> None:
    analysis = analyse([_arm("control", 2_000), _arm("treatment", 2_000, quality=0.66)],
                       METRICS, DESIGN)
    assert analysis.recommendation.action is Action.ROLLBACK
    assert analysis.treatment("treatment").primary.decision is Decision.WORSE
    assert "significantly worse since look 1" in analysis.recommendation.reasons[0]


def test_no_difference_yet_keeps_running_with_the_days_the_slowest_question_needs() -> None:
    analysis = analyse([_arm("control", 100), _arm("treatment", 100, quality=0.705)],
                       METRICS, DESIGN)
    recommendation = analysis.recommendation
    assert recommendation.action is Action.KEEP_RUNNING and recommendation.arm is None
    treatment = analysis.treatment("treatment")
    days, unknown = treatment.days_to_decision()
    assert unknown == () and days is not None and days > 0
    assert recommendation.days_to_decision == days
    primary_days = treatment.timings[0].sequential_days
    assert primary_days is not None and days >= primary_days
    assert any("no significant difference yet" in r for r in recommendation.reasons)


def test_with_two_treatments_each_is_tested_at_half_alpha_and_the_better_is_promoted() -> None:
    analysis = analyse([_arm("control", 2_000), _arm("a", 2_000, quality=0.72),
                        _arm("b", 2_000, quality=0.73)], METRICS, DESIGN)
    assert analysis.alpha_per_treatment == pytest.approx(0.025)
    assert all(r.alpha == pytest.approx(0.025) for t in analysis.treatments for r in t.results)
    assert analysis.recommendation.action is Action.PROMOTE
    assert analysis.recommendation.arm == "b"


def test_an_experiment_without_data_keeps_running_and_says_why() -> None:
    empty = {m.name: Moments() for m in METRICS}
    nothing: dict[str, list[Moments]] = {m.name: [] for m in METRICS}
    analysis = analyse([ArmData("control", 1, 0, empty, nothing),
                        ArmData("treatment", 1, 0, empty, nothing)], METRICS, DESIGN)
    recommendation = analysis.recommendation
    assert recommendation.action is Action.KEEP_RUNNING
    assert recommendation.days_to_decision is None
    assert any("no traffic yet" in r for r in recommendation.reasons)
    assert len(set(recommendation.reasons)) == len(recommendation.reasons)
    text = json.dumps(analysis.as_payload(), allow_nan=False)
    assert json.loads(text)["recommendation"]["action"] == "keep_running"


def test_the_payload_of_a_full_analysis_is_json_without_nan() -> None:
    analysis = analyse([_arm("control", 300), _arm("treatment", 300, quality=0.71)], METRICS,
                       DESIGN)
    payload = json.loads(json.dumps(analysis.as_payload(), allow_nan=False))
    assert payload["arms"] == ["control", "treatment"]
    assert [r["metric"] for r in payload["treatments"][0]["results"]] == [
        "quality", "latency_ms", "refusal"]
    assert len(payload["treatments"][0]["sequential"][0]["looks"]) == DAYS


def test_every_problem_of_the_input_is_reported_at_once() -> None:
    control = _arm("control", 10)
    partial = ArmData("control", 1, 10, {"quality": Moments()}, {"quality": [Moments()]})
    with pytest.raises(InvalidInput) as raised:
        analyse([control, partial], [QUALITY, MetricSpec("other"), LATENCY], DESIGN)
    message = str(raised.value)
    for part in ("arm names given more than once: control", "2 primary metrics (quality, other)",
                 "arm control has no pooled moments of other",
                 "the arms have different numbers of looks of quality (14, 1)"):
        assert part in message
    with pytest.raises(InvalidInput, match="there is 1 arm;"):
        analyse([control], METRICS, DESIGN)


def test_an_online_result_against_the_offline_delta_is_told() -> None:
    online = compare(exact(5_000, 0.70, 0.2), exact(5_000, 0.68, 0.2), QUALITY, DESIGN)
    assert online.decision is Decision.WORSE
    sentence = contradicts_offline(online, 0.03)
    assert sentence.startswith("Online, quality is significantly lower (worse) in arm treatment "
                               "than in the control (−2.9%, p = ")
    assert "the offline evaluation found the candidate higher (better) than production " \
           "(+0.03)" in sentence
    assert contradicts_offline(online, -0.01) == ""
    assert contradicts_offline(online, None) == ""
    assert contradicts_offline(online, 0.0) == ""
    unsure = compare(exact(50, 0.70, 0.2), exact(50, 0.69, 0.2), QUALITY, DESIGN)
    assert contradicts_offline(unsure, 0.03) == ""
