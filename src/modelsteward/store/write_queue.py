"""This process's write transactions on one SQLite database, taken one at a time.

SQLite has a single writer. A write transaction that finds the database locked waits in
SQLite's busy handler, which sleeps and polls with growing sleeps (up to 100 ms each), so under
a burst of concurrent writers the database often sits idle while every waiter sleeps, and the
slowest waiter takes about a second. Writers of the same process instead queue here, on a
lock taken before ``BEGIN IMMEDIATE`` and released after the commit or rollback: the next one
starts as soon as the previous one ends. Writers in other processes (``steward`` commands beside
the server) still meet SQLite's lock and its busy handler, as before. PostgreSQL has no queue:
its writers wait on the chain-head row lock, which wakes them at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from modelsteward.errors import StorageError
from modelsteward.store.engine import BUSY_TIMEOUT_S, is_sqlite_memory

_QUEUES: dict[str, WriteQueue] = {}
_QUEUES_LOCK = threading.Lock()


class WriteQueue:
    """One writer at a time. :meth:`turn` waits up to ``timeout`` seconds (as long as SQLite's
    busy handler would) and raises :class:`StorageError` after that; it raises
    :class:`RuntimeError` at once when the calling thread already holds the turn, since that
    write could only wait for itself."""

    def __init__(self, database: str, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.database = database
        self.timeout = timeout
        self._lock = threading.Lock()  # not an RLock: a nested write is a bug, refused below
        self._holder: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        me = threading.get_ident()
        if self._holder == me:  # only this thread sets its own id: no race in this read
            raise RuntimeError(
                f"A write transaction on {self.database} was opened while this thread already "
                "has one open on the same database; the inner one would wait for the outer "
                "forever. Do the work in the open transaction.")
        if not self._lock.acquire(timeout=self.timeout):
            raise StorageError(
                f"The database {self.database} stayed locked for {self.timeout:g} s by another "
                "write of this process. Try again; if it persists, look for a stuck request.")
        self._holder = me
        try:
            yield
        finally:
            self._holder = None
            self._lock.release()


def write_queue(engine: Engine) -> WriteQueue | None:
    """The queue of ``engine``'s database: shared by every engine on the same SQLite file in
    this process, one of its own for an in-memory database, ``None`` on PostgreSQL."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if is_sqlite_memory(database):
        return WriteQueue("an in-memory SQLite database")
    key = os.path.realpath(os.path.expanduser(database))
    with _QUEUES_LOCK:
        queue = _QUEUES.get(key)
        if queue is None:
            queue = _QUEUES[key] = WriteQueue(key)
        return queue
