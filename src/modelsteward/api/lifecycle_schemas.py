"""What the lifecycle endpoints read and write: promotions, evaluations, approvals, staging
checks, gate overrides, rejections, aliases, rollbacks, measurements, comparisons, lineage and
attestations (the ``XCreate`` bodies and ``XPublic`` views, with conversions from domain values).
Times are RFC 3339 UTC."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api.schemas import VersionPublic, one_of
from modelsteward.domain.comparison import Comparison, Delta
from modelsteward.domain.gates import GateReport
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.domain.lineage import LineageNode
from modelsteward.results import Lineage, MonitorResult, RollbackResult

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Reason = Annotated[str, Field(max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# promotion --------------------------------------------------------------------------------------


class PromotionCreate(_Body):
    """Move a version to ``to`` (one step: evaluated, registered, staging, production); with
    ``dry_run`` only report what the gates require."""

    to: str = Field(max_length=40, examples=["production"], json_schema_extra=one_of(Stage))
    dry_run: StrictBool = False


class OverridePublic(BaseModel):
    ref: str
    gate: str
    reason: str
    actor: str
    at: datetime

    @classmethod
    def of(cls, o: GateOverride) -> OverridePublic:
        return cls(ref=o.ref, gate=o.gate.value, reason=o.reason, actor=o.actor, at=o.at)


class PromotionPublic(BaseModel):
    """The outcome of a promotion: ``passed`` and the ``unmet`` requirements (all of them),
    the gate ``overridden`` on the way, and the version as it is now (unchanged by a dry run)."""

    ref: str
    to: str
    dry_run: bool
    passed: bool
    unmet: list[str]
    overridden: list[OverridePublic]
    version: VersionPublic

    @classmethod
    def of(cls, report: GateReport, version: VersionPublic, to: str,
           dry_run: bool) -> PromotionPublic:
        return cls(ref=version.ref, to=to, dry_run=dry_run, passed=report.passed,
                   unmet=list(report.unmet),
                   overridden=[OverridePublic.of(o) for o in report.overridden], version=version)


class OverrideCreate(_Body):
    gate: str = Field(max_length=40, examples=["staging"], json_schema_extra=one_of(Gate))
    reason: Reason


class RejectionCreate(_Body):
    reason: Reason


# evaluations and comparison ---------------------------------------------------------------------


class EvaluationPublic(BaseModel):
    id: str
    ref: str
    suite: str
    dataset_digest: str
    metrics: dict[str, float]
    cost_per_1k_requests: float | None
    latency_ms: dict[str, float]
    recorded_at: datetime
    recorded_by: str
    directions: dict[str, Literal["higher", "lower"]] = Field(
        default_factory=dict, description="Which way each metric is better, as the evaluation "
                                          "declared it (the policy's declaration comes first).")

    @classmethod
    def of(cls, e: Evaluation) -> EvaluationPublic:
        return cls(id=e.id, ref=e.ref, suite=e.suite, dataset_digest=e.dataset_digest,
                   metrics=dict(e.metrics), cost_per_1k_requests=e.cost_per_1k_requests,
                   latency_ms=dict(e.latency_ms), recorded_at=e.recorded_at,
                   recorded_by=e.recorded_by,
                   directions={k: v.value for k, v in e.directions.items()})


EVALUATION_EXAMPLE = {"suite": "golden-set", "dataset_digest": "sha256:" + "9f" * 32,
                      "metrics": {"accuracy": 0.93, "toxicity_rate": 0.004},
                      "cost_per_1k_requests": 11.8, "latency_ms": {"p50": 120, "p95": 340}}


class DeltaPublic(BaseModel):
    suite: str
    metric: str
    candidate: float
    baseline: float
    improvement: float | None = Field(description="How much better the candidate is (negative: "
                                                  "worse); null when the metric has no "
                                                  "declared direction.")
    direction: Literal["higher", "lower"] | None = Field(
        description="Which way the metric is better; null: not declared by the policy, a "
                    "threshold or the evaluations.")
    verdict: Literal["better", "worse", "same", "undeclared"]

    @classmethod
    def of(cls, d: Delta) -> DeltaPublic:
        return cls(suite=d.suite, metric=d.metric, candidate=d.candidate, baseline=d.baseline,
                   improvement=d.better,
                   direction=d.direction.value if d.direction else None,
                   verdict=d.verdict.value)


class ComparisonPublic(BaseModel):
    candidate: str
    baseline: str
    suites: list[str]
    quality: list[DeltaPublic]
    cost: list[DeltaPublic]
    latency: list[DeltaPublic]
    recommendation: str
    reasons: list[str]

    @classmethod
    def of(cls, c: Comparison) -> ComparisonPublic:
        return cls(candidate=c.candidate, baseline=c.baseline, suites=list(c.suites),
                   quality=[DeltaPublic.of(d) for d in c.quality],
                   cost=[DeltaPublic.of(d) for d in c.cost],
                   latency=[DeltaPublic.of(d) for d in c.latency],
                   recommendation=c.recommendation.value, reasons=list(c.reasons))


# approvals and staging checks -------------------------------------------------------------------


class ApprovalCreate(_Body):
    """An approval for production. The approver is the caller, never a field of the body."""

    role: str = Field(max_length=100, examples=["lead", "product-owner", "risk-committee"])
    evidence: Reason
    risks_accepted: Reason
    monitoring_plan: Reason
    rollback_plan: Reason
    next_review: date


class ApprovalPublic(BaseModel):
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
    replaces: str | None

    @classmethod
    def of(cls, a: Approval) -> ApprovalPublic:
        return cls(id=a.id, ref=a.ref, approver=a.approver, role=a.role, evidence=a.evidence,
                   risks_accepted=a.risks_accepted, monitoring_plan=a.monitoring_plan,
                   rollback_plan=a.rollback_plan, next_review=a.next_review,
                   approved_at=a.approved_at, expires_at=a.expires_at,
                   replaces=a.replaces or None)


class CheckCreate(_Body):
    name: str = Field(max_length=100, examples=["loads-and-serves"])
    passed: StrictBool
    evidence: Reason = ""


class CheckPublic(BaseModel):
    ref: str
    name: str
    passed: bool
    evidence: str
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, c: StagingCheck) -> CheckPublic:
        return cls(ref=c.ref, name=c.name, passed=c.passed, evidence=c.evidence,
                   recorded_at=c.recorded_at, recorded_by=c.recorded_by)


# aliases and rollback ---------------------------------------------------------------------------


class AliasSet(_Body):
    version: str = Field(max_length=200, examples=["1.4.2"])
    reason: Reason = ""


class AliasPublic(BaseModel):
    """One assignment of an alias: ``removed_at`` is null while it holds."""

    model: str
    alias: str
    version: str
    assigned_at: datetime
    assigned_by: str
    reason: str
    removed_at: datetime | None

    @classmethod
    def of(cls, a: AliasAssignment) -> AliasPublic:
        return cls(model=a.model, alias=a.alias, version=a.version, assigned_at=a.assigned_at,
                   assigned_by=a.assigned_by, reason=a.reason, removed_at=a.removed_at)


class AliasChangePublic(BaseModel):
    """An alias pointed at ``version``; ``previous`` is the version an exclusive alias left."""

    model: str
    alias: str
    version: str
    previous: str | None


class RollbackCreate(_Body):
    alias: str = Field(default="production", max_length=63)
    reason: Reason = ""


class RollbackPublic(BaseModel):
    """Where the alias moved; ``blocked_reason`` is set when rolling ``production`` back made
    the version it left ineligible as a rollback target (null when it already was)."""

    model: str
    alias: str
    from_version: str
    to_version: str
    blocked_reason: str | None = None

    @classmethod
    def of(cls, model: str, r: RollbackResult) -> RollbackPublic:
        return cls(model=model, alias=r.alias, from_version=r.from_version,
                   to_version=r.to_version, blocked_reason=r.blocked_reason or None)


# monitoring -------------------------------------------------------------------------------------


class MeasurementCreate(_Body):
    values: dict[str, FiniteFloat] = Field(examples=[{"error_rate": 0.02, "p95_ms": 410}])


class MonitorPublic(BaseModel):
    """What the measurements caused: the policy thresholds they break (the version is then
    degraded) and, with automatic rollback, where production went or why it could not."""

    ref: str
    breaches: list[str]
    rolled_back_to: str | None
    rollback_failed: str | None

    @classmethod
    def of(cls, ref: str, r: MonitorResult) -> MonitorPublic:
        return cls(ref=ref, breaches=list(r.breaches), rolled_back_to=r.rolled_back_to or None,
                   rollback_failed=r.rollback_failed or None)


# lineage and attestations -----------------------------------------------------------------------


class LineageNodePublic(BaseModel):
    depth: int
    child: str
    parent: str
    relation: str

    @classmethod
    def of(cls, n: LineageNode) -> LineageNodePublic:
        return cls(depth=n.depth, child=n.derivation.child, parent=n.derivation.parent,
                   relation=n.derivation.relation.value)


class LineagePublic(BaseModel):
    ref: str
    ancestors: list[LineageNodePublic]
    descendants: list[LineageNodePublic]

    @classmethod
    def of(cls, lineage: Lineage) -> LineagePublic:
        return cls(ref=lineage.ref,
                   ancestors=[LineageNodePublic.of(n) for n in lineage.ancestors],
                   descendants=[LineageNodePublic.of(n) for n in lineage.descendants])


class AttestationCreate(_Body):
    """An in-toto Statement v1 with an SLSA Provenance v1 predicate whose subject digest is the
    version's root digest, and optional training metrics (numbers or lists of numbers)."""

    statement: dict[str, Any]
    metrics: dict[str, Any] | None = None


class AttestationPublic(BaseModel):
    statement: dict[str, Any]
    metrics: dict[str, Any]
    attached_at: str
    attached_by: str

    @classmethod
    def of(cls, found: dict[str, object]) -> AttestationPublic:
        return cls.model_validate(found)
