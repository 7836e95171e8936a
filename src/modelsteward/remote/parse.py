"""The API's JSON read back into domain values — the inverse of the ``XPublic.of`` views in
``api/schemas.py`` and ``api/lifecycle_schemas.py``. Each function takes one decoded JSON object
and returns the value the local service would have returned; a missing key is a ``KeyError``
(the server speaks another version of the API), not a silent default."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from modelsteward.domain.comparison import Comparison, Delta, Recommendation
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.direction import Direction
from modelsteward.domain.events import Event, canonical_json
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import (
    FileDigest,
    Model,
    ModelKind,
    RiskTier,
    SupportPolicy,
    Version,
    VersionId,
    VersionScheme,
)
from modelsteward.domain.notices import Notice
from modelsteward.domain.versioning import ChangeKind, ModelVersion, Snapshot
from modelsteward.errors import Unresolvable

Json = dict[str, Any]


def moment(text: str) -> datetime:
    """An RFC 3339 time as the API writes it (``…Z`` or ``…+00:00``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def maybe_moment(text: str | None) -> datetime | None:
    return moment(text) if text else None


def model(data: Json) -> Model:
    support = data.get("support_policy") or {}
    return Model(
        name=data["name"], kind=ModelKind(data["kind"]), description=data["description"],
        purpose=data["purpose"], owner_team=data["owner"]["team"],
        owner_contact=data["owner"]["contact"], provider=data["provider"] or "",
        provider_model=data["provider_model"] or "", risk_tier=RiskTier(data["risk_tier"]),
        license=data["license"] or "", tags=tuple(data["tags"]),
        support=SupportPolicy(support.get("active_months"), support.get("afterwards") or ""),
        extra=dict(data["extra"]), versioning=VersionScheme(data["versioning"]))


def version_id(text: str, scheme: VersionScheme) -> VersionId:
    return Snapshot.parse(text) if scheme is VersionScheme.SNAPSHOT else ModelVersion.parse(text)


def version(data: Json, scheme: VersionScheme) -> Version:
    digest = data["digest"] or ""
    return Version(
        model=data["model"], id=version_id(data["version"], scheme),
        registered_at=moment(data["registered_at"]), registered_by=data["registered_by"],
        digest=digest.removeprefix("sha256:"),
        files=tuple(FileDigest(f["path"], f["sha256"], f["size"])
                    for f in data.get("files") or ()),
        change=ChangeKind(data["change"]) if data["change"] else None,
        forced_reason=data.get("forced_reason") or "", description=data["description"],
        status=data["status"] or "", metadata=dict(data["metadata"]),
        metrics=dict(data["metrics"]), stage=Stage(data["stage"]),
        blocked_reason=data["blocked_reason"] or "")


def event(data: Json) -> Event:
    # the hash covers the canonical JSON of the payload, which the payload object gives back
    return Event(data["seq"], data["time"], data["actor"], data["kind"], data["subject"],
                 canonical_json(data["payload"]), data["prev_hash"], data["hash"])


def derivation(data: Json) -> tuple[int, Derivation]:
    return data["depth"], Derivation(data["child"], data["parent"], Relation(data["relation"]))


def alias(data: Json) -> AliasAssignment:
    return AliasAssignment(model=data["model"], alias=data["alias"], version=data["version"],
                           assigned_at=moment(data["assigned_at"]),
                           assigned_by=data["assigned_by"], reason=data["reason"],
                           removed_at=maybe_moment(data["removed_at"]))


def override(data: Json) -> GateOverride:
    return GateOverride(data["ref"], Gate(data["gate"]), data["reason"], data["actor"],
                        moment(data["at"]))


def approval(data: Json) -> Approval:
    return Approval(id=data["id"], ref=data["ref"], approver=data["approver"], role=data["role"],
                    evidence=data["evidence"], risks_accepted=data["risks_accepted"],
                    monitoring_plan=data["monitoring_plan"], rollback_plan=data["rollback_plan"],
                    next_review=date.fromisoformat(data["next_review"]),
                    approved_at=moment(data["approved_at"]),
                    expires_at=moment(data["expires_at"]), replaces=data["replaces"] or "")


def check(data: Json) -> StagingCheck:
    return StagingCheck(data["ref"], data["name"], data["passed"], data["evidence"],
                        moment(data["recorded_at"]), data["recorded_by"])


def evaluation(data: Json) -> Evaluation:
    return Evaluation(id=data["id"], ref=data["ref"], suite=data["suite"],
                      dataset_digest=data["dataset_digest"], metrics=dict(data["metrics"]),
                      cost_per_1k_requests=data["cost_per_1k_requests"],
                      latency_ms=dict(data["latency_ms"]),
                      recorded_at=moment(data["recorded_at"]), recorded_by=data["recorded_by"],
                      directions={k: Direction(v)
                                  for k, v in (data.get("directions") or {}).items()})


def _delta(data: Json) -> Delta:
    direction = data.get("direction")
    return Delta(data["suite"], data["metric"], data["candidate"], data["baseline"],
                 data["improvement"], Direction(direction) if direction else None)


def comparison(data: Json) -> Comparison:
    return Comparison(candidate=data["candidate"], baseline=data["baseline"],
                      suites=tuple(data["suites"]),
                      quality=tuple(_delta(d) for d in data["quality"]),
                      cost=tuple(_delta(d) for d in data["cost"]),
                      latency=tuple(_delta(d) for d in data["latency"]),
                      recommendation=Recommendation(data["recommendation"]),
                      reasons=tuple(data["reasons"]))


def consumer(data: Json) -> Consumer:
    return Consumer(data["name"], ConsumerKind(data["kind"]), data["team"],
                    data["contact"] or "", data["environment"] or "",
                    tuple(ConsumerPin(p["model"], p["pin"]) for p in data["uses"]))


def unresolvable(data: Json | None) -> Unresolvable | None:
    """``Unresolvable.as_dict()`` read back (``None`` stays ``None``)."""
    if not data:
        return None
    return Unresolvable(data["version"], data["state"], data.get("since") or "",
                        data["reason"], data.get("replacement") or "")


def plan(data: Json) -> DeprecationPlan:
    """A plan as ``PlanPublic`` shows it: ``target`` is ``model@target`` (or a package URL)."""
    name = data["model"] or ""
    target = data["target"].removeprefix(f"{name}@") if name else data["target"]
    return DeprecationPlan(
        id=data["id"], model=name, target=target, reason=DeprecationReason(data["reason"]),
        replacement=data["replacement"] or "", announced=date.fromisoformat(data["announced"]),
        soft_deadline=date.fromisoformat(data["soft_deadline"]),
        hard_deadline=date.fromisoformat(data["hard_deadline"]),
        migration_steps=tuple(data["migration_steps"]),
        support_window=data["support_window"] or "", redirect=data["redirect"])


def notice(data: Json) -> Notice:
    return Notice(key=data["key"], team=data["team"], model=data["model"], kind=data["kind"],
                  message=data["message"], payload=dict(data["payload"]),
                  created_at=maybe_moment(data["created_at"]))
