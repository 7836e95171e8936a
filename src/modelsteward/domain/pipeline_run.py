"""A run of a fine-tuning pipeline, recorded step by step with the evidence of each step.

A :class:`PipelineRun` starts from a trigger's firing (its key says which occurrence started
it) and records its steps in the definition's order (:func:`record_step`): each step once, as
done (with its evidence), failed (with a reason, and its evidence if there is any) or skipped
(with a reason). ``fine_tune``, ``evaluate`` and ``register`` cannot be skipped: they make the
candidate what it is. A skipped ``deploy`` means ``promote_or_rollback`` is skipped too.

Evidence must agree with the definition the run follows: the data comes from the defined
source and filter, with at least ``min_samples`` samples; the dataset has the defined format
and split; the base model is the defined one and the defined hyperparameters were used; the
evaluation ran the defined suite, and says it passed exactly when every threshold is met
(an evaluation that did not pass is recorded as failed); the candidate is a version of the
run's model derived from the fine-tuned base version, registered with the defined status; the
deployment used the defined strategy and traffic split; the decision is about the registered
candidate.

A run ends when a step fails, when ``promote_or_rollback`` is recorded, or when its last
step is; :func:`where` says where it stands, as a value and a sentence.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from modelsteward.domain.field_reader import is_text
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.pipeline import (
    LIFECYCLE,
    CollectStep,
    DecideStep,
    DeployStep,
    EvaluateStep,
    FineTuneStep,
    PipelineDefinition,
    PrepareStep,
    RegisterStep,
    StepName,
)
from modelsteward.domain.pipeline_evidence import (
    CollectEvidence,
    DecideEvidence,
    DeployEvidence,
    EvaluateEvidence,
    Evidence,
    FineTuneEvidence,
    Outcome,
    PrepareEvidence,
    RegisterEvidence,
    StepResult,
    StepStatus,
)
from modelsteward.domain.registry_file import stage_of_status
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem, StepRefused

__all__ = ["UNSKIPPABLE", "PipelineRun", "RunState", "RunStatus", "StepRecord", "record_step",
           "where"]

UNSKIPPABLE = (StepName.FINE_TUNE, StepName.EVALUATE, StepName.REGISTER)


@dataclass(frozen=True)
class StepRecord:
    """A recorded step: what :class:`StepResult` said, and when."""

    step: StepName
    status: StepStatus
    at: datetime
    evidence: Evidence | None = None
    reason: str = ""


@dataclass(frozen=True)
class PipelineRun:
    """A run ``id`` of ``model``'s pipeline, started at ``started_at`` by the firing whose key
    is ``trigger_key`` (``""``: started by hand). Raises :class:`InvalidInput` for an invalid
    model name, an empty id or a naive time."""

    id: str
    model: str
    trigger_key: str
    started_at: datetime
    steps: tuple[StepRecord, ...] = ()

    def __post_init__(self) -> None:
        validate_model_name(self.model)
        if not is_text(self.id):
            raise InvalidInput(f"{self.id!r} is not a run id: give a run a non-empty id on "
                               "one line, without spaces around it.")
        _aware(self.started_at, "started_at")

    def record(self, step: StepName) -> StepRecord | None:
        """The record of ``step``, if it was recorded."""
        return next((r for r in self.steps if r.step is step), None)

    def evidence(self, step: StepName) -> Evidence | None:
        """The evidence of ``step``, if it was recorded with some."""
        record = self.record(step)
        return record.evidence if record is not None else None


class RunState(enum.StrEnum):
    WAITING = "waiting"          # for its next step
    FAILED = "failed"
    COMPLETED = "completed"      # every step recorded, no decision to promote or roll back
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True)
class RunStatus:
    """Where a run stands: ``next_step`` is the step it waits for (``None`` once it ended);
    ``sentence`` says it for a person."""

    state: RunState
    next_step: StepName | None
    sentence: str


def record_step(run: PipelineRun, result: StepResult, at: datetime, *,
                definition: PipelineDefinition) -> PipelineRun:
    """``run`` with ``result`` recorded at ``at``.

    Raises :class:`StepRefused` when the run has ended or ``result`` is not the step it waits
    for (out of order, repeated, not in the pipeline); :class:`InvalidInput` when ``at`` is
    naive or earlier than the run's last record; :class:`DocumentInvalid` listing every
    problem of the result — a status without what it needs (evidence, a reason), evidence of
    another step, evidence that contradicts ``definition`` (see the module's docstring) —
    located as in the evidence's document (``samples``, ``split.train``)."""
    _aware(at, "at")
    state = where(run, definition)
    if state.next_step is None:
        raise StepRefused(run.id, result.step, (
            f"Run {run.id} has ended ({state.sentence}); {result.step} cannot be recorded. "
            f"Start a new run to fine-tune again."))
    if result.step is not state.next_step:
        done = run.record(result.step)
        if done is not None:
            why = f"it was already recorded on {done.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        elif result.step not in definition.names:
            why = f"the pipeline has no {result.step} step"
        else:
            why = f"the run waits for {state.next_step} first"
        raise StepRefused(run.id, result.step, (
            f"Run {run.id} cannot record {result.step}: {why}. Record {state.next_step} "
            f"next."))
    latest = run.steps[-1].at if run.steps else run.started_at
    if at < latest:
        raise InvalidInput(f"{result.step} of run {run.id} is recorded at {at.isoformat()}, "
                           f"before the run's last record ({latest.isoformat()}); give the "
                           f"time the step ended.")
    problems = _problems(run, result, definition)
    if problems:
        raise DocumentInvalid(f"the {result.step} step of run {run.id}", problems,
                              consequence="nothing was recorded")
    record = StepRecord(result.step, result.status, at, result.evidence, result.reason)
    return replace(run, steps=(*run.steps, record))


def _problems(run: PipelineRun, result: StepResult,
              definition: PipelineDefinition) -> list[Problem]:
    problems: list[Problem] = []
    evidence, status, step = result.evidence, result.status, result.step
    if evidence is not None and evidence.step is not step:
        return [Problem("$", f"is the evidence of {evidence.step}, not of {step}")]
    if status is StepStatus.DONE and evidence is None:
        problems.append(Problem("$", f"a done {step} step needs its evidence"))
    if status is not StepStatus.DONE and not result.reason.strip():
        problems.append(Problem("reason", f"is required: why {step} {status}"))
    if status is StepStatus.SKIPPED:
        if evidence is not None:
            problems.append(Problem("$", "a skipped step records no evidence"))
        if step in UNSKIPPABLE:
            problems.append(Problem("status", f"{step} cannot be skipped: without it there is "
                                              "no candidate to trust; record it as failed "
                                              "instead"))
    deploy = run.record(StepName.DEPLOY)
    if (step is StepName.PROMOTE_OR_ROLLBACK and status is not StepStatus.SKIPPED
            and deploy is not None and deploy.status is StepStatus.SKIPPED):
        problems.append(Problem("status", "the deployment was skipped, so there is nothing to "
                                          "decide; record promote_or_rollback as skipped"))
    if evidence is not None:
        _Checks(run, definition, problems, done=status is StepStatus.DONE).check(evidence)
    return problems


class _Checks:
    """Whether evidence agrees with the definition and the run's earlier evidence; ``done``:
    the step is recorded as done (a failed step may fall short of the definition)."""

    def __init__(self, run: PipelineRun, definition: PipelineDefinition,
                 problems: list[Problem], *, done: bool) -> None:
        self.run = run
        self.definition = definition
        self.problems = problems
        self.done = done

    def differs(self, key: str, found: object, expected: object, whose: str) -> None:
        """A problem at ``key`` unless ``found`` is ``expected``, which is ``whose``."""
        if found != expected:
            self.problems.append(Problem(key, f"is {found!r}, but {whose} is {expected!r}"))

    def check(self, evidence: Evidence) -> None:
        d = self.definition
        match evidence:
            case CollectEvidence():
                step = d.of(CollectStep)
                if step is not None:
                    self.collect(evidence, step)
            case PrepareEvidence():
                prepare = d.of(PrepareStep)
                if prepare is not None:
                    self.prepare(evidence, prepare)
            case FineTuneEvidence():
                tune = d.of(FineTuneStep)
                if tune is not None:
                    self.fine_tune(evidence, tune)
            case EvaluateEvidence():
                evaluate = d.of(EvaluateStep)
                if evaluate is not None:
                    self.evaluate(evidence, evaluate)
            case RegisterEvidence():
                register = d.of(RegisterStep)
                if register is not None:
                    self.register(evidence, register)
            case DeployEvidence():
                deploy = d.of(DeployStep)
                if deploy is not None:
                    self.differs("strategy", evidence.strategy.value, deploy.strategy.value,
                                 "the pipeline's strategy")
                    if not math.isclose(evidence.traffic_split, deploy.traffic_split):
                        self.differs("traffic_split", evidence.traffic_split,
                                     deploy.traffic_split, "the pipeline's traffic split")
            case DecideEvidence():
                registered = self.run.evidence(StepName.REGISTER)
                if isinstance(registered, RegisterEvidence):
                    self.differs("candidate", evidence.candidate, registered.candidate,
                                 "the candidate of the register step")

    def collect(self, evidence: CollectEvidence, step: CollectStep) -> None:
        self.differs("source", evidence.source, step.source, "the pipeline's source")
        if step.filter:
            self.differs("filter", evidence.filter, step.filter, "the pipeline's filter")
        if self.done and step.min_samples is not None and evidence.samples < step.min_samples:
            self.problems.append(Problem("samples", (
                f"{evidence.samples} samples are fewer than the pipeline's min_samples "
                f"{step.min_samples}; record the step as failed, or collect more")))

    def prepare(self, evidence: PrepareEvidence, step: PrepareStep) -> None:
        self.differs("format", evidence.format, step.format, "the pipeline's format")
        defined, found = step.split.shares(), evidence.split.shares()
        if defined.keys() != found.keys() or not all(
                math.isclose(found[part], share) for part, share in defined.items()):
            self.problems.append(Problem("split", f"is {evidence.split}, but the pipeline's "
                                                  f"split is {step.split}"))

    def fine_tune(self, evidence: FineTuneEvidence, step: FineTuneStep) -> None:
        model = evidence.base.rpartition("@")[0]
        if "@" in step.base_model:
            self.differs("base", evidence.base, step.base_model, "the pipeline's base version")
        elif model != step.base_model:
            self.problems.append(Problem("base", f"is a version of {model}, but the pipeline "
                                                 f"fine-tunes {step.base_model}"))
        for name, value in step.hyperparameters.items():
            found = evidence.hyperparameters.get(name)
            # True == 1 in Python; a flag and a number are not the same setting
            if found != value or isinstance(found, bool) is not isinstance(value, bool):
                shown = "missing" if name not in evidence.hyperparameters else repr(found)
                self.problems.append(Problem(f"hyperparameters.{name}", (
                    f"is {shown}, but the pipeline sets it to {value!r}")))

    def evaluate(self, evidence: EvaluateEvidence, step: EvaluateStep) -> None:
        self.differs("suite", evidence.suite, step.suite, "the pipeline's suite")
        unmet = step.unmet(evidence.scores)
        if evidence.passed and unmet:
            self.problems.append(Problem("passed", f"says every threshold was met, but "
                                                   f"{', '.join(unmet)}"))
        elif not evidence.passed and not unmet:
            self.problems.append(Problem("passed", "says a threshold was not met, but every "
                                                   "score meets its threshold"))
        elif self.done and not evidence.passed:
            self.problems.append(Problem("status", f"is done, but the evaluation did not "
                                                   f"pass ({', '.join(unmet)}); record it "
                                                   f"as failed"))
        if step.compare_against and not evidence.compared_against:
            self.problems.append(Problem("compared_against", (
                f"is required: the pipeline compares against {step.compare_against}")))
        elif "@" in step.compare_against:
            self.differs("compared_against", evidence.compared_against, step.compare_against,
                         "the pipeline's compare_against")

    def register(self, evidence: RegisterEvidence, step: RegisterStep) -> None:
        model = evidence.candidate.partition("@")[0]
        if model != self.run.model:
            self.problems.append(Problem("candidate", f"is a version of {model}, but the run "
                                                      f"fine-tunes {self.run.model}"))
        tuned = self.run.evidence(StepName.FINE_TUNE)
        if isinstance(tuned, FineTuneEvidence):
            self.differs("derived_from", evidence.derived_from, tuned.base,
                         "the base version of the fine_tune step")
        if stage_of_status(evidence.registered_as) is not stage_of_status(step.status):
            self.differs("registered_as", evidence.registered_as, step.status,
                         "the pipeline's status")


def where(run: PipelineRun, definition: PipelineDefinition) -> RunStatus:
    """Where ``run`` stands against ``definition``: ended (failed, promoted, rolled back,
    completed) or waiting for its next step, with a sentence such as "waiting for the
    experiment summarizer-ab to decide (deploy step done 2026-10-02)"."""
    last = run.steps[-1] if run.steps else None
    if last is not None and last.status is StepStatus.FAILED:
        return RunStatus(RunState.FAILED, None, (
            f"failed at {last.step} on {_day(last.at)}: {last.reason}"))
    if last is not None and isinstance(last.evidence, DecideEvidence):
        decided = last.evidence
        verb = "promoted" if decided.outcome is Outcome.PROMOTED else "rolled back"
        summary = f": {decided.summary}" if decided.summary else ""
        return RunStatus(RunState(decided.outcome.value), None, (
            f"{decided.candidate} was {verb} on {_day(last.at)}{summary}"))
    after = LIFECYCLE.index(last.step) if last is not None else -1
    upcoming = [n for n in definition.names if LIFECYCLE.index(n) > after]
    if not upcoming:
        registered = run.evidence(StepName.REGISTER)
        what = (f"{registered.candidate} registered as {registered.registered_as}"
                if isinstance(registered, RegisterEvidence) else "every step recorded")
        ended = f" on {_day(last.at)}" if last is not None else ""
        return RunStatus(RunState.COMPLETED, None, f"completed{ended}: {what}")
    next_step = upcoming[0]
    if last is None:
        by = f"by {run.trigger_key}" if run.trigger_key else "by hand"
        since = f"run started {_day(run.started_at)} {by}"
    else:
        since = f"{last.step} step {last.status} {_day(last.at)}"
    return RunStatus(RunState.WAITING, next_step,
                     f"waiting for {_awaited(next_step, run, definition)} ({since})")


def _awaited(step: StepName, run: PipelineRun, definition: PipelineDefinition) -> str:
    """What the run waits for, in words."""
    match step:
        case StepName.COLLECT_TRAINING_DATA:
            collect = definition.of(CollectStep)
            if collect is None:
                return step
            kept = f" ({collect.filter})" if collect.filter else ""
            least = (f", at least {collect.min_samples} samples"
                     if collect.min_samples is not None else "")
            return f"training data from {collect.source}{kept}{least}"
        case StepName.PREPARE_DATASET:
            prepare = definition.of(PrepareStep)
            return (f"the dataset to be prepared as {prepare.format} ({prepare.split})"
                    if prepare is not None else step)
        case StepName.FINE_TUNE:
            tune = definition.of(FineTuneStep)
            return f"the fine-tuning of {tune.base_model}" if tune is not None else step
        case StepName.EVALUATE:
            evaluate = definition.of(EvaluateStep)
            return f"the evaluation on {evaluate.suite}" if evaluate is not None else step
        case StepName.REGISTER:
            register = definition.of(RegisterStep)
            status = register.status if register is not None else "candidate"
            return f"the candidate to be registered as {status}"
        case StepName.DEPLOY:
            deploy = definition.of(DeployStep)
            return (f"the {deploy.strategy} deployment ({deploy.traffic_split:.0%} of the "
                    f"traffic for {deploy.duration})" if deploy is not None else step)
        case StepName.PROMOTE_OR_ROLLBACK:
            deployed = run.evidence(StepName.DEPLOY)
            if isinstance(deployed, DeployEvidence):
                return f"the experiment {deployed.experiment} to decide"
            decide = definition.of(DecideStep)
            how = f" ({decide.decision})" if decide is not None else ""
            return f"the decision to promote or roll back{how}"


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"The time {name}={moment.isoformat()} has no time zone; give an "
                           "aware time (e.g. with tzinfo=UTC).")
