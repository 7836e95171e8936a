"""How every page answers: a template rendered with the security headers, the CSRF token and
the chain head it was read at (:func:`page_response`); an error as the error page, or as the
sign-in page when a GET needs a session (:func:`error_page`, :func:`invalid_page`); and who
reads, with the registry they read through (:func:`reader`, :func:`registry_of`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from modelsteward.api import problems
from modelsteward.api.deps import registry_for
from modelsteward.domain.tokens import Principal
from modelsteward.errors import NotAuthenticated, StewardError
from modelsteward.service.registry import Registry
from modelsteward.web import live, session
from modelsteward.web.render import render

# no other host, no inline script or style: everything comes from this server
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'")
HEADERS = {"content-security-policy": POLICY, "x-content-type-options": "nosniff",
           "referrer-policy": "same-origin", "cache-control": "no-store"}


def page_response(request: Request, name: str, principal: Principal | None, status: int = 200,
                  **values: Any) -> HTMLResponse:
    """Template ``name`` rendered with ``values``, the signed-in ``principal``, the form's CSRF
    token and, for a GET answered 200, the chain head it was read at (for live updates)."""
    response = HTMLResponse(status_code=status, headers=HEADERS)
    csrf = session.csrf_token(request, response)
    seq = live.head_seq(request) if request.method == "GET" and status == 200 else None
    body = render(name, request=request, principal=principal, csrf=csrf, seq=seq, **values)
    response.body = response.render(body)
    response.headers["content-length"] = str(len(response.body))
    return response


def error_page(request: Request, error: StewardError | ValidationError,
               principal: Principal | None) -> Response:
    """The error page of ``error`` with the API's status for it (400 for bad input); a GET
    that needs a session goes to the sign-in page instead."""
    if isinstance(error, NotAuthenticated) and request.method == "GET":
        return RedirectResponse(session.signin_url(request), status_code=303)
    if isinstance(error, ValidationError):
        status, title, detail = 400, "Bad input", error_text(error)
    else:
        status, _, title = problems.status_of(error)
        detail = str(error)
    return page_response(request, "error.html", principal, status, title=title, detail=detail)


def invalid_page(request: Request, error: RequestValidationError) -> Response:
    """The error page (400) of a request whose query or form breaks a field's rule, naming
    each field and its rule."""
    found = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'body'))}: "
        f"{e.get('msg', '')}" for e in error.errors())
    return page_response(request, "error.html", session.signed_in(request), 400,
                         title="Bad input",
                         detail=f"{found}. Correct the address or the form and try again.")


def error_text(error: ValidationError) -> str:
    """Every problem of ``error`` as ``field: rule``, separated by semicolons."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                     for e in error.errors())


def registry_of(request: Request, principal: Principal) -> Registry:
    """The registry ``principal`` acts through in this request."""
    return registry_for(request, principal)


def reader(request: Request) -> tuple[Principal, Registry]:
    """Who reads this page (NotAuthenticated without a session, unless anonymous reading is
    on) and their registry; the chain head is read first (see web/live.py)."""
    principal = session.reader(request)
    live.head_seq(request)  # before the page's data, so a change made meanwhile is not missed
    return principal, registry_of(request, principal)
