"""The charts' geometry: every drawn coordinate inside the chart, values in order along their
axis, missing and non-finite values left undrawn (and named), huge values without overflow."""

from __future__ import annotations

import math

import pytest

from modelsteward.web.charts import (
    WIDTH,
    Scale,
    bar_chart,
    interval_chart,
    line_chart,
    number,
    scale,
)

NOT_FINITE = [math.nan, math.inf, -math.inf]


def _inside(x: float, width: float = WIDTH) -> bool:
    return math.isfinite(x) and 0 <= x <= width


def test_a_scale_keeps_its_values_in_order_and_inside() -> None:
    axis = scale([3.0, -2.0, 10.0], 100, 500)
    xs = [axis.at(v) for v in (-2.0, 0.0, 3.0, 10.0)]
    assert xs == sorted(xs) and all(100 < x < 500 for x in xs)
    assert [t.text for t in axis.ticks()][1] == "0"  # zero is inside: ticked


def test_a_scale_without_values_or_with_one_still_has_a_span() -> None:
    assert scale([], 0, 100) == Scale(-1.0, 1.0, 0, 100)
    assert scale([None, math.nan], 0, 100) == Scale(-1.0, 1.0, 0, 100)
    one = scale([42.0], 0, 100)
    assert one.low < 42 < one.high and one.at(42.0) == 50.0
    assert scale([0.0], 0, 100).at(0.0) == 50.0


def test_huge_values_are_scaled_without_overflow() -> None:
    axis = scale([-1.7e308, 1.7e308], 0, 100)
    assert math.isfinite(axis.low) and math.isfinite(axis.high)
    assert 0 <= axis.at(-1.7e308) < axis.at(0.0) < axis.at(1.7e308) <= 100
    chart = bar_chart([("a", 1e300), ("b", -1e300), ("c", 1.0)])
    assert all(_inside(b.x) and _inside(b.x + b.width) for b in chart.bars)
    assert chart.bars[0].text == "1e+300"


def test_an_interval_chart_places_estimates_on_their_intervals() -> None:
    chart = interval_chart([("treatment", 3.0, -1.0, 7.0), ("treatment-2", -4.0, -6.0, -2.0)],
                           margin=-5.0)
    first, second = chart.rows
    assert first.low is not None and first.high is not None and first.estimate is not None
    assert first.low < chart.zero < first.estimate < first.high
    assert second.high is not None and second.estimate is not None
    assert second.high < chart.zero and second.estimate < chart.zero
    assert chart.margin is not None and chart.margin < chart.zero
    assert first.y < second.y and chart.height > second.y
    assert chart.missing == ()


def test_an_interval_with_its_ends_reversed_is_drawn_low_to_high() -> None:
    [row] = interval_chart([("arm", 1.0, 4.0, -2.0)]).rows
    assert row.low is not None and row.high is not None and row.low < row.high


@pytest.mark.parametrize("bad", NOT_FINITE)
def test_a_non_finite_estimate_is_not_drawn_but_named(bad: float) -> None:
    chart = interval_chart([("good", 1.0, 0.5, 1.5), ("bad", bad, bad, bad)], margin=bad)
    assert chart.missing == ("bad",)
    assert chart.rows[1].estimate is None and chart.rows[1].low is None
    assert chart.margin is None
    assert _inside(chart.zero) and chart.rows[0].estimate is not None


def test_an_estimate_without_an_interval_is_drawn_alone() -> None:
    [row] = interval_chart([("arm", 2.0, None, None)]).rows
    assert row.estimate is not None and row.low is None and row.high is None


def test_an_empty_interval_chart_has_its_zero_line_and_no_row() -> None:
    chart = interval_chart([])
    assert chart.rows == () and _inside(chart.zero) and chart.height > 0


def test_bars_grow_from_zero_both_ways() -> None:
    chart = bar_chart([("up", 10.0), ("down", -5.0), ("none", None)], planned=[8.0, None])
    up, down, none = chart.bars
    assert up.x == chart.zero and up.width > 0
    assert down.x + down.width == pytest.approx(chart.zero) and down.x < chart.zero
    assert up.width > down.width  # 10 is longer than 5
    assert none.width == 0 and none.text == "n/a" and chart.missing == ("none",)
    assert up.plan is not None and chart.zero < up.plan < up.x + up.width
    assert down.plan is None


@pytest.mark.parametrize("bad", NOT_FINITE)
def test_a_non_finite_bar_is_missing(bad: float) -> None:
    chart = bar_chart([("a", bad), ("b", 2.0)], planned=[bad, bad])
    assert chart.missing == ("a",) and chart.bars[0].width == 0
    assert chart.bars[1].width > 0 and chart.bars[0].plan is None


def test_an_empty_bar_chart() -> None:
    chart = bar_chart([])
    assert chart.bars == () and chart.height > 0


def test_a_line_chart_spaces_points_and_puts_higher_values_higher() -> None:
    chart = line_chart([("1.0.0", 0.9), ("1.1.0", 0.95), ("1.2.0", -0.1)], marked=[1])
    a, b, c = chart.points
    assert a.x < b.x < c.x
    assert b.y < a.y < c.y  # SVG's y grows downwards
    assert b.marked and not a.marked and all(p.labelled for p in (a, b, c))
    assert chart.path == f"{a.x},{a.y} {b.x},{b.y} {c.x},{c.y}"
    assert chart.high.text == "0.95" and chart.low.text == "-0.1"
    assert all(0 <= p.y <= chart.height for p in chart.points)


def test_a_line_chart_skips_missing_values_and_labels_only_ends_and_marks() -> None:
    items = [(f"v{i}", float(i)) for i in range(10)]
    items[4] = ("v4", math.nan)
    chart = line_chart(items, marked=[6])
    assert chart.missing == ("v4",) and len(chart.points) == 9
    assert [p.label for p in chart.points if p.labelled] == ["v0", "v6", "v9"]


def test_a_line_chart_of_one_point_or_none() -> None:
    [only] = line_chart([("1.0.0", 5.0)]).points
    assert _inside(only.x) and only.labelled
    empty = line_chart([])
    assert empty.points == () and empty.path == ""


def test_numbers_are_printed_with_three_significant_digits() -> None:
    assert number(0.123456) == "0.123" and number(-12345.0) == "-1.23e+04"
    assert number(None) == "n/a" and number(math.nan) == "n/a" and number(math.inf) == "n/a"


def test_a_line_chart_draws_its_reference_inside_its_scale() -> None:
    chart = line_chart([("a", 0.01), ("b", 0.02)], reference=0.05)
    assert chart.reference is not None and chart.reference.text == "0.05"
    assert all(chart.reference.at < p.y for p in chart.points)  # above: a higher value
    assert 0 <= chart.reference.at <= chart.height
    assert line_chart([("a", 1.0)], reference=math.nan).reference is None
    assert line_chart([("a", 1.0)]).reference is None
