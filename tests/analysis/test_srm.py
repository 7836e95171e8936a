"""Sample-ratio mismatch: a broken split of 100,000 units is caught, a fair one is not, and the
sentence says which arm got what."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelsteward.analysis import SRM_THRESHOLD, srm
from modelsteward.errors import InvalidInput

ARMS = ["control", "treatment"]


def test_a_48_52_split_of_a_50_50_experiment_is_a_mismatch() -> None:
    check = srm([48_000, 52_000], [0.5, 0.5], ARMS)
    assert check.mismatch and check.p_value is not None and check.p_value < 1e-30
    assert check.sentence.startswith("arm treatment got 52.0% of units where 50.0% were "
                                     "expected (p = ")
    assert check.sentence.endswith("the split is broken, the decision is blocked until it is "
                                   "fixed")


def test_a_fair_split_of_100000_units_sampled_binomially_is_not_a_mismatch() -> None:
    treated = int(np.random.default_rng(20261206).binomial(100_000, 0.5))
    check = srm([100_000 - treated, treated], [0.5, 0.5], ARMS)
    assert not check.mismatch and check.p_value is not None
    assert check.p_value >= SRM_THRESHOLD
    assert check.sentence.startswith("the split follows the weights")


@settings(max_examples=50, deadline=None)
@given(counts=st.lists(st.integers(0, 10**6), min_size=2, max_size=5),
       scale=st.floats(0.01, 1000.0))
def test_the_p_value_is_pearsons_and_the_weights_scale_freely(counts: list[int],
                                                              scale: float) -> None:
    weights = [1.0 + i for i in range(len(counts))]
    check = srm(counts, weights)
    scaled = srm(counts, [w * scale for w in weights])
    assert scaled.mismatch == check.mismatch
    if sum(counts) == 0:
        assert check.p_value is None and not check.mismatch
        return
    expected = [sum(counts) * w / sum(weights) for w in weights]
    reference = float(stats.chisquare(counts, expected).pvalue)
    assert check.p_value == pytest.approx(reference, rel=1e-9, abs=1e-300)
    assert scaled.p_value == pytest.approx(reference, rel=1e-6, abs=1e-300)


def test_arms_of_weight_zero_take_no_part_unless_units_reach_them() -> None:
    assert not srm([50_000, 50_100, 0], [1, 1, 0], ["a", "b", "off"]).mismatch
    stray = srm([50_000, 50_100, 3], [1, 1, 0], ["a", "b", "off"])
    assert stray.mismatch and stray.sentence.startswith("arm off got 3 units where none")


def test_nothing_to_check_is_no_mismatch_and_says_why() -> None:
    assert srm([0, 0], [1, 1]).sentence == "the split cannot be checked: no units yet"
    assert srm([10, 0], [1, 0]).sentence == "the split cannot be checked: only one arm has weight"


def test_every_problem_of_the_input_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        srm([10, -1, 2.5], [1.0, float("nan")], threshold=2)  # type: ignore[list-item]
    message = str(raised.value)
    for part in ("3 counts, 2 weights and 3 names", "counts[1] = -1", "counts[2] = 2.5",
                 "weights[1] = nan", "threshold 2"):
        assert part in message
    with pytest.raises(InvalidInput, match="no arm has a weight above 0"):
        srm([1, 2], [0, 0])
