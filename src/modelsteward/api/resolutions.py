"""Answers of the hot read routes kept in memory — ``GET /api/v1/resolve``, the call every
application makes at start-up, and MLflow's get-by-alias — so that they cost no database
transaction when nothing changed.

An answer is kept with the database marker (:class:`~modelsteward.store.changes.ChangeWatcher`)
read *before* it was computed, and served only while the marker is the same: any commit, by
this server or by another process, makes every kept answer stale at once. A key names the
route first, then everything the answer depends on (a resolution also depends on the day, for
deprecation phases). Without a marker (PostgreSQL, in-memory SQLite) nothing is kept. Errors
(unknown model, no match) are never kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from modelsteward.api.deps import database_marker

Key = tuple[str | date, ...]  # (route, what the answer depends on…)


@dataclass(frozen=True)
class Answer:
    """A response as sent: the JSON body and the headers beyond the content type."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        return Response(self.body, media_type="application/json", headers=dict(self.headers))


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


async def kept_or_computed(request: Request, key: Key, compute: Callable[[], Answer]) -> Response:
    """The answer kept for ``key`` while the database is unchanged, else ``compute()`` run in
    the thread pool (and kept). Raises what ``compute`` raises; nothing is kept then."""
    cache: ResolutionCache | None = getattr(request.app.state, "resolutions", None)
    marker = database_marker(request)  # read before computing: a later commit makes it stale
    if cache is not None:
        kept = cache.get(key, marker)
        if kept is not None:
            return kept.response()
    answer = await run_in_threadpool(compute)
    if cache is not None:
        cache.put(key, marker, answer)
    return answer.response()
