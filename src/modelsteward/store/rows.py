"""Rows of the tables to domain values and back, shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from modelsteward.domain.lifecycle import Stage
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
from modelsteward.domain.versioning import ChangeKind, ModelVersion, Snapshot


def new_id() -> str:
    """A new primary key."""
    return str(uuid.uuid4())


def model_values(model: Model) -> dict[str, object]:
    """The ``models`` columns of ``model`` (all but ``id``, ``created_at``, ``deleted_at``)."""
    return {
        "name": model.name, "kind": model.kind.value,
        "versioning": (model.versioning or VersionScheme.SEMVER).value,
        "description": model.description,
        "purpose": model.purpose, "owner_team": model.owner_team,
        "owner_contact": model.owner_contact, "provider": model.provider,
        "provider_model": model.provider_model, "risk_tier": model.risk_tier.value,
        "license": model.license, "tags": list(model.tags),
        "support_months": model.support.active_months, "support_after": model.support.afterwards,
        "extra": dict(model.extra),
    }


def to_model(row: Any) -> Model:
    """The model of a ``models`` row."""
    return Model(
        name=row.name, kind=ModelKind(row.kind), description=row.description, purpose=row.purpose,
        owner_team=row.owner_team, owner_contact=row.owner_contact, provider=row.provider,
        provider_model=row.provider_model, risk_tier=RiskTier(row.risk_tier), license=row.license,
        tags=tuple(row.tags), support=SupportPolicy(row.support_months, row.support_after),
        extra=dict(row.extra), versioning=VersionScheme(row.versioning))


def to_version(model: str, snapshots: bool, row: Any,
               files: tuple[FileDigest, ...] = ()) -> Version:
    """The version of a ``versions`` row of ``model`` (with ``files``, when read)."""
    vid: VersionId = (Snapshot.parse(row.version) if row.major is None
                      else ModelVersion(row.major, row.minor, row.patch, row.prerelease,
                                        row.variant))
    meta: Mapping[str, object] = row.meta
    return Version(
        model=model, id=vid, registered_at=row.registered_at, registered_by=row.registered_by,
        digest=row.digest, files=files, change=ChangeKind(row.change) if row.change else None,
        forced_reason=row.forced_reason, description=row.description, status=row.status,
        metadata=dict(meta), metrics=dict(row.metrics), stage=Stage(row.stage),
        blocked_reason=row.blocked_reason)


def version_order(version: Version) -> Any:
    """The sort key of versions: their version order."""
    return version.id


def sorted_desc(model: str, rows: Sequence[Any]) -> list[Version]:
    """The semantic versions of ``rows``, highest first."""
    return sorted((to_version(model, False, r) for r in rows), key=version_order, reverse=True)
