"""What a run of a fine-tuning pipeline records for each step, read from a JSON or YAML
document (``steward pipeline record RUN STEP --file evidence.yaml``).

A step's document holds its evidence at the top, with ``status`` (``done``, the default,
``failed`` or ``skipped``) and ``reason`` (required when failed or skipped)::

    # collect_training_data
    source: production_feedback
    filter: human_verified_only            # optional
    samples: 5230
    dataset_digest: sha256:<64 lowercase hex digits>
    # prepare_dataset
    format: jsonl
    split: {train: 0.8, validation: 0.1, test: 0.1}
    # fine_tune
    base: gpt-4o-mini@2024-07-18           # the base model's version, model@version
    job_id: ft:gpt-4o-mini:org:classification-v2:abc123
    hyperparameters: {epochs: 3, learning_rate_multiplier: 1.8}   # optional
    # evaluate
    suite: evals/classification/
    scores: {accuracy: 0.97, f1: 0.95}
    passed: true                           # whether every threshold was met
    compared_against: classification-v2@1.3.0   # optional, with deltas
    deltas: {accuracy: 0.01, f1: 0.0}      # score minus the compared version's score
    # register
    candidate: classification-v2@1.4.0
    derived_from: gpt-4o-mini@2024-07-18   # lineage: the fine-tuned base version
    registered_as: candidate               # the registry status it was given
    # deploy
    experiment: classification-v2-ab
    strategy: ab_test
    traffic_split: 0.1
    # promote_or_rollback
    outcome: promoted                      # or rolled_back
    candidate: classification-v2@1.4.0
    summary: "treatment won on accuracy"   # optional: what the decision rests on

A failed step may carry its evidence (the evaluation that did not pass, the data that fell
short) or none; a skipped step carries none. This module checks the form only; whether
evidence agrees with the pipeline's definition is
:func:`modelsteward.domain.pipeline_run.record_step`'s business.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from modelsteward.domain.documents import describe, located
from modelsteward.domain.field_reader import FieldReader, is_number
from modelsteward.domain.pipeline import Hyperparameter, Split, StepName, Strategy
from modelsteward.domain.pipeline_file import read_hyperparameters, read_ref, read_split
from modelsteward.domain.versioning import Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["CollectEvidence", "DecideEvidence", "DeployEvidence", "EvaluateEvidence",
           "Evidence", "FineTuneEvidence", "Outcome", "PrepareEvidence", "RegisterEvidence",
           "StepResult", "StepStatus", "parse_step_result", "render_step_result"]

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


class StepStatus(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Outcome(enum.StrEnum):
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True)
class CollectEvidence:
    source: str
    samples: int
    dataset_digest: str
    filter: str = ""
    step = StepName.COLLECT_TRAINING_DATA


@dataclass(frozen=True)
class PrepareEvidence:
    format: str
    split: Split
    step = StepName.PREPARE_DATASET


@dataclass(frozen=True)
class FineTuneEvidence:
    """``base``: the base version trained from (``model@version``); ``job_id``: the
    provider's fine-tuning job or model id."""

    base: str
    job_id: str
    hyperparameters: dict[str, Hyperparameter] = field(default_factory=dict, hash=False)
    step = StepName.FINE_TUNE


@dataclass(frozen=True)
class EvaluateEvidence:
    """``deltas``: each score minus the ``compared_against`` version's."""

    suite: str
    scores: dict[str, float] = field(hash=False)
    passed: bool
    compared_against: str = ""
    deltas: dict[str, float] = field(default_factory=dict, hash=False)
    step = StepName.EVALUATE


@dataclass(frozen=True)
class RegisterEvidence:
    candidate: str
    derived_from: str
    registered_as: str
    step = StepName.REGISTER


@dataclass(frozen=True)
class DeployEvidence:
    experiment: str
    strategy: Strategy
    traffic_split: float
    step = StepName.DEPLOY


@dataclass(frozen=True)
class DecideEvidence:
    outcome: Outcome
    candidate: str
    summary: str = ""
    step = StepName.PROMOTE_OR_ROLLBACK


Evidence = (CollectEvidence | PrepareEvidence | FineTuneEvidence | EvaluateEvidence
            | RegisterEvidence | DeployEvidence | DecideEvidence)


@dataclass(frozen=True)
class StepResult:
    """What is recorded for ``step``: its status, its evidence (required when done, none when
    skipped) and a reason (required when failed or skipped)."""

    step: StepName
    status: StepStatus = StepStatus.DONE
    evidence: Evidence | None = None
    reason: str = ""


def parse_step_result(step: StepName, document: object, source: str) -> StepResult:
    """The result of ``step`` that ``document`` records (see the module's docstring). Raises
    :class:`DocumentInvalid` naming ``source`` with every problem of its form."""
    if not isinstance(document, Mapping):
        raise DocumentInvalid(source, [Problem("$", f"the evidence of {step} must be a "
                                                    f"mapping of its fields, found "
                                                    f"{describe(document)}")])
    problems: list[Problem] = []
    f = FieldReader(document, "$", problems)
    status = f.choice("status", StepStatus, required=False) or StepStatus.DONE
    reason = f.text("reason", "why", required=False)
    given = [key for key in document if key not in ("status", "reason")]
    evidence: Evidence | None = None
    if status is StepStatus.SKIPPED and given:
        problems.extend(Problem(located("$", key), "a skipped step records no evidence; "
                                                   "remove it") for key in given)
    elif status is StepStatus.DONE or given:
        f.unknown_keys((*_KEYS[step], "status", "reason"), step)
        evidence = _READERS[step](f)
    if status is not StepStatus.DONE and not reason:
        f.problem("reason", f"is required: why the step {status}")
    if problems:
        raise DocumentInvalid(source, problems)
    return StepResult(step, status, evidence, reason)


def _read_collect(f: FieldReader) -> CollectEvidence | None:
    source = f.text("source", "where the samples came from")
    filter_ = f.text("filter", "how the samples were filtered", required=False)
    samples = f.count("samples", "how many samples were collected")
    digest = _digest(f, "dataset_digest")
    if samples is None or not (source and digest):
        return None
    return CollectEvidence(source, samples, digest, filter_)


def _digest(f: FieldReader, key: str) -> str:
    value = f.raw.get(key)
    if isinstance(value, str) and _DIGEST.fullmatch(value):
        return value
    f.problem(key, f"must be 'sha256:' and the 64 lowercase hex digits of the dataset, found "
                   f"{describe(value)}" if key in f.raw else
              "is required: 'sha256:' and the 64 lowercase hex digits of the dataset")
    return ""


def _read_prepare(f: FieldReader) -> PrepareEvidence | None:
    format_ = f.name("format", "the dataset's format, e.g. jsonl")
    split = read_split(f, "split")
    return PrepareEvidence(format_, split) if format_ and split else None


def _read_fine_tune(f: FieldReader) -> FineTuneEvidence | None:
    before = len(f.problems)
    base = base_ref(f, "base", "the base model's version trained from, e.g. "
                               "gpt-4o-mini@2024-07-18")
    job = f.text("job_id", "the provider's job or model id, e.g. "
                           "ft:gpt-4o-mini:org:classification-v2:abc123")
    if job:
        try:
            Snapshot.parse(job)
        except InvalidInput as exc:
            f.problem("job_id", str(exc))
    hyperparameters = read_hyperparameters(f, "hyperparameters")
    return FineTuneEvidence(base, job, hyperparameters) if len(f.problems) == before else None


def base_ref(f: FieldReader, key: str, what: str) -> str:
    """A base model's ``model@version``: both parts provider ids (``Llama-3.1-8B`` keeps its
    case), the version after the last ``@``."""
    value = f.text(key, what)
    if not value:
        return ""
    model, _, version = value.rpartition("@")
    try:
        Snapshot.parse(model)
        Snapshot.parse(version)
    except InvalidInput:
        f.problem(key, f"must be {what} (model@version), found {describe(value)}")
        return ""
    return value


def _read_evaluate(f: FieldReader) -> EvaluateEvidence | None:
    before = len(f.problems)
    suite = f.text("suite", "the evaluation suite that ran")
    scores = _numbers(f, "scores", "a mapping of metrics to scores, e.g. {accuracy: 0.97}",
                      required=True)
    passed = f.flag("passed", "whether every threshold was met")
    compared = ""
    if "compared_against" in f.raw:
        compared = read_ref(f, "compared_against", "the version compared against, "
                                                   "model@version")
    deltas = _numbers(f, "deltas", "a mapping of metrics to score differences",
                      required=False)
    for metric in deltas:
        if metric not in scores:
            f.problems.append(Problem(located(f.at("deltas"), metric),
                                      "is not a metric of scores; a delta is a score's"))
    if deltas and "compared_against" not in f.raw:
        f.problem("deltas", "needs compared_against: the version the deltas are measured "
                            "against")
    if compared and not deltas:
        f.problem("deltas", "is required with compared_against: each score minus the "
                            "compared version's")
    if len(f.problems) > before or passed is None:
        return None
    return EvaluateEvidence(suite, scores, passed, compared, deltas)


def _numbers(f: FieldReader, key: str, what: str, *, required: bool) -> dict[str, float]:
    raw = f.mapping(key, what, required=required)
    found: dict[str, float] = {}
    if raw is not None and not raw and required:
        f.problem(key, f"is empty; it must be {what}")
    for metric, value in (raw or {}).items():
        at = located(f.at(key), metric)
        if not isinstance(metric, str) or not _NAME.fullmatch(metric):
            f.problems.append(Problem(at, "names a metric in lowercase, e.g. accuracy or f1"))
        elif is_number(value):
            found[metric] = float(value)
        else:
            f.problems.append(Problem(at, f"must be a number, found {describe(value)}"))
    return found


def _read_register(f: FieldReader) -> RegisterEvidence | None:
    candidate = read_ref(f, "candidate", "the registered candidate, model@version")
    derived = base_ref(f, "derived_from", "the base version it was fine-tuned from")
    status = f.text("registered_as", "the status it was registered with, e.g. candidate")
    if not (candidate and derived and status):
        return None
    return RegisterEvidence(candidate, derived, status)


def _read_deploy(f: FieldReader) -> DeployEvidence | None:
    experiment = f.name("experiment", "the experiment's name, e.g. classification-v2-ab")
    strategy = f.choice("strategy", Strategy)
    share = f.number("traffic_split", "the candidate's share of the traffic")
    if share is not None and not 0 < share < 1:
        f.problem("traffic_split", "must be more than 0 and less than 1")
        share = None
    if not experiment or strategy is None or share is None:
        return None
    return DeployEvidence(experiment, strategy, share)


def _read_decide(f: FieldReader) -> DecideEvidence | None:
    outcome = f.choice("outcome", Outcome)
    candidate = read_ref(f, "candidate", "the candidate decided on, model@version")
    summary = f.text("summary", "what the decision rests on", required=False)
    return DecideEvidence(outcome, candidate, summary) if outcome and candidate else None


_READERS: dict[StepName, Callable[[FieldReader], Evidence | None]] = {
    StepName.COLLECT_TRAINING_DATA: _read_collect,
    StepName.PREPARE_DATASET: _read_prepare,
    StepName.FINE_TUNE: _read_fine_tune,
    StepName.EVALUATE: _read_evaluate,
    StepName.REGISTER: _read_register,
    StepName.DEPLOY: _read_deploy,
    StepName.PROMOTE_OR_ROLLBACK: _read_decide,
}
_KEYS: dict[StepName, tuple[str, ...]] = {
    StepName.COLLECT_TRAINING_DATA: ("source", "filter", "samples", "dataset_digest"),
    StepName.PREPARE_DATASET: ("format", "split"),
    StepName.FINE_TUNE: ("base", "job_id", "hyperparameters"),
    StepName.EVALUATE: ("suite", "scores", "passed", "compared_against", "deltas"),
    StepName.REGISTER: ("candidate", "derived_from", "registered_as"),
    StepName.DEPLOY: ("experiment", "strategy", "traffic_split"),
    StepName.PROMOTE_OR_ROLLBACK: ("outcome", "candidate", "summary"),
}
assert set(_READERS) == set(_KEYS) == set(StepName)


def render_step_result(result: StepResult) -> dict[str, object]:
    """The document of ``result``: ``parse_step_result(result.step, render_step_result(r),
    …) == r`` for every result :func:`parse_step_result` returns."""
    fields: dict[str, object] = {}
    if result.status is not StepStatus.DONE:
        fields["status"] = result.status.value
    if result.reason:
        fields["reason"] = result.reason
    match result.evidence:
        case None:
            pass
        case CollectEvidence(source, samples, digest, filter_):
            fields.update(source=source, samples=samples, dataset_digest=digest)
            if filter_:
                fields["filter"] = filter_
        case PrepareEvidence(format_, split):
            fields.update(format=format_, split=split.shares())
        case FineTuneEvidence(base, job, hyperparameters):
            fields.update(base=base, job_id=job)
            if hyperparameters:
                fields["hyperparameters"] = dict(hyperparameters)
        case EvaluateEvidence(suite, scores, passed, compared, deltas):
            fields.update(suite=suite, scores=dict(scores), passed=passed)
            if compared:
                fields.update(compared_against=compared, deltas=dict(deltas))
        case RegisterEvidence(candidate, derived, status):
            fields.update(candidate=candidate, derived_from=derived, registered_as=status)
        case DeployEvidence(experiment, strategy, share):
            fields.update(experiment=experiment, strategy=strategy.value, traffic_split=share)
        case DecideEvidence(outcome, candidate, summary):
            fields.update(outcome=outcome.value, candidate=candidate)
            if summary:
                fields["summary"] = summary
    return fields
