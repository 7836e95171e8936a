"""How much a request may hold, and the ASGI layer that enforces the body size.

Every limit is in ``docs/api.md``; the field limits are declared in the request schemas, so the
OpenAPI document states them too. The body size is enforced here, before any route reads the
body: a ``Content-Length`` above the limit is answered at once, and a body sent without one
(chunked) is counted as it streams and refused as soon as it passes the limit, so the server
never holds more than the limit of any request. The answer is a 413 in the shape of the route
family asked: a problem document under ``/api/v1``, MLflow's error JSON under
``/api/2.0/mlflow``, OSV's under ``/v1``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ErrorAnswer = Callable[[str, int, str], JSONResponse]
"""An error answered outside the routes: (path, status, message) -> response."""

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""``STEWARD_MAX_BODY_BYTES`` when it is not set."""
MAX_DESCRIPTION = 10_000
"""Characters in a model's or version's description (MLflow's too)."""
MAX_TEXT = 1_000
"""Characters in the other free-text fields of a model or version (purpose, reason, …)."""
MAX_TAG = 250
"""Characters in a model tag, and in an MLflow tag key (MLflow's own limit)."""
MAX_TAG_VALUE = 5_000
"""Characters in an MLflow tag value (MLflow's own limit)."""
MAX_TAGS = 100
"""Tags given in one request."""
MAX_FILES = 10_000
"""Manifest entries of one version."""
MAX_METRICS = 1_000
"""Metrics of one version."""
MAX_ALIAS = 63
"""Characters in an alias name (``domain/names.py``)."""


def too_large(limit: int) -> str:
    shown = (f"{limit / 1024 / 1024:.3g} MiB" if limit >= 1024 * 1024
             else f"{limit / 1024:.3g} KiB")
    return (f"The request body is larger than this server's limit of {limit} bytes ({shown}); "
            "send less in one request (the limit is STEWARD_MAX_BODY_BYTES on the server).")


class BodyTooLarge(HTTPException):
    """Raised while a route reads a body past the limit; FastAPI passes an
    :class:`HTTPException` raised by the body read on to the error handlers unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


class BodyLimit:
    """Refuses request bodies above ``max_bytes`` with a 413 (see the module)."""

    def __init__(self, app: ASGIApp, max_bytes: int, answer: ErrorAnswer) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.answer = answer  # the error in the shape of the path's route family

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: int | None = None
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                has_body = True
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:  # most requests: nothing to count
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if length is not None and length > limit:
            await self.answer(scope["path"], 413, too_large(limit))(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as error:  # read outside a route: answered here
            if started:
                raise
            await self.answer(scope["path"], 413, str(error.detail))(scope, receive, send)
