"""The geometry of the pages' charts: numbers in, plain coordinates out, for the macros of
``templates/_charts.html`` to draw as inline SVG (no script, no other host).

Every function takes values that may be missing (``None``), and treats a value that is not a
finite number (NaN, infinity) as missing: it is never drawn, and the chart says so through its
``missing`` labels, while the page's table beside the chart shows every value as it is. Huge
magnitudes are scaled without overflowing (the span is taken on halves). Coordinates are SVG
user units, rounded to one decimal, inside ``(0, 0)``–``(width, height)``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

WIDTH = 560  # every chart's width; the SVG scales down to the page (viewBox)
LABEL = 150  # the left column, for the rows' labels
PAD = 16  # room right of the plot, and for the value ticks below it
ROW = 26  # height of one row (an interval, a bar)
LINE_HEIGHT = 90  # height of a line chart's plot


def _finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def number(value: float | None, digits: int = 3) -> str:
    """A value as the charts and their tables print it: ``3`` significant digits, ``n/a`` for
    a missing or non-finite one."""
    found = _finite(value)
    return "n/a" if found is None else f"{found:.{digits}g}"


def _short(text: str, size: int = 22) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


@dataclass(frozen=True)
class Tick:
    at: float  # the position along its axis (x, or y for a line chart's value axis)
    text: str


@dataclass(frozen=True)
class Scale:
    """A linear map of ``[low, high]`` onto ``[start, end]`` (SVG units)."""

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        half = self.high / 2 - self.low / 2  # halves: a span of ±1e308 does not overflow
        share = 0.5 if half == 0 else (value / 2 - self.low / 2) / half
        return round(self.start + share * (self.end - self.start), 1)

    def ticks(self, room: float = 32) -> tuple[Tick, ...]:
        """Zero when it lies inside, and the ends unless they would crowd a tick already
        placed (closer than ``room``), from left to right."""
        values = [0.0] if self.low <= 0 <= self.high else []
        kept: list[Tick] = []
        for value in (*values, self.low, self.high):
            at = self.at(value)
            if all(abs(at - t.at) >= room for t in kept):
                kept.append(Tick(at, number(value)))
        return tuple(sorted(kept, key=lambda t: t.at))


def scale(values: Sequence[float | None], start: float, end: float,
          include: Sequence[float] = ()) -> Scale:
    """The scale over the finite ``values`` and ``include`` (e.g. zero, a margin), widened by
    a twentieth on each side (never across zero) so that no mark sits on the frame;
    ``[-1, 1]`` when there is no value, and around a single value a band of a tenth of its
    magnitude (at least 1)."""
    found = [v for v in (*(_finite(v) for v in values), *include) if v is not None]
    if not found:
        return Scale(-1.0, 1.0, start, end)
    low, high = min(found), max(found)
    if low == high:
        band = max(abs(low) / 10, 1.0)
        return Scale(low - band, high + band, start, end)
    room = (high / 2 - low / 2) / 10  # a twentieth of the span, on halves
    # never widened across zero: bars of counts start at the plot's edge, not past it
    wide_low = max(low - room, 0.0) if low >= 0 else low - room
    wide_high = min(high + room, 0.0) if high <= 0 else high + room
    return Scale(wide_low if math.isfinite(wide_low) else low,
                 wide_high if math.isfinite(wide_high) else high, start, end)


# --- intervals: an estimate with its confidence interval per row (a forest chart) ------------


@dataclass(frozen=True)
class IntervalRow:
    label: str
    y: float  # the row's centre line
    estimate: float | None  # x of the estimate (None: not drawn)
    low: float | None  # x of the interval's ends (None: no interval)
    high: float | None


@dataclass(frozen=True)
class IntervalChart:
    width: int
    height: int
    plot: tuple[float, float]  # x where the plot starts and ends
    rows: tuple[IntervalRow, ...]
    zero: float  # x of zero (always inside: the scale includes it)
    margin: float | None  # x of the margin line (None: no margin)
    ticks: tuple[Tick, ...]
    missing: tuple[str, ...]  # rows without an estimate


def interval_chart(rows: Sequence[tuple[str, float | None, float | None, float | None]],
                   margin: float | None = None) -> IntervalChart:
    """One row per ``(label, estimate, low, high)``: the estimate as a point and its interval
    as a line, against the zero line and, when given, the ``margin`` line (a value on the
    estimates' scale, e.g. ``-5`` for "at most 5 % worse"). A row whose interval is missing
    (or not finite) shows its estimate alone; a row without an estimate is listed in
    ``missing`` and not drawn."""
    start, end = float(LABEL), float(WIDTH - PAD)
    values = [v for _, *numbers in rows for v in numbers]
    edge = _finite(margin)
    axis = scale(values, start, end, (0.0, *([edge] if edge is not None else [])))
    drawn: list[IntervalRow] = []
    missing: list[str] = []
    for index, (label, estimate, low, high) in enumerate(rows):
        y = round(PAD / 2 + index * ROW + ROW / 2, 1)
        point, lo, hi = _finite(estimate), _finite(low), _finite(high)
        if point is None:
            missing.append(label)
        ends = (axis.at(min(lo, hi)), axis.at(max(lo, hi))) \
            if lo is not None and hi is not None else (None, None)
        drawn.append(IntervalRow(_short(label), y,
                                 axis.at(point) if point is not None else None, *ends))
    height = PAD + max(len(rows), 1) * ROW + PAD
    return IntervalChart(WIDTH, height, (start, end), tuple(drawn), axis.at(0.0),
                         axis.at(edge) if edge is not None else None, axis.ticks(),
                         tuple(missing))


# --- bars: one horizontal bar per row from zero, with an optional planned mark ---------------


@dataclass(frozen=True)
class Bar:
    label: str
    y: float  # top of the bar
    x: float  # left end (zero, or the value when it is negative)
    width: float
    text: str  # the value as printed beside the bar
    text_x: float
    plan: float | None  # x of the planned value's mark (None: no plan)


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot: tuple[float, float]
    bars: tuple[Bar, ...]
    zero: float
    ticks: tuple[Tick, ...]
    missing: tuple[str, ...]
    bar_height: float


def bar_chart(items: Sequence[tuple[str, float | None]],
              planned: Sequence[float | None] = ()) -> BarChart:
    """One bar per ``(label, value)`` from the zero line (to the left for a negative value);
    ``planned`` (one per item, or empty) marks what each row should be, e.g. the units an
    arm's weight promises. A missing or non-finite value gives no bar and is listed in
    ``missing``."""
    start, end = float(LABEL), float(WIDTH - PAD - 40)  # 40: room for the printed value
    plans = list(planned) + [None] * (len(items) - len(planned))
    axis = scale([v for _, v in items] + plans, start, end, (0.0,))
    zero = axis.at(0.0)
    bars: list[Bar] = []
    missing: list[str] = []
    for index, ((label, value), plan) in enumerate(zip(items, plans, strict=False)):
        y = round(PAD / 2 + index * ROW + 4, 1)
        found, goal = _finite(value), _finite(plan)
        if found is None:
            missing.append(label)
            bars.append(Bar(_short(label), y, zero, 0.0, "n/a", zero + 4,
                            axis.at(goal) if goal is not None else None))
            continue
        x = axis.at(found)
        left, right = min(x, zero), max(x, zero)
        bars.append(Bar(_short(label), y, left, round(right - left, 1), number(found),
                        right + 4, axis.at(goal) if goal is not None else None))
    height = PAD + max(len(items), 1) * ROW + PAD
    return BarChart(WIDTH, height, (start, end), tuple(bars), zero, axis.ticks(),
                    tuple(missing), ROW - 8)


# --- lines: one value per category in order (versions), some of them marked -----------------


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    text: str
    marked: bool
    labelled: bool  # its label is drawn under it (marked, first and last: the rest crowd)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: tuple[Point, ...]
    path: str  # the polyline's points ("x,y x,y …"), through the drawn points in order
    low: Tick  # the value axis' ends: y of the lowest and highest value, with their text
    high: Tick
    missing: tuple[str, ...]
    reference: Tick | None = None  # y of a reference line (a threshold), with its value


def line_chart(items: Sequence[tuple[str, float | None]], marked: Collection[int] = (),
               reference: float | None = None) -> LineChart:
    """The values of ``items`` (``(label, value)`` in order, e.g. versions oldest first) as
    points joined by a line, evenly spaced; the items at the positions in ``marked`` (e.g. the
    production version, the version shown) are marked. Missing or non-finite values are
    skipped (the line joins their neighbours) and listed in ``missing``. A finite
    ``reference`` (e.g. a threshold) is drawn as a horizontal line, inside the scale."""
    top, bottom = float(PAD), float(PAD + LINE_HEIGHT)
    line = _finite(reference)
    axis = scale([v for _, v in items], bottom, top,  # higher values higher up
                 () if line is None else (line,))
    step = (WIDTH - PAD - LABEL) / max(len(items) - 1, 1)
    points: list[Point] = []
    missing: list[str] = []
    for index, (label, value) in enumerate(items):
        found = _finite(value)
        if found is None:
            missing.append(label)
            continue
        x = round(LABEL + index * step if len(items) > 1 else (LABEL + WIDTH - PAD) / 2, 1)
        points.append(Point(_short(label, 16), x, axis.at(found), number(found),
                            index in marked, index in marked))
    if points:
        points[0] = replace(points[0], labelled=True)
        points[-1] = replace(points[-1], labelled=True)
    found_values = [v for _, v in items if _finite(v) is not None]
    low = min((float(v) for v in found_values if v is not None), default=axis.low)
    high = max((float(v) for v in found_values if v is not None), default=axis.high)
    return LineChart(WIDTH, int(bottom + PAD + 30), tuple(points),
                     " ".join(f"{p.x},{p.y}" for p in points),
                     Tick(axis.at(low), number(low)), Tick(axis.at(high), number(high)),
                     tuple(missing), None if line is None else Tick(axis.at(line), number(line)))
