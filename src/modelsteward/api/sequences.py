"""Which committed state an answer reflects, and read-your-writes across replicas.

Every response under ``/api/`` carries ``X-Steward-Seq: N``: the event chain head's sequence
number that its data reflects at least. A read's number is taken before the route reads
anything; a write's after it committed (its own event, or a later one). A client that sends
``X-Steward-Min-Seq: N`` gets an answer reflecting at least ``N`` from any replica: a replica
whose last look at the database is older reads the head at once (a primary-key query) before
it answers, so its kept answers are judged against the new head, and if even the database is
behind ``N`` (a lagging copy), the answer is computed from the database rather than kept."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from modelsteward.ports.changes import NO_READING, Changes, Reading

SEQ_HEADER = "X-Steward-Seq"
MIN_SEQ_HEADER = "X-Steward-Min-Seq"
_MIN_SEQ = MIN_SEQ_HEADER.lower().encode()
READING = "modelsteward.reading"  # where a request keeps the reading it took
FROM_DATABASE = "modelsteward.from_database"  # set: kept answers may not be served


def scope_reading(scope: Scope) -> Reading:
    """The reading of the request ``scope``: taken at the first call (from the application's
    ``state.changes``), the same for the rest of the request."""
    reading: Reading | None = scope.get(READING)
    if reading is None:
        changes: Changes | None = getattr(scope["app"].state, "changes", None)
        reading = scope[READING] = changes.reading() if changes is not None else NO_READING
    return reading


def min_seq(scope: Scope) -> int | None:
    """The ``X-Steward-Min-Seq`` the request sent, when it is a whole number."""
    for name, value in scope["headers"]:
        if name == _MIN_SEQ:
            text = value.strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return None


async def catch_up(scope: Scope, wanted: int) -> None:
    """Make the request's reading reflect at least ``wanted``: when the application's last
    reading is older, read the database's head now (in the thread pool); when the database
    itself is older, mark the request to be answered from the database (:data:`FROM_DATABASE`).
    The request's reading is the new one."""
    changes: Changes | None = getattr(scope["app"].state, "changes", None)
    if changes is None:
        return
    reading = changes.reading()
    if reading.seq is None or reading.seq < wanted:
        reading = await run_in_threadpool(changes.refresh)
        if reading.seq is None or reading.seq < wanted:
            scope[FROM_DATABASE] = True
    scope[READING] = reading
