"""The fixed-horizon comparison: the same tests SciPy and statsmodels compute on the raw data,
lift intervals that cover the true lift as often as they claim, guardrails read in the metric's
direction, and no exception or NaN on degenerate data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from modelsteward.analysis import Decision, compare
from modelsteward.domain.direction import Direction
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec, Moments
from modelsteward.errors import InvalidInput
from tests.analysis.simulation import Floats, bernoulli_looks, exact, normal_looks

DESIGN = Design(alpha=0.05)
QUALITY = MetricSpec("quality")
RATE = MetricSpec("conversion", kind=MetricKind.PROPORTION)
LATENCY = MetricSpec("latency_ms", direction=Direction.LOWER_IS_BETTER,
                     role=MetricRole.GUARDRAIL, margin=0.05)


def _moments(values: Floats) -> Moments:
    return Moments.of([float(v) for v in values])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_c=st.integers(2, 300), n_t=st.integers(2, 300),
       shift=st.floats(-1.0, 1.0), sd_c=st.floats(0.1, 10.0), sd_t=st.floats(0.1, 10.0))
def test_welch_equals_scipy_on_the_raw_observations(seed: int, n_c: int, n_t: int,
                                                    shift: float, sd_c: float,
                                                    sd_t: float) -> None:
    """Welch's p-value and the difference's interval are what ``scipy.stats.ttest_ind(...,
    equal_var=False)`` gives on the observations the moments were summed from."""
    rng = np.random.default_rng(seed)
    control, treatment = rng.normal(5.0, sd_c, n_c), rng.normal(5.0 + shift, sd_t, n_t)
    found = compare(_moments(control), _moments(treatment), QUALITY, DESIGN)
    reference = stats.ttest_ind(treatment, control, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert found.p_value == pytest.approx(float(reference.pvalue), rel=1e-6, abs=1e-12)
    assert found.difference_interval == pytest.approx((float(interval.low),
                                                       float(interval.high)), rel=1e-6)
    assert found.difference == pytest.approx(treatment.mean() - control.mean(), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_c=st.integers(20, 3000), n_t=st.integers(20, 3000),
       rate_c=st.floats(0.02, 0.98), rate_t=st.floats(0.02, 0.98))
def test_two_proportions_equal_statsmodels_and_the_chi_square_of_the_table(
        seed: int, n_c: int, n_t: int, rate_c: float, rate_t: float) -> None:
    """The pooled two-proportion z-test on the raw 0/1 observations, and Pearson's chi-square
    of the 2×2 table without continuity correction (the same test: chi² = z²)."""
    rng = np.random.default_rng(seed)
    control = (rng.random(n_c) < rate_c).astype(float)
    treatment = (rng.random(n_t) < rate_t).astype(float)
    successes = [int(treatment.sum()), int(control.sum())]
    if sum(successes) in (0, n_c + n_t):
        return  # no variance: tested among the edge cases
    found = compare(_moments(control), _moments(treatment), RATE, DESIGN)
    _, p_z = proportions_ztest(successes, [n_t, n_c])
    table = [[successes[0], n_t - successes[0]], [successes[1], n_c - successes[1]]]
    p_chi = stats.chi2_contingency(table, correction=False).pvalue
    assert found.p_value == pytest.approx(float(p_z), rel=1e-9, abs=1e-15)
    assert found.p_value == pytest.approx(float(p_chi), rel=1e-6, abs=1e-12)


def _coverage(kind: MetricKind, experiments: int) -> float:
    rng = np.random.default_rng(20261206)
    if kind is MetricKind.MEAN:
        looks, truth = normal_looks(rng, experiments, 1, 400, (10.0, 10.5), 3.0), 0.05
    else:
        looks, truth = bernoulli_looks(rng, experiments, 1, 2000, (0.10, 0.12)), 0.2
    spec = QUALITY if kind is MetricKind.MEAN else RATE
    covered = 0
    for e in range(experiments):
        interval = compare(looks.moments(e, 0, 0), looks.moments(e, 1, 0), spec,
                           DESIGN).lift_interval
        assert interval is not None
        covered += interval[0] <= truth <= interval[1]
    return covered / experiments


@pytest.mark.parametrize("kind", list(MetricKind))
def test_the_lift_interval_covers_the_true_lift_as_often_as_it_says(kind: MetricKind) -> None:
    """Over 1,000 simulated experiments (fixed seed) the 95% delta-method interval holds the
    true relative lift in 95% of them, within three standard errors of the simulation."""
    experiments = 1000
    se = math.sqrt(0.95 * 0.05 / experiments)
    assert abs(_coverage(kind, experiments) - 0.95) <= 3 * se


def test_a_latency_ten_percent_slower_is_inferior_to_a_five_percent_margin() -> None:
    found = compare(exact(20_000, 200.0, 40.0), exact(20_000, 220.0, 40.0), LATENCY, DESIGN)
    assert found.decision is Decision.INFERIOR
    assert found.lift == pytest.approx(0.10)
    assert found.margin_p_value is not None and found.margin_p_value > 0.5
    assert "inferior (worse than the 5% margin allows)" in found.describe()


def test_a_latency_one_percent_slower_on_large_samples_is_non_inferior() -> None:
    found = compare(exact(50_000, 200.0, 40.0), exact(50_000, 202.0, 40.0), LATENCY, DESIGN)
    assert found.decision is Decision.NON_INFERIOR
    assert found.lift_interval is not None and found.lift_interval[1] < 0.05
    assert found.margin_p_value is not None and found.margin_p_value < DESIGN.alpha / 2
    assert found.significant  # slower, significantly: yet within the margin


def test_a_faster_latency_is_non_inferior_and_a_lower_quality_inferior() -> None:
    """Worse is higher for a lower-is-better metric and lower for a higher-is-better one."""
    faster = compare(exact(5_000, 200.0, 40.0), exact(5_000, 180.0, 40.0), LATENCY, DESIGN)
    assert faster.decision is Decision.NON_INFERIOR
    quality = MetricSpec("quality", role=MetricRole.GUARDRAIL, margin=0.05)
    lower = compare(exact(5_000, 0.8, 0.1), exact(5_000, 0.7, 0.1), quality, DESIGN)
    assert lower.decision is Decision.INFERIOR


def test_a_small_sample_leaves_a_guardrail_inconclusive() -> None:
    found = compare(exact(30, 200.0, 40.0), exact(30, 202.0, 40.0), LATENCY, DESIGN)
    assert found.decision is Decision.INCONCLUSIVE


@pytest.mark.parametrize(("direction", "treatment_mean", "decision"), [
    (Direction.HIGHER_IS_BETTER, 10.5, Decision.BETTER),
    (Direction.HIGHER_IS_BETTER, 9.5, Decision.WORSE),
    (Direction.LOWER_IS_BETTER, 9.5, Decision.BETTER),
    (Direction.LOWER_IS_BETTER, 10.5, Decision.WORSE),
    (Direction.HIGHER_IS_BETTER, 10.01, Decision.NO_DIFFERENCE),
])
def test_a_primary_is_better_or_worse_in_its_direction(direction: Direction,
                                                       treatment_mean: float,
                                                       decision: Decision) -> None:
    spec = MetricSpec("score", direction=direction)
    found = compare(exact(1_000, 10.0, 2.0), exact(1_000, treatment_mean, 2.0), spec, DESIGN)
    assert found.decision is decision
    assert found.margin_p_value is None


MEAN_GUARDRAIL = MetricSpec("cost", direction=Direction.LOWER_IS_BETTER,
                            role=MetricRole.GUARDRAIL, margin=0.1)
EDGES = {
    "both empty": (Moments(), Moments()),
    "control empty": (Moments(), Moments.of([1.0, 2.0, 3.0])),
    "one observation each": (Moments.of([1.0]), Moments.of([2.0])),
    "one observation in the treatment": (Moments.of([1.0, 2.0]), Moments.of([2.0])),
    "no variance, same values": (Moments.of([3.0] * 5), Moments.of([3.0] * 7)),
    "no variance, other values": (Moments.of([3.0] * 5), Moments.of([4.0] * 7)),
    "control mean 0": (Moments.of([-1.0, 1.0, 0.0]), Moments.of([1.0, 2.0, 0.5])),
    "both means 0": (Moments.of([-1.0, 1.0]), Moments.of([-2.0, 2.0])),
    "all zero": (Moments.of([0.0] * 4), Moments.of([0.0] * 4)),
    "treatment all zero": (Moments.of([1.0, 3.0]), Moments.of([0.0, 0.0])),
}


@pytest.mark.parametrize("spec", [QUALITY, MEAN_GUARDRAIL], ids=["primary", "guardrail"])
@pytest.mark.parametrize("name", list(EDGES))
def test_degenerate_data_give_none_and_reasons_never_nan(name: str, spec: MetricSpec) -> None:
    control, treatment = EDGES[name]
    found = compare(control, treatment, spec, DESIGN)
    json.dumps(found.as_payload(), allow_nan=False)
    assert "nan" not in found.describe().lower()
    if found.decision is Decision.UNTESTED:
        assert found.notes
    if found.p_value is None:
        assert found.decision is Decision.UNTESTED
    if found.lift is None and found.difference is not None:
        assert any("relative lift is undefined" in note for note in found.notes)


@pytest.mark.parametrize(("control", "treatment"), [
    (Moments(100, 0.0, 0.0), Moments(100, 0.0, 0.0)),
    (Moments(100, 100.0, 100.0), Moments(100, 100.0, 100.0)),
    (Moments(100, 0.0, 0.0), Moments(100, 3.0, 3.0)),
    (Moments(1, 1.0, 1.0), Moments(0)),
])
def test_degenerate_proportions_are_answered_without_nan(control: Moments,
                                                          treatment: Moments) -> None:
    for spec in (RATE, MetricSpec("refusal", kind=MetricKind.PROPORTION, role=MetricRole.GUARDRAIL,
                                  direction=Direction.LOWER_IS_BETTER, margin=0.1)):
        found = compare(control, treatment, spec, DESIGN)
        json.dumps(found.as_payload(), allow_nan=False)


def test_no_variance_in_either_arm_is_untested_with_the_reason() -> None:
    found = compare(Moments.of([3.0] * 5), Moments.of([4.0] * 7), QUALITY, DESIGN)
    assert found.decision is Decision.UNTESTED and found.difference == 1.0
    assert "vary" in found.notes[0]


@pytest.mark.parametrize(("moments", "spec", "says"), [
    (Moments(-1, 0.0, 0.0), QUALITY, "count -1"),
    (Moments(3, math.nan, 1.0), QUALITY, "not finite"),
    (Moments(3, 1.0, -1.0), QUALITY, "negative"),
    (Moments(0, 2.0, 4.0), QUALITY, "no observations but a non-zero sum"),
    (Moments(10, 11.0, 11.0), RATE, "11 successes out of 10"),
])
def test_moments_that_cannot_be_are_refused_with_a_sentence(moments: Moments, spec: MetricSpec,
                                                            says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        compare(Moments.of([0.0, 1.0]), moments, spec, DESIGN)
