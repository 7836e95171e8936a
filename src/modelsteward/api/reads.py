"""Where a route runs a short database read: in place, on the event loop, or in the thread pool.

A short read is a few indexed statements whose cost does not grow with the registry, such as a
resolution (the model, its plans, one page of candidates, the version's parents: a quarter of a
millisecond on SQLite). Sent to the thread pool, such a read costs more than itself: a worker
thread is woken, the interpreter's lock changes hands twice, and the event loop is woken
again. Under concurrent requests it gets worse: every waiting request holds a worker thread
that contends for the interpreter's lock with the event loop and the others, and on SQLite
each thread beyond the engine pool's size opens a connection of its own (the file opened, the
schema read again) and closes it when it is done. A server answering 16 connections then
served fewer resolutions a second than with one.

So, as :class:`ShortReads` decides per read:

- on an SQLite file the read runs in place, on the event loop, when the engine's pool lends
  a connection it keeps at once (``SqlStore.local_read_ready``): the read waits for nothing
  but the local disk (in WAL mode readers do not wait for writers), and requests are read one
  after another on one connection, as the interpreter's lock would have them anyway;
- otherwise (PostgreSQL, whose statements are network round trips; an SQLite pool whose
  connections are all lent; an in-memory database) it runs in the thread pool, at most as many
  at once as the engine's pool keeps connections, so that the others wait for a thread rather
  than each holding one, and no connection beyond the pool's is opened for them.

Only reads that are short whatever the registry holds belong here: a long one in place would
hold every other request of the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

T = TypeVar("T")


class ShortReads:
    """Runs short reads (see the module): in place while ``in_place()`` says so, else in the
    thread pool with at most ``threads`` of them at once."""

    def __init__(self, in_place: Callable[[], bool], threads: int) -> None:
        self._in_place = in_place
        self._threads = max(threads, 1)
        self._limiter: CapacityLimiter | None = None  # made in the event loop, at first use

    async def run(self, read: Callable[[], T]) -> T:
        """``read()``'s result (raises what it raises)."""
        if self._in_place():
            return read()
        if self._limiter is None:
            self._limiter = CapacityLimiter(self._threads)
        return await to_thread.run_sync(read, limiter=self._limiter)
