"""Models and their versions."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from modelsteward.api import problems
from modelsteward.api.auth import is_admin, require_admin, require_model_writer, require_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.headers import mark_deprecated
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import (
    AdvisoryHitPublic,
    ModelCreate,
    ModelPublic,
    VersionCreate,
    VersionPublic,
)
from modelsteward.domain.deprecation import Coverage
from modelsteward.domain.embedding import with_embedding
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import (
    FileDigest,
    Model,
    ModelKind,
    RiskTier,
    SupportPolicy,
    parse_enum,
)
from modelsteward.domain.requirements import parse_requirements
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import Manifest

router = APIRouter(prefix=API, tags=["models"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
IncludeDeleted = Annotated[bool, Query(description="Also answer for a deleted model or version "
                                                   "(a tombstone, marked `deleted`).")]


@router.get("/models", response_model=Page[ModelPublic])
def list_models(registry: RegistryDep, request: Request, response: Response,
                after: AfterQuery = "", limit: LimitQuery = 100) -> Page[ModelPublic]:
    """Models by name."""
    with registry.store.read() as tx:
        found = tx.list_models(after=after, limit=limit + 1)
    return page(request, response, [ModelPublic.of(m) for m in found], limit, lambda m: m.name)


@router.post("/models", response_model=ModelPublic, status_code=status.HTTP_201_CREATED)
def create_model(body: ModelCreate, registry: RegistryDep,
                 principal: PrincipalDep) -> ModelPublic:
    """Create a model, owned by the caller's team; an administrator names the team, or the
    model gets the server's default team (STEWARD_DEFAULT_TEAM, ``platform``)."""
    owner = body.owner_team if is_admin(principal) else require_writer(principal,
                                                                       body.owner_team)
    model = Model(body.name, kind=parse_enum(ModelKind, body.kind, "model kind"),
                  description=body.description, purpose=body.purpose, owner_team=owner,
                  owner_contact=body.owner_contact, provider=body.provider,
                  provider_model=body.provider_model,
                  risk_tier=parse_enum(RiskTier, body.risk_tier, "risk tier"),
                  license=body.license, tags=tuple(body.tags),
                  support=SupportPolicy(body.support_months, body.support_after),
                  extra=with_embedding({}, body.embedding_spec()))
    return ModelPublic.of(registry.create_model(model))


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: str = Field(min_length=1, max_length=200, examples=["support"])
    reason: str = Field(min_length=1, max_length=2000, examples=["The support team took over."])


@router.post("/models/{name:path}/transfers", response_model=ModelPublic)
def transfer_model(name: str, body: TransferCreate, registry: RegistryDep,
                   principal: PrincipalDep) -> ModelPublic:
    """Give the model to another owner team (administrators only; the event records the
    previous team and the reason). Its advisories follow it."""
    require_admin(principal)
    return ModelPublic.of(registry.transfer_model(name, body.team, body.reason))


@router.get("/models/{name:path}/versions/{version}", response_model=VersionPublic)
def get_version(name: str, version: str, registry: RegistryDep, response: Response,
                include_deleted: IncludeDeleted = False) -> VersionPublic:
    """One version with its files; a deprecated one carries Deprecation and Sunset headers."""
    found = registry.get_version(name, version, include_deleted=include_deleted)
    if include_deleted and (registry.is_deleted(name) or registry.is_deleted(name, version)):
        return VersionPublic.of(found, files=True, deleted=True)
    model = registry.get_model(name)
    plan = Coverage.of(model, registry.deprecations.plans(name)).newest(version)
    if plan is not None:
        mark_deprecated(response, plan)
    return VersionPublic.of(found, files=True)


@router.get("/models/{name:path}/versions", response_model=Page[VersionPublic])
def list_versions(name: str, registry: RegistryDep, request: Request, response: Response,
                  after: AfterQuery = "", limit: LimitQuery = 100,
                  include_deleted: IncludeDeleted = False) -> Page[VersionPublic]:
    """Versions in version order (the cursor is a version)."""
    versions = registry.catalog.version_page(name, after, limit + 1, include_deleted)
    if versions is None:  # a snapshot model, or a cursor that is not a listed version
        versions = after_key(registry.list_versions(name, include_deleted), after,
                             lambda v: str(v.id))[:limit + 1]
    return page(request, response,
                [VersionPublic.of(v, deleted=include_deleted
                                  and registry.is_deleted(name, str(v.id)))
                 for v in versions], limit, lambda v: v.version)


@router.post("/models/{name:path}/versions", response_model=VersionPublic,
             status_code=status.HTTP_201_CREATED)
def register_version(name: str, body: VersionCreate, registry: RegistryDep,
                     principal: PrincipalDep) -> VersionPublic:
    """Register an immutable version from its files' digests (or a hosted snapshot id), with
    the runtime requirements it was tested with when ``requirements`` is given."""
    manifest = (Manifest.given([FileDigest(f.path, f.sha256, f.size) for f in body.files])
                if body.files else None)
    requirements = (parse_requirements(body.requirements, "the requirements", "requirements")
                    if body.requirements is not None else None)
    version = registry.register_version(
        name, body.version, change=parse_enum(ChangeKind, body.change, "change")
        if body.change else None, variant=body.variant, manifest=manifest, force=body.force,
        reason=body.reason, description=body.description, status=body.status,
        metadata=body.metadata,
        metrics=body.metrics, derived_from=body.derived_from,
        relation=parse_enum(Relation, body.relation, "relation") if body.relation else None,
        requirements=requirements,
        authorize=partial(require_model_writer, principal))  # in the write's transaction
    return VersionPublic.of(version, files=True)


@router.get("/models/{name:path}/versions/{version}/advisories",
            response_model=list[AdvisoryHitPublic])
def list_version_advisories(name: str, version: str,
                            registry: RegistryDep) -> list[AdvisoryHitPublic]:
    """The advisories affecting the version (as ``steward version show`` lists them): its own
    first, then those inherited from what it derives from, nearest ancestor first. Declared
    here, before ``GET /models/{name}``, which would match its path."""
    return [AdvisoryHitPublic.of(found)
            for found in registry.advisories.affecting(f"{name}@{version}")]


@router.get("/models/{name:path}", response_model=ModelPublic)
def get_model(name: str, registry: RegistryDep,
              include_deleted: IncludeDeleted = False) -> ModelPublic:
    """One model."""
    found = registry.get_model(name, include_deleted)
    return ModelPublic.of(found, deleted=include_deleted and registry.is_deleted(name))


