"""Time to a decision: the fixed-horizon sample size is the textbook one, the days follow from
the traffic, and where nothing can be estimated the reason is given. (That the sequential
sample size reaches the design's power is simulated in ``test_sequential.py``.)"""

from __future__ import annotations

import json
import math
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.analysis import time_to_decision
from modelsteward.domain.outcomes import Design, MetricKind, MetricSpec, Moments
from modelsteward.errors import InvalidInput
from tests.analysis.simulation import exact

QUALITY = MetricSpec("quality")


def _two_sided_power(control: float, ratio: float, standardised: float, alpha: float) -> float:
    """The power of the two-sided z-test at ``control`` units and ``ratio`` times as many
    treated, for an effect of ``standardised`` standard deviations: both tails count."""
    normal = NormalDist()
    shift = standardised / math.sqrt(1 / control + 1 / (ratio * control))
    z = normal.inv_cdf(1 - alpha / 2)
    return normal.cdf(shift - z) + normal.cdf(-shift - z)


@settings(max_examples=25, deadline=None)
@given(mean=st.floats(1.0, 1000.0), cv=st.floats(0.05, 2.0), mde=st.floats(0.005, 0.5),
       ratio=st.floats(0.1, 10.0), power=st.floats(0.5, 0.95), alpha=st.floats(0.01, 0.2))
def test_the_fixed_horizon_size_is_the_smallest_with_the_designs_power(
        mean: float, cv: float, mde: float, ratio: float, power: float, alpha: float) -> None:
    """At the control's ``n`` (and ``ratio · n`` treated) the two-sided z-test for an effect of
    ``mde · mean`` has at least the design's power, and one unit fewer has less (or ``n`` is
    the two-unit floor); the sequential test always needs more."""
    design = Design(alpha=alpha, power=power, mde=mde)
    sd = cv * mean
    timing = time_to_decision(exact(5000, mean, sd), exact(5000, mean, sd), QUALITY, design,
                              daily_control=100.0, daily_treatment=100.0 * ratio)
    assert timing.fixed_control is not None and timing.fixed_treatment is not None
    standardised = mde / cv
    assert _two_sided_power(timing.fixed_control, ratio, standardised, alpha) >= power - 1e-6
    if timing.fixed_control > 2:
        assert _two_sided_power(timing.fixed_control - 1, ratio, standardised, alpha) < power
    assert timing.sequential_control is not None
    assert timing.sequential_control >= timing.fixed_control


def test_the_days_are_those_the_slower_arm_needs_at_its_traffic() -> None:
    design = Design(alpha=0.05, power=0.8, mde=0.02)
    timing = time_to_decision(exact(500, 10.0, 2.0), exact(250, 10.0, 2.0), QUALITY, design,
                              daily_control=100.0, daily_treatment=50.0)
    assert timing.fixed_control is not None and timing.fixed_treatment is not None
    assert timing.fixed_days == math.ceil((timing.fixed_treatment - 250) / 50.0)
    assert timing.sequential_days is not None and timing.sequential_days > timing.fixed_days
    done = time_to_decision(exact(10**6, 10.0, 2.0), exact(10**6, 10.0, 2.0), QUALITY, design,
                            daily_control=1.0, daily_treatment=1.0)
    assert done.fixed_days == done.sequential_days == 0


def test_a_proportion_uses_the_binomial_variance() -> None:
    rate = MetricSpec("conversion", kind=MetricKind.PROPORTION)
    design = Design(alpha=0.05, power=0.8, mde=0.1)
    timing = time_to_decision(Moments(10_000, 1000.0, 1000.0), Moments(10_000, 1000.0, 1000.0),
                              rate, design, daily_control=1.0, daily_treatment=1.0)
    z = NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)
    assert timing.fixed_control == pytest.approx(2 * z * z * 0.09 / 0.01 ** 2, rel=0.01)


@pytest.mark.parametrize(("control", "treatment", "daily", "reason"), [
    (exact(100, 10.0, 2.0), exact(100, 10.0, 2.0), (0.0, 10.0), "no traffic yet in the control"),
    (exact(100, 10.0, 2.0), Moments(), (10.0, 0.0), "no traffic yet in the treatment"),
    (Moments.of([1.0]), Moments(), (10.0, 10.0), "fewer than two observations"),
    (Moments.of([-1.0, 1.0]), Moments.of([1.0, 2.0]), (10.0, 10.0), "mean of quality is 0"),
    (Moments.of([2.0, 2.0]), Moments.of([2.0, 2.0]), (10.0, 10.0), "do not vary"),
])
def test_no_estimate_without_traffic_or_spread_and_the_reason_says_so(
        control: Moments, treatment: Moments, daily: tuple[float, float], reason: str) -> None:
    timing = time_to_decision(control, treatment, QUALITY, Design(), daily_control=daily[0],
                              daily_treatment=daily[1])
    assert reason in timing.reason
    assert timing.fixed_days is None and timing.sequential_control is None
    json.dumps(timing.as_payload(), allow_nan=False)


def test_a_traffic_or_tau_that_cannot_be_is_refused() -> None:
    with pytest.raises(InvalidInput, match="daily traffic of the treatment"):
        time_to_decision(Moments(), Moments(), QUALITY, Design(), daily_control=1.0,
                         daily_treatment=math.nan)
    with pytest.raises(InvalidInput, match="tau"):
        time_to_decision(Moments(), Moments(), QUALITY, Design(), daily_control=1.0,
                         daily_treatment=1.0, tau=-1.0)
