"""What the experiment use cases return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Routing:
    """The version a unit gets. ``arm`` is None when the unit is outside the experiment
    (beyond its coverage, before its start, after it ended, or its arm's version is no longer
    eligible): it then gets the version the experiment serves everyone else."""

    experiment: str
    model: str
    unit: str
    arm: str | None
    version: str
    ref: str

    def as_payload(self) -> dict[str, object]:
        return {"experiment": self.experiment, "model": self.model, "unit": self.unit,
                "arm": self.arm, "version": self.version, "ref": self.ref,
                "in_experiment": self.arm is not None}


@dataclass(frozen=True)
class Ingested:
    """A batch of outcomes kept: how many outcomes and observations (metric values), and the
    outcomes per arm."""

    experiment: str
    outcomes: int
    observations: int
    by_arm: dict[str, int] = field(default_factory=dict)

    def as_payload(self) -> dict[str, object]:
        return {"experiment": self.experiment, "outcomes": self.outcomes,
                "observations": self.observations, "by_arm": dict(self.by_arm)}


@dataclass(frozen=True)
class ExperimentReport:
    """An experiment's analysis: what it recommends (an A/B test: ``promote``, ``rollback``,
    ``keep_running`` or ``blocked``; a canary: ``advance``, ``hold``, ``rollback`` or
    ``promote``), for which ``arm``, why, where the online result contradicts the offline
    comparison, and the whole analysis as JSON (per metric: estimate, interval, p-value,
    decision; the sequential test; the sample-ratio check; time to decision)."""

    experiment: str
    model: str
    kind: str
    status: str
    action: str
    arm: str | None
    reasons: tuple[str, ...]
    contradictions: tuple[str, ...] = ()
    analysis: Mapping[str, object] = field(default_factory=dict)

    def as_payload(self) -> dict[str, object]:
        return {"experiment": self.experiment, "model": self.model, "kind": self.kind,
                "status": self.status, "action": self.action, "arm": self.arm,
                "reasons": list(self.reasons), "contradictions": list(self.contradictions),
                "analysis": dict(self.analysis)}


@dataclass(frozen=True)
class CanaryMove:
    """What a tick did to one canary: ``advance``, ``hold``, ``rollback`` or ``promote`` (and
    ``refused`` when the last step passed but a gate into production is unmet)."""

    experiment: str
    model: str
    move: str
    reason: str
    step: int
    share: float

    def as_payload(self) -> dict[str, object]:
        return {"experiment": self.experiment, "model": self.model, "move": self.move,
                "reason": self.reason, "step": self.step, "share": self.share}
