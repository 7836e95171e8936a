"""Which way a metric is better comes from declarations — the policy's, a threshold's, the
evaluation file's — never from the metric's name; an undeclared metric blocks the evaluation
gate when it must be compared with production. Through the library, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import (
    Direction,
    MetricRule,
    ModelRules,
    Policy,
    default_metric_rules,
)
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import DocumentInvalid, GateRefused
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import DATASET, evaluation, to_production, trained

HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def open_registry(db_url: str, clock: FixedClock, policy: Policy) -> Registry:
    return Registry.open(db_url, actor="alice", clock=clock, policy=policy)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with open_registry(db_url, clock, Policy()) as reg:
        yield reg


def safety(directions: dict[str, Direction] | None = None, **metrics: float) -> EvaluationResult:
    return EvaluationResult("safety", DATASET, {"accuracy": 0.93, "toxicity_rate": 0.001,
                                                **metrics}, 10.0, {"p95": 300.0},
                            dict(directions or {}))


def candidate_against(registry: Registry, production: EvaluationResult,
                      candidate: EvaluationResult) -> str:
    """A medium-risk model whose production version's latest safety result is ``production``,
    and a new version evaluated on golden and with ``candidate``, promoted to evaluated."""
    first = trained(registry, "bot", RiskTier.MEDIUM)
    to_production(registry, first, RiskTier.MEDIUM)
    registry.lifecycle.record_evaluation(first, production)
    second = trained(registry, "bot", change=ChangeKind.RETRAIN)
    registry.lifecycle.record_evaluation(second, evaluation("golden", accuracy=0.93,
                                                            toxicity_rate=0.001))
    registry.lifecycle.record_evaluation(second, candidate)
    registry.lifecycle.promote(second, Stage.EVALUATED)
    return second


def gate_unmet(registry: Registry, ref: str) -> str:
    with pytest.raises(GateRefused) as refused:
        registry.lifecycle.promote(ref, Stage.REGISTERED)
    return "\n".join(refused.value.unmet)


def test_refusal_accuracy_falling_is_a_regression_whatever_its_name_says(
        registry: Registry) -> None:
    """refusal_accuracy 0.95 → 0.91 on the safety suite: worse, and the gate fails."""
    ref = candidate_against(registry, safety(refusal_accuracy=0.95),
                            safety(refusal_accuracy=0.91))
    unmet = gate_unmet(registry, ref)
    assert ("refusal_accuracy on suite 'safety' regresses from 0.95 (production 1.0.0) to 0.91, "
            "beyond the tolerance 0.01 (higher-is-better)") in unmet
    comparison = registry.lifecycle.compare(ref)
    assert comparison.recommendation.value == "reject"
    [delta] = [d for d in comparison.quality if d.metric == "refusal_accuracy"]
    assert delta.direction is HIGHER and delta.verdict.value == "worse"
    assert registry.get_version("bot", ref.split("@")[1]).stage is Stage.EVALUATED


def test_an_undeclared_metric_blocks_the_gate_and_names_the_fix(registry: Registry) -> None:
    """Even an improvement cannot be judged without a direction: the gate fails, naming the
    metric and both ways to declare it; compare reports it as neither better nor worse."""
    ref = candidate_against(registry, safety(jailbreak_resistance=0.95),
                            safety(jailbreak_resistance=0.96))
    unmet = gate_unmet(registry, ref)
    assert ("jailbreak_resistance on suite 'safety' cannot be compared with production 1.0.0 "
            "(0.95 → 0.96): it has no declared direction; declare it under metrics: in the "
            "policy") in unmet
    assert ("jailbreak_resistance: {direction: higher} or lower), or give its direction in the "
            "evaluation file (\"directions\": {\"jailbreak_resistance\": \"higher\"} or "
            "\"lower\")") in unmet
    comparison = registry.lifecycle.compare(ref)
    [delta] = [d for d in comparison.quality if d.metric == "jailbreak_resistance"]
    assert (delta.direction, delta.better, delta.verdict.value) == (None, None, "undeclared")
    assert comparison.recommendation.value == "hold"
    assert any("jailbreak_resistance on 'safety' is neither better nor worse" in reason
               for reason in comparison.reasons)


def test_without_production_an_undeclared_metric_needs_no_direction(registry: Registry) -> None:
    ref = trained(registry, "fresh", RiskTier.MEDIUM)
    registry.lifecycle.record_evaluation(ref, safety(jailbreak_resistance=0.9))
    registry.lifecycle.promote(ref, Stage.EVALUATED)
    registry.lifecycle.promote(ref, Stage.REGISTERED)


def test_the_evaluation_files_declaration_is_stored_and_decides(registry: Registry) -> None:
    ref = candidate_against(registry, safety(jailbreak_resistance=0.95),
                            safety({"jailbreak_resistance": HIGHER}, jailbreak_resistance=0.96))
    [stored] = [e for e in registry.lifecycle.evaluations(ref) if e.suite == "safety"]
    assert stored.directions == {"jailbreak_resistance": HIGHER}
    [event] = [e for e in registry.log("bot") if e.kind == ev.VERSION_EVALUATED
               and e.subject == ref and e.payload["suite"] == "safety"]
    assert event.payload["directions"] == {"jailbreak_resistance": "higher"}
    registry.lifecycle.promote(ref, Stage.REGISTERED)  # better, by the file's declaration


def test_the_evaluation_files_declaration_catches_a_regression(registry: Registry) -> None:
    ref = candidate_against(registry, safety(jailbreak_resistance=0.95),
                            safety({"jailbreak_resistance": HIGHER}, jailbreak_resistance=0.80))
    assert "jailbreak_resistance on suite 'safety' regresses from 0.95" in gate_unmet(registry,
                                                                                      ref)


def test_evaluations_that_declare_a_metric_differently_leave_it_undeclared(
        registry: Registry) -> None:
    ref = candidate_against(registry,
                            safety({"jailbreak_resistance": LOWER}, jailbreak_resistance=0.95),
                            safety({"jailbreak_resistance": HIGHER}, jailbreak_resistance=0.96))
    assert ("it is declared higher-is-better by one evaluation file and lower-is-better by the "
            "other") in gate_unmet(registry, ref)


def test_a_direction_contradicting_the_policy_is_refused_with_its_location(
        registry: Registry) -> None:
    ref = trained(registry, "bot")
    with pytest.raises(DocumentInvalid) as refused:
        registry.lifecycle.record_evaluation(
            ref, safety({"refusal_accuracy": LOWER, "toxicity_rate": LOWER},
                        refusal_accuracy=0.9), source="safety.json")
    assert refused.value.source == "safety.json"
    [problem] = refused.value.problems
    assert problem.location == "$.directions.refusal_accuracy"
    assert "the policy makes it higher-is-better for bot" in problem.message
    assert registry.lifecycle.evaluations(ref) == []


@pytest.mark.parametrize("policy", [
    Policy(metrics={**default_metric_rules(), "jailbreak_resistance": MetricRule(HIGHER)}),
    Policy(models={"bot": ModelRules(metrics={"jailbreak_resistance": MetricRule(HIGHER)})}),
], ids=["policy", "model"])
def test_a_policy_declaration_decides(db_url: str, clock: FixedClock, policy: Policy) -> None:
    with open_registry(db_url, clock, policy) as registry:
        ref = candidate_against(registry, safety(jailbreak_resistance=0.95),
                                safety(jailbreak_resistance=0.96))
        registry.lifecycle.promote(ref, Stage.REGISTERED)


def test_a_models_declaration_overrides_the_default_direction(sql_url: str,
                                                              clock: FixedClock) -> None:
    """bias_score is lower-is-better by default; this model's bias_score is a fairness score."""
    db_url = sql_url  # opened twice: the registry must persist in between
    policy = Policy(models={"bot": ModelRules(metrics={"bias_score": MetricRule(HIGHER)})})
    with open_registry(db_url, clock, Policy()) as registry:
        ref = candidate_against(registry, safety(bias_score=0.5), safety(bias_score=0.7))
        assert "bias_score on suite 'safety' regresses from 0.5" in gate_unmet(registry, ref)
    with open_registry(db_url, clock, policy) as registry:
        registry.lifecycle.promote(ref, Stage.REGISTERED)


def test_a_metrics_own_tolerance_replaces_the_policys(db_url: str, clock: FixedClock) -> None:
    rules = {**default_metric_rules(), "refusal_accuracy": MetricRule(HIGHER, tolerance=0.05)}
    with open_registry(db_url, clock, Policy(metrics=rules)) as registry:
        ref = candidate_against(registry, safety(refusal_accuracy=0.95),
                                safety(refusal_accuracy=0.91, accuracy=0.90))
        unmet = gate_unmet(registry, ref)
    assert "refusal_accuracy" not in unmet  # 0.04 worse, within its own 0.05
    assert "accuracy on suite 'safety' regresses from 0.93" in unmet  # 0.03 worse than 0.01
