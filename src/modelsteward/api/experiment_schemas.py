"""The bodies of the experiment routes (``api/routes/experiments.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from modelsteward.domain.experiment import Experiment
from modelsteward.domain.experiment_record import to_record
from modelsteward.results.experiments import ExperimentReport, Ingested, Routing

EXPERIMENT_EXAMPLE: dict[str, Any] = {
    "name": "summarizer-sonnet-ab", "model": "summarizer", "control": "production",
    "treatment": "1.1.0", "traffic_split": 0.1, "unit": "user_id", "duration": "7d",
    "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
    "guardrails": [{"metric": "latency_p95_ms", "direction": "lower", "margin": 0.1},
                   {"metric": "cost_per_1k_requests", "direction": "lower", "margin": 0.05}],
    "design": {"alpha": 0.05, "power": 0.8, "mde": 0.02},
}
OUTCOMES_EXAMPLE: list[dict[str, Any]] = [
    {"unit": "user-42", "at": "2026-12-06T10:00:00Z",
     "metrics": {"thumbs_up": 1, "latency_p95_ms": 812.5}},
    {"unit": "user-7", "arm": "control", "metrics": {"thumbs_up": 0, "latency_p95_ms": 640}},
]


class ArmPublic(BaseModel):
    name: str
    version: str
    weight: float


class MetricPublic(BaseModel):
    metric: str
    kind: Literal["mean", "proportion"]
    direction: Literal["higher", "lower"]
    role: Literal["primary", "guardrail"]
    margin: float


class DesignPublic(BaseModel):
    alpha: float
    power: float
    mde: float


class CanaryPublic(BaseModel):
    steps: list[float]
    min_duration_seconds: float
    min_sample: int


class ExperimentPublic(BaseModel):
    name: str
    model: str
    kind: Literal["ab_test", "canary"]
    status: Literal["running", "promoted", "rolled_back", "stopped"]
    arms: list[ArmPublic]
    unit: str
    coverage: float
    seed: str
    metrics: list[MetricPublic]
    design: DesignPublic
    starts_at: datetime
    ends_at: datetime | None
    canary: CanaryPublic | None
    step: int
    step_started_at: datetime | None
    created_at: datetime
    created_by: str
    description: str
    decided_at: datetime | None
    reason: str
    winner: str

    @classmethod
    def of(cls, experiment: Experiment) -> ExperimentPublic:
        return cls.model_validate(to_record(experiment))


class RoutingPublic(BaseModel):
    experiment: str
    model: str
    unit: str
    arm: str | None = Field(description="The unit's arm; null when the unit is outside the "
                                         "experiment (it gets the version everyone else gets).")
    version: str
    ref: str
    in_experiment: bool

    @classmethod
    def of(cls, routing: Routing) -> RoutingPublic:
        return cls.model_validate(routing.as_payload())


class RouteBatch(BaseModel):
    experiment: str = Field(max_length=100, examples=["summarizer-sonnet-ab"])
    units: list[str] = Field(min_length=1, max_length=10_000, examples=[["user-42", "user-7"]])


class RoutingsPublic(BaseModel):
    items: list[RoutingPublic]


class IngestedPublic(BaseModel):
    experiment: str
    outcomes: int
    observations: int
    by_arm: dict[str, int]

    @classmethod
    def of(cls, ingested: Ingested) -> IngestedPublic:
        return cls.model_validate(ingested.as_payload())


class ExperimentReportPublic(BaseModel):
    experiment: str
    model: str
    kind: Literal["ab_test", "canary"]
    status: str
    action: str = Field(description="An A/B test: promote, rollback, keep_running or blocked; "
                                    "a canary: advance, hold, rollback or promote.")
    arm: str | None
    reasons: list[str]
    contradictions: list[str] = Field(description="Where the online result contradicts the "
                                                  "offline comparison of the same versions.")
    analysis: dict[str, Any] = Field(description="Per treatment and metric: estimate, interval, "
                                                 "p-value, decision; the sequential test; the "
                                                 "sample-ratio check; time to decision.")

    @classmethod
    def of(cls, report: ExperimentReport) -> ExperimentReportPublic:
        return cls.model_validate(report.as_payload())


class DecisionCreate(BaseModel):
    action: Literal["promote", "rollback", "stop"]
    reason: str = Field(min_length=1, max_length=2000)
    arm: str = Field("", max_length=100, description="The treatment to promote (default: the "
                                                     "one the analysis recommends).")


class VerdictPublic(BaseModel):
    """What a delivery tool asks: ``verdict`` is ``pass`` (go on), ``hold`` (wait: not enough
    data, or guardrails not yet shown to hold) or ``fail`` (stop and roll back)."""

    experiment: str
    verdict: Literal["pass", "hold", "fail"]
    healthy: bool
    action: str
    reasons: list[str]
    step: int
    share: float | None

    @classmethod
    def of(cls, report: ExperimentReport, experiment: Experiment) -> VerdictPublic:
        verdict: Literal["pass", "hold", "fail"] = (
            VERDICTS.get(report.action, "hold") if report.status == "running"
            else "pass" if report.status == "promoted" else "fail")
        share = experiment.arms[1].weight if experiment.canary is not None else None
        return cls(experiment=report.experiment, verdict=verdict, healthy=verdict == "pass",
                   action=report.action, reasons=list(report.reasons), step=experiment.step,
                   share=share)


VERDICTS: dict[str, Literal["pass", "hold", "fail"]] = {
    "advance": "pass", "promote": "pass", "hold": "hold", "keep_running": "hold",
    "rollback": "fail", "blocked": "fail"}
