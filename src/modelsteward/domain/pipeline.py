"""A fine-tuning pipeline as values: its triggers and its steps, in the lifecycle's order.

The steps (15-factor "Fine-Tuning Pipeline") run in this order, each at most once:

1. ``collect_training_data`` — where the samples come from, how they are filtered, how many
   are needed at least;
2. ``prepare_dataset`` — the format and the train/validation/test split;
3. ``fine_tune`` — the base model and the provider's hyperparameters;
4. ``evaluate`` — the suite, the minimum score of each metric, what it is compared against;
5. ``register`` — the status the candidate is registered with;
6. ``deploy`` — an A/B test or a canary: the treatment's share of the traffic, for how long;
7. ``promote_or_rollback`` — how the deployment is decided.

Steps 1 to 5 are required: without them there is no candidate, no evidence of its data and no
evaluation to trust it by. ``deploy`` and ``promote_or_rollback`` come together or not at all:
without them the pipeline ends with a registered candidate, promoted through the lifecycle's
gates as any other version; a deployment without a decision would leave an experiment running
for ever, and a decision without a deployment has nothing to decide on.

The document is read by :mod:`modelsteward.domain.pipeline_file`; a run of the pipeline is
recorded by :mod:`modelsteward.domain.pipeline_run`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from modelsteward.domain.retrain import Trigger
from modelsteward.errors import InvalidInput

__all__ = ["DECISION_OF_STRATEGY", "LIFECYCLE", "OPTIONAL_STEPS", "PRODUCTION_BASELINE",
           "REQUIRED_STEPS", "CollectStep", "DecideStep", "Decision", "DeployStep", "Duration",
           "DurationUnit", "EvaluateStep", "FineTuneStep", "Hyperparameter",
           "PipelineDefinition", "PrepareStep", "RegisterStep", "Split", "StepDefinition",
           "StepName", "Strategy"]


class StepName(enum.StrEnum):
    COLLECT_TRAINING_DATA = "collect_training_data"
    PREPARE_DATASET = "prepare_dataset"
    FINE_TUNE = "fine_tune"
    EVALUATE = "evaluate"
    REGISTER = "register"
    DEPLOY = "deploy"
    PROMOTE_OR_ROLLBACK = "promote_or_rollback"


LIFECYCLE: tuple[StepName, ...] = tuple(StepName)
"""Every step, in the order a pipeline runs them."""
REQUIRED_STEPS: tuple[StepName, ...] = LIFECYCLE[:5]
OPTIONAL_STEPS: tuple[StepName, ...] = (StepName.DEPLOY, StepName.PROMOTE_OR_ROLLBACK)
"""Present together or not at all (see the module's docstring)."""

PRODUCTION_BASELINE = "current_production_model"
"""``compare_against``'s word for the version in production when the evaluation runs."""

Hyperparameter = str | int | float | bool


@dataclass(frozen=True)
class Split:
    """Shares of the dataset, summing to 1; a share of 0 means no such part."""

    train: float
    validation: float = 0.0
    test: float = 0.0

    def shares(self) -> dict[str, float]:
        """The parts that are there, in the order train, validation, test."""
        parts = {"train": self.train, "validation": self.validation, "test": self.test}
        return {part: share for part, share in parts.items() if share}

    def __str__(self) -> str:
        return " / ".join(f"{part} {share:g}" for part, share in self.shares().items())


class DurationUnit(enum.StrEnum):
    MINUTES = "m"
    HOURS = "h"
    DAYS = "d"
    WEEKS = "w"


@dataclass(frozen=True)
class Duration:
    """A whole number of minutes, hours, days or weeks, kept as written (``7d``, not 168 h)."""

    count: int
    unit: DurationUnit

    @property
    def delta(self) -> timedelta:
        match self.unit:
            case DurationUnit.MINUTES:
                return timedelta(minutes=self.count)
            case DurationUnit.HOURS:
                return timedelta(hours=self.count)
            case DurationUnit.DAYS:
                return timedelta(days=self.count)
            case DurationUnit.WEEKS:
                return timedelta(weeks=self.count)

    def __str__(self) -> str:
        return f"{self.count}{self.unit.value}"


class Strategy(enum.StrEnum):
    AB_TEST = "ab_test"
    CANARY = "canary"


class Decision(enum.StrEnum):
    """How ``promote_or_rollback`` decides: on the deployment's results (its strategy's
    word), or by a person."""

    BASED_ON_AB_TEST_RESULTS = "based_on_ab_test_results"
    BASED_ON_CANARY_RESULTS = "based_on_canary_results"
    MANUAL = "manual"


DECISION_OF_STRATEGY: dict[Strategy, Decision] = {
    Strategy.AB_TEST: Decision.BASED_ON_AB_TEST_RESULTS,
    Strategy.CANARY: Decision.BASED_ON_CANARY_RESULTS,
}
"""The results-based decision that fits each deployment strategy."""


@dataclass(frozen=True)
class CollectStep:
    """``min_samples``: the fewest samples a run may train on (``None``: no minimum)."""

    source: str
    filter: str = ""
    min_samples: int | None = None

    @property
    def name(self) -> StepName:
        return StepName.COLLECT_TRAINING_DATA


@dataclass(frozen=True)
class PrepareStep:
    format: str
    split: Split

    @property
    def name(self) -> StepName:
        return StepName.PREPARE_DATASET


@dataclass(frozen=True)
class FineTuneStep:
    """``base_model``: the provider's model id or a registry model (``gpt-4o-mini``)."""

    base_model: str
    hyperparameters: dict[str, Hyperparameter] = field(default_factory=dict, hash=False)

    @property
    def name(self) -> StepName:
        return StepName.FINE_TUNE


@dataclass(frozen=True)
class EvaluateStep:
    """``threshold``: the minimum score (0 to 1) of each metric; a score meets it when it is
    at least as high. ``compare_against``: :data:`PRODUCTION_BASELINE`, a ``model@version``,
    or ``""`` (no comparison)."""

    suite: str
    threshold: dict[str, float] = field(hash=False)
    compare_against: str = ""

    @property
    def name(self) -> StepName:
        return StepName.EVALUATE

    def unmet(self, scores: dict[str, float]) -> list[str]:
        """The thresholds ``scores`` do not meet, as ``accuracy 0.93 < 0.95`` (a missing score
        as ``f1 not measured``), in the threshold's order."""
        found = []
        for metric, minimum in self.threshold.items():
            if metric not in scores:
                found.append(f"{metric} not measured")
            elif scores[metric] < minimum:
                found.append(f"{metric} {scores[metric]:g} < {minimum:g}")
        return found


@dataclass(frozen=True)
class RegisterStep:
    """``status``: a registry-file status word of a stage before production (``candidate``);
    ``registry``: the file or registry the candidate is written to (``""``: this one)."""

    status: str = "candidate"
    registry: str = ""

    @property
    def name(self) -> StepName:
        return StepName.REGISTER


@dataclass(frozen=True)
class DeployStep:
    """``traffic_split``: the candidate's share of the traffic, strictly between 0 and 1."""

    strategy: Strategy
    traffic_split: float
    duration: Duration

    @property
    def name(self) -> StepName:
        return StepName.DEPLOY


@dataclass(frozen=True)
class DecideStep:
    decision: Decision

    @property
    def name(self) -> StepName:
        return StepName.PROMOTE_OR_ROLLBACK


StepDefinition = (CollectStep | PrepareStep | FineTuneStep | EvaluateStep | RegisterStep
                  | DeployStep | DecideStep)
S = TypeVar("S", CollectStep, PrepareStep, FineTuneStep, EvaluateStep, RegisterStep,
            DeployStep, DecideStep)


@dataclass(frozen=True)
class PipelineDefinition:
    """A pipeline's triggers (none: it runs when asked) and steps, in lifecycle order, as
    :func:`~modelsteward.domain.pipeline_file.parse_pipeline` guarantees."""

    triggers: tuple[Trigger, ...]
    steps: tuple[StepDefinition, ...]

    @property
    def names(self) -> tuple[StepName, ...]:
        return tuple(step.name for step in self.steps)

    def of(self, kind: type[S]) -> S | None:
        """The step of type ``kind`` (``definition.of(EvaluateStep)``), if the pipeline has
        one."""
        return next((step for step in self.steps if isinstance(step, kind)), None)

    def after(self, name: StepName | None) -> StepName | None:
        """The step that follows ``name`` (the first step for ``None``); ``None`` at the end.
        Raises :class:`InvalidInput` for a step the pipeline does not have."""
        names = self.names
        if name is not None and name not in names:
            raise InvalidInput(f"The pipeline has no {name} step; its steps are "
                               f"{', '.join(names)}.")
        index = 0 if name is None else names.index(name) + 1
        return names[index] if index < len(names) else None
