"""The event log and the notices teams were sent."""

from __future__ import annotations

from typing import Annotated, Literal

from modelsteward.api import problems
from modelsteward.api.routing import ThreadedRoute
from fastapi import APIRouter, Query, Request, Response

from modelsteward.api.routes import API
from modelsteward.api.deps import RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
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


@router.get("/notices", response_model=Page[NoticePublic])
def list_notices(registry: RegistryDep, request: Request, response: Response,
                 team: Annotated[str, Query(max_length=200)] = "",
                 after: AfterQuery = "", limit: LimitQuery = 100) -> Page[NoticePublic]:
    """What each team has been told (the cursor is a notice key)."""
    notices = after_key(registry.deprecations.notices(team), after, lambda n: n.key)
    return page(request, response, [NoticePublic.of(n) for n in notices[:limit + 1]], limit,
                lambda n: n.key)
