"""Advisories: OSV records about models."""

from __future__ import annotations

from typing import Annotated, Any

from dataclasses import replace

from modelsteward.api import problems
from modelsteward.api.routing import ThreadedRoute
from fastapi import APIRouter, Body, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from modelsteward.api.routes import API
from modelsteward.api.auth import require_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.schemas import PublishedPublic
from modelsteward.domain.osv_document import parse_advisory

router = APIRouter(prefix=API, tags=["advisories"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)

OsvRecord = dict[str, Any]
# stands in for a draft's missing id while the record is checked; the service gives the real one
_DRAFT_ID = "x_MSA-2000-0001"


class WithdrawalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, examples=["Not reproducible."])


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


@router.post("/advisories/drafts", response_model=PublishedPublic,
             status_code=status.HTTP_201_CREATED)
def create_advisory(record: Annotated[dict[str, Any], Body()], registry: RegistryDep,
                    principal: PrincipalDep) -> PublishedPublic:
    """Publish a new advisory, as ``steward advisory create`` does: an OSV record whose ``id``
    may be left out (the next ``x_MSA-<year>-<n>`` is given) and whose ``published`` and
    ``modified`` times are set now. Notifies every team with a consumer of an affected or
    derived version."""
    require_writer(principal, principal.team)
    given = record.get("id")
    checked = {**record, "id": given or _DRAFT_ID,
               "modified": record.get("modified") or "1970-01-01T00:00:00Z"}
    draft = parse_advisory(checked, "the advisory")
    return PublishedPublic.of(registry.advisories.create(
        replace(draft, id=given if isinstance(given, str) else "")))


@router.post("/advisories/imports", response_model=list[PublishedPublic])
def import_advisory_records(records: Annotated[list[dict[str, Any]], Body()],
                            registry: RegistryDep,
                            principal: PrincipalDep) -> list[PublishedPublic]:
    """Import OSV records, as ``steward advisory import`` does (all or nothing), and say for
    each what it did: new or updated, versions affected, notices written, warnings."""
    require_writer(principal, principal.team)
    results = registry.advisories.import_documents(
        [(f"records[{i}]", record) for i, record in enumerate(records)])
    return [PublishedPublic.of(r) for r in results]


@router.post("/advisories/{advisory_id}/withdrawal", response_model=OsvRecord)
def withdraw_advisory(advisory_id: str, body: WithdrawalCreate, registry: RegistryDep,
                      principal: PrincipalDep) -> OsvRecord:
    """Withdraw an advisory: it stops matching; the record stays (with ``withdrawn`` set)."""
    require_writer(principal, principal.team)
    return registry.advisories.withdraw(advisory_id, body.reason).to_osv()
