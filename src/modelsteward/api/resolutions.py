"""Answers of the hot read routes kept in memory — ``GET /api/v1/resolve``, the call every
application makes at start-up, and MLflow's reads (get-by-alias, get, search) — so that they
cost no database transaction when nothing changed.

An answer is kept with the database marker (:class:`~modelsteward.ports.Changes`)
read *before* it was computed, and served only while the marker is the same: any commit, by
this server or by another process, makes every kept answer stale at once. Its key is the
request's path and query string, and the day (a resolution's deprecation phase depends on it).
On PostgreSQL the marker is the chain head polled every ``STEWARD_CHANGE_POLL_SECONDS``
(``store/head_poller.py``), so a commit through another replica makes kept answers stale within
that interval (plus a query's round trip), and one through this server at once. Without a marker
(in-memory SQLite, or polling off) nothing is kept. Errors (unknown model, no match, invalid
parameters) are never kept, and neither are answers to anything but ``GET``.

A route keeps its answers with :func:`kept_or_computed`. :class:`KeptAnswers`, a pure-ASGI
layer in front of the routes, then answers a repeated ``GET`` from memory before routing,
validation and dependencies run, when the caller is authenticated without I/O; anything else
goes on to the route, which decides as it always does. It also puts ``X-Steward-Seq`` on every
response under ``/api/`` and honours ``X-Steward-Min-Seq`` (``api/sequences.py``).

A route may also give :class:`KeptAnswers` a :class:`Shortcut`: how to compute, before
routing, the answer to a ``GET`` that nothing kept answers, when its query parameters are
plainly ones the route accepts (``/api/v1/resolve`` with a new pin: FastAPI's routing and
dependency solving cost about as much as the resolution's own Python). A shortcut's answer is
the route's own computation, kept like the route's; every request it does not take goes on to
the route, so that refusals and validation problems are the route's own. When the computation
raises a :class:`~modelsteward.errors.StewardError` (an unknown model, no match, a pin that no
longer resolves), the answer is the problem document the application's handler makes of it
(``problems.error_problem``), as the route's would be, without computing it a second time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelsteward.api import problems
from modelsteward.api.deps import Principal, database_marker
from modelsteward.api.reads import ShortReads
from modelsteward.api.sequences import (
    FROM_DATABASE,
    SEQ_HEADER,
    catch_up,
    min_seq,
    scope_reading,
)
from modelsteward.errors import StewardError
from modelsteward.ports import Changes, Clock, SystemClock

Key = tuple[str | bytes | date, ...]  # (path, query string, day)


@dataclass(frozen=True)
class Answer:
    """A response as sent: the JSON body and the headers beyond the content type."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    # the route that computed it (``scope["route"]``), for the request metrics of a kept answer
    route: object = field(default=None, compare=False)

    def response(self) -> Response:
        return Response(self.body, media_type="application/json", headers=dict(self.headers))

    @cached_property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers :meth:`response` sends, encoded once."""
        return self.response().raw_headers


class ResolutionCache:
    """At most ``size`` answers holding at most ``max_bytes`` of bodies together (the oldest go
    first; a body above a sixteenth of that is not kept), each valid while the database's
    marker is the one it was stored with (callers pass the marker they read). Thread-safe."""

    def __init__(self, size: int = 4096, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._marker: int | None = None  # the one marker all kept answers share
        self._answers: dict[Key, Answer] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def __contains__(self, key: Key) -> bool:
        """Whether an answer is kept for ``key``, current or not (a hint: no marker read)."""
        return key in self._answers

    def get(self, key: Key, current: int | None) -> Answer | None:
        """The kept answer for ``key`` if nothing was committed between its computation and
        the moment ``current`` was read."""
        with self._lock:
            if current is None or current != self._marker:
                return None
            return self._answers.get(key)

    def put(self, key: Key, marker: int | None, answer: Answer) -> None:
        """Keep ``answer``, computed after ``marker`` was read. Answers of
        an older marker are dropped; an answer older than the kept ones is not kept."""
        if marker is None or len(answer.body) > self.max_bytes // 16:
            return
        with self._lock:
            if marker != self._marker:
                if self._marker is not None and marker < self._marker:
                    return
                self._answers.clear()
                self._bytes = 0
                self._marker = marker
            replaced = self._answers.pop(key, None)
            self._bytes -= len(replaced.body) if replaced is not None else 0
            self._answers[key] = answer
            self._bytes += len(answer.body)
            while len(self._answers) > self.size or self._bytes > self.max_bytes:
                oldest = next(iter(self._answers))
                self._bytes -= len(self._answers.pop(oldest).body)


def answer_key(scope: Scope, clock: Clock | None) -> Key:
    """The key of the answer to the request ``scope``: its path, its query string as sent, and
    the day by ``clock`` (the system's when ``None``)."""
    return (scope["path"], scope["query_string"], (clock or SystemClock()).now().date())


async def kept_or_computed(request: Request, compute: Callable[[], Answer], *,
                           short: bool = False) -> Response:
    """The answer kept for this ``GET`` request while the database is unchanged, else
    ``compute()`` run in the thread pool (and kept); with ``short``, a read that stays short
    whatever the registry holds, where the application's :class:`~modelsteward.api.reads.
    ShortReads` runs it (in place on an SQLite file). Raises what ``compute`` raises; nothing is
    kept then."""
    cache: ResolutionCache | None = getattr(request.app.state, "resolutions", None)
    marker = database_marker(request)  # read before computing: a later commit makes it stale
    key = answer_key(request.scope, request.app.state.clock)
    if cache is not None and FROM_DATABASE not in request.scope:
        kept = cache.get(key, marker)
        if kept is not None:
            return kept.response()
    reads: ShortReads | None = getattr(request.app.state, "reads", None) if short else None
    answer = await (reads.run(compute) if reads is not None else run_in_threadpool(compute))
    if cache is not None and request.method == "GET":
        cache.put(key, marker, Answer(answer.body, answer.headers,
                                      request.scope.get("route")))
    return answer.response()


@dataclass(frozen=True)
class Refusal:
    """A shortcut's computation that raised: the problem document to send, and the route it
    stands for (for the request metrics and log)."""

    response: Response
    route: object


@dataclass(frozen=True)
class Shortcut:
    """How :class:`KeptAnswers` computes a route's answer before routing (see the module).

    ``answer(request, principal)`` is the computation the route would run for ``request``, by
    ``principal``, to be run where ``api/reads.py`` runs short reads, or ``None`` when the
    request is not plainly one the route accepts (a missing, repeated, unknown or out-of-bounds
    query parameter, a value the route would parse rather than take as it is): then the route
    answers. ``route`` is the route it stands for (``scope["route"]``: the request metrics
    and log name it)."""

    route: object
    answer: Callable[[Request, Principal], Callable[[], Answer] | None]


class KeptAnswers:
    """Answers a ``GET`` from memory, before routing, when the application keeps a current
    answer for it (:func:`kept_or_computed`) and its authenticator accepts the caller without
    I/O (``without_io``); every other request, and every refusal, goes on to ``app``
    unchanged, so errors are the routes' own. A kept answer was computed by its route for the
    same path and query string after they passed validation, and no route's answer depends on
    who reads it, so the answer sent here is the one the route would send.

    ``shortcuts``, by path: the routes whose answers are computed here when none is kept (see
    :class:`Shortcut`), for a caller accepted without I/O; the answer is kept as the route
    keeps it, and a computation that raises a ``StewardError`` is answered with the problem
    the application's handler makes of it, as the route's is (never kept)."""

    def __init__(self, app: ASGIApp, shortcuts: Mapping[str, Shortcut] | None = None) -> None:
        self.app = app
        self.shortcuts: Mapping[str, Shortcut] = shortcuts or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        wanted = min_seq(scope)
        if wanted is not None:
            await catch_up(scope, wanted)
        if scope["method"] in ("GET", "HEAD"):
            # taken before the route reads anything: its data reflect at least this head
            seq = scope_reading(scope).seq
            answer = await self._answer(scope) if scope["method"] == "GET" else None
            if isinstance(answer, Refusal):
                scope["route"] = answer.route
                await answer.response(scope, receive, _with_seq(send, seq))
                return
            if answer is not None:
                scope["route"] = answer.route
                headers = answer.raw_headers
                if seq is not None:
                    headers = [*headers, (_SEQ, str(seq).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": answer.body})
                return
            await self.app(scope, receive, _with_seq(send, seq))
            return
        await self.app(scope, receive, _with_seq(send, None, scope))

    async def _answer(self, scope: Scope) -> Answer | Refusal | None:
        """The answer kept for ``scope``, or else the one its shortcut computes (and keeps), or
        the problem its computation raised; ``None``: the route answers."""
        state = scope["app"].state
        cache: ResolutionCache | None = getattr(state, "resolutions", None)
        shortcut = self.shortcuts.get(scope["path"])
        key = answer_key(scope, state.clock)
        maybe_kept = cache is not None and FROM_DATABASE not in scope and key in cache
        if not maybe_kept and shortcut is None:
            return None
        request = Request(scope)
        principal = _without_io(state, request)
        if principal is None:
            return None
        marker = database_marker(request)  # read before computing: a later commit makes it stale
        if maybe_kept and cache is not None:
            kept = cache.get(key, marker)
            if kept is not None:
                return kept
        reads: ShortReads | None = getattr(state, "reads", None)
        compute = shortcut.answer(request, principal) if shortcut is not None else None
        if compute is None or reads is None or shortcut is None:
            return None
        try:
            computed = await reads.run(compute)
        except StewardError as error:  # the application's handler's problem, never kept
            return Refusal(problems.error_problem(error, request.url.path), shortcut.route)
        answer = Answer(computed.body, computed.headers, shortcut.route)
        if cache is not None:
            cache.put(key, marker, answer)
        return answer


def _without_io(state: object, request: Request) -> Principal | None:
    """The caller, when the application's authenticator tells it without I/O; ``None`` when
    it cannot, or refuses (the route then answers with its problem document)."""
    without_io = getattr(getattr(state, "authenticate", None), "without_io", None)
    if without_io is None:
        return None
    try:
        principal: Principal | None = without_io(request)
    except StewardError:
        return None
    return principal


_SEQ = SEQ_HEADER.lower().encode()


def _with_seq(send: Send, seq: int | None, scope: Scope | None = None) -> Send:
    """``send`` adding ``X-Steward-Seq`` to the response's headers: ``seq``, or when ``scope``
    is given (a write) the application's head as the response starts, after the commit."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            number = seq
            if scope is not None:
                changes: Changes | None = getattr(scope["app"].state, "changes", None)
                number = changes.reading().seq if changes is not None else None
            if number is not None:
                message = {**message, "headers": [*message.get("headers", ()),
                                                   (_SEQ, str(number).encode())]}
        await send(message)
    return sending
