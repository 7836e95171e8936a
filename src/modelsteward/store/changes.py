"""Whether anything was committed to the database since a moment: what lets the server keep
answers (resolutions, verified tokens) in memory and still never serve a stale one.

On an SQLite file the answer is ``PRAGMA data_version`` on a connection of its own that never
writes: SQLite changes that number whenever any other connection, in this process or another
(``steward`` commands run beside the server), commits. Reading it costs microseconds and no
transaction; when it moved, the chain head's sequence number is read on the same connection, so
a reading also tells which state an answer reflects. On PostgreSQL the marker is the chain
head's sequence number itself, polled by a thread of its own
(:class:`~modelsteward.store.head_poller.HeadPoller`, every ``poll_seconds``) and advanced at
once by this process's own commits (:meth:`ChangeWatcher.committed`). In-memory SQLite (and
PostgreSQL with ``poll_seconds=0``) has no marker: :meth:`marker` returns ``None`` there and
callers must not cache (PostgreSQL's readings still carry the head of this process's last
commit, and :meth:`ChangeWatcher.refresh` reads it).

On PostgreSQL a token can still be cached, because :meth:`ChangeWatcher.token_live` reads that one
token's state (one primary-key query on a connection of the watcher's own, outside any
transaction) as committed now: a token revoked through any replica or process is refused by
every other on its very next request, and no TTL is waited for.

A change marker moves on every commit, so it would empty a token cache after every write.
:meth:`ChangeWatcher.token_state` tells whether the tokens changed: tokens are only ever added
and revoked (a revocation sets ``revoked_at`` once), so how many there are and how many are
revoked changes whenever any token does.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from typing import Any

from sqlalchemy import Engine

from modelsteward.ports.changes import NO_READING, Reading
from modelsteward.store.head_poller import HeadPoller
from modelsteward.store.tables import api_tokens, chain_head

_HEAD_SEQ = f"SELECT seq FROM {chain_head.name} WHERE id = 1"
_TOKEN_STATE = f"SELECT count(*), count(revoked_at) FROM {api_tokens.name}"
# psycopg (and every PostgreSQL driver SQLAlchemy offers for a sync engine) takes ``%s``
_TOKEN_LIVE = f"SELECT revoked_at IS NULL FROM {api_tokens.name} WHERE id = %s"


DEFAULT_POLL_SECONDS = 0.05


class ChangeWatcher:
    """Markers of the database's committed state. Two equal markers from :meth:`marker` mean
    that nothing was committed between the two calls; ``None`` means "cannot tell".
    Thread-safe. :meth:`close` releases the connections and stops the poller.
    ``poll_seconds``: how often PostgreSQL's chain head is read (``0``: never, no marker)."""

    def __init__(self, engine: Engine, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._engine = engine
        self._postgres: Any = None  # the DB-API connection of :meth:`token_live`, made lazily
        self._version: int | None = None  # the data_version ``_seq`` was read at (SQLite)
        self._seq: int | None = None
        self._poller: HeadPoller | None = None
        if engine.url.get_backend_name() == "postgresql":  # with 0: no thread, no marker
            self._poller = HeadPoller(self._connect_postgres,
                                      engine.dialect.loaded_dbapi.Error, poll_seconds)
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
        return self.reading().marker

    def reading(self) -> Reading:
        """The marker and the chain head's sequence number it stands for: on SQLite read now
        (the number only when the marker moved), on PostgreSQL the poller's last."""
        if self._poller is not None:
            return self._poller.reading()
        if self._connection is None:
            return NO_READING
        with self._lock:
            try:
                version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
                if version != self._version:
                    # read after the marker: a commit in between moves the marker again
                    row = self._connection.execute(_HEAD_SEQ).fetchone()
                    self._version, self._seq = version, int(row[0]) if row is not None else 0
            except sqlite3.Error:
                return NO_READING
            return Reading(version, self._seq)

    def refresh(self) -> Reading:
        """A reading from the database now: PostgreSQL's head is read at once (I/O); SQLite's
        readings are always read now."""
        if self._poller is not None:
            return self._poller.poll()
        return self.reading()

    def committed(self, seq: int) -> None:
        """This process committed up to ``seq``. SQLite's marker moves by itself; PostgreSQL's
        poller learns it here rather than at its next poll."""
        if self._poller is not None:
            self._poller.committed(seq)

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

    @property
    def checks_each_token(self) -> bool:
        """Whether :meth:`token_live` answers (PostgreSQL): then a cached token is checked
        against the database on every request instead of by the marker."""
        return self._engine.url.get_backend_name() == "postgresql"

    def token_live(self, token_id: str) -> bool | None:
        """Whether the token ``token_id`` exists and is not revoked, as committed now (one
        primary-key query); ``None`` when this database offers no such check (SQLite: see
        :meth:`token_state`) or it could not be read (the caller then asks the store, which
        reports the database's failure). A broken connection is replaced on the next call."""
        if not self.checks_each_token:
            return None
        dialect = self._engine.dialect
        with self._lock:
            try:
                if self._postgres is None:
                    connection = self._connect_postgres()
                    connection.autocommit = True  # each query reads the committed state
                    self._postgres = connection
                cursor = self._postgres.cursor()
                try:
                    cursor.execute(_TOKEN_LIVE, (token_id,))
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except dialect.loaded_dbapi.Error:
                self._close_postgres()
                return None
        return row is not None and bool(row[0])

    def _connect_postgres(self) -> Any:
        """A DB-API connection of the engine's database outside its pool."""
        dialect = self._engine.dialect
        cargs, cparams = dialect.create_connect_args(self._engine.url)
        return dialect.connect(*cargs, **cparams)

    def _close_postgres(self) -> None:
        if self._postgres is not None:
            # a connection that fails to close is already broken: nothing is left to release
            with suppress(self._engine.dialect.loaded_dbapi.Error):
                self._postgres.close()
            self._postgres = None

    def close(self) -> None:
        if self._poller is not None:
            self._poller.close()
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._close_postgres()
