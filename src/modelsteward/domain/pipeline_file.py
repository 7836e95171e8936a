"""The fine-tuning pipeline document (15-factor "Fine-Tuning Pipeline"), read and written::

    fine_tuning:
      trigger:                       # optional; see modelsteward.domain.retrain
        schedule: quarterly
        or: eval_score_drops_below_threshold
      pipeline:
        - step: collect_training_data
          source: production_feedback
          filter: human_verified_only          # optional
          min_samples: 5000                    # optional, at least 1
        - step: prepare_dataset
          format: jsonl
          split: {train: 0.8, validation: 0.1, test: 0.1}   # train required; sum 1
        - step: fine_tune
          base_model: gpt-4o-mini
          hyperparameters: {epochs: 3, learning_rate_multiplier: 1.8}   # optional
        - step: evaluate
          suite: evals/classification/
          threshold: {accuracy: 0.95, f1: 0.93}   # minimum scores, 0 to 1
          compare_against: current_production_model   # optional; or model@version
        - step: register
          registry: model-registry.yaml        # optional
          status: candidate                    # optional (candidate); before production
        - step: deploy                         # deploy and promote_or_rollback: both or none
          strategy: ab_test                    # or canary
          traffic_split: 0.10                  # strictly between 0 and 1
          duration: 7d                         # a whole number of m, h, d or w; at most 366d
        - step: promote_or_rollback
          decision: based_on_ab_test_results   # or based_on_canary_results, manual

Which steps are required and why, and their order: :mod:`modelsteward.domain.pipeline`. The
caller loads the document (``document_reader.load_document``); nothing here reads files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import timedelta

from modelsteward.domain.documents import describe, indexed, located
from modelsteward.domain.field_reader import FieldReader, is_number, is_text
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.names import close_names
from modelsteward.domain.pipeline import (
    DECISION_OF_STRATEGY,
    LIFECYCLE,
    PRODUCTION_BASELINE,
    REQUIRED_STEPS,
    CollectStep,
    DecideStep,
    Decision,
    DeployStep,
    Duration,
    DurationUnit,
    EvaluateStep,
    FineTuneStep,
    Hyperparameter,
    PipelineDefinition,
    PrepareStep,
    RegisterStep,
    Split,
    StepDefinition,
    StepName,
    Strategy,
)
from modelsteward.domain.refs import split_ref
from modelsteward.domain.registry_file import stage_of_status
from modelsteward.domain.retrain import read_triggers, render_triggers
from modelsteward.domain.versioning import Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["parse_duration", "parse_pipeline", "read_hyperparameters", "read_ref", "read_split",
           "render_pipeline"]

_STEP_KEYS: dict[StepName, tuple[str, ...]] = {
    StepName.COLLECT_TRAINING_DATA: ("step", "source", "filter", "min_samples"),
    StepName.PREPARE_DATASET: ("step", "format", "split"),
    StepName.FINE_TUNE: ("step", "base_model", "hyperparameters"),
    StepName.EVALUATE: ("step", "suite", "threshold", "compare_against"),
    StepName.REGISTER: ("step", "registry", "status"),
    StepName.DEPLOY: ("step", "strategy", "traffic_split", "duration"),
    StepName.PROMOTE_OR_ROLLBACK: ("step", "decision"),
}
_SPLIT_PARTS = ("train", "validation", "test")
_DURATION = re.compile(r"([1-9][0-9]{0,5})([mhdw])")
_LONGEST_DEPLOYMENT = timedelta(days=366)
_BEFORE_PRODUCTION = (Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING)
_ORDER = ", ".join(LIFECYCLE)


def parse_pipeline(document: object, source: str = "pipeline") -> PipelineDefinition:
    """The pipeline ``document`` defines (see the module's docstring). Raises
    :class:`DocumentInvalid` naming ``source`` with every problem, each located by its path
    (``fine_tuning.pipeline[3].threshold.accuracy``): unknown keys, unknown, repeated,
    missing or misplaced steps, wrong values."""
    if not isinstance(document, Mapping):
        raise DocumentInvalid(source, [Problem("$", f"a pipeline definition must be a mapping "
                                                    f"with the key fine_tuning, found "
                                                    f"{describe(document)}")])
    problems: list[Problem] = []
    top = FieldReader(document, "$", problems)
    top.unknown_keys(("fine_tuning",), "a pipeline definition")
    section = top.mapping("fine_tuning", "a mapping with trigger and pipeline")
    if section is None:
        raise DocumentInvalid(source, problems)
    fields = FieldReader(section, "fine_tuning", problems)
    fields.unknown_keys(("trigger", "pipeline"), "fine_tuning")
    steps = _steps(section.get("pipeline"), "pipeline" in section, problems)
    evaluate = next((s for s in steps if isinstance(s, EvaluateStep)), None)
    thresholds = evaluate.threshold if evaluate is not None else None
    triggers = read_triggers(section.get("trigger"), fields.at("trigger"), problems, thresholds)
    if problems:
        raise DocumentInvalid(source, problems)
    return PipelineDefinition(triggers, tuple(steps))


def _steps(value: object, given: bool, problems: list[Problem]) -> list[StepDefinition]:
    where = "fine_tuning.pipeline"
    if not isinstance(value, list) or not value:
        problems.append(Problem(where, (
            f"{'must be' if given else 'is required:'} a list of steps, each a mapping with "
            f"step: and its fields, in the order {_ORDER}"
            + (f"; found {describe(value)}" if given else ""))))
        return []
    steps: list[StepDefinition] = []
    seen: dict[StepName, str] = {}
    latest: StepName | None = None
    for i, raw in enumerate(value):
        at = indexed(where, i)
        name = _step_name(raw, at, problems)
        if name is None or not isinstance(raw, Mapping):
            continue
        if name in seen:
            problems.append(Problem(at, f"repeats the {name} step of {seen[name]}; a pipeline "
                                        "runs each step once"))
            continue
        seen[name] = at
        if latest is not None and LIFECYCLE.index(name) < LIFECYCLE.index(latest):
            problems.append(Problem(at, f"the {name} step comes after {latest} but runs before "
                                        f"it; keep the steps in the order {_ORDER}"))
        else:
            latest = name
        step = _STEP_READERS[name](FieldReader(raw, at, problems))
        if step is not None:
            steps.append(step)
    missing = [n for n in REQUIRED_STEPS if n not in seen]
    if missing:
        problems.append(Problem(where, f"has no {', '.join(missing)} step"
                                       f"{'s' * (len(missing) > 1)}; a pipeline needs "
                                       f"{', '.join(REQUIRED_STEPS)}"))
    deploy, decide = seen.get(StepName.DEPLOY), seen.get(StepName.PROMOTE_OR_ROLLBACK)
    if deploy and not decide:
        problems.append(Problem(deploy, "needs a promote_or_rollback step after it, which "
                                        "decides the deployment; add one, or remove deploy "
                                        "to end the pipeline with a registered candidate"))
    if decide and not deploy:
        problems.append(Problem(decide, "has no deployment to decide on; add a deploy step "
                                        "before it, or remove it"))
    _check_decision(steps, seen, problems)
    return sorted(steps, key=lambda s: LIFECYCLE.index(s.name))


def _step_name(raw: object, at: str, problems: list[Problem]) -> StepName | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(at, f"must be a mapping with step: and the step's fields, "
                                    f"found {describe(raw)}"))
        return None
    value = raw.get("step")
    if isinstance(value, str) and value in LIFECYCLE:
        return StepName(value)
    if "step" not in raw:
        problems.append(Problem(located(at, "step"), f"is required: one of {_ORDER}"))
    elif isinstance(value, str):
        near = close_names(value, LIFECYCLE, n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        problems.append(Problem(located(at, "step"), f"must be one of {_ORDER}, found "
                                                     f"{describe(value)}{hint}"))
    else:
        problems.append(Problem(located(at, "step"), f"must be one of {_ORDER}, found "
                                                     f"{describe(value)}"))
    return None


def _check_decision(steps: list[StepDefinition], seen: Mapping[StepName, str],
                    problems: list[Problem]) -> None:
    """A decision on results must name the deployment's strategy."""
    deploy = next((s for s in steps if isinstance(s, DeployStep)), None)
    decide = next((s for s in steps if isinstance(s, DecideStep)), None)
    if deploy is None or decide is None or decide.decision is Decision.MANUAL:
        return
    fitting = DECISION_OF_STRATEGY[deploy.strategy]
    if decide.decision is not fitting:
        problems.append(Problem(located(seen[StepName.PROMOTE_OR_ROLLBACK], "decision"), (
            f"is {decide.decision}, but the deploy step runs a {deploy.strategy}; write "
            f"{fitting} or manual")))


# --- the steps ---------------------------------------------------------------------------------


def _read_collect(f: FieldReader) -> CollectStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.COLLECT_TRAINING_DATA], StepName.COLLECT_TRAINING_DATA)
    source = f.text("source", "where the samples come from, e.g. production_feedback")
    filter_ = f.text("filter", "which samples are kept, e.g. human_verified_only",
                     required=False)
    minimum = f.count("min_samples", "the fewest samples to train on", minimum=1,
                      required=False)
    return CollectStep(source, filter_, minimum) if len(f.problems) == before else None


def _read_prepare(f: FieldReader) -> PrepareStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.PREPARE_DATASET], StepName.PREPARE_DATASET)
    format_ = f.name("format", "the dataset's format, e.g. jsonl")
    split = read_split(f, "split")
    return PrepareStep(format_, split) if len(f.problems) == before and split else None


def read_split(f: FieldReader, key: str) -> Split | None:
    """The split under ``key``: shares of train (required), validation and test, each more
    than 0 and at most 1, summing to 1 (within 1e-9)."""
    raw = f.mapping(key, "a mapping of shares such as {train: 0.8, validation: 0.1, test: "
                         "0.1}")
    if raw is None:
        return None
    before = len(f.problems)
    shares = FieldReader(raw, f.at(key), f.problems)
    shares.unknown_keys(_SPLIT_PARTS, "a split")
    found: dict[str, float] = {}
    for part in _SPLIT_PARTS:
        if part not in raw and part != "train":
            continue
        value = raw.get(part)
        if is_number(value) and 0 < value <= 1:
            found[part] = float(value)
        else:
            shares.problem(part, f"must be a share of the dataset, a number more than 0 and "
                                 f"at most 1, found {describe(value)}"
                           if part in raw else "is required: the share of the dataset to "
                                               "train on, e.g. 0.8")
    if len(f.problems) > before:
        return None
    total = math.fsum(found.values())
    if not math.isclose(total, 1.0, rel_tol=0, abs_tol=1e-9):
        f.problem(key, f"the shares sum to {total:g}; they must sum to 1")
        return None
    return Split(found["train"], found.get("validation", 0.0), found.get("test", 0.0))


def _read_fine_tune(f: FieldReader) -> FineTuneStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.FINE_TUNE], StepName.FINE_TUNE)
    base = f.text("base_model", "the model to fine-tune, e.g. gpt-4o-mini")
    if base:
        try:
            Snapshot.parse(base)
        except InvalidInput as exc:
            f.problem("base_model", str(exc))
    hyperparameters = read_hyperparameters(f, "hyperparameters")
    return FineTuneStep(base, hyperparameters) if len(f.problems) == before else None


def read_hyperparameters(f: FieldReader, key: str) -> dict[str, Hyperparameter]:
    """The optional mapping under ``key`` of lowercase names to numbers, words or booleans."""
    raw = f.mapping(key, "a mapping of names to values, e.g. {epochs: 3}", required=False)
    found: dict[str, Hyperparameter] = {}
    for name, value in (raw or {}).items():
        at = located(f.at(key), name)
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            f.problems.append(Problem(at, "names a hyperparameter in lowercase letters, "
                                          "digits or '_', e.g. learning_rate_multiplier"))
        elif isinstance(value, bool) or is_text(value) or is_number(value):
            found[name] = value  # int or float as written
        else:
            f.problems.append(Problem(at, f"must be a number, a word or true/false, found "
                                          f"{describe(value)}"))
    return found


_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


def _read_evaluate(f: FieldReader) -> EvaluateStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.EVALUATE], StepName.EVALUATE)
    suite = f.text("suite", "the evaluation suite, e.g. evals/classification/")
    threshold = f.mapping("threshold", "a mapping of metrics to minimum scores, e.g. "
                                       "{accuracy: 0.95}")
    minimums: dict[str, float] = {}
    if threshold is not None and not threshold:
        f.problem("threshold", "names no metric; give at least one minimum score, e.g. "
                               "{accuracy: 0.95}")
    for metric, value in (threshold or {}).items():
        at = located(f.at("threshold"), metric)
        if not isinstance(metric, str) or not _NAME.fullmatch(metric):
            f.problems.append(Problem(at, "names a metric in lowercase, e.g. accuracy or f1"))
        elif is_number(value) and 0 <= value <= 1:
            minimums[metric] = float(value)
        else:
            f.problems.append(Problem(at, f"must be a number from 0 to 1, found "
                                          f"{describe(value)}"))
    compare = f.text("compare_against", f"{PRODUCTION_BASELINE} or a model@version",
                     required=False)
    if compare and compare != PRODUCTION_BASELINE:
        read_ref(f, "compare_against", f"{PRODUCTION_BASELINE} or a model@version")
    if len(f.problems) > before:
        return None
    return EvaluateStep(suite, minimums, compare)


def read_ref(f: FieldReader, key: str, what: str) -> str:
    """The ``model@version`` under ``key`` (its model a valid name); ``""`` when wrong."""
    value = f.text(key, what)
    if not value:
        return ""
    try:
        split_ref(value)
    except InvalidInput:
        f.problem(key, f"must be {what}, such as classification-v2@1.4.0, found "
                       f"{describe(value)}")
        return ""
    return value


def _read_register(f: FieldReader) -> RegisterStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.REGISTER], StepName.REGISTER)
    registry = f.text("registry", "where the candidate is registered, e.g. "
                                  "model-registry.yaml", required=False)
    status = f.text("status", "the status of the candidate, e.g. candidate",
                    required=False) or ("" if "status" in f.raw else "candidate")
    if status and stage_of_status(status) not in _BEFORE_PRODUCTION:
        f.problem("status", f"{status!r} is not a status a pipeline registers with; use a "
                            f"status of a stage before production, e.g. candidate, "
                            f"evaluated or staging")
    return RegisterStep(status, registry) if len(f.problems) == before else None


def _read_deploy(f: FieldReader) -> DeployStep | None:
    before = len(f.problems)
    f.unknown_keys(_STEP_KEYS[StepName.DEPLOY], StepName.DEPLOY)
    strategy = f.choice("strategy", Strategy)
    share = f.number("traffic_split", "the candidate's share of the traffic, more than 0 and "
                                      "less than 1")
    if share is not None and not 0 < share < 1:
        f.problem("traffic_split", f"must be the candidate's share of the traffic, more than "
                                   f"0 and less than 1, found {describe(f.raw['traffic_split'])}")
    duration = parse_duration(f.raw.get("duration"), f.at("duration"), f.problems)
    if len(f.problems) > before or strategy is None or share is None or duration is None:
        return None
    return DeployStep(strategy, share, duration)


def parse_duration(value: object, where: str, problems: list[Problem]) -> Duration | None:
    """A duration written as a whole number and a unit (``30m``, ``12h``, ``7d``, ``2w``), at
    most 366 days; ``None`` after appending a problem at ``where``."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        problems.append(Problem(where, f"must be a duration such as 7d, 12h, 30m or 2w, "
                                       f"found {describe(value)}"))
        return None
    duration = Duration(int(match[1]), DurationUnit(match[2]))
    if duration.delta > _LONGEST_DEPLOYMENT:
        problems.append(Problem(where, f"{duration} is longer than 366 days; a deployment "
                                       f"is decided within a year"))
        return None
    return duration


def _read_decide(f: FieldReader) -> DecideStep | None:
    f.unknown_keys(_STEP_KEYS[StepName.PROMOTE_OR_ROLLBACK], StepName.PROMOTE_OR_ROLLBACK)
    decision = f.choice("decision", Decision)
    return DecideStep(decision) if decision is not None else None


_STEP_READERS: dict[StepName, Callable[[FieldReader], StepDefinition | None]] = {
    StepName.COLLECT_TRAINING_DATA: _read_collect,
    StepName.PREPARE_DATASET: _read_prepare,
    StepName.FINE_TUNE: _read_fine_tune,
    StepName.EVALUATE: _read_evaluate,
    StepName.REGISTER: _read_register,
    StepName.DEPLOY: _read_deploy,
    StepName.PROMOTE_OR_ROLLBACK: _read_decide,
}
assert set(_STEP_READERS) == set(StepName) == set(_STEP_KEYS)


# --- rendering ---------------------------------------------------------------------------------


def render_pipeline(definition: PipelineDefinition) -> dict[str, object]:
    """The document of ``definition``: ``parse_pipeline(render_pipeline(d)) == d`` for every
    definition :func:`parse_pipeline` returns. Optional fields are written only when set; the
    triggers are written as a list (the ``eval_score_drops_below_threshold`` shorthand as the
    ``metric_below`` triggers it stands for)."""
    section: dict[str, object] = {}
    if definition.triggers:
        section["trigger"] = render_triggers(definition.triggers)
    section["pipeline"] = [_render_step(step) for step in definition.steps]
    return {"fine_tuning": section}


def _render_step(step: StepDefinition) -> dict[str, object]:
    fields: dict[str, object] = {"step": step.name.value}
    match step:
        case CollectStep(source, filter_, minimum):
            fields["source"] = source
            if filter_:
                fields["filter"] = filter_
            if minimum is not None:
                fields["min_samples"] = minimum
        case PrepareStep(format_, split):
            fields.update(format=format_, split=split.shares())
        case FineTuneStep(base, hyperparameters):
            fields["base_model"] = base
            if hyperparameters:
                fields["hyperparameters"] = dict(hyperparameters)
        case EvaluateStep(suite, threshold, compare):
            fields.update(suite=suite, threshold=dict(threshold))
            if compare:
                fields["compare_against"] = compare
        case RegisterStep(status, registry):
            if registry:
                fields["registry"] = registry
            fields["status"] = status
        case DeployStep(strategy, share, duration):
            fields.update(strategy=strategy.value, traffic_split=share, duration=str(duration))
        case DecideStep(decision):
            fields["decision"] = decision.value
    return fields
