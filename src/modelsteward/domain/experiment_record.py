"""An :class:`~modelsteward.domain.experiment.Experiment` as a JSON object and back: what the
stores keep, what events carry and what the API answers. ``from_record(to_record(e)) == e``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from modelsteward.domain.direction import Direction
from modelsteward.domain.experiment import (
    Arm,
    CanaryPlan,
    Experiment,
    ExperimentStatus,
)
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse_time(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text is not None else None


def metric_record(metric: MetricSpec) -> dict[str, object]:
    return {"metric": metric.name, "kind": metric.kind.value,
            "direction": metric.direction.value, "role": metric.role.value,
            "margin": metric.margin}


def to_record(experiment: Experiment) -> dict[str, Any]:
    """``experiment`` as a JSON object (times in ISO 8601 with their offset)."""
    e = experiment
    canary = None
    if e.canary is not None:
        canary = {"steps": list(e.canary.steps),
                  "min_duration_seconds": e.canary.min_duration.total_seconds(),
                  "min_sample": e.canary.min_sample}
    return {
        "name": e.name, "model": e.model, "kind": e.kind.value, "status": e.status.value,
        "arms": [{"name": a.name, "version": a.version, "weight": a.weight} for a in e.arms],
        "unit": e.unit, "coverage": e.coverage, "seed": e.seed,
        "metrics": [metric_record(m) for m in e.metrics],
        "design": {"alpha": e.design.alpha, "power": e.design.power, "mde": e.design.mde},
        "starts_at": _time(e.starts_at), "ends_at": _time(e.ends_at), "canary": canary,
        "step": e.step, "step_started_at": _time(e.step_started_at),
        "created_at": _time(e.created_at), "created_by": e.created_by,
        "description": e.description, "decided_at": _time(e.decided_at),
        "reason": e.reason, "winner": e.winner,
    }


def from_record(record: Mapping[str, Any]) -> Experiment:
    """The experiment :func:`to_record` wrote."""
    canary = record.get("canary")
    plan = None
    if canary is not None:
        plan = CanaryPlan(tuple(float(s) for s in canary["steps"]),
                          timedelta(seconds=float(canary["min_duration_seconds"])),
                          int(canary["min_sample"]))
    design = record["design"]
    starts_at = _parse_time(record["starts_at"])
    created_at = _parse_time(record["created_at"])
    assert starts_at is not None and created_at is not None
    return Experiment(
        name=str(record["name"]), model=str(record["model"]),
        arms=tuple(Arm(str(a["name"]), str(a["version"]), float(a["weight"]))
                   for a in record["arms"]),
        unit=str(record["unit"]), coverage=float(record["coverage"]), seed=str(record["seed"]),
        metrics=tuple(MetricSpec(str(m["metric"]), MetricKind(m["kind"]),
                                 Direction(m["direction"]), MetricRole(m["role"]),
                                 float(m["margin"])) for m in record["metrics"]),
        design=Design(float(design["alpha"]), float(design["power"]), float(design["mde"])),
        starts_at=starts_at, ends_at=_parse_time(record.get("ends_at")), canary=plan,
        created_at=created_at, created_by=str(record["created_by"]),
        description=str(record.get("description", "")),
        status=ExperimentStatus(record["status"]), step=int(record.get("step", 0)),
        step_started_at=_parse_time(record.get("step_started_at")),
        decided_at=_parse_time(record.get("decided_at")), reason=str(record.get("reason", "")),
        winner=str(record.get("winner", "")))
