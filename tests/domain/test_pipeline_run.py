"""Runs of a fine-tuning pipeline: from a trigger's firing through every step to a decision,
and the steps and evidence a run refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from modelsteward.document_reader import Format, load_document
from modelsteward.domain.pipeline import (
    PipelineDefinition,
    RegisterStep,
    StepName,
)
from modelsteward.domain.pipeline_evidence import (
    CollectEvidence,
    DecideEvidence,
    EvaluateEvidence,
    FineTuneEvidence,
    Outcome,
    StepResult,
    StepStatus,
    parse_step_result,
    render_step_result,
)
from modelsteward.domain.pipeline_run import (
    PipelineRun,
    RunState,
    RunStatus,
    record_step,
    where,
)
from modelsteward.domain.retrain import RetrainFacts, firings
from modelsteward.errors import DocumentInvalid, InvalidInput, StepRefused

from .test_pipeline_file import SEED_DEFINITION

DIGEST = "sha256:" + "ab" * 32


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


EVIDENCE: dict[StepName, str] = {
    StepName.COLLECT_TRAINING_DATA: f"""
        source: production_feedback
        filter: human_verified_only
        samples: 5230
        dataset_digest: {DIGEST}
        """,
    StepName.PREPARE_DATASET: """
        format: jsonl
        split: {train: 0.8, validation: 0.1, test: 0.1}
        """,
    StepName.FINE_TUNE: """
        base: gpt-4o-mini@2024-07-18
        job_id: ft:gpt-4o-mini:org:classification-v2:abc123
        hyperparameters: {epochs: 3, learning_rate_multiplier: 1.8, batch_size: 8}
        """,
    StepName.EVALUATE: """
        suite: evals/classification/
        scores: {accuracy: 0.97, f1: 0.95}
        passed: true
        compared_against: classification-v2@1.3.0
        deltas: {accuracy: 0.01, f1: 0.0}
        """,
    StepName.REGISTER: """
        candidate: classification-v2@1.4.0
        derived_from: gpt-4o-mini@2024-07-18
        registered_as: candidate
        """,
    StepName.DEPLOY: """
        experiment: classification-v2-ab
        strategy: ab_test
        traffic_split: 0.1
        """,
    StepName.PROMOTE_OR_ROLLBACK: """
        outcome: promoted
        candidate: classification-v2@1.4.0
        summary: treatment won on accuracy
        """,
}


def result(step: StepName, text: str | None = None) -> StepResult:
    """The result an evidence file of ``step`` records (by default, the one above). The
    documents here are flat, so each line is read without its indentation."""
    source = f"{step}.yaml"
    lines = (text if text is not None else EVIDENCE[step]).splitlines()
    document = load_document("\n".join(line.strip() for line in lines), Format.YAML, source)
    return parse_step_result(step, document, source)


def start() -> PipelineRun:
    return PipelineRun("run-1", "classification-v2",
                       "retrain:classification-v2:schedule:2026-10-01", at(1, 0, 5))


def recorded(*steps: StepName) -> PipelineRun:
    """A run with ``steps`` recorded as done, one hour apart, from the evidence above."""
    run = start()
    for hour, step in enumerate(steps, start=1):
        run = record_step(run, result(step), at(1, hour), definition=SEED_DEFINITION)
    return run


def test_a_run_from_its_trigger_through_every_step_to_promotion() -> None:
    facts = RetrainFacts("classification-v2",
                         schedule_checked_at=datetime(2026, 9, 30, tzinfo=UTC))
    (firing,) = firings(SEED_DEFINITION.triggers, facts, at(1, 0, 5))
    run = PipelineRun("run-1", "classification-v2", firing.key, at(1, 0, 5))
    assert where(run, SEED_DEFINITION) == RunStatus(
        RunState.WAITING, StepName.COLLECT_TRAINING_DATA,
        "waiting for training data from production_feedback (human_verified_only), at least "
        "5000 samples (run started 2026-10-01 by retrain:classification-v2:schedule:2026-10-01)")
    said = []
    days = {StepName.COLLECT_TRAINING_DATA: 1, StepName.PREPARE_DATASET: 1,
            StepName.FINE_TUNE: 2, StepName.EVALUATE: 2, StepName.REGISTER: 2,
            StepName.DEPLOY: 2, StepName.PROMOTE_OR_ROLLBACK: 9}
    for hour, step in enumerate(SEED_DEFINITION.names, start=1):
        run = record_step(run, result(step), at(days[step], hour), definition=SEED_DEFINITION)
        said.append(where(run, SEED_DEFINITION).sentence)
    assert said == [
        "waiting for the dataset to be prepared as jsonl (train 0.8 / validation 0.1 / test "
        "0.1) (collect_training_data step done 2026-10-01)",
        "waiting for the fine-tuning of gpt-4o-mini (prepare_dataset step done 2026-10-01)",
        "waiting for the evaluation on evals/classification/ (fine_tune step done 2026-10-02)",
        "waiting for the candidate to be registered as candidate (evaluate step done "
        "2026-10-02)",
        "waiting for the ab_test deployment (10% of the traffic for 7d) (register step done "
        "2026-10-02)",
        "waiting for the experiment classification-v2-ab to decide (deploy step done "
        "2026-10-02)",
        "classification-v2@1.4.0 was promoted on 2026-10-09: treatment won on accuracy",
    ]
    assert where(run, SEED_DEFINITION).state is RunState.PROMOTED
    assert [r.step for r in run.steps] == list(SEED_DEFINITION.names)
    assert run.evidence(StepName.COLLECT_TRAINING_DATA) == CollectEvidence(
        "production_feedback", 5230, DIGEST, "human_verified_only")
    with pytest.raises(StepRefused, match=r"Run run-1 has ended \(classification-v2@1.4.0 was "
                                          r"promoted on 2026-10-09: treatment won on "
                                          r"accuracy\); deploy cannot be recorded"):
        record_step(run, result(StepName.DEPLOY), at(10), definition=SEED_DEFINITION)


def test_a_rollback_ends_the_run_rolled_back() -> None:
    run = recorded(*SEED_DEFINITION.names[:-1])
    decided = result(StepName.PROMOTE_OR_ROLLBACK, "outcome: rolled_back\n"
                                                   "candidate: classification-v2@1.4.0\n")
    run = record_step(run, decided, at(9), definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION) == RunStatus(
        RunState.ROLLED_BACK, None, "classification-v2@1.4.0 was rolled back on 2026-10-09")


def test_a_pipeline_without_deployment_completes_with_its_registered_candidate() -> None:
    short = PipelineDefinition(SEED_DEFINITION.triggers, SEED_DEFINITION.steps[:5])
    run = start()
    for hour, step in enumerate(short.names, start=1):
        run = record_step(run, result(step), at(3, hour), definition=short)
    assert where(run, short) == RunStatus(
        RunState.COMPLETED, None,
        "completed on 2026-10-03: classification-v2@1.4.0 registered as candidate")


def test_steps_out_of_order_repeated_or_not_in_the_pipeline_are_refused() -> None:
    with pytest.raises(StepRefused) as refused:
        record_step(start(), result(StepName.FINE_TUNE), at(2), definition=SEED_DEFINITION)
    assert str(refused.value) == ("Run run-1 cannot record fine_tune: the run waits for "
                                  "collect_training_data first. Record collect_training_data "
                                  "next.")
    assert (refused.value.run, refused.value.step) == ("run-1", "fine_tune")
    run = recorded(StepName.COLLECT_TRAINING_DATA)
    with pytest.raises(StepRefused, match=r"it was already recorded on 2026-10-01 01:00 UTC\. "
                                          r"Record prepare_dataset next\."):
        record_step(run, result(StepName.COLLECT_TRAINING_DATA), at(2),
                    definition=SEED_DEFINITION)
    short = PipelineDefinition((), SEED_DEFINITION.steps[:5])
    run = recorded(*short.names[:4])
    with pytest.raises(StepRefused, match="the pipeline has no deploy step"):
        record_step(run, result(StepName.DEPLOY), at(2), definition=short)


def test_a_step_recorded_before_the_last_one_or_with_a_naive_time_is_refused() -> None:
    run = recorded(StepName.COLLECT_TRAINING_DATA)
    with pytest.raises(InvalidInput, match="before the run's last record"):
        record_step(run, result(StepName.PREPARE_DATASET), at(1, 0, 30),
                    definition=SEED_DEFINITION)
    with pytest.raises(InvalidInput, match="no time zone"):
        record_step(run, result(StepName.PREPARE_DATASET), datetime(2026, 10, 2),
                    definition=SEED_DEFINITION)
    with pytest.raises(InvalidInput, match="not a valid model name"):
        PipelineRun("run-2", "Classification V2", "", at(1))
    with pytest.raises(InvalidInput, match="is not a run id"):
        PipelineRun(" ", "classification-v2", "", at(1))


def refusal(run: PipelineRun, step_result: StepResult) -> list[str]:
    with pytest.raises(DocumentInvalid) as refused:
        record_step(run, step_result, at(5), definition=SEED_DEFINITION)
    assert "nothing was recorded" in str(refused.value)
    assert refused.value.source == f"the {step_result.step} step of run {run.id}"
    return [str(p) for p in refused.value.problems]


def test_evidence_that_contradicts_the_definition_is_refused() -> None:
    collect = StepName.COLLECT_TRAINING_DATA
    assert refusal(start(), result(collect, f"""
        source: support_tickets
        filter: everything
        samples: 4200
        dataset_digest: {DIGEST}""")) == [
        "source: is 'support_tickets', but the pipeline's source is 'production_feedback'",
        "filter: is 'everything', but the pipeline's filter is 'human_verified_only'",
        "samples: 4200 samples are fewer than the pipeline's min_samples 5000; record the step "
        "as failed, or collect more"]
    run = recorded(collect)
    assert refusal(run, result(StepName.PREPARE_DATASET, """
        format: csv
        split: {train: 0.9, test: 0.1}""")) == [
        "format: is 'csv', but the pipeline's format is 'jsonl'",
        "split: is train 0.9 / test 0.1, but the pipeline's split is train 0.8 / validation "
        "0.1 / test 0.1"]
    run = recorded(collect, StepName.PREPARE_DATASET)
    assert refusal(run, result(StepName.FINE_TUNE, """
        base: gpt-4o@2024-08-06
        job_id: ft:gpt-4o:org:x:1
        hyperparameters: {epochs: true}""")) == [
        "base: is a version of gpt-4o, but the pipeline fine-tunes gpt-4o-mini",
        "hyperparameters.epochs: is True, but the pipeline sets it to 3",
        "hyperparameters.learning_rate_multiplier: is missing, but the pipeline sets it to "
        "1.8"]


def test_an_evaluation_below_its_thresholds_cannot_pass() -> None:
    run = recorded(*SEED_DEFINITION.names[:3])
    below = """
        suite: evals/classification/
        scores: {accuracy: 0.93, recall: 0.99}
        passed: true"""
    assert refusal(run, result(StepName.EVALUATE, below)) == [
        "passed: says every threshold was met, but accuracy 0.93 < 0.95, f1 not measured",
        "compared_against: is required: the pipeline compares against "
        "current_production_model"]
    honest = below.replace("passed: true", "passed: false\ncompared_against: "
                                           "classification-v2@1.3.0\ndeltas: {accuracy: -0.04}")
    assert refusal(run, result(StepName.EVALUATE, honest)) == [
        "status: is done, but the evaluation did not pass (accuracy 0.93 < 0.95, f1 not "
        "measured); record it as failed"]
    failed = result(StepName.EVALUATE, honest + "\nstatus: failed\nreason: accuracy 0.93 < "
                                                "0.95")
    run = record_step(run, failed, at(3), definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION) == RunStatus(
        RunState.FAILED, None, "failed at evaluate on 2026-10-03: accuracy 0.93 < 0.95")
    assert isinstance(run.evidence(StepName.EVALUATE), EvaluateEvidence)
    with pytest.raises(StepRefused, match="has ended"):
        record_step(run, result(StepName.REGISTER), at(4), definition=SEED_DEFINITION)
    met = below.replace("accuracy: 0.93", "accuracy: 0.96, f1: 0.94").replace("true", "false")
    assert refusal(replace(run, steps=run.steps[:-1]), result(StepName.EVALUATE, met))[0] == (
        "passed: says a threshold was not met, but every score meets its threshold")


def test_the_candidate_its_lineage_deployment_and_decision_must_agree() -> None:
    run = recorded(*SEED_DEFINITION.names[:4])
    assert refusal(run, result(StepName.REGISTER, """
        candidate: summarizer@1.4.0
        derived_from: gpt-4o-mini@2025-07-18
        registered_as: active""")) == [
        "candidate: is a version of summarizer, but the run fine-tunes classification-v2",
        "derived_from: is 'gpt-4o-mini@2025-07-18', but the base version of the fine_tune "
        "step is 'gpt-4o-mini@2024-07-18'",
        "registered_as: is 'active', but the pipeline's status is 'candidate'"]
    run = recorded(*SEED_DEFINITION.names[:5])
    assert refusal(run, result(StepName.DEPLOY, """
        experiment: classification-v2-canary
        strategy: canary
        traffic_split: 0.25""")) == [
        "strategy: is 'canary', but the pipeline's strategy is 'ab_test'",
        "traffic_split: is 0.25, but the pipeline's traffic split is 0.1"]
    run = recorded(*SEED_DEFINITION.names[:6])
    assert refusal(run, result(StepName.PROMOTE_OR_ROLLBACK, """
        outcome: promoted
        candidate: classification-v2@1.3.9""")) == [
        "candidate: is 'classification-v2@1.3.9', but the candidate of the register step is "
        "'classification-v2@1.4.0'"]


def test_what_may_be_skipped_and_what_a_status_needs() -> None:
    run = recorded(*SEED_DEFINITION.names[:2])
    assert refusal(run, StepResult(StepName.FINE_TUNE, StepStatus.SKIPPED)) == [
        "reason: is required: why fine_tune skipped",
        "status: fine_tune cannot be skipped: without it there is no candidate to trust; "
        "record it as failed instead"]
    assert refusal(run, StepResult(StepName.FINE_TUNE)) == [
        "$: a done fine_tune step needs its evidence"]
    assert refusal(run, StepResult(StepName.FINE_TUNE, evidence=result(
        StepName.COLLECT_TRAINING_DATA).evidence)) == [
        "$: is the evidence of collect_training_data, not of fine_tune"]
    run = recorded(*SEED_DEFINITION.names[:5])
    skipped = StepResult(StepName.DEPLOY, StepStatus.SKIPPED, reason="promoted by hand")
    run = record_step(run, skipped, at(3), definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION).sentence == (
        "waiting for the decision to promote or roll back (based_on_ab_test_results) (deploy "
        "step skipped 2026-10-03)")
    assert refusal(run, result(StepName.PROMOTE_OR_ROLLBACK)) == [
        "status: the deployment was skipped, so there is nothing to decide; record "
        "promote_or_rollback as skipped"]
    run = record_step(run, replace(skipped, step=StepName.PROMOTE_OR_ROLLBACK), at(4),
                      definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION) == RunStatus(
        RunState.COMPLETED, None,
        "completed on 2026-10-04: classification-v2@1.4.0 registered as candidate")
    failed = StepResult(StepName.COLLECT_TRAINING_DATA, StepStatus.FAILED,
                        reason="the feedback export timed out")
    run = record_step(start(), failed, at(2), definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION).sentence == (
        "failed at collect_training_data on 2026-10-02: the feedback export timed out")


def test_too_few_samples_may_be_recorded_as_a_failure() -> None:
    short = result(StepName.COLLECT_TRAINING_DATA, EVIDENCE[StepName.COLLECT_TRAINING_DATA]
                   .replace("5230", "4200") + "status: failed\nreason: too few samples\n")
    run = record_step(start(), short, at(2), definition=SEED_DEFINITION)
    assert where(run, SEED_DEFINITION).state is RunState.FAILED


# --- evidence documents ------------------------------------------------------------------------


@pytest.mark.parametrize("step", list(StepName))
def test_each_steps_evidence_document_reads_and_writes_back(step: StepName) -> None:
    parsed = result(step)
    assert parsed.status is StepStatus.DONE and parsed.evidence is not None
    assert parsed.evidence.step is step
    assert parse_step_result(step, render_step_result(parsed), "again") == parsed
    failed = result(step, EVIDENCE[step] + "status: failed\nreason: it broke\n")
    assert (failed.status, failed.reason, failed.evidence) == (
        StepStatus.FAILED, "it broke", parsed.evidence)
    assert parse_step_result(step, render_step_result(failed), "again") == failed
    bare = result(step, "status: skipped\nreason: not this time\n")
    assert bare == StepResult(step, StepStatus.SKIPPED, None, "not this time")
    assert parse_step_result(step, render_step_result(bare), "again") == bare


def test_parsed_evidence_values() -> None:
    assert result(StepName.FINE_TUNE).evidence == FineTuneEvidence(
        "gpt-4o-mini@2024-07-18", "ft:gpt-4o-mini:org:classification-v2:abc123",
        {"epochs": 3, "learning_rate_multiplier": 1.8, "batch_size": 8})
    assert result(StepName.PROMOTE_OR_ROLLBACK).evidence == DecideEvidence(
        Outcome.PROMOTED, "classification-v2@1.4.0", "treatment won on accuracy")
    provider = result(StepName.FINE_TUNE, "base: meta-llama/Llama-3.1-8B@main\njob_id: j-1\n")
    assert provider.evidence == FineTuneEvidence("meta-llama/Llama-3.1-8B@main", "j-1")
    assert RegisterStep().status == "candidate"


def test_every_problem_of_an_evidence_document_is_located() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        result(StepName.EVALUATE, """
            suite: ""
            scores: {accuracy: high, F1: 0.9}
            passed: "yes"
            compared_against: production
            deltas: {recall: 0.1}
            notes: fine
            status: finished""")
    assert [str(p) for p in refused.value.problems] == [
        "status: must be one of done, failed, skipped, found the text 'finished'",
        "notes: is not a field of evaluate; its fields are suite, scores, passed, "
        "compared_against, deltas, status, reason",
        "suite: must be the evaluation suite that ran (text of at most 500 characters on one "
        "line), found an empty string",
        "scores.accuracy: must be a number, found the text 'high'",
        "scores.F1: names a metric in lowercase, e.g. accuracy or f1",
        "passed: must be whether every threshold was met (true or false), found the text "
        "'yes'",
        "compared_against: must be the version compared against, model@version, such as "
        "classification-v2@1.4.0, found the text 'production'",
        "deltas.recall: is not a metric of scores; a delta is a score's",
    ]
    with pytest.raises(DocumentInvalid) as refused:
        result(StepName.COLLECT_TRAINING_DATA, "samples: -1\ndataset_digest: sha256:abc\n"
                                               "status: skipped")
    assert [str(p) for p in refused.value.problems] == [
        "samples: a skipped step records no evidence; remove it",
        "dataset_digest: a skipped step records no evidence; remove it",
        "reason: is required: why the step skipped"]
    with pytest.raises(DocumentInvalid) as refused:
        result(StepName.DEPLOY, "- experiment\n")
    assert [str(p) for p in refused.value.problems] == [
        "$: the evidence of deploy must be a mapping of its fields, found a list"]
    with pytest.raises(DocumentInvalid) as refused:
        result(StepName.REGISTER, "{}")
    assert [str(p) for p in refused.value.problems] == [
        "candidate: is required: the registered candidate, model@version (text of at most "
        "500 characters on one line)",
        "derived_from: is required: the base version it was fine-tuned from (text of at most "
        "500 characters on one line)",
        "registered_as: is required: the status it was registered with, e.g. candidate (text "
        "of at most 500 characters on one line)"]
