"""The mSPRT: A/A experiments looked at daily stay within alpha where a peeked t-test does not,
a true effect of the MDE is found with the design's power at the horizon the duration module
computes, and the statistic is the paper's."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from modelsteward.analysis import Decision, compare, msprt, time_to_decision
from modelsteward.analysis.sequential import SequentialResult
from modelsteward.domain.direction import Direction
from modelsteward.domain.outcomes import Design, MetricKind, MetricSpec, Moments
from modelsteward.errors import InvalidInput
from tests.analysis.simulation import Looks, bernoulli_looks, exact, normal_looks

DESIGN = Design(alpha=0.05, power=0.8, mde=0.02)
QUALITY = MetricSpec("quality")
RATE = MetricSpec("conversion", kind=MetricKind.PROPORTION)
EXPERIMENTS, DAYS = 400, 14
MEAN, SD = 10.0, 2.0


def _se(rate: float) -> float:
    return math.sqrt(rate * (1 - rate) / EXPERIMENTS)


def _run(looks: Looks, spec: MetricSpec) -> list[SequentialResult]:
    return [msprt(looks.pairs(e), spec, DESIGN) for e in range(looks.experiments)]


def _check_always_valid_shape(result: SequentialResult) -> None:
    """The p-value never rises and stays in [0, 1]; intervals only narrow; and p ≤ alpha
    exactly when the interval leaves 0 out."""
    previous_p, previous = 1.0, (-math.inf, math.inf)
    for look in result.looks:
        assert 0 <= look.p_value <= previous_p <= 1
        if look.interval is not None:
            low, high = look.interval
            assert previous[0] <= low <= high <= previous[1]
            assert (look.p_value <= result.alpha) == (not low <= 0 <= high)
            previous = look.interval
        previous_p = look.p_value


def _peeked_t_test_rate(looks: Looks, alpha: float) -> float:
    """How often Welch's test, read at every look and stopped at the first p < alpha, rejects."""
    n = looks.count
    means = looks.total / n
    sds = np.sqrt((looks.total_sq - looks.total ** 2 / n) / (n - 1))
    _, p = stats.ttest_ind_from_stats(means[:, 1], sds[:, 1], n, means[:, 0], sds[:, 0], n,
                                      equal_var=False)
    return float(np.any(np.asarray(p) < alpha, axis=1).mean())


def test_an_aa_experiment_looked_at_daily_rejects_at_most_alpha_where_a_peeked_t_test_does_not(
) -> None:
    """400 A/A experiments (fixed seed), 14 daily looks of 50 units per arm: the mSPRT's
    false-positive rate is at most alpha plus three standard errors of the simulation, while
    Welch's test read every day and acted on at the first p < alpha exceeds alpha by more
    than three standard errors — why the decision is left to the sequential test."""
    looks = normal_looks(np.random.default_rng(11), EXPERIMENTS, DAYS, 50, (MEAN, MEAN), SD)
    results = _run(looks, QUALITY)
    false_positives = sum(r.decided_at is not None for r in results) / EXPERIMENTS
    assert false_positives <= DESIGN.alpha + 3 * _se(DESIGN.alpha)
    assert _peeked_t_test_rate(looks, DESIGN.alpha) > DESIGN.alpha + 3 * _se(DESIGN.alpha)
    for result in results:
        _check_always_valid_shape(result)


def test_an_aa_experiment_on_a_proportion_rejects_at_most_alpha() -> None:
    looks = bernoulli_looks(np.random.default_rng(12), EXPERIMENTS, DAYS, 200, (0.1, 0.1))
    results = _run(looks, RATE)
    assert sum(r.decided_at is not None for r in results) / EXPERIMENTS \
        <= DESIGN.alpha + 3 * _se(DESIGN.alpha)


def test_an_effect_of_the_mde_is_found_with_the_designs_power() -> None:
    """A true lift of the MDE (2% of a mean of 10, sd 2). Each test is run at the sample size
    :func:`time_to_decision` gives it for the design's power (80%): the fixed-horizon test
    read once at its ``n`` (about 1,570 per arm), and the mSPRT looked at daily for 14 days
    up to its larger ``n`` (about 3,050 per arm: always-valid inference costs units, and
    that horizon is the one the analysis waits for). Each finds the effect in at least 80% of
    400 simulated experiments, within three standard errors; the mSPRT read only up to the
    fixed-horizon ``n`` does not, which is why it needs its own."""
    pilot = exact(10_000, MEAN, SD)
    treated = exact(10_000, MEAN * (1 + DESIGN.mde), SD)
    timing = time_to_decision(pilot, treated, QUALITY, DESIGN, daily_control=1.0,
                              daily_treatment=1.0)
    assert timing.fixed_control is not None and timing.sequential_control is not None
    floor = DESIGN.power - 3 * _se(DESIGN.power)
    effect = (MEAN, MEAN * (1 + DESIGN.mde))

    rng = np.random.default_rng(13)
    fixed = normal_looks(rng, EXPERIMENTS, 1, timing.fixed_control, effect, SD)
    found = [compare(fixed.moments(e, 0, 0), fixed.moments(e, 1, 0), QUALITY, DESIGN)
             for e in range(EXPERIMENTS)]
    assert sum(r.decision is Decision.BETTER for r in found) / EXPERIMENTS >= floor

    per_day = math.ceil(timing.sequential_control / DAYS)
    sequential = _run(normal_looks(rng, EXPERIMENTS, DAYS, per_day, effect, SD), QUALITY)
    assert sum(r.decision is Decision.BETTER for r in sequential) / EXPERIMENTS >= floor

    short = _run(normal_looks(rng, EXPERIMENTS, DAYS, math.ceil(timing.fixed_control / DAYS),
                              effect, SD), QUALITY)
    assert sum(r.decision is Decision.BETTER for r in short) / EXPERIMENTS < DESIGN.power


def test_the_statistic_is_the_papers_for_equal_arms() -> None:
    """Johari et al.'s Λ_n = sqrt(2s² / (2s² + nτ²)) · exp(n²τ²θ̂² / (4s²(2s² + nτ²))) for n
    units per arm of common variance s²; the always-valid p-value is its reciprocal."""
    n, s, tau, theta = 400, 2.0, 0.3, 0.35
    result = msprt([(exact(n, 10.0, s), exact(n, 10.0 + theta, s))], QUALITY, DESIGN, tau=tau)
    s2, t2 = s * s, tau * tau
    paper = math.sqrt(2 * s2 / (2 * s2 + n * t2)) \
        * math.exp(n * n * t2 * theta ** 2 / (4 * s2 * (2 * s2 + n * t2)))
    assert result.p_value == pytest.approx(1 / paper, rel=1e-9)
    assert result.tau == tau


def test_tau_defaults_to_the_mde_in_the_metrics_units_from_the_first_usable_look() -> None:
    looks = [(Moments.of([0.0]), Moments()), (exact(100, 50.0, 5.0), exact(100, 51.0, 5.0)),
             (exact(200, 60.0, 5.0), exact(200, 61.0, 5.0))]
    result = msprt(looks, QUALITY, DESIGN)
    assert result.tau == pytest.approx(DESIGN.mde * 50.0)
    assert result.looks[0].interval is None and result.looks[0].p_value == 1.0


def test_a_drop_in_a_lower_is_better_metric_is_better() -> None:
    latency = MetricSpec("latency_ms", direction=Direction.LOWER_IS_BETTER)
    looks = [(exact(n, 200.0, 20.0), exact(n, 190.0, 20.0)) for n in (500, 1000, 1500)]
    result = msprt(looks, latency, DESIGN)
    assert result.decision is Decision.BETTER and result.decided_at == 1
    assert result.interval is not None and result.interval[1] < 0
    assert "significantly better since look 1" in result.describe()


@pytest.mark.parametrize("looks", [
    [],
    [(Moments(), Moments())],
    [(Moments.of([1.0]), Moments.of([2.0]))],
    [(Moments.of([3.0, 3.0]), Moments.of([3.0, 3.0]))],
    [(Moments.of([-1.0, 1.0]), Moments.of([1.0, 2.0]))],
])
def test_looks_that_allow_no_test_are_untested_and_json_safe(
        looks: list[tuple[Moments, Moments]]) -> None:
    result = msprt(looks, QUALITY, DESIGN)
    assert result.decision is Decision.UNTESTED and result.notes
    assert result.p_value == 1.0
    json.dumps(result.as_payload(), allow_nan=False)


def test_looks_must_be_cumulative_and_tau_positive() -> None:
    with pytest.raises(InvalidInput, match="look 2 has fewer observations than look 1"):
        msprt([(exact(100, 1.0, 1.0), exact(100, 1.0, 1.0)),
               (exact(90, 1.0, 1.0), exact(110, 1.0, 1.0))], QUALITY, DESIGN)
    with pytest.raises(InvalidInput, match="tau"):
        msprt([], QUALITY, DESIGN, tau=0.0)
