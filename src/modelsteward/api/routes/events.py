"""The event log and the notices teams were sent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from modelsteward.api import problems
from modelsteward.api.auth import require_admin
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import EventPublic, NoticePublic
from modelsteward.errors import InvalidInput

router = APIRouter(prefix=API, tags=["history"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)


@router.get("/events", response_model=Page[EventPublic])
def list_events(registry: RegistryDep, request: Request, response: Response,
                model: Annotated[str, Query(max_length=129)] = "",
                after: AfterQuery = "", limit: LimitQuery = 100,
                order: Annotated[Literal["asc", "desc"], Query(
                    description="`asc`: oldest first; `desc`: newest first (the cursor then "
                                "pages back in time).")] = "asc") -> Page[EventPublic]:
    """Events in sequence order, all or of one model (the cursor is a sequence number)."""
    if after and not (after.isascii() and after.isdigit()):
        raise InvalidInput(f"after={after!r} is not an event sequence number.")
    if order == "desc":
        newest = registry.log_tail(model, limit=limit + 1, before_seq=int(after or 0))
        found = newest[::-1]
    else:
        found = registry.log(model, after_seq=int(after or 0), limit=limit + 1)
    return page(request, response, [EventPublic.of(e) for e in found], limit,
                lambda e: str(e.seq))


class DifferencePublic(BaseModel):
    object: str
    field: str
    table: Any
    derived: Any
    seq: int | None
    message: str


class HeadPublic(BaseModel):
    seq: int
    hash: str


class VerificationPublic(BaseModel):
    events: int
    intact: bool
    head: HeadPublic | None
    first_bad_seq: int | None
    reason: str | None
    differences: list[DifferencePublic]


@router.get("/events/verification", response_model=VerificationPublic)
def verify_events(registry: RegistryDep, principal: PrincipalDep,
                  response: Response) -> VerificationPublic:
    """Verify the history where its database is (administrators): the hash chain against the
    chain-head record, and the state check (the tables hold what the events determine). A
    client should still check the chain itself from `GET /events`."""
    require_admin(principal)
    report = registry.verify_history(state=True)
    response.headers["Cache-Control"] = "no-store"
    return VerificationPublic(
        events=report.events, intact=report.intact,
        head=HeadPublic(seq=report.head_seq, hash=report.head_hash) if report.events else None,
        first_bad_seq=report.broken.seq if report.broken else None,
        reason=report.broken.reason if report.broken else None,
        differences=[DifferencePublic(object=d.key, field=d.field, table=d.table,
                                      derived=d.derived, seq=d.seq, message=d.describe())
                     for d in report.differences or ()])


@router.get("/notices", response_model=Page[NoticePublic])
def list_notices(registry: RegistryDep, request: Request, response: Response,
                 team: Annotated[str, Query(max_length=200)] = "",
                 after: AfterQuery = "", limit: LimitQuery = 100) -> Page[NoticePublic]:
    """What each team has been told (the cursor is a notice key)."""
    notices = after_key(registry.deprecations.notices(team), after, lambda n: n.key)
    return page(request, response, [NoticePublic.of(n) for n in notices[:limit + 1]], limit,
                lambda n: n.key)
