"""Whether anything was committed to the database since a moment: what lets the server keep
answers (resolutions, verified tokens) in memory and still never serve a stale one.

On an SQLite file the answer is ``PRAGMA data_version`` on a connection of its own that never
writes: SQLite changes that number whenever any other connection, in this process or another
(``steward`` commands run beside the server), commits. Reading it costs microseconds and no
transaction. PostgreSQL and in-memory SQLite have no such marker here, so :meth:`marker` returns
``None`` there and callers must not cache.

A change marker moves on every commit, so it would empty a token cache after every write.
:meth:`ChangeWatcher.token_state` tells whether the tokens changed: tokens are only ever added
and revoked (a revocation sets ``revoked_at`` once), so how many there are and how many are
revoked changes whenever any token does.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine

from modelsteward.store.tables import api_tokens

_TOKEN_STATE = f"SELECT count(*), count(revoked_at) FROM {api_tokens.name}"


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

    def token_state(self) -> tuple[int, int] | None:
        """How many API tokens there are and how many of them are revoked, as committed now;
        ``None`` without a marker or when it could not be read. Read in a few microseconds
        for the few tokens a registry has."""
        if self._connection is None:
            return None
        with self._lock:
            try:
                row = self._connection.execute(_TOKEN_STATE).fetchone()
            except sqlite3.Error:
                return None
        return int(row[0]), int(row[1])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
