"""What the experiment use cases return."""

from __future__ import annotations

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
