"""Lifecycle stages, the transitions between them and the gate each transition must pass.

::

    trained ──► evaluated ──► registered ──► staging ──► production ──► deprecated ──► retired
       │            │             │             │                          ▲
       └────────────┴─────────────┴─────────────┴──► rejected ─────────────┘ (retired)

* trained → evaluated: the **validation** gate, and at least one evaluation recorded;
* evaluated → registered: the **evaluation** gate;
* registered → staging: no gate;
* staging → production: the **staging** and **approval** gates;
* registered or staging → deprecated, production → deprecated, deprecated or rejected → retired;
* trained, evaluated, registered or staging → rejected.

Stage (what has been decided about a version), alias (a pointer such as ``production``) and
environment are separate ideas: promoting to production also moves the ``production`` alias, and
rolling back moves only the alias.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from modelsteward.domain.direction import Direction
from modelsteward.errors import IllegalTransition, InvalidInput


class Stage(enum.StrEnum):
    TRAINED = "trained"
    EVALUATED = "evaluated"
    REGISTERED = "registered"
    STAGING = "staging"
    PRODUCTION = "production"
    DEPRECATED = "deprecated"
    RETIRED = "retired"
    REJECTED = "rejected"


class Gate(enum.StrEnum):
    VALIDATION = "validation"
    EVALUATION = "evaluation"
    STAGING = "staging"
    APPROVAL = "approval"


TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    Stage.TRAINED: (Stage.EVALUATED, Stage.REJECTED),
    Stage.EVALUATED: (Stage.REGISTERED, Stage.REJECTED),
    Stage.REGISTERED: (Stage.STAGING, Stage.DEPRECATED, Stage.REJECTED),
    Stage.STAGING: (Stage.PRODUCTION, Stage.DEPRECATED, Stage.REJECTED),
    Stage.PRODUCTION: (Stage.DEPRECATED,),
    Stage.DEPRECATED: (Stage.RETIRED,),
    Stage.REJECTED: (Stage.RETIRED,),
    Stage.RETIRED: (),
}

PROMOTABLE: tuple[Stage, ...] = (Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING,
                                  Stage.PRODUCTION)
"""The stages a promotion moves to; the others are reached by rejection, deprecation or
retirement, each with its own reason."""


def check_promotion(ref: str, target: Stage) -> None:
    """Raise :class:`InvalidInput` unless ``target`` is a stage a promotion moves to, naming the
    command that reaches it instead."""
    if target not in PROMOTABLE:
        raise InvalidInput(
            f"A promotion moves {ref} forward to {', '.join(s.value for s in PROMOTABLE)}; "
            f"{target.value} is reached with `steward {_LEAVING[target]}` and a reason.")


_LEAVING = {Stage.REJECTED: "reject", Stage.DEPRECATED: "deprecate",
            Stage.RETIRED: "retire", Stage.TRAINED: "version register"}

GATES: dict[tuple[Stage, Stage], tuple[Gate, ...]] = {
    (Stage.TRAINED, Stage.EVALUATED): (Gate.VALIDATION,),
    (Stage.EVALUATED, Stage.REGISTERED): (Gate.EVALUATION,),
    (Stage.STAGING, Stage.PRODUCTION): (Gate.STAGING, Gate.APPROVAL),
}

# Stages whose versions never resolve.
UNRESOLVABLE = (Stage.RETIRED, Stage.REJECTED)
# Stages a production alias may point at (a deprecated version stays usable).
SERVES_PRODUCTION = (Stage.PRODUCTION, Stage.DEPRECATED)


def check_transition(ref: str, current: Stage, target: Stage) -> tuple[Gate, ...]:
    """The gates the move from ``current`` to ``target`` must pass; raises
    :class:`IllegalTransition` naming the current stage and the allowed next ones."""
    allowed = TRANSITIONS[current]
    if target not in allowed:
        raise IllegalTransition(ref, current.value, target.value, [s.value for s in allowed])
    return GATES.get((current, target), ())


@dataclass(frozen=True)
class Evaluation:
    """An immutable evaluation result of one suite."""

    id: str
    ref: str
    suite: str
    dataset_digest: str
    metrics: dict[str, float]
    cost_per_1k_requests: float | None
    latency_ms: dict[str, float]
    recorded_at: datetime
    recorded_by: str
    seq: int = 0
    # metric -> the direction the evaluation file declared for it (see Policy.direction_for:
    # the policy's declaration comes first)
    directions: dict[str, Direction] = field(default_factory=dict)


@dataclass(frozen=True)
class Approval:
    """Who approved a version for production, when, on what evidence; ``replaces`` is the
    version that held ``production`` when the approval was given ("" for none)."""

    id: str
    ref: str
    approver: str
    role: str
    evidence: str
    risks_accepted: str
    monitoring_plan: str
    rollback_plan: str
    next_review: date
    approved_at: datetime
    expires_at: datetime
    replaces: str = ""


@dataclass(frozen=True)
class StagingCheck:
    ref: str
    name: str
    passed: bool
    evidence: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class GateOverride:
    ref: str
    gate: Gate
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class AliasAssignment:
    """``alias`` pointed at ``model@version`` from ``assigned_at`` until ``removed_at``."""

    model: str
    alias: str
    version: str
    assigned_at: datetime
    assigned_by: str
    reason: str
    removed_at: datetime | None = None

    def active_at(self, moment: datetime) -> bool:
        return self.assigned_at <= moment and (self.removed_at is None or moment < self.removed_at)
