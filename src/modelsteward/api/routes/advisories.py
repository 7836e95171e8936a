"""Advisories: OSV records about models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status

from modelsteward.api.routes import API
from modelsteward.api.auth import require_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page

router = APIRouter(prefix=API, tags=["advisories"])

OsvRecord = dict[str, Any]


@router.get("/advisories", response_model=Page[OsvRecord])
def list_advisories(registry: RegistryDep, request: Request, response: Response,
                    model: Annotated[str, Query(max_length=129)] = "",
                    withdrawn: bool = False, after: AfterQuery = "",
                    limit: LimitQuery = 100) -> Page[OsvRecord]:
    """Advisories by id, as OSV records."""
    found = after_key(registry.advisories.all(model=model, include_withdrawn=withdrawn), after,
                      lambda a: a.id)
    return page(request, response, [a.to_osv() for a in found[:limit + 1]], limit,
                lambda a: str(a["id"]))


@router.get("/advisories/{advisory_id}", response_model=OsvRecord)
def get_advisory(advisory_id: str, registry: RegistryDep) -> OsvRecord:
    """One advisory as an OSV record."""
    return registry.advisories.get(advisory_id).to_osv()


@router.post("/advisories", response_model=list[OsvRecord], status_code=status.HTTP_201_CREATED)
def import_advisories(records: Annotated[list[dict[str, Any]], Body()], registry: RegistryDep,
                      principal: PrincipalDep) -> list[OsvRecord]:
    """Publish OSV records (all or nothing; a newer ``modified`` replaces a stored record)."""
    require_writer(principal, principal.team)
    results = registry.advisories.import_documents(
        [(f"records[{i}]", record) for i, record in enumerate(records)])
    return [r.advisory.to_osv() for r in results]
