"""Errors as RFC 9457 problem documents, one shape everywhere:

``{"type": "/problems/<slug>", "title": …, "status": …, "detail": …, "instance": <path>}``,
plus ``errors: [{"location", "message"}]`` when a document or a request body has problems.
Served as ``application/problem+json``. Only this module maps errors to HTTP statuses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from modelsteward.errors import (
    ArtifactError,
    Conflict,
    DeliveryFailed,
    DocumentInvalid,
    IdempotencyKeyReused,
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    NotFound,
    PinNoLongerResolves,
    StewardError,
    StorageError,
)

MEDIA_TYPE = "application/problem+json"


class ProblemError(BaseModel):
    location: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, the shape of every error under /api/v1."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = None


def _documented(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"model": Problem, "description": description,
            "content": {MEDIA_TYPE: {"schema": schema}}}


# declared on every /api/v1 operation, so that clients and schema checkers know them
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Bad input"),
    401: _documented("No valid token"),
    403: _documented("Not allowed for this token"),
    404: _documented("Not found"),
    409: _documented("Conflict with the registry's state"),
    413: _documented("The request body is larger than the server's limit"),
    422: _documented("The request or a document in it has problems"),
    503: _documented("The database is unavailable"),
}
log = logging.getLogger("modelsteward.api")


@dataclass(frozen=True)
class ErrorStatus:
    """How the errors of one class are answered: ``type`` is ``/problems/<slug>``."""

    status: int
    slug: str
    title: str


# every family directly under StewardError, plus the few members answered differently from
# their family; the nearest class in an error's MRO decides
ERROR_STATUSES: Mapping[type[StewardError], ErrorStatus] = MappingProxyType({
    InvalidInput: ErrorStatus(400, "invalid-input", "Bad input"),
    DocumentInvalid: ErrorStatus(422, "document-invalid", "The document has problems"),
    # the IETF Idempotency-Key draft answers a key reused for another request with 422
    IdempotencyKeyReused: ErrorStatus(422, "idempotency-key-reused", "Idempotency-Key reused"),
    NotFound: ErrorStatus(404, "not-found", "Not found"),
    Conflict: ErrorStatus(409, "conflict", "Conflict"),
    ArtifactError: ErrorStatus(422, "artefact", "Artefact problem"),
    # a receiver (webhook, SMTP server) upstream of the server failed, not the request: 5xx, and
    # 502 says the server is fine, what it relays to is not. No route sends synchronously
    # today, so RESPONSES does not declare it.
    DeliveryFailed: ErrorStatus(502, "delivery-failed", "Notification not delivered"),
    NotAuthorised: ErrorStatus(403, "not-authorised", "Not authorised"),
    NotAuthenticated: ErrorStatus(401, "not-authenticated", "Authentication needed"),
    StorageError: ErrorStatus(503, "storage", "Database unavailable"),
})
_STATUS_SLUGS = {400: "bad-request", 401: "not-authenticated", 403: "not-authorised",
                 404: "not-found", 405: "method-not-allowed", 409: "conflict",
                 413: "content-too-large", 415: "unsupported-media-type", 422: "validation",
                 429: "too-many-requests", 500: "internal", 503: "unavailable"}


def problem(status: int, slug: str, title: str, detail: str, instance: str,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None,
            extra: dict[str, object] | None = None) -> JSONResponse:
    """An RFC 9457 problem document; ``extra`` adds extension members."""
    body: dict[str, object] = {"type": f"/problems/{slug}", "title": title, "status": status,
                               "detail": detail, "instance": instance, **(extra or {})}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def slug_of(status: int) -> str:
    """The ``type`` slug of an HTTP error answered with ``status``."""
    return _STATUS_SLUGS.get(status, "http")


def allowed_methods(request: Request) -> str:
    """Every method some route answers on the request's path, for a 405's ``Allow``: each
    operation is its own route, so the route that refused knows only its own method."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def status_of(error: StewardError) -> tuple[int, str, str]:
    """``(status, slug, title)`` of ``error``: its nearest class in :data:`ERROR_STATUSES`.
    There is no default: an error of no mapped family (a bare :class:`StewardError`, or a new
    family nobody mapped) raises :class:`TypeError`, a bug the tests catch; the server then
    answers it as any unexpected error, 500 ``/problems/internal``."""
    for cls in type(error).__mro__:
        found = ERROR_STATUSES.get(cls)
        if found is not None:
            return found.status, found.slug, found.title
    raise TypeError(f"{type(error).__qualname__} belongs to no family of modelsteward.errors "
                    "with an HTTP status; add its family to ERROR_STATUSES in api/problems.py")


def error_problem(error: StewardError, instance: str) -> JSONResponse:
    """The problem document of ``error`` raised for the path ``instance``."""
    status, slug, title = status_of(error)
    errors = ([{"location": p.location, "message": p.message} for p in error.problems]
              if isinstance(error, DocumentInvalid) else None)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    extra: dict[str, object] | None = (
        {"unresolvable": error.why.as_dict()} if isinstance(error, PinNoLongerResolves) else None)
    return problem(status, slug, title, str(error), instance, errors, headers, extra)


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the problem shape."""

    @app.exception_handler(StewardError)
    async def steward_error(request: Request, error: StewardError) -> JSONResponse:
        return error_problem(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"location": ".".join(str(part) for part in e.get("loc", ())),
                   "message": str(e.get("msg", ""))} for e in error.errors()]
        return problem(422, "validation", "The request is not valid",
                       f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the request; "
                       "see errors.", request.url.path, errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        slug = slug_of(error.status_code)
        headers = dict(error.headers) if error.headers else None
        detail = str(error.detail)
        if error.status_code == 405:
            allowed = allowed_methods(request)
            headers = {**(headers or {}), "Allow": allowed}
            detail = (f"{request.method} is not allowed on {request.url.path}; use "
                      f"{allowed.replace(', ', ' or ')}.")
        return problem(error.status_code, slug, slug.replace("-", " ").capitalize(),
                       detail, request.url.path, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "Internal error",
                       "The server failed unexpectedly; the error is in its log.",
                       request.url.path)
