"""Outcome batches: folded into the same sums the raw values give, arms derived from the unit as
the route assigns them, and a batch with any bad outcome refused whole with every problem
located."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.domain import assignment
from modelsteward.domain.direction import Direction
from modelsteward.domain.experiment import Arm, Experiment
from modelsteward.domain.outcome_batch import fold
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec, Moments
from modelsteward.errors import DocumentInvalid

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


def _experiment(coverage: float = 1.0) -> Experiment:
    return Experiment(
        name="bot-ab", model="bot",
        arms=(Arm("control", "1.0.0", 0.5), Arm("treatment", "2.0.0", 0.5)),
        unit="user_id", coverage=coverage, seed="bot-ab",
        metrics=(MetricSpec("thumbs_up", MetricKind.PROPORTION),
                 MetricSpec("latency_ms", MetricKind.MEAN, Direction.LOWER_IS_BETTER,
                            MetricRole.GUARDRAIL, 0.1)),
        design=Design(), starts_at=NOW, ends_at=None, canary=None, created_at=NOW,
        created_by="alice")


def test_the_sums_equal_those_of_the_raw_values_per_arm_metric_and_day() -> None:
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    for i in range(2000):
        day = 5 + i % 2
        rows.append({"unit": f"user-{i}", "at": f"2026-12-0{day}T23:59:59+00:00",
                     "metrics": {"thumbs_up": rng.randint(0, 1),
                                 "latency_ms": rng.gauss(300, 40)}})
    experiment = _experiment()
    moments, outcomes, observations = fold(rows, experiment, NOW)
    assert (outcomes, observations) == (2000, 4000)
    expected: dict[tuple[str, str, date], list[float]] = {}
    for row in rows:
        arm = experiment.arms[assignment.assign("bot-ab", row["unit"],
                                                experiment.ranges()) or 0].name
        when = datetime.fromisoformat(row["at"]).date()
        expected.setdefault((arm, "", when), []).append(0.0)
        for metric, value in row["metrics"].items():
            expected.setdefault((arm, metric, when), []).append(float(value))
    assert set(moments) == set(expected)
    for key, values in expected.items():
        found = moments[key]
        assert found.count == len(values)
        if key[1]:
            assert math.isclose(found.total, math.fsum(values), rel_tol=1e-12)
            assert math.isclose(found.total_sq, math.fsum(v * v for v in values),
                                rel_tol=1e-12)


def test_a_given_arm_counts_and_a_time_elsewhere_counts_on_its_utc_day() -> None:
    moments, _, _ = fold([{"unit": "u", "arm": "treatment", "at": "2026-12-07T01:00:00+05:00",
                           "metrics": {"latency_ms": 2}}], _experiment(), NOW)
    assert moments == {("treatment", "", date(2026, 12, 6)): Moments(1, 0.0, 0.0),
                       ("treatment", "latency_ms", date(2026, 12, 6)): Moments(1, 2.0, 4.0)}


def test_every_problem_of_a_batch_is_located_and_nothing_is_folded() -> None:
    outside = next(f"user-{i}" for i in range(1000)
                   if assignment.assign("bot-ab", f"user-{i}",
                                        _experiment(0.1).ranges()) is None)
    batch: list[Any] = [
        {"unit": "ok", "arm": "control", "metrics": {"thumbs_up": 1}},
        "not an outcome",
        {"unit": "", "metrics": {"thumbs_up": 1}},
        {"unit": "u", "arm": "treatment-9", "metrics": {"thumbs_up": 0.5}},
        {"unit": "u", "arm": "control", "at": "yesterday",
         "metrics": {"speed": 1, "latency_ms": float("nan")}},
        {"unit": "u", "arm": "control", "at": "2026-12-06T10:00:00", "metrics": {},
         "colour": "red"},
        {"unit": outside, "metrics": {"latency_ms": 1e300}},
    ]
    with pytest.raises(DocumentInvalid) as refused:
        fold(batch, _experiment(0.1), NOW)
    assert [p.location for p in refused.value.problems] == [
        "$[1]", "$[2].unit", "$[3].arm", "$[3].metrics.thumbs_up", "$[4].at",
        "$[4].metrics.speed", "$[4].metrics.latency_ms", "$[5].colour", "$[5].at",
        "$[5].metrics", "$[6].unit", "$[6].metrics.latency_ms"]
    assert "no outcome of the batch was kept" in str(refused.value)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(DocumentInvalid, match="holds no outcome"):
        fold([], _experiment(), NOW)


def test_problems_stop_being_collected_after_fifty() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        fold([{"unit": ""}] * 10_000, _experiment(), NOW)
    assert len(refused.value.problems) <= 101


_scalar = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_outcome = st.dictionaries(
    st.sampled_from(["unit", "arm", "at", "metrics", "other"]),
    _scalar | st.dictionaries(st.sampled_from(["thumbs_up", "latency_ms", "x"]) | st.text(),
                              _scalar, max_size=3), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(_outcome | _scalar, max_size=8))
def test_arbitrary_batches_are_folded_or_refused_with_located_problems(batch: list[Any]) -> None:
    try:
        moments, outcomes, observations = fold(batch, _experiment(), NOW)
    except DocumentInvalid as refused:
        assert all(p.location.startswith("$") for p in refused.problems)
    else:
        assert outcomes == len(batch)
        assert sum(m.count for (_, metric, _), m in moments.items() if metric) == observations
        assert all(math.isfinite(m.total_sq) for m in moments.values())
