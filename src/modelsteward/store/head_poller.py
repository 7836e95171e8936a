"""The change marker of a PostgreSQL database: the event chain head's sequence number, read by a
thread of its own every few tens of milliseconds.

Every write transaction locks and advances the one row of ``chain_head`` (see
:meth:`~modelsteward.store.sql.SqlStore.write`), so its ``seq`` moves on every commit of every
replica and process, in commit order: a marker that costs writes nothing. (A ``NOTIFY`` per
write would tell sooner, but it serialises every commit on the server's notification queue.)

Staleness: a poll that starts at ``t`` sees every commit completed before ``t``. So a commit
made through another replica is seen here within one interval plus one query's round trip
(about a millisecond on a local network); commits through this process are seen at once
(:meth:`HeadPoller.committed`). A reading is only a marker while the last successful poll
started at most ``max_age`` ago: when the database cannot be reached, or the thread is held up,
the marker becomes ``None`` and the caches stop answering, so no kept answer is ever more than
``max_age`` behind another replica's commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from modelsteward.ports.changes import Reading

_HEAD_SEQ = "SELECT seq FROM chain_head WHERE id = 1"


class HeadPoller:
    """Polls ``chain_head.seq`` every ``interval`` seconds on a connection ``connect()`` makes
    (autocommit: each read sees the committed state), from a daemon thread started at once.
    With ``interval`` 0 there is no thread and never a marker, only the sequence numbers of
    this process's commits and of :meth:`poll` calls, as lower bounds of the head.
    ``errors``: the driver's exception root; a failed read drops the connection, which the next
    poll makes again. Thread-safe; :meth:`close` stops the thread and releases the
    connection."""

    def __init__(self, connect: Callable[[], Any], errors: type[Exception], interval: float,
                 max_age: float | None = None) -> None:
        self.interval = interval
        self.max_age = max_age if max_age is not None else max(1.0, 10 * interval)
        self._connect = connect
        self._errors = errors
        self._connection: Any = None
        self._io = threading.Lock()  # one query at a time on the connection
        # (seq, monotonic time the last successful poll started); replaced whole, never mutated
        self._state: tuple[int | None, float] = (None, float("-inf"))
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if interval > 0:
            self._thread = threading.Thread(target=self._run, name="steward-head-poller",
                                            daemon=True)
            self._thread.start()

    def reading(self) -> Reading:
        """The last sequence number polled or committed here: the marker while the last poll
        is recent (see the module's note), else only a lower bound of the head."""
        seq, polled_at = self._state
        if seq is None or self._thread is None or time.monotonic() - polled_at > self.max_age:
            return Reading(None, seq)
        return Reading(seq, seq)

    def poll(self) -> Reading:
        """Read the head now (I/O), and answer the reading it makes."""
        with self._io:
            started = time.monotonic()
            try:
                if self._connection is None:
                    connection = self._connect()
                    connection.autocommit = True
                    self._connection = connection
                cursor = self._connection.cursor()
                try:
                    cursor.execute(_HEAD_SEQ)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except self._errors:
                self._drop_connection()
                return self.reading()
        self._advance(int(row[0]) if row is not None else 0, started)
        return self.reading()

    def committed(self, seq: int) -> None:
        """This process committed up to ``seq``: readings from now on are not older. (It says
        nothing of other replicas' commits, so the poll's time is kept.)"""
        self._advance(seq, None)

    def _advance(self, seq: int, polled_at: float | None) -> None:
        with self._state_lock:
            known, at = self._state
            # the head only moves forward; a poll that raced a newer own commit keeps it
            self._state = (seq if known is None else max(known, seq),
                           at if polled_at is None else max(at, polled_at))

    def _run(self) -> None:
        while True:
            self.poll()
            if self._stop.wait(self.interval):
                return

    def _drop_connection(self) -> None:
        if self._connection is not None:
            # a connection that fails to close is already broken: nothing is left to release
            with suppress(self._errors):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self._io:
            self._drop_connection()
