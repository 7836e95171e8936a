"""Assignment is GrowthBook's: for 10,000 units under several weights, coverages and seeds,
each unit gets the arm GrowthBook's own Python SDK (``growthbook.core``) gives it; raising a
treatment's weight only moves units into the treatment."""

from __future__ import annotations

import math

import pytest
from growthbook import core as growthbook
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.assignment import (
    assign,
    bucket_ranges,
    fnv1a32,
    position,
)
from modelsteward.errors import InvalidInput

UNITS = [f"user-{n}" for n in range(9_990)] + [
    "", "42", "ünïcödé", "用户", "user-🙂", "\U0001f600\U0001f600", "tab\tand\nnewline",
    "a" * 1000, "UPPER-lower", "\u00e9 vs e\u0301"]
SETTINGS = [
    # (seed, weights, coverage)
    ("support-bot-ab", [0.5, 0.5], 1.0),
    ("support-bot-ab", [0.9, 0.1], 1.0),
    ("canary-2026-12", [0.99, 0.01], 1.0),
    ("three-arms", [1 / 3, 1 / 3, 1 / 3], 1.0),
    ("three-arms", [0.34, 0.33, 0.33], 0.5),
    ("partial", [0.5, 0.5], 0.1),
    ("partial", [0.2, 0.3, 0.5], 0.75),
    ("", [0.5, 0.5], 1.0),
    ("seed with spaces and ünïcode 🙂", [0.25, 0.25, 0.25, 0.25], 0.9),
]


def test_ten_thousand_units_get_the_arm_growthbooks_sdk_gives_them() -> None:
    assert len(UNITS) == 10_000
    for seed, weights, coverage in SETTINGS:
        ours = bucket_ranges(weights, coverage)
        theirs = growthbook.getBucketRanges(len(weights), coverage, weights)
        assert ours == [tuple(r) for r in theirs], (seed, weights, coverage)
        for unit in UNITS:
            at = growthbook.gbhash(seed, unit, 2)
            assert at is not None
            expected = growthbook.chooseVariation(at, theirs)
            arm = assign(seed, unit, ours)
            assert (-1 if arm is None else arm) == expected, (seed, weights, coverage, unit)


@given(st.text(max_size=60), st.text(max_size=60))
def test_hash_and_position_equal_growthbooks_for_any_text(seed: str, unit: str) -> None:
    assert fnv1a32(seed + unit) == growthbook.fnv1a32(seed + unit)
    assert position(seed, unit) == growthbook.gbhash(seed, unit, 2)


def test_known_fnv1a_values() -> None:
    """The published FNV-1a 32 test vectors (the empty text is the offset basis)."""
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968


@pytest.mark.parametrize("seed", ["support-bot-ab", "canary-2026-12"])
def test_raising_a_treatments_weight_only_moves_units_into_the_treatment(seed: str) -> None:
    steps = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]
    previous: dict[str, int | None] = {}
    for share in steps:
        ranges = bucket_ranges([1 - share, share])
        now = {unit: assign(seed, unit, ranges) for unit in UNITS}
        for unit, arm in previous.items():
            if arm == 1:
                assert now[unit] == 1, (unit, share)  # once in the treatment, it stays there
        previous = now
    assert all(arm == 1 for arm in previous.values())
    # and the shares come out as asked, within sampling error
    ranges = bucket_ranges([0.9, 0.1])
    treated = sum(assign(seed, unit, ranges) == 1 for unit in UNITS[:9_990])
    assert abs(treated / 9_990 - 0.1) < 4 * math.sqrt(0.1 * 0.9 / 9_990)


def test_raising_the_coverage_only_adds_units() -> None:
    before = bucket_ranges([0.5, 0.5], 0.2)
    after = bucket_ranges([0.5, 0.5], 0.6)
    for unit in UNITS:
        arm = assign("coverage", unit, before)
        if arm is not None:
            assert assign("coverage", unit, after) == arm


@pytest.mark.parametrize(("weights", "coverage", "message"), [
    ([1.0], 1.0, "at least two arms"),
    ([0.5, 0.6], 1.0, "add up to 1.1"),
    ([0.5, -0.5, 1.0], 1.0, "not a number from 0 to 1"),
    ([0.5, math.nan], 1.0, "not a number from 0 to 1"),
    ([True, False], 1.0, "not a number from 0 to 1"),
    ([0.5, 0.5], 1.5, "Coverage 1.5"),
    ([0.5, 0.5], -0.1, "Coverage -0.1"),
    ([0.5, 0.5], math.inf, "Coverage inf"),
])
def test_bad_weights_and_coverage_are_refused_with_the_fix(
        weights: list[float], coverage: float, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        bucket_ranges(weights, coverage)
