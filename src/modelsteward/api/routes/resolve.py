"""``GET /api/v1/resolve``: the call every application makes at start-up.

Answers are kept in memory while the database is unchanged (see ``api/resolutions.py``); a kept
answer is sent before routing, without a database transaction or a thread hop. On a miss the
resolution, a short read (the model, its plans, a page of candidates, the version's parents),
runs where ``api/reads.py`` says: in place on an SQLite file, in the thread pool otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from modelsteward.api import problems
from modelsteward.api.deps import Principal, PrincipalDep, registry_for
from modelsteward.api.headers import mark_deprecated
from modelsteward.api.resolutions import Answer, Shortcut, kept_or_computed
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import ResolutionPublic
from modelsteward.service.registry import Registry

router = APIRouter(prefix=API, tags=["resolution"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
MODEL_MAX = 129  # the longest ``model`` and ``pin`` the route accepts
PIN_MAX = 200


@router.get("/resolve", response_model=ResolutionPublic)
async def resolve(model: Annotated[str, Query(max_length=MODEL_MAX, examples=["support-bot"])],
                  pin: Annotated[str, Query(max_length=PIN_MAX, examples=["^2.1"])],
                  principal: PrincipalDep, request: Request,
                  candidates: Annotated[bool, Query(
                      description="Also accept versions that have not reached the policy's "
                                  "eligibility minimum stage (for staging environments)")] = False,
                  ) -> Response:
    """The version ``pin`` resolves to now: for a non-strict pin the best version the policy
    calls eligible; for an exact version that version, with ``eligible: false`` and the reason
    (also in a ``Steward-Ineligible`` header) when it is not eligible. What a deprecation plan
    says comes as Deprecation, Sunset and Link headers; a pin redirected from a retired version
    says so in ``redirected_from`` and a ``Steward-Redirected-From`` header. When nothing
    resolves because the version was retired, deleted or is not eligible, the 404 problem
    carries ``unresolvable`` (version, state, since, reason, replacement)."""
    return await kept_or_computed(
        request, lambda: _answer(registry_for(request, principal), model, pin, candidates),
        short=True)


def _plain_query(request: Request, principal: Principal) -> Callable[[], Answer] | None:
    """The computation :func:`resolve` runs for ``request`` when its query is plainly one the
    route accepts as it is: ``model`` and ``pin`` once each, not empty and within their
    lengths, ``candidates`` at most once and exactly ``true`` or ``false``, nothing else.
    ``None`` for any other query: the route validates it (and FastAPI parses ``candidates``
    more leniently than this)."""
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in _PARAMETERS or name in found:
            return None
        found[name] = value
    model, pin = found.get("model", ""), found.get("pin", "")
    candidates = _BOOLEANS.get(found.get("candidates", "false"))
    if not 0 < len(model) <= MODEL_MAX or not 0 < len(pin) <= PIN_MAX or candidates is None:
        return None
    return lambda: _answer(registry_for(request, principal), model, pin, candidates)


_PARAMETERS = frozenset({"model", "pin", "candidates"})
_BOOLEANS = {"true": True, "false": False}
SHORTCUT_PATH = f"{API}/resolve"
SHORTCUT = Shortcut(next(r for r in router.routes if getattr(r, "path", "") == SHORTCUT_PATH),
                    _plain_query)
"""``GET /api/v1/resolve`` answered before routing when nothing is kept for it (see
``api/resolutions.py``): the same computation, for the queries the route takes as they are."""


def _answer(registry: Registry, model: str, pin: str, candidates: bool) -> Answer:
    """The response body and headers of one resolution (raises what ``resolution`` raises)."""
    found = registry.resolution(model, pin, candidates=candidates)
    headers = Response()
    if found.plan is not None:
        mark_deprecated(headers, found.plan)
    if found.redirected_from:
        headers.headers["Steward-Redirected-From"] = found.redirected_from
    if found.ineligible:
        headers.headers["Steward-Ineligible"] = _header_text(found.ineligible)
    version = found.version
    public = ResolutionPublic(model=version.model, pin=pin, version=str(version.id),
                              ref=version.ref,
                              digest=f"sha256:{version.digest}" if version.digest else None,
                              stage=version.stage.value, warning=found.warning or None,
                              redirected_from=found.redirected_from or None,
                              inherited_from=found.inherited_from or None,
                              eligible=found.eligible, ineligible=found.ineligible or None,
                              candidates=candidates)
    extra = tuple((name, value) for name, value in headers.headers.items()
                  if name not in ("content-length", "content-type"))
    return Answer(public.model_dump_json().encode(), extra)


def _header_text(text: str) -> str:
    """``text`` as a header value: printable ASCII only (a reason may quote anything)."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:500]
