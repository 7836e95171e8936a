"""``Idempotency-Key`` on every ``POST`` (the IETF httpapi idempotency-key draft), so that a
client may retry a create whose answer it lost without creating twice.

:class:`IdempotentPosts` is a pure-ASGI layer in front of the routes. For a ``POST`` carrying the
header it claims the key for the caller (a token's id, else the caller's name) in the
application's :class:`~modelsteward.ports.IdempotencyKeys` (``app.state.idempotency_keys``),
in a transaction of its own, before the route runs:

* the first request with a key runs; a success (2xx) is stored with the key for
  :data:`WINDOW` and sent; an error answer wrote nothing (every write is all or nothing), so the
  key is released and a retry runs again;
* the same key with the same request (method, path, query and body) within the window gets the
  stored answer — same status, headers and body, plus ``Idempotent-Replayed: true`` — and
  writes nothing;
* the same key with another request is refused with 422 (:class:`IdempotencyKeyReused`);
* the same request while the first still runs waits for its answer (up to :data:`WAIT`), then
  is refused with 409 (:class:`IdempotentRequestRunning`);
* an answer marked ``Cache-Control: no-store`` holds a secret (a new token's): only its status
  is kept, and a retry is refused with 409 (:class:`IdempotentSecretNotKept`), naming the way
  out, rather than storing the secret.

The claim is a primary-key insert, so concurrent retries on several workers or replicas run the
request once. Requests without the header, other methods and callers the authenticator refuses
go on unchanged (a refused caller gets the route's own 401).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import timedelta

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelsteward.api.mlflow.errors import code_of, mlflow_error
from modelsteward.api.problems import error_problem
from modelsteward.domain.tokens import Principal
from modelsteward.errors import (
    IdempotencyKeyReused,
    IdempotentRequestRunning,
    IdempotentSecretNotKept,
    InvalidInput,
    StewardError,
)
from modelsteward.ports import IdempotencyKeys, KeptRequest, SystemClock

HEADER = b"idempotency-key"
REPLAYED = "Idempotent-Replayed"
WINDOW = timedelta(hours=24)
WAIT = 10.0  # seconds a retry waits for the first request's answer
_POLL = 0.05
_KEPT_HEADERS = {"content-type", "location", "deprecation", "sunset", "link", "cache-control"}
_MLFLOW = "/api/2.0/mlflow/"


def parse_key(raw: bytes) -> str:
    """The key of an ``Idempotency-Key`` header: a structured-field string (``"…"``, as the
    draft writes it) or the bare text, 1 to 255 printable ASCII characters. Raises
    :class:`InvalidInput` naming the expected form."""
    text = raw.decode("latin-1").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not (1 <= len(text) <= 255 and all(" " <= ch <= "~" for ch in text)):
        raise InvalidInput("The Idempotency-Key header must hold 1 to 255 printable ASCII "
                           "characters, e.g. Idempotency-Key: \"8e03978e-40d5-43e8-bc93-"
                           "6894a57f9324\" (a new UUID per request).")
    return text


def _refusal(scope: Scope, error: StewardError) -> Response:
    path = str(scope["path"])
    if path.startswith(_MLFLOW):
        code, status = code_of(error)
        return mlflow_error(code, status, str(error))
    return error_problem(error, path)


class IdempotentPosts:
    """See the module."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw = next((value for name, value in scope["headers"] if name == HEADER), None)
        if raw is None:
            await self.app(scope, receive, send)
            return
        try:
            key = parse_key(raw)
        except InvalidInput as error:
            await _refusal(scope, error)(scope, receive, send)
            return
        caller = await self._caller(scope)
        if caller is None:  # refused: the route answers with its own 401 or 403
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"%s %s?%s\n" % (scope["method"].encode(), scope["path"].encode(),
                             scope["query_string"]) + body).hexdigest()
        state = scope["app"].state
        keys: IdempotencyKeys = state.idempotency_keys
        deadline = time.monotonic() + WAIT
        earlier: KeptRequest | None = None
        while True:
            if earlier is None:  # first pass, or the first request failed and let the key go
                now = (state.clock or SystemClock()).now()
                earlier = await run_in_threadpool(keys.claim, caller, key, fingerprint, now,
                                                  now + WINDOW)
            if earlier is None:
                await self._first(scope, body, send, keys, caller, key)
                return
            if earlier.fingerprint != fingerprint:
                first = "another method, path or body"
                await _refusal(scope, IdempotencyKeyReused(key, first))(scope, receive, send)
                return
            if earlier.status is not None and earlier.secret:
                refusal = IdempotentSecretNotKept(key, earlier.status)
                await _refusal(scope, refusal)(scope, receive, send)
                return
            if earlier.status is not None:
                headers = [*earlier.headers, ("content-length", str(len(earlier.body))),
                           (REPLAYED, "true")]
                await send({"type": "http.response.start", "status": earlier.status,
                            "headers": [(n.lower().encode("latin-1"), v.encode("latin-1"))
                                        for n, v in headers]})
                await send({"type": "http.response.body", "body": earlier.body})
                return
            if time.monotonic() >= deadline:
                await _refusal(scope, IdempotentRequestRunning(key))(scope, receive, send)
                return
            await asyncio.sleep(_POLL)  # the first is running: wait for its answer, or its end
            earlier = await run_in_threadpool(keys.look_up, caller, key)

    @staticmethod
    async def _caller(scope: Scope) -> str | None:
        """The scope keys belong to: ``token:<id>``, or ``actor:<name>`` for callers not
        authenticated by a token; ``None`` when the authenticator refuses the caller."""
        authenticate = scope["app"].state.authenticate
        request = Request(scope)
        try:
            without_io = getattr(authenticate, "without_io", None)
            found: Principal | None = without_io(request) if without_io is not None else None
            principal: Principal = (found if found is not None
                                    else await run_in_threadpool(authenticate, request))
        except StewardError:
            return None
        return f"token:{principal.token_id}" if principal.token_id else f"actor:{principal.name}"

    async def _first(self, scope: Scope, body: bytes, send: Send, keys: IdempotencyKeys,
                     caller: str, key: str) -> None:
        """Run the request, keep a success's answer under the key (else release the key), then
        send the answer: stored before it is sent, so a retry after it finds it."""
        given = False

        async def receive() -> Message:
            nonlocal given
            if given:
                return {"type": "http.disconnect"}
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, keep)
        except BaseException:
            await run_in_threadpool(keys.release, caller, key)
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        status = int(start["status"]) if start is not None else 500
        if 200 <= status < 300 and start is not None:
            headers = [(name.decode("latin-1"), value.decode("latin-1"))
                       for name, value in start.get("headers", [])
                       if name.decode("latin-1").lower() in _KEPT_HEADERS]
            answer = b"".join(m.get("body", b"") for m in messages
                              if m["type"] == "http.response.body")
            if any(name.lower() == "cache-control" and "no-store" in value
                   for name, value in headers):
                answer = b""  # a secret (a new token): shown once, never stored
            await run_in_threadpool(keys.answer, caller, key, status, headers, answer)
        else:
            await run_in_threadpool(keys.release, caller, key)
        for message in messages:
            await send(message)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)

