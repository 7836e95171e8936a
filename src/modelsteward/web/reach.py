"""The pages of who a change reaches: the deprecations timeline with each plan's impact and
the provider shutdowns to come, the advisories with the versions they reach, and the
consumers with what their pins resolve to and a model's impact by team (see
``docs/web.md``). Each reads one bounded page, as ``pages.py``'s pages do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from modelsteward.domain.consumers import Impact
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.errors import (
    ModelNotFound,
    StewardError,
)
from modelsteward.web import session
from modelsteward.web.render import services_and_teams
from modelsteward.web.respond import (
    error_page,
    page_response,
    reader,
)
from modelsteward.web.routing import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
ADVISORY_PAGE = 25  # advisories a page, by id


# --- deprecations --------------------------------------------------------------------------------

PLAN_LIMIT = 100  # plans the timeline shows (soonest next date first); the JSON twin pages all
SHUTDOWN_DAYS = 3650  # provider shutdowns announced up to ten years ahead
BAR = 160  # the timeline bar's width in SVG units


@dataclass(frozen=True)
class Planned:
    """A deprecation plan on the timeline: its next date, impact and bar geometry."""

    plan: DeprecationPlan
    phase: str
    next_date: date
    impact: str
    marks: tuple[tuple[str, int], ...]  # announced, soft, hard and today: label, x
    soft_x: int
    hard_x: int


def _next_date(plan: DeprecationPlan, today: date) -> date:
    dates = (plan.announced, plan.soft_deadline, plan.hard_deadline)
    return min((d for d in dates if d >= today), default=plan.hard_deadline)


def _services_teams(impact: Impact) -> str:
    return services_and_teams(impact.consumers, len(impact.by_team))


def _planned(plan: DeprecationPlan, today: date, impacts: dict[str, Impact]) -> Planned:
    start = min(plan.announced, today)
    end = max(plan.hard_deadline, today)
    span = max(1, (end - start).days)

    def x(day: date) -> int:
        return round((day - start).days * BAR / span)

    marks = (("announced", x(plan.announced)), ("soft", x(plan.soft_deadline)),
             ("hard", x(plan.hard_deadline)), ("today", x(today)))
    impact = impacts.get(plan.ref)  # none for a package URL or a version no longer here
    return Planned(plan, plan.phase(today).value, _next_date(plan, today),
                   _services_teams(impact) if impact is not None else "unknown", marks,
                   x(plan.soft_deadline), x(plan.hard_deadline))


@router.get("/deprecations", response_class=HTMLResponse)
def deprecations_page(request: Request) -> Response:
    """Every current plan (a later plan of the same target supersedes an earlier one), soonest
    next date first, at most :data:`PLAN_LIMIT`; and the provider shutdowns still to come."""
    try:
        principal, registry = reader(request)
        today = registry.clock.now().date()
        ordered, current = registry.deprecations.current_plans(
            lambda p: (_next_date(p, today), p.ref), PLAN_LIMIT)
        impacts = registry.consumers.impacts([p.ref for p in ordered])
        shown = [_planned(p, today, impacts) for p in ordered]
        shutdowns = [u for u in registry.providers.upcoming(
                         SHUTDOWN_DAYS, reason=DeprecationReason.PROVIDER_SHUTDOWN)
                     if u.hard_deadline >= today]
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    return page_response(request, "deprecations.html", principal, plans=shown,
                         more=max(0, current - PLAN_LIMIT), limit=PLAN_LIMIT, bar=BAR,
                         shutdowns=shutdowns, shutdown_days=SHUTDOWN_DAYS, today=today.isoformat())


# --- advisories ----------------------------------------------------------------------------------


@router.get("/advisories", response_class=HTMLResponse)
def advisories_page(request: Request,
                    after: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Keyset pages of :data:`ADVISORY_PAGE` advisories by id, withdrawn ones included, each with
    the versions it affects directly and those that inherit it through lineage."""
    try:
        principal, registry = reader(request)
        found = registry.advisories.page(after=after, limit=ADVISORY_PAGE + 1)
        shown = [(a, *registry.advisories.reach(a)) for a in found[:ADVISORY_PAGE]]
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    following = found[ADVISORY_PAGE - 1].id if len(found) > ADVISORY_PAGE else ""
    return page_response(request, "advisories.html", principal, advisories=shown, after=after,
                         next_after=following, page_size=ADVISORY_PAGE)


# --- consumers -----------------------------------------------------------------------------------

CONSUMER_PAGE = 50  # consumers a page, by name


@router.get("/consumers", response_class=HTMLResponse)
def consumers_page(request: Request,
                   after: Annotated[str, Query(max_length=200)] = "",
                   model: Annotated[str, Query(max_length=129)] = "") -> Response:
    """Keyset pages of :data:`CONSUMER_PAGE` consumers by name (those using ``model`` when
    given), each with what its pins resolve to now; with ``model``, the impact on its users by
    team as ``GET /api/v1/impact`` reports it."""
    try:
        principal, registry = reader(request)
        with registry.store.read() as tx:
            if model and tx.get_model(model) is None:
                raise ModelNotFound(model)
            found = tx.list_consumers(model, after=after, limit=CONSUMER_PAGE + 1)
        shown = registry.consumers.statuses(found[:CONSUMER_PAGE])
        impact = registry.consumers.impact(model) if model else None
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    following = found[CONSUMER_PAGE - 1].name if len(found) > CONSUMER_PAGE else ""
    return page_response(request, "consumers.html", principal, consumers=shown, after=after,
                         model=model, impact=impact,
                         reach=_services_teams(impact) if impact is not None else "",
                         next_after=following, page_size=CONSUMER_PAGE)
