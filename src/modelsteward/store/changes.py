"""Whether anything was committed to the database since a moment: what lets the server keep
answers (resolutions, verified tokens) in memory and still never serve a stale one.

On an SQLite file the answer is ``PRAGMA data_version`` on a connection of its own that never
writes: SQLite changes that number whenever any other connection, in this process or another
(``steward`` commands run beside the server), commits. Reading it costs microseconds and no
transaction. PostgreSQL and in-memory SQLite have no such marker here, so :meth:`marker` returns
``None`` there and callers must not cache.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine


class ChangeWatcher:
    """Markers of the database's committed state. Two equal markers from :meth:`marker` mean
    that nothing was committed between the two calls; ``None`` means "cannot tell".
    Thread-safe. :meth:`close` releases the connection."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        url = engine.url
        database = url.database or ""
        if (url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
                and not database.startswith("file:")):
            # autocommit: each PRAGMA reads the current state, outside any transaction
            self._connection = sqlite3.connect(database, check_same_thread=False,
                                               isolation_level=None, timeout=60)

    def marker(self) -> int | None:
        """The current marker, or ``None`` when this database offers none (or it could not
        be read: a caller then simply does not cache)."""
        if self._connection is None:
            return None
        with self._lock:
            try:
                row = self._connection.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
