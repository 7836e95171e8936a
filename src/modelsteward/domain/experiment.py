"""Online experiments between versions of one model: A/B/n tests and canary releases.

An :class:`ExperimentSpec` is what a person asks for (a file, the CLI or the API): the model,
the control and treatment versions (by version id or alias), the traffic split, the unit that
is randomised, the metrics and the design. The registry turns it into an :class:`Experiment`,
whose arms name versions that were eligible when it started, and keeps its state: running, or
ended by a decision (promoted, rolled back, stopped).

A **canary** is an experiment with one treatment whose share of the traffic grows by steps
(1 % → 5 % → 25 % → 50 % → 100 %); its control is the version in production when it starts.
The treatment's share at step ``i`` is ``steps[i]``: weights ``(1 − s, s)``, so raising it only
moves units from the control into the treatment (see :mod:`~modelsteward.domain.assignment`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from modelsteward.domain import assignment
from modelsteward.domain.outcomes import Design, MetricRole, MetricSpec
from modelsteward.errors import InvalidInput

NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
UNIT_ATTRIBUTES = ("user_id", "session_id", "tenant_id", "request_id", "device_id")
CONTROL = "control"


class ExperimentKind(enum.StrEnum):
    AB_TEST = "ab_test"
    CANARY = "canary"


class ExperimentStatus(enum.StrEnum):
    RUNNING = "running"
    PROMOTED = "promoted"        # a treatment took production
    ROLLED_BACK = "rolled_back"  # the treatment was judged worse (or a guardrail broke)
    STOPPED = "stopped"          # ended without a winner


class Action(enum.StrEnum):
    """What a decision does: see :meth:`Experiment.decided`."""

    PROMOTE = "promote"
    ROLLBACK = "rollback"
    STOP = "stop"


ENDED_BY: dict[Action, ExperimentStatus] = {
    Action.PROMOTE: ExperimentStatus.PROMOTED,
    Action.ROLLBACK: ExperimentStatus.ROLLED_BACK,
    Action.STOP: ExperimentStatus.STOPPED,
}


def check_name(name: str) -> str:
    """``name`` when it is a valid experiment name; else :class:`InvalidInput`."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidInput(f"Experiment name {name!r} is not valid: use lowercase letters, "
                           "digits, '.', '_' or '-' (at most 100), e.g. summarizer-sonnet-ab.")
    return name


@dataclass(frozen=True)
class CanaryPlan:
    """The treatment's share at each step (rising, the last at most 1), and what a step needs
    before the next: ``min_duration`` on it and ``min_sample`` observations per arm."""

    steps: tuple[float, ...]
    min_duration: timedelta = timedelta(hours=1)
    min_sample: int = 100

    def __post_init__(self) -> None:
        if not self.steps:
            raise InvalidInput("A canary needs at least one step, e.g. steps: [0.05, 0.25, 1].")
        previous = 0.0
        for share in self.steps:
            if isinstance(share, bool) or not previous < share <= 1:
                raise InvalidInput(f"Canary steps {list(self.steps)} must rise above 0 and end "
                                   "at most at 1, e.g. [0.01, 0.05, 0.25, 0.5, 1].")
            previous = share
        if self.min_duration < timedelta(0):
            raise InvalidInput("A canary step's minimum duration cannot be negative.")
        if self.min_sample < 0:
            raise InvalidInput("A canary step's minimum sample cannot be negative.")


@dataclass(frozen=True)
class ExperimentSpec:
    """What a person asks for. ``control`` and ``treatments`` name versions of ``model`` (a
    version id or an alias such as ``production``; a canary's control may be empty: the
    production version). ``weights`` has one share per arm, control first (empty: the
    ``traffic_split`` of a file, or an even split). ``seed`` defaults to the name."""

    name: str
    model: str
    control: str
    treatments: tuple[str, ...]
    weights: tuple[float, ...] = ()
    coverage: float = 1.0
    unit: str = "user_id"
    seed: str = ""
    metrics: tuple[MetricSpec, ...] = ()
    design: Design = field(default_factory=Design)
    starts_at: datetime | None = None
    duration: timedelta | None = None
    canary: CanaryPlan | None = None
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name)
        if not self.treatments:
            raise InvalidInput(f"Experiment {self.name} needs at least one treatment version.")
        if self.canary is not None and len(self.treatments) != 1:
            raise InvalidInput(f"Canary {self.name} releases one version; it names "
                               f"{len(self.treatments)} treatments.")
        if self.canary is None:
            assignment.check_weights(self.arm_weights())
        assignment.check_coverage(self.coverage)
        if self.unit not in UNIT_ATTRIBUTES:
            raise InvalidInput(f"Unit {self.unit!r} is not one the registry randomises on; use "
                               f"one of {', '.join(UNIT_ATTRIBUTES)}.")
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names):
            raise InvalidInput(f"Experiment {self.name} lists a metric twice; give each once.")
        primaries = sum(m.role is MetricRole.PRIMARY for m in self.metrics)
        if self.canary is None and primaries != 1:
            raise InvalidInput(f"Experiment {self.name} needs exactly one primary metric (the "
                               f"one it is decided on), not {primaries}; make the others "
                               "guardrails.")
        if self.canary is not None and primaries > 1:
            raise InvalidInput(f"Canary {self.name} may have one primary metric at most, not "
                               f"{primaries}; make the others guardrails.")
        if self.duration is not None and self.duration <= timedelta(0):
            raise InvalidInput(f"Experiment {self.name}: the duration must be positive.")

    @property
    def kind(self) -> ExperimentKind:
        return ExperimentKind.AB_TEST if self.canary is None else ExperimentKind.CANARY

    def arm_weights(self) -> tuple[float, ...]:
        """One weight per arm, control first: the given ones, else an even split."""
        if self.weights:
            if len(self.weights) != len(self.treatments) + 1:
                raise InvalidInput(f"Experiment {self.name} has {len(self.treatments) + 1} arms "
                                   f"but {len(self.weights)} weights; give one per arm, "
                                   "control first.")
            return self.weights
        if self.canary is not None:
            return (1 - self.canary.steps[0], self.canary.steps[0])
        share = 1 / (len(self.treatments) + 1)
        return tuple(share for _ in range(len(self.treatments) + 1))


@dataclass(frozen=True)
class Arm:
    name: str
    version: str  # the version id within the experiment's model
    weight: float


def arm_names(treatments: int) -> tuple[str, ...]:
    """``control``, then ``treatment`` (one) or ``treatment-1`` … ``treatment-n``."""
    if treatments == 1:
        return (CONTROL, "treatment")
    return (CONTROL, *(f"treatment-{i}" for i in range(1, treatments + 1)))


@dataclass(frozen=True)
class Experiment:
    """An experiment the registry runs. ``arms`` are control first; their weights are the
    current split (a canary's change as it steps). ``step`` is a canary's current step and
    ``step_started_at`` when it began. ``winner`` names the promoted arm."""

    name: str
    model: str
    arms: tuple[Arm, ...]
    unit: str
    coverage: float
    seed: str
    metrics: tuple[MetricSpec, ...]
    design: Design
    starts_at: datetime
    ends_at: datetime | None
    canary: CanaryPlan | None
    created_at: datetime
    created_by: str
    description: str = ""
    status: ExperimentStatus = ExperimentStatus.RUNNING
    step: int = 0
    step_started_at: datetime | None = None
    decided_at: datetime | None = None
    reason: str = ""
    winner: str = ""

    @property
    def kind(self) -> ExperimentKind:
        return ExperimentKind.AB_TEST if self.canary is None else ExperimentKind.CANARY

    @property
    def running(self) -> bool:
        return self.status is ExperimentStatus.RUNNING

    @property
    def control(self) -> Arm:
        return self.arms[0]

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(a.weight for a in self.arms)

    def arm(self, name: str) -> Arm:
        """The arm called ``name``; :class:`InvalidInput` naming the arms otherwise."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise InvalidInput(f"Experiment {self.name} has no arm {name!r}; its arms are "
                           f"{', '.join(a.name for a in self.arms)}.")

    def ranges(self) -> list[assignment.Range]:
        return assignment.bucket_ranges(self.weights, self.coverage)

    def taking_units(self, now: datetime) -> bool:
        """Running, started, and not past its end: new units are assigned to arms."""
        return (self.running and self.starts_at <= now
                and (self.ends_at is None or now < self.ends_at))

    def at_step(self, step: int, now: datetime) -> Experiment:
        """This canary at ``step`` from ``now`` (the treatment's share ``steps[step]``)."""
        if self.canary is None or not 0 <= step < len(self.canary.steps):
            raise InvalidInput(f"Experiment {self.name} has no canary step {step}.")
        share = self.canary.steps[step]
        return replace(self, step=step, step_started_at=now, arms=(
            replace(self.arms[0], weight=round(1 - share, 10)),
            replace(self.arms[1], weight=share)))

    def decided(self, action: Action, reason: str, now: datetime, winner: str = "") -> Experiment:
        """This experiment ended by ``action``; refused with :class:`InvalidInput` when it
        has ended already."""
        if not self.running:
            raise InvalidInput(f"Experiment {self.name} has ended already ({self.status.value} "
                               f"at {self.decided_at:%Y-%m-%d %H:%M} UTC: {self.reason}); start "
                               "a new experiment to test again.")
        return replace(self, status=ENDED_BY[action], decided_at=now, reason=reason,
                       winner=winner)

    def serving(self) -> Arm:
        """The arm every unit gets once the experiment has ended (or outside it): the winner
        after a promotion, else the control."""
        return self.arm(self.winner) if self.winner else self.control
