"""The fine-tuning pipeline document: the seed's block, every problem located, and render →
parse giving back the same definition."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.document_reader import Format, load_document
from modelsteward.domain.field_reader import is_text
from modelsteward.domain.pipeline import (
    DECISION_OF_STRATEGY,
    PRODUCTION_BASELINE,
    CollectStep,
    DecideStep,
    Decision,
    DeployStep,
    Duration,
    DurationUnit,
    EvaluateStep,
    FineTuneStep,
    PipelineDefinition,
    PrepareStep,
    RegisterStep,
    Split,
    StepDefinition,
    StepName,
    Strategy,
)
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.retrain import (
    BaseTrigger,
    MetricSource,
    MetricTrigger,
    ScheduleTrigger,
    Trigger,
    TriggerKind,
)
from modelsteward.domain.schedule import parse_schedule
from modelsteward.errors import DocumentInvalid, InvalidInput

from .strategies import FAST

# the seed's block as written (15-factor "Fine-Tuning Pipeline"), comments included
SEED = """\
# Fine-tuning lifecycle
fine_tuning:
  trigger:
    schedule: quarterly
    or: eval_score_drops_below_threshold

  pipeline:
    - step: collect_training_data
      source: production_feedback
      filter: human_verified_only
      min_samples: 5000

    - step: prepare_dataset
      format: jsonl
      split: {train: 0.8, validation: 0.1, test: 0.1}

    - step: fine_tune
      base_model: gpt-4o-mini
      hyperparameters:
        epochs: 3
        learning_rate_multiplier: 1.8

    - step: evaluate
      suite: evals/classification/
      threshold:
        accuracy: 0.95
        f1: 0.93
      compare_against: current_production_model

    - step: register
      registry: model-registry.yaml
      status: candidate

    - step: deploy
      strategy: ab_test
      traffic_split: 0.10
      duration: 7d

    - step: promote_or_rollback
      decision: based_on_ab_test_results
"""

SEED_DEFINITION = PipelineDefinition(
    triggers=(ScheduleTrigger(parse_schedule("quarterly")), MetricTrigger("accuracy", 0.95),
              MetricTrigger("f1", 0.93)),
    steps=(CollectStep("production_feedback", "human_verified_only", 5000),
           PrepareStep("jsonl", Split(0.8, 0.1, 0.1)),
           FineTuneStep("gpt-4o-mini", {"epochs": 3, "learning_rate_multiplier": 1.8}),
           EvaluateStep("evals/classification/", {"accuracy": 0.95, "f1": 0.93},
                        PRODUCTION_BASELINE),
           RegisterStep("candidate", "model-registry.yaml"),
           DeployStep(Strategy.AB_TEST, 0.1, Duration(7, DurationUnit.DAYS)),
           DecideStep(Decision.BASED_ON_AB_TEST_RESULTS)))


def seed_document() -> object:
    return load_document(SEED, Format.YAML, "pipeline.yaml")


def test_the_seeds_block_parses() -> None:
    definition = parse_pipeline(seed_document(), "pipeline.yaml")
    assert definition == SEED_DEFINITION
    deploy = definition.of(DeployStep)
    assert deploy == SEED_DEFINITION.steps[5] and deploy.duration.delta == timedelta(days=7)
    assert definition.after(None) is StepName.COLLECT_TRAINING_DATA
    assert definition.after(StepName.DEPLOY) is StepName.PROMOTE_OR_ROLLBACK
    assert definition.after(StepName.PROMOTE_OR_ROLLBACK) is None
    assert parse_pipeline(render_pipeline(definition)) == definition


MANY_PROBLEMS = """\
version: 2
fine_tuning:
  trigger: {schedule: quarterly, or: eval_score_drops_below_threshold}
  owner: team-support
  pipeline:
    - step: collect_training_data
      source: production_feedback
      min_samples: 0
    - step: fine_tune
      base_model: gpt 4o mini
      hyperparameters: {epochs: [3], Learning-Rate: 1.8}
    - step: prepare_dataset
      format: JSONL
      split: {train: 0.8, validation: 0.1, holdout: 0.1}
    - step: evaluate
      suite: evals/classification/
      threshold: {accuracy: 95, f1: 0.93}
      compare_against: production
    - step: evaluate
      suite: again
    - step: registr
    - step: deploy
      strategy: blue_green
      traffic_split: 1.5
      duration: 7 days
    - just a note
"""


def test_a_document_with_many_problems_reports_every_one_with_its_location() -> None:
    with pytest.raises(DocumentInvalid) as refused:
        parse_pipeline(load_document(MANY_PROBLEMS, Format.YAML, "p.yaml"), "p.yaml")
    steps = ("collect_training_data, prepare_dataset, fine_tune, evaluate, register, deploy, "
             "promote_or_rollback")
    assert [str(p) for p in refused.value.problems] == [
        "version: is not a field of a pipeline definition; its fields are fine_tuning",
        "fine_tuning.owner: is not a field of fine_tuning; its fields are trigger, pipeline",
        "fine_tuning.pipeline[0].min_samples: must be the fewest samples to train on (a whole "
        "number of at least 1), found the number 0",
        "fine_tuning.pipeline[1].base_model: 'gpt 4o mini' is not a provider snapshot id: use "
        "the provider's model id as published, e.g. 'claude-sonnet-4-5-20250929' or "
        "'gpt-4o-2024-08-06' (letters, digits, '.', '_', ':', '@', '-').",
        "fine_tuning.pipeline[1].hyperparameters.epochs: must be a number, a word or "
        "true/false, found a list",
        "fine_tuning.pipeline[1].hyperparameters.Learning-Rate: names a hyperparameter in "
        "lowercase letters, digits or '_', e.g. learning_rate_multiplier",
        "fine_tuning.pipeline[2]: the prepare_dataset step comes after fine_tune but runs "
        f"before it; keep the steps in the order {steps}",
        "fine_tuning.pipeline[2].format: must be the dataset's format, e.g. jsonl (lowercase "
        "letters, digits, '.', '_' or '-', at most 100), found the text 'JSONL'",
        "fine_tuning.pipeline[2].split.holdout: is not a field of a split; its fields are "
        "train, validation, test",
        "fine_tuning.pipeline[3].threshold.accuracy: must be a number from 0 to 1, found the "
        "number 95",
        "fine_tuning.pipeline[3].compare_against: must be current_production_model or a "
        "model@version, such as classification-v2@1.4.0, found the text 'production'",
        "fine_tuning.pipeline[4]: repeats the evaluate step of fine_tuning.pipeline[3]; a "
        "pipeline runs each step once",
        f"fine_tuning.pipeline[5].step: must be one of {steps}, found the text 'registr'; did "
        "you mean register?",
        "fine_tuning.pipeline[6].strategy: must be one of ab_test, canary, found the text "
        "'blue_green'",
        "fine_tuning.pipeline[6].traffic_split: must be the candidate's share of the traffic, "
        "more than 0 and less than 1, found the number 1.5",
        "fine_tuning.pipeline[6].duration: must be a duration such as 7d, 12h, 30m or 2w, "
        "found the text '7 days'",
        "fine_tuning.pipeline[7]: must be a mapping with step: and the step's fields, found "
        "the text 'just a note'",
        "fine_tuning.pipeline: has no register step; a pipeline needs collect_training_data, "
        "prepare_dataset, fine_tune, evaluate, register",
        "fine_tuning.pipeline[6]: needs a promote_or_rollback step after it, which decides the "
        "deployment; add one, or remove deploy to end the pipeline with a registered "
        "candidate",
    ]


def _steps(*steps: object) -> dict[str, object]:
    return {"fine_tuning": {"pipeline": list(steps)}}


REQUIRED: list[object] = [{"step": "collect_training_data", "source": "feedback"},
            {"step": "prepare_dataset", "format": "jsonl", "split": {"train": 1}},
            {"step": "fine_tune", "base_model": "gpt-4o-mini"},
            {"step": "evaluate", "suite": "golden", "threshold": {"accuracy": 0.9}},
            {"step": "register"}]
DEPLOY = {"step": "deploy", "strategy": "canary", "traffic_split": 0.05, "duration": "12h"}


def problems_of(document: object) -> list[str]:
    with pytest.raises(DocumentInvalid) as refused:
        parse_pipeline(document)
    return [str(p) for p in refused.value.problems]


def test_the_smallest_pipeline_has_the_five_required_steps_and_defaults() -> None:
    definition = parse_pipeline(_steps(*REQUIRED))
    assert definition.triggers == ()
    assert definition.steps == (CollectStep("feedback"), PrepareStep("jsonl", Split(1.0)),
                                FineTuneStep("gpt-4o-mini"),
                                EvaluateStep("golden", {"accuracy": 0.9}), RegisterStep())
    assert render_pipeline(definition) == {"fine_tuning": {"pipeline": [
        {"step": "collect_training_data", "source": "feedback"},
        {"step": "prepare_dataset", "format": "jsonl", "split": {"train": 1.0}},
        {"step": "fine_tune", "base_model": "gpt-4o-mini"},
        {"step": "evaluate", "suite": "golden", "threshold": {"accuracy": 0.9}},
        {"step": "register", "status": "candidate"}]}}
    with pytest.raises(InvalidInput, match="has no deploy step"):
        definition.after(StepName.DEPLOY)


def test_deploy_and_the_decision_come_together_and_agree() -> None:
    assert problems_of(_steps(*REQUIRED, {"step": "promote_or_rollback",
                                          "decision": "manual"})) == [
        "fine_tuning.pipeline[5]: has no deployment to decide on; add a deploy step before "
        "it, or remove it"]
    assert problems_of(_steps(*REQUIRED, DEPLOY, {"step": "promote_or_rollback",
                                                  "decision": "based_on_ab_test_results"})) == [
        "fine_tuning.pipeline[6].decision: is based_on_ab_test_results, but the deploy step "
        "runs a canary; write based_on_canary_results or manual"]
    for decision in ("manual", "based_on_canary_results"):
        canary = parse_pipeline(_steps(*REQUIRED, DEPLOY, {"step": "promote_or_rollback",
                                                           "decision": decision}))
        assert canary.of(DecideStep) == DecideStep(Decision(decision))


def test_step_fields_are_checked() -> None:
    wrong = [{"step": "collect_training_data", "source": " padded", "filter": ""},
             {"step": "prepare_dataset", "format": "jsonl",
              "split": {"train": 0.7, "validation": 0.2}},
             {"step": "fine_tune"},
             {"step": "evaluate", "suite": "golden", "threshold": {},
              "compare_against": "classifier@1.2.0"},
             {"step": "register", "status": "active"},
             {"step": "deploy", "strategy": "ab_test", "traffic_split": True,
              "duration": "400d"},
             {"step": "promote_or_rollback", "decision": "coin_flip"}]
    line = "(text of at most 500 characters on one line)"
    assert problems_of(_steps(*wrong)) == [
        f"fine_tuning.pipeline[0].source: must be where the samples come from, e.g. "
        f"production_feedback {line}, found the text ' padded'",
        f"fine_tuning.pipeline[0].filter: must be which samples are kept, e.g. "
        f"human_verified_only {line}, found an empty string",
        "fine_tuning.pipeline[1].split: the shares sum to 0.9; they must sum to 1",
        f"fine_tuning.pipeline[2].base_model: is required: the model to fine-tune, e.g. "
        f"gpt-4o-mini {line}",
        "fine_tuning.pipeline[3].threshold: names no metric; give at least one minimum score, "
        "e.g. {accuracy: 0.95}",
        "fine_tuning.pipeline[4].status: 'active' is not a status a pipeline registers with; "
        "use a status of a stage before production, e.g. candidate, evaluated or staging",
        "fine_tuning.pipeline[5].traffic_split: must be the candidate's share of the traffic, "
        "more than 0 and less than 1, found the boolean true",
        "fine_tuning.pipeline[5].duration: 400d is longer than 366 days; a deployment is "
        "decided within a year",
        "fine_tuning.pipeline[6].decision: must be one of based_on_ab_test_results, "
        "based_on_canary_results, manual, found the text 'coin_flip'",
    ]


@pytest.mark.parametrize("document, problem", [
    (None, "$: a pipeline definition must be a mapping with the key fine_tuning, found "
           "nothing (null)"),
    ({}, "fine_tuning: is required: a mapping with trigger and pipeline"),
    ({"fine_tuning": []}, "fine_tuning: must be a mapping with trigger and pipeline, found a "
                          "list"),
    ({"fine_tuning": {}}, "fine_tuning.pipeline: is required: a list of steps, each a mapping "
                          "with step: and its fields, in the order collect_training_data, "
                          "prepare_dataset, fine_tune, evaluate, register, deploy, "
                          "promote_or_rollback"),
    ({"fine_tuning": {"pipeline": []}}, "fine_tuning.pipeline: must be a list of steps"),
    (_steps({"source": "x"}), "fine_tuning.pipeline[0].step: is required: one of "
                              "collect_training_data, "),
    (_steps({"step": ["fine_tune"]}), "fine_tuning.pipeline[0].step: must be one of "
                                      "collect_training_data, "),
])
def test_the_skeleton_is_checked(document: object, problem: str) -> None:
    assert problems_of(document)[0].startswith(problem)


# --- render → parse ----------------------------------------------------------------------------

_NAMES = st.sampled_from(["accuracy", "f1", "recall", "exact_match", "win-rate.v2"])
# texts as fields hold them: any character but control ones, no spaces around
_TEXT = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=20
                ).map(str.strip).filter(is_text)
_SCALARS = st.booleans() | st.integers(-10**6, 10**6) | _TEXT | st.floats(
    allow_nan=False, allow_infinity=False)
_SCHEDULES = st.sampled_from(["daily", "weekly", "monthly", "quarterly", "yearly",
                              "0 6 1 */3 *", "*/15 9-17 * * 1-5", "0 0 1,15 * 1"]
                             ).map(lambda text: ScheduleTrigger(parse_schedule(text)))
_TRIGGERS: st.SearchStrategy[Trigger] = (
    _SCHEDULES
    | st.builds(MetricTrigger, _NAMES, st.floats(-1e9, 1e9), st.sampled_from(MetricSource))
    | st.sampled_from([BaseTrigger(k) for k in (TriggerKind.BASE_MODEL_NEW_VERSION,
                                                TriggerKind.BASE_DEPRECATED,
                                                TriggerKind.BASE_ADVISORY)]))


@st.composite
def _splits(draw: st.DrawFn) -> Split:
    train = draw(st.integers(1, 100))
    validation = draw(st.integers(0, 100 - train))
    return Split(train / 100, validation / 100, (100 - train - validation) / 100)


@st.composite
def definitions(draw: st.DrawFn, text: st.SearchStrategy[str] = _TEXT) -> PipelineDefinition:
    steps: list[StepDefinition] = [
        CollectStep(draw(text), draw(st.just("") | text),
                    draw(st.none() | st.integers(1, 10**9))),
        PrepareStep(draw(st.sampled_from(["jsonl", "csv", "parquet"])), draw(_splits())),
        FineTuneStep(draw(st.sampled_from(["gpt-4o-mini", "Llama-3.1-8B",
                                           "gpt-4o-mini@2024-07-18"])),
                     draw(st.dictionaries(_NAMES, _SCALARS, max_size=3))),
        EvaluateStep(draw(text), draw(st.dictionaries(_NAMES, st.floats(0, 1), min_size=1,
                                                      max_size=3)),
                     draw(st.sampled_from(["", PRODUCTION_BASELINE, "classifier@1.2.0"]))),
        RegisterStep(draw(st.sampled_from(["candidate", "Staging", "evaluated"])),
                     draw(st.just("") | text)),
    ]
    if draw(st.booleans()):
        strategy = draw(st.sampled_from(Strategy))
        share = draw(st.floats(0, 1, exclude_min=True, exclude_max=True))
        steps.append(DeployStep(strategy, share, draw(st.builds(
            Duration, st.integers(1, 52), st.sampled_from(DurationUnit)))))
        decisions = [DECISION_OF_STRATEGY[strategy], Decision.MANUAL]
        steps.append(DecideStep(draw(st.sampled_from(decisions))))
    triggers = draw(st.lists(_TRIGGERS, unique=True, max_size=5))
    return PipelineDefinition(tuple(triggers), tuple(steps))


@FAST
@given(definitions())
def test_render_then_parse_gives_the_same_definition(definition: PipelineDefinition) -> None:
    assert parse_pipeline(render_pipeline(definition)) == definition


# fewer examples than the round trip above, whose logic it repeats: PyYAML's pure-Python
# parser (the document reader's) made this one test a third of the module's time
@settings(max_examples=30, deadline=None, database=None)
@given(definitions(st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1,
                           max_size=20)))
def test_render_then_yaml_then_parse_gives_the_same_definition(
        definition: PipelineDefinition) -> None:
    """Through YAML text and the document reader too, with text of any script."""
    text = yaml.safe_dump(render_pipeline(definition), allow_unicode=True, sort_keys=False)
    assert parse_pipeline(load_document(text, Format.YAML, "p.yaml")) == definition
