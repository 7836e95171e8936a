"""Advisories: OSV records about models.

Publishing, importing, re-importing and withdrawing an advisory need a maintainer of the owner
team of every registry model it names (administrators always; for an advisory naming only an
upstream package, a team owning a model derived from it): see
:func:`~modelsteward.api.auth.require_advisory_writer`. Security reporters submit reports,
which reach the owner teams as drafts (notices) to publish."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from modelsteward.api import problems
from modelsteward.api.auth import require_advisory_writer, require_reporter, require_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import PublishedPublic
from modelsteward.service.advisories import parse_draft

router = APIRouter(prefix=API, tags=["advisories"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)

OsvRecord = dict[str, Any]


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
    """Publish OSV records (all or nothing; a newer ``modified`` replaces a stored record).
    Only the owner team may publish or change a record (403 otherwise, whatever its
    ``modified``, and nothing is written)."""
    require_writer(principal, principal.team)  # refused up front, even for no records
    results = registry.advisories.import_documents(
        [(f"records[{i}]", record) for i, record in enumerate(records)],
        partial(require_advisory_writer, principal))
    return [r.advisory.to_osv() for r in results]


@router.post("/advisories/drafts", response_model=PublishedPublic,
             status_code=status.HTTP_201_CREATED)
def create_advisory(record: Annotated[dict[str, Any], Body()], registry: RegistryDep,
                    principal: PrincipalDep) -> PublishedPublic:
    """Publish a new advisory, as ``steward advisory create`` does: an OSV record whose ``id``
    may be left out (the next ``x_MSA-<year>-<n>`` is given) and whose ``published`` and
    ``modified`` times are set now. Notifies every team with a consumer of an affected or
    derived version. Needs a maintainer of the owner team of every model it names."""
    return PublishedPublic.of(registry.advisories.create(
        parse_draft(record), partial(require_advisory_writer, principal)))


class ReportPublic(BaseModel):
    """A report delivered as drafts: the owner teams it reached, the models it names and the
    notices written (0 when the same report reached them before)."""

    teams: list[str]
    models: list[str]
    notices: int


@router.post("/advisories/reports", response_model=ReportPublic,
             status_code=status.HTTP_202_ACCEPTED)
def report_advisory(record: Annotated[dict[str, Any], Body()], registry: RegistryDep,
                    principal: PrincipalDep) -> ReportPublic:
    """Report a problem in any model (the reporter role): an OSV record, checked as a draft
    is, that is not published but reaches each owner team as a notice (kind
    ``advisory-report``, the record in its payload) for its maintainers to publish."""
    require_reporter(principal)
    reported = registry.advisories.report(parse_draft(record))
    return ReportPublic(teams=list(reported.teams), models=list(reported.models),
                        notices=reported.notices)


@router.post("/advisories/imports", response_model=list[PublishedPublic])
def import_advisory_records(records: Annotated[list[dict[str, Any]], Body()],
                            registry: RegistryDep,
                            principal: PrincipalDep) -> list[PublishedPublic]:
    """Import OSV records, as ``steward advisory import`` does (all or nothing), and say for
    each what it did: new or updated, versions affected, notices written, warnings. Only the
    owner team may publish or change a record, as for ``POST /advisories``."""
    require_writer(principal, principal.team)  # refused up front, even for no records
    results = registry.advisories.import_documents(
        [(f"records[{i}]", record) for i, record in enumerate(records)],
        partial(require_advisory_writer, principal))
    return [PublishedPublic.of(r) for r in results]


@router.post("/advisories/{advisory_id}/withdrawal", response_model=OsvRecord)
def withdraw_advisory(advisory_id: str, body: WithdrawalCreate, registry: RegistryDep,
                      principal: PrincipalDep) -> OsvRecord:
    """Withdraw an advisory: it stops matching; the record stays (with ``withdrawn`` set)."""
    return registry.advisories.withdraw(advisory_id, body.reason,
                                        partial(require_advisory_writer, principal)).to_osv()
