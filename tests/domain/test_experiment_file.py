"""Experiment definition files: the documented example reads as written, every problem of a bad
file is reported with its location, and no document makes the reader fail otherwise."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelsteward.document_reader import Format, load_document
from modelsteward.domain import experiment_file
from modelsteward.domain.direction import Direction
from modelsteward.domain.experiment import CanaryPlan, ExperimentKind
from modelsteward.domain.experiment_file import parse_duration, parse_experiment
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec
from modelsteward.errors import DocumentInvalid, InvalidInput


def _example() -> str:
    """The YAML block of the module's docstring (the documented shape), canary line left out."""
    doc = experiment_file.__doc__ or ""
    block = doc.split("::", 1)[1].split("A canary")[0]
    return "\n".join(line[4:] for line in block.splitlines())


def test_the_documented_example_reads_as_written() -> None:
    spec = parse_experiment(load_document(_example(), Format.YAML, "example"))
    assert spec.name == "summarizer-sonnet-ab" and spec.model == "summarizer"
    assert (spec.control, spec.treatments) == ("1.0.0", ("1.1.0",))
    assert spec.arm_weights() == (0.9, 0.1)
    assert spec.starts_at == datetime(2026, 12, 7, tzinfo=UTC)
    assert spec.duration == timedelta(days=7)
    assert spec.kind is ExperimentKind.AB_TEST
    assert spec.metrics == (
        MetricSpec("thumbs_up", MetricKind.PROPORTION, Direction.HIGHER_IS_BETTER),
        MetricSpec("cost_per_1k_requests", MetricKind.MEAN, Direction.LOWER_IS_BETTER,
                   MetricRole.GUARDRAIL, 0.05),
        MetricSpec("latency_p95_ms", MetricKind.MEAN, Direction.LOWER_IS_BETTER,
                   MetricRole.GUARDRAIL, 0.10),
        MetricSpec("refusal_rate", MetricKind.PROPORTION, Direction.LOWER_IS_BETTER,
                   MetricRole.GUARDRAIL, 0.10))
    assert spec.design == Design(0.05, 0.8, 0.02)


def test_the_examples_of_the_documentation_read_as_written() -> None:
    text = (Path(__file__).parents[2] / "docs" / "experiments.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    specs = [parse_experiment(load_document(b, Format.YAML, "docs"))
             for b in blocks if b.startswith("experiment:")]
    assert [s.kind for s in specs] == [ExperimentKind.AB_TEST, ExperimentKind.CANARY]


def test_a_canary_takes_its_split_from_its_steps() -> None:
    spec = parse_experiment({"experiment": {
        "name": "bot-canary", "model": "bot", "treatment": "2.0.0",
        "canary": {"steps": [0.01, 0.05, 0.25, 0.5, 1], "min_duration": "1h",
                   "min_sample": 500},
        "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}})
    assert spec.kind is ExperimentKind.CANARY and spec.control == ""
    assert spec.canary == CanaryPlan((0.01, 0.05, 0.25, 0.5, 1.0), timedelta(hours=1), 500)
    assert spec.arm_weights() == (0.99, 0.01)


def test_a_split_over_several_treatments_is_even() -> None:
    spec = parse_experiment({"name": "abn", "model": "bot", "control": "1", "treatments":
                             ["2", 3], "traffic_split": 0.5,
                             "primary": [{"metric": "accuracy", "direction": "higher"}]})
    assert spec.treatments == ("2", "3")
    assert spec.arm_weights() == (0.5, 0.25, 0.25)
    assert spec.metrics[0].direction is Direction.HIGHER_IS_BETTER


def test_every_problem_is_reported_with_its_location() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        parse_experiment({"experiment": {
            "name": "Bad Name!", "model": "bot", "control": "1.0.0", "treatment": "1.1.0",
            "traffic_split": 1.5, "unit": "ip_address", "duration": "7 days",
            "colour": "blue",
            "primary": [{"metric": "thumbs_up", "kind": "ratio", "direction": "up"}],
            "guardrails": [{"metric": "latency_ms", "direction": "lower"}, 7],
            "design": {"alpha": "0.05", "beta": 0.2}}})
    assert [p.location for p in refused.value.problems] == [
        "experiment.colour", "experiment.traffic_split", "experiment.unit",
        "experiment.duration", "experiment.primary[0].kind", "experiment.primary[0].direction",
        "experiment.guardrails[0].margin", "experiment.guardrails[1]", "experiment.design.beta",
        "experiment.design.alpha"]
    assert "nothing was written" in str(refused.value)


def test_a_valid_shape_with_invalid_values_is_still_a_located_problem() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        parse_experiment({"name": "Bad Name!", "model": "bot", "control": "1",
                          "treatment": "2",
                          "primary": [{"metric": "accuracy", "direction": "higher"}]})
    assert refused.value.problems[0].location == "$"
    assert "Experiment name 'Bad Name!' is not valid" in refused.value.problems[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2))])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["0d", "7", "d", "1.5d", "7 d", "-1h", "1y", 7, None])
def test_bad_durations_say_how_to_write_one(text: Any) -> None:
    with pytest.raises(InvalidInput, match=r"e\.g\. 7d or 12h"):
        parse_duration(text)


_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                       max_leaves=30)
_fields = st.sampled_from(["name", "model", "control", "treatment", "treatments",
                           "traffic_split", "weights", "coverage", "unit", "seed", "start",
                           "duration", "primary", "guardrails", "design", "canary"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(_fields | st.text(max_size=10), _values, max_size=10))
def test_arbitrary_documents_give_a_spec_or_located_problems(document: dict[Any, Any]) -> None:
    try:
        parse_experiment({"experiment": document})
    except DocumentInvalid as refused:
        assert refused.problems and all(p.location for p in refused.problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_read_as_yaml_never_crashes_the_reader(text: str) -> None:
    with contextlib.suppress(DocumentInvalid):
        parse_experiment(load_document(text, Format.YAML, "fuzz"))


def test_deep_nesting_and_huge_values_are_refused_by_location() -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    with pytest.raises(DocumentInvalid) as refused:
        parse_experiment({"name": "ok", "model": "bot", "control": "1", "treatment": "2",
                          "primary": deep, "seed": "s" * 100_000,
                          "description": "\u202e\x00"})
    locations = {p.location for p in refused.value.problems}
    assert {"primary[0]", "seed", "description"} <= locations
