"""Who is looking at a page: the signed-in session (a cookie naming a server-side session that
was opened with an API token), or the anonymous reader when the server lets anonymous requests
read; and the CSRF token every form carries.

The session cookie is HttpOnly, SameSite=Lax and Secure when the request came over HTTPS; the
store keeps only a hash of its value (``service/tokens.py``), and the token's own state decides
on every request, so revoking the token ends its sessions too. The CSRF token is an HMAC of the
session id (before sign-in: of a random ``steward_csrf`` cookie), so a page of another site can
neither read nor forge it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote

from fastapi import Request, Response

from modelsteward.domain.tokens import ANONYMOUS, Principal
from modelsteward.errors import NotAuthenticated
from modelsteward.ports import Clock, Store, SystemClock
from modelsteward.service.tokens import SESSION_HOURS, session_principal

SESSION_COOKIE = "steward_session"
CSRF_COOKIE = "steward_csrf"  # before sign-in: what the sign-in form's CSRF token is made from
CSRF_FIELD = "csrf"
_CSRF_PURPOSE = b"modelsteward web form"
_STATE = "modelsteward.web"  # where a request keeps what was decided about it


def now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock or SystemClock()
    return clock.now()


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def signed_in(request: Request) -> Principal | None:
    """The principal of the request's session, or ``None`` (no cookie, or a session that is
    unknown, signed out or expired, or whose token is no longer valid)."""
    scope = request.scope
    if _STATE not in scope:
        session_id = request.cookies.get(SESSION_COOKIE, "")
        store: Store = request.app.state.store
        scope[_STATE] = (session_principal(store, now(request), session_id)
                         if session_id else None)
    principal: Principal | None = scope[_STATE]
    return principal


def reader(request: Request) -> Principal:
    """Who reads the page: the signed-in principal, else the anonymous reader when the server
    allows anonymous reads. Raises :class:`NotAuthenticated` otherwise (the pages answer it
    with the sign-in page)."""
    principal = signed_in(request)
    if principal is not None:
        return principal
    if request.app.state.settings.anonymous_read:
        return ANONYMOUS
    raise NotAuthenticated("Sign in with an API token to see this page.")


def writer(request: Request) -> Principal:
    """Who sends a form that changes the registry: only a signed-in principal."""
    principal = signed_in(request)
    if principal is None:
        raise NotAuthenticated("Sign in with an API token first: changes need one.")
    return principal


def _csrf_of(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def csrf_token(request: Request, response: Response | None = None) -> str:
    """The CSRF token for the forms of this page. Before sign-in the token is made from the
    ``steward_csrf`` cookie, set on ``response`` when the browser has none yet."""
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if not secret:
        secret = request.scope.get(_STATE + ".csrf") or secrets.token_urlsafe(32)
        request.scope[_STATE + ".csrf"] = secret
        if response is not None:
            response.set_cookie(CSRF_COOKIE, secret, httponly=True, samesite="strict",
                                secure=secure(request), path="/")
    return _csrf_of(secret)


def check_csrf(request: Request, sent: str) -> None:
    """Refuse (:class:`NotAuthenticated`) a form whose CSRF token is missing or not this
    browser's."""
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if not secret or not hmac.compare_digest(_csrf_of(secret), sent or ""):
        raise NotAuthenticated("The form's security token is missing or stale (the page was "
                               "opened in another session): reload the page and send it again.")


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, max_age=SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=secure(request), path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure(request))


def local_path(target: str) -> str:
    """``target`` when it is a path of this site (``/…``, not ``//host``), else ``/``: a
    sign-in's ``next`` never leads to another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def signin_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/signin?next=" + quote(here, safe="/")
