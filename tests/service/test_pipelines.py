"""Fine-tuning pipelines through the library, on memory, SQLite and PostgreSQL: a run from a
retrain trigger (an evaluation below the pipeline's threshold, told once) through every step —
a real candidate with lineage to its base, a real A/B test decided through the production
gates — to promotion; the triggers about the base model and production monitoring; and what a
run refuses."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from modelsteward import Registry
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.experiment import Action
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.pipeline import StepName
from modelsteward.domain.pipeline_run import RunState
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import (
    Conflict,
    DocumentInvalid,
    GateRefused,
    InvalidInput,
    ModelNotFound,
    NotAuthorised,
    PipelineNotFound,
    RunNotFound,
    StepRefused,
)
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import (
    CHECKS,
    approve_all,
    as_actor,
    evaluation,
    manifest,
    statement,
    to_production,
    to_registered,
    trained,
)

DIGEST = "sha256:" + "5e" * 32

PIPELINE: dict[str, Any] = {"fine_tuning": {
    "trigger": {"schedule": "quarterly", "or": "eval_score_drops_below_threshold"},
    "pipeline": [
        {"step": "collect_training_data", "source": "production_feedback",
         "filter": "human_verified_only", "min_samples": 1000},
        {"step": "prepare_dataset", "format": "jsonl",
         "split": {"train": 0.8, "validation": 0.1, "test": 0.1}},
        {"step": "fine_tune", "base_model": "base-llm", "hyperparameters": {"epochs": 3}},
        {"step": "evaluate", "suite": "golden", "threshold": {"accuracy": 0.9},
         "compare_against": "current_production_model"},
        {"step": "register", "status": "candidate"},
        {"step": "deploy", "strategy": "ab_test", "traffic_split": 0.5, "duration": "7d"},
        {"step": "promote_or_rollback", "decision": "based_on_ab_test_results"},
    ]}}

EVIDENCE: dict[StepName, dict[str, Any]] = {
    StepName.COLLECT_TRAINING_DATA: {"source": "production_feedback",
                                     "filter": "human_verified_only", "samples": 1200,
                                     "dataset_digest": DIGEST},
    StepName.PREPARE_DATASET: {"format": "jsonl",
                               "split": {"train": 0.8, "validation": 0.1, "test": 0.1}},
    StepName.FINE_TUNE: {"base": "base-llm@1.0.0", "job_id": "ftjob-abc123",
                         "hyperparameters": {"epochs": 3}},
    StepName.EVALUATE: {"suite": "golden", "scores": {"accuracy": 0.95}, "passed": True,
                        "compared_against": "bot@1.0.0", "deltas": {"accuracy": 0.09}},
    StepName.REGISTER: {"candidate": "bot@1.1.0", "derived_from": "base-llm@1.0.0",
                        "registered_as": "candidate"},
    StepName.DEPLOY: {"experiment": "bot-retrain-ab", "strategy": "ab_test",
                      "traffic_split": 0.5},
    StepName.PROMOTE_OR_ROLLBACK: {"outcome": "promoted", "candidate": "bot@1.1.0",
                                   "summary": "thumbs up 0.30 -> 0.50, latency flat"},
}
BEFORE_DEPLOY = (StepName.COLLECT_TRAINING_DATA, StepName.PREPARE_DATASET, StepName.FINE_TUNE,
                 StepName.EVALUATE, StepName.REGISTER)


def fine_tuned(registry: Registry, change: ChangeKind, base: str = "base-llm@1.0.0") -> str:
    """A new version of bot fine-tuned from ``base``: registered with its lineage and a
    training attestation."""
    as_actor(registry, "alice")
    count = len(registry.list_versions("bot"))
    version = registry.register_version("bot", change=change, manifest=manifest(f"bot-{count}"),
                                        metrics={"loss": 0.2}, derived_from=base,
                                        relation=Relation.FINETUNE)
    registry.attest(version.ref, statement(version.digest))
    return version.ref


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    """base-llm@1.0.0; bot@1.0.0, fine-tuned from it, in production (accuracy 0.93)."""
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        trained(reg, "base-llm")
        reg.create_model(Model("bot", owner_team="team-ml", risk_tier=RiskTier.LOW))
        to_production(reg, fine_tuned(reg, ChangeKind.ARCHITECTURE))
        yield reg


def _due(registry: Registry) -> list[str]:
    return [n.message for n in registry.deprecations.notices("team-ml")
            if n.kind == "retrain:due"]


def _ab_test(registry: Registry) -> None:
    """Start bot-retrain-ab between production and bot@1.1.0, and report a day of outcomes in
    which the candidate is liked clearly more often."""
    registry.experiments.start(parse_experiment({
        "name": "bot-retrain-ab", "model": "bot", "control": "production",
        "treatment": "1.1.0", "weights": [0.5, 0.5],
        "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
        "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}))
    rng = random.Random(5)
    routes = registry.experiments.route_many("bot-retrain-ab",
                                             [f"user-{i}" for i in range(4000)])
    registry.experiments.ingest("bot-retrain-ab", [
        {"unit": r.unit, "arm": r.arm, "metrics": {
            "thumbs_up": int(rng.random() < (0.5 if r.arm == "treatment" else 0.3)),
            "latency_ms": rng.gauss(300, 20)}} for r in routes if r.arm])


def _to_deploy(registry: Registry) -> str:
    """A run of bot's pipeline started by hand with every step before deploy recorded, and
    bot@1.1.0 registered for it; its id."""
    registry.pipelines.import_definition("bot", PIPELINE)
    run = registry.pipelines.start_run("bot").record.run.id
    for step in BEFORE_DEPLOY:
        if step is StepName.REGISTER:
            ref = fine_tuned(registry, ChangeKind.RETRAIN)
            to_registered(registry, ref, accuracy=0.95)
        registry.pipelines.record(run, step, EVIDENCE[step])
    return run


def test_a_run_from_a_retrain_trigger_to_promotion(registry: Registry,
                                                   clock: FixedClock) -> None:
    pipelines = registry.pipelines
    imported = pipelines.import_definition("bot", PIPELINE, "pipeline.yaml")
    assert [t.kind.value for t in imported.definition.triggers] == ["schedule", "metric_below"]
    assert pipelines.check_triggers() == []  # accuracy 0.93 meets 0.9; the schedule starts now

    clock.advance(days=3)
    registry.lifecycle.record_evaluation("bot@1.0.0", evaluation("golden", accuracy=0.86,
                                                                 toxicity_rate=0.001))
    [due] = pipelines.check_triggers()
    assert (due.model, due.team, due.trigger) == ("bot", "team-ml", "metric_below")
    assert due.key.startswith("retrain:bot:metric_below:accuracy:")
    assert due.reason.startswith("accuracy 0.86 fell below 0.9 in evaluation of bot@1.0.0")
    [told] = _due(registry)
    assert f"--trigger {due.key}" in told
    assert pipelines.check_triggers() == []  # told once, however often it is checked
    assert len(_due(registry)) == 1

    started = pipelines.start_run("bot", due.key)
    run = started.record.run.id
    assert started.status.next_step is StepName.COLLECT_TRAINING_DATA
    assert f"by {due.key}" in started.status.sentence
    with pytest.raises(Conflict, match=r"follows .* already"):
        pipelines.start_run("bot", due.key)
    for step in BEFORE_DEPLOY:
        clock.advance(hours=2)
        if step is StepName.REGISTER:
            ref = fine_tuned(registry, ChangeKind.RETRAIN)
            to_registered(registry, ref, accuracy=0.95)
        pipelines.record(run, step, EVIDENCE[step])

    _ab_test(registry)
    shown = pipelines.record(run, StepName.DEPLOY, EVIDENCE[StepName.DEPLOY])
    assert shown.status.sentence.startswith(
        "waiting for the experiment bot-retrain-ab to decide")
    assert shown.note.startswith("experiment bot-retrain-ab is running")
    with pytest.raises(DocumentInvalid, match="bot-retrain-ab is still running"):
        pipelines.record(run, StepName.PROMOTE_OR_ROLLBACK,
                         EVIDENCE[StepName.PROMOTE_OR_ROLLBACK])

    assert registry.experiments.report("bot-retrain-ab").action == "promote"
    with pytest.raises(GateRefused):  # production needs its staging checks and an approval
        registry.experiments.decide("bot-retrain-ab", Action.PROMOTE, "thumbs up +20 points")
    registry.lifecycle.promote("bot@1.1.0", Stage.STAGING)
    for check in CHECKS:
        registry.lifecycle.record_check("bot@1.1.0", check, True, "ci run 43")
    approve_all(registry, "bot@1.1.0", RiskTier.LOW, date(2027, 3, 1))
    clock.advance(days=7)
    registry.experiments.decide("bot-retrain-ab", Action.PROMOTE, "thumbs up +20 points")
    assert "record promote_or_rollback with outcome: promoted" in pipelines.show(run).note

    clock.advance(hours=1)
    done = pipelines.record(run, StepName.PROMOTE_OR_ROLLBACK,
                            EVIDENCE[StepName.PROMOTE_OR_ROLLBACK])
    assert done.status.state is RunState.PROMOTED and done.status.next_step is None
    assert pipelines.show(run) == done
    assert done.status.sentence == ("bot@1.1.0 was promoted on 2026-12-02: thumbs up 0.30 -> "
                                    "0.50, latency flat")
    assert [r.step for r in done.record.run.steps] == list(StepName)
    production = registry.lifecycle.production("bot")
    assert production is not None and production.ref == "bot@1.1.0"
    assert [v.record.run.id for v in pipelines.runs("bot")] == [run]
    kinds = [e.kind for e in registry.log("bot") if e.kind.startswith("model:pipeline:")]
    assert kinds == ["model:pipeline:imported", "model:pipeline:retrain-due",
                     "model:pipeline:run-started", *["model:pipeline:step-recorded"] * 7]
    assert pipelines.check_triggers() == []  # production's accuracy is 0.95 now
    with pytest.raises(StepRefused, match="has ended"):
        pipelines.record(run, StepName.DEPLOY, EVIDENCE[StepName.DEPLOY])


def test_the_base_model_and_production_monitoring_fire_their_triggers(
        registry: Registry, clock: FixedClock) -> None:
    registry.pipelines.import_definition("bot", {"fine_tuning": {
        "trigger": [{"metric_below": {"metric": "thumbs_up_rate", "threshold": 0.3,
                                      "source": "monitoring"}},
                    "base_model_new_version", "base_deprecated"],
        "pipeline": PIPELINE["fine_tuning"]["pipeline"][:5]}})
    assert registry.pipelines.check_triggers() == []
    registry.lifecycle.record_measurements("bot@1.0.0", {"thumbs_up_rate": 0.35})
    assert registry.pipelines.check_triggers() == []
    registry.lifecycle.record_measurements("bot@1.0.0", {"thumbs_up_rate": 0.25})
    trained(registry, "base-llm", change=ChangeKind.RETRAIN)  # base-llm@1.1.0
    found = {d.trigger: d for d in registry.pipelines.check_triggers()}
    assert found.keys() == {"metric_below", "base_model_new_version"}
    assert found["base_model_new_version"].key == "retrain:bot:base_version:1.1.0"
    assert "thumbs_up_rate 0.25 fell below 0.3 in monitoring" in found["metric_below"].reason

    today = clock.now().date()
    plan = registry.deprecations.plan(
        "base-llm@1.0.0", reason=DeprecationReason.VULNERABILITY,
        replacement="", announced=today,
        soft_deadline=date(today.year + 1, 1, 1), hard_deadline=date(today.year + 1, 3, 1))
    [deprecated] = registry.pipelines.check_triggers()
    assert deprecated.key == f"retrain:bot:deprecation:{plan.id}"
    assert "vulnerability" in deprecated.reason
    assert len(_due(registry)) == 3 and registry.pipelines.check_triggers() == []


def test_a_definition_with_problems_reports_each_and_writes_nothing(
        registry: Registry) -> None:
    broken = {"fine_tuning": {"trigger": "weekly-ish", "pipeline": [
        {"step": "collect_training_data"},
        {"step": "fine_tune", "base_model": "base-llm"}]}}
    with pytest.raises(DocumentInvalid) as invalid:
        registry.pipelines.import_definition("bot", broken, "pipeline.yaml")
    located = {p.location for p in invalid.value.problems}
    assert {"fine_tuning.pipeline[0].source", "fine_tuning.pipeline",
            "fine_tuning.trigger"} <= located
    assert str(invalid.value).startswith("pipeline.yaml has")
    with pytest.raises(PipelineNotFound, match="steward pipeline import bot FILE"):
        registry.pipelines.definition("bot")
    with pytest.raises(ModelNotFound):
        registry.pipelines.import_definition("nope", PIPELINE)

    def refuse(model: Model) -> None:
        raise NotAuthorised(f"not on {model.owner_team}")

    with pytest.raises(NotAuthorised):
        registry.pipelines.import_definition("bot", PIPELINE, authorize=refuse)
    with pytest.raises(PipelineNotFound):
        registry.pipelines.start_run("bot")


def test_a_run_refuses_steps_out_of_order_and_contradicting_evidence(
        registry: Registry) -> None:
    pipelines = registry.pipelines
    pipelines.import_definition("bot", PIPELINE)
    with pytest.raises(InvalidInput, match="is not a retrain trigger of bot"):
        pipelines.start_run("bot", "retrain:other:schedule:2026-10-01")
    run = pipelines.start_run("bot").record.run.id
    with pytest.raises(StepRefused, match="waits for collect_training_data first"):
        pipelines.record(run, StepName.PREPARE_DATASET, EVIDENCE[StepName.PREPARE_DATASET])
    with pytest.raises(DocumentInvalid) as contradicting:
        pipelines.record(run, "collect_training_data",
                         {**EVIDENCE[StepName.COLLECT_TRAINING_DATA], "source": "web_scrape",
                          "samples": 10})
    assert [p.location for p in contradicting.value.problems] == ["source", "samples"]
    with pytest.raises(InvalidInput, match="is not a pipeline step"):
        pipelines.record(run, "train", {})
    with pytest.raises(RunNotFound):
        pipelines.show("no-such-run")
    for step in BEFORE_DEPLOY[:2]:
        pipelines.record(run, step, EVIDENCE[step])
    with pytest.raises(DocumentInvalid, match=r"base-llm has no version 9\.9\.9"):
        pipelines.record(run, StepName.FINE_TUNE, {**EVIDENCE[StepName.FINE_TUNE],
                                                   "base": "base-llm@9.9.9"})
    assert pipelines.show(run).status.next_step is StepName.FINE_TUNE


def test_a_candidate_must_exist_with_its_lineage_and_a_deploy_must_test_it(
        registry: Registry) -> None:
    pipelines = registry.pipelines
    pipelines.import_definition("bot", PIPELINE)
    run = pipelines.start_run("bot").record.run.id
    for step in BEFORE_DEPLOY[:4]:
        pipelines.record(run, step, EVIDENCE[step])
    with pytest.raises(DocumentInvalid, match=r"bot@1\.1\.0 is not registered"):
        pipelines.record(run, StepName.REGISTER, EVIDENCE[StepName.REGISTER])
    unrelated = trained(registry, "bot", change=ChangeKind.RETRAIN)  # no lineage
    assert unrelated == "bot@1.1.0"
    with pytest.raises(DocumentInvalid) as invalid:
        pipelines.record(run, StepName.REGISTER, EVIDENCE[StepName.REGISTER])
    assert {p.location for p in invalid.value.problems} == {"registered_as", "derived_from"}
    assert "still trained" in str(invalid.value)


def test_a_deploy_naming_another_models_experiment_is_refused(registry: Registry) -> None:
    run = _to_deploy(registry)
    registry.create_model(Model("other", owner_team="team-ml", risk_tier=RiskTier.LOW))
    to_production(registry, trained(registry, "other"))
    to_registered(registry, trained(registry, "other"))
    registry.experiments.start(parse_experiment({
        "name": "other-ab", "model": "other", "control": "production", "treatment": "2.0.0",
        "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}]}))
    with pytest.raises(DocumentInvalid, match="other-ab is an experiment of other, not of bot"):
        registry.pipelines.record(run, StepName.DEPLOY, {**EVIDENCE[StepName.DEPLOY],
                                                         "experiment": "other-ab"})
    with pytest.raises(DocumentInvalid, match="there is no experiment bot-retrain-ab"):
        registry.pipelines.record(run, StepName.DEPLOY, EVIDENCE[StepName.DEPLOY])
    _ab_test(registry)
    with pytest.raises(DocumentInvalid, match=r"gives bot@1\.1\.0 0\.5 of the units"):
        registry.pipelines.record(run, StepName.DEPLOY, {**EVIDENCE[StepName.DEPLOY],
                                                         "traffic_split": 0.1})
    shown = registry.pipelines.record(run, StepName.DEPLOY, EVIDENCE[StepName.DEPLOY])
    assert shown.status.next_step is StepName.PROMOTE_OR_ROLLBACK
    registry.experiments.decide("bot-retrain-ab", Action.ROLLBACK, "not convinced")
    with pytest.raises(DocumentInvalid, match="ended rolled_back"):
        registry.pipelines.record(run, StepName.PROMOTE_OR_ROLLBACK,
                                  EVIDENCE[StepName.PROMOTE_OR_ROLLBACK])
    rolled = registry.pipelines.record(run, StepName.PROMOTE_OR_ROLLBACK, {
        **EVIDENCE[StepName.PROMOTE_OR_ROLLBACK], "outcome": "rolled_back"})
    assert rolled.status.state is RunState.ROLLED_BACK
