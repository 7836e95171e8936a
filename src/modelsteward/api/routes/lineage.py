"""Provenance over HTTP, as ``steward lineage`` and ``steward version attest`` do it:

* ``GET /models/{name}/versions/{version}/lineage`` and ``GET /models/{name}/lineage`` (every
  version of the model): what derives from what, transitively;
* ``POST``/``GET /models/{name}/versions/{version}/attestations``: training attestations
  (in-toto Statement v1, SLSA Provenance v1) checked against the version's root digest.

Include this router before the models router, whose ``GET /models/{name:path}`` matches any
path; the version routes are declared before the model one, which would match them too."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from modelsteward.api import problems
from modelsteward.api.auth import require_model_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.lifecycle_schemas import (
    AttestationCreate,
    AttestationPublic,
    LineagePublic,
)
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute

router = APIRouter(prefix=API, tags=["provenance"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
VERSION = "/models/{name:path}/versions/{version}"


def _attestation_key(a: AttestationPublic) -> str:
    return f"{a.attached_at}/{a.attached_by}"


@router.get(VERSION + "/lineage", response_model=LineagePublic)
def get_version_lineage(name: str, version: str, registry: RegistryDep) -> LineagePublic:
    """What the version derives from and what derives from it, each with its depth."""
    return LineagePublic.of(registry.lineage(f"{name}@{version}"))


@router.post(VERSION + "/attestations", response_model=AttestationPublic,
             status_code=status.HTTP_201_CREATED)
def attest_version(name: str, version: str, body: AttestationCreate, registry: RegistryDep,
                   principal: PrincipalDep) -> AttestationPublic:
    """Attach a training attestation and its metrics. A malformed statement is a 422 problem
    listing every problem; a subject digest other than the version's is a 409."""
    require_model_writer(principal, registry.get_model(name))
    ref = f"{name}@{version}"
    registry.attest(ref, body.statement, body.metrics)
    return AttestationPublic.of(registry.attestations(ref)[-1])


@router.get(VERSION + "/attestations", response_model=Page[AttestationPublic])
def list_attestations(name: str, version: str, registry: RegistryDep, request: Request,
                      response: Response, after: AfterQuery = "",
                      limit: LimitQuery = 100) -> Page[AttestationPublic]:
    """The version's attestations, oldest first (the cursor is ``<time>/<who>``)."""
    found = sorted((AttestationPublic.of(a) for a in registry.attestations(f"{name}@{version}")),
                   key=_attestation_key)
    return page(request, response, after_key(found, after, _attestation_key)[:limit + 1], limit,
                _attestation_key)


@router.get("/models/{name:path}/lineage", response_model=LineagePublic)
def get_model_lineage(name: str, registry: RegistryDep) -> LineagePublic:
    """The lineage of every version of the model."""
    return LineagePublic.of(registry.lineage(name))
