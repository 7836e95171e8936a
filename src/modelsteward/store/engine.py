"""Engines for SQLite and PostgreSQL, set up for modelsteward's write discipline."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from modelsteward.errors import StorageError
from modelsteward.store.compiled import STATEMENTS, learn_likeness

BUSY_TIMEOUT_S = 60  # how long a writer waits for SQLite's lock before failing
_WRITER = "modelsteward.writer"  # in a connection's info: its next BEGIN is a writer's


class SQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, beginning every transaction itself: ``BEGIN IMMEDIATE`` for a writer (marked
    by :func:`begin_as_writer`), ``BEGIN DEFERRED`` otherwise (migrations included).

    SQLAlchemy's documented way is a ``begin`` event, but any connection event makes the engine
    dispatch events around every statement, which cost about a quarter of a small write."""

    supports_statement_cache = True

    def do_begin(self, dbapi_connection: Any) -> None:
        writer = dbapi_connection.info.pop(_WRITER, False)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if writer else "BEGIN DEFERRED")
        finally:
            cursor.close()


registry.register("sqlite.modelsteward", __name__, "SQLiteDialect")


def begin_as_writer(connection: Connection) -> None:
    """Make the next transaction ``connection`` begins a writer's (on SQLite ``BEGIN
    IMMEDIATE``: it waits for the write lock first, rather than failing when it upgrades)."""
    if connection.dialect.name == "sqlite":
        connection.connection.info[_WRITER] = True


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


IDLE_ENGINES = 8
"""How many closed engines this process keeps for reuse (see :func:`release_engine`)."""

_idle: OrderedDict[str, list[Engine]] = OrderedDict()  # URL → engines no store uses, newest last
_idle_lock = threading.Lock()


def open_engine(url: str) -> Engine:
    """An engine for ``url`` that no open store uses: one released earlier for the same URL
    (its dialect set up and its statements compiled already), or else a new one from
    :func:`make_engine`."""
    with _idle_lock:
        engines = _idle.get(url)
        if engines:
            engine = engines.pop()
            if not engines:
                del _idle[url]
            return engine
    return make_engine(url)


def release_engine(engine: Engine, url: str) -> None:
    """Close every connection of ``engine`` (a closed store's) and keep the engine, without
    connections, for the next :func:`open_engine` of ``url``: a process that opens the same
    registry again and again (the CLI's commands run in one process, a library's tests) then
    does not set up the dialect and compile every statement again. An in-memory SQLite
    database is never kept (its engine is its data); at most :data:`IDLE_ENGINES` are kept."""
    engine.dispose()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and is_sqlite_memory(parsed.database or ""):
        return
    with _idle_lock:
        _idle.setdefault(url, []).append(engine)
        _idle.move_to_end(url)
        while sum(len(engines) for engines in _idle.values()) > IDLE_ENGINES:
            oldest = next(iter(_idle))
            _idle[oldest].pop(0)
            if not _idle[oldest]:
                del _idle[oldest]


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; raise :class:`StorageError` for an unusable URL.

    SQLite: the parent folder is created, WAL journaling is used and write transactions start
    with ``BEGIN IMMEDIATE`` (:func:`begin_as_writer`, :class:`SQLiteDialect`) so that
    concurrent writers queue (up to 60 s) instead of failing:
    writers of other processes in SQLite's busy handler, those of this process on the
    database's :class:`~modelsteward.store.write_queue.WriteQueue` (taken by ``SqlStore``).
    ``synchronous`` stays at SQLite's default, FULL: a commit survives a power loss.

    Every engine compiles into the process's shared cache of statements
    (:mod:`modelsteward.store.compiled`): a second database opened by the process does not
    compile the statements the first one did.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"{url!r} is not a database URL. Use 'sqlite:///path/to/registry.db' or "
            "'postgresql+psycopg://user@host:5432/dbname' (STEWARD_DATABASE_URL)."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(
            f"The database {safe_url(url)} is not supported: modelsteward runs on SQLite and "
            "PostgreSQL. Use a 'sqlite:///…' or 'postgresql+psycopg://…' URL."
        )
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StorageError(f"No driver for {safe_url(url)}: {exc}. Install psycopg.") from None
    engine.update_execution_options(compiled_cache=STATEMENTS)
    dialect = engine.dialect

    # added after SQLAlchemy's own listener, which sets the dialect up on the first connection
    @event.listens_for(engine, "connect")
    def _learn(_dbapi_connection: Any, _record: Any) -> None:
        learn_likeness(dialect)

    return engine


def is_sqlite_memory(database: str) -> bool:
    """Whether an SQLite URL's database part names an in-memory database."""
    return database in ("", ":memory:") or database.startswith("file::memory:")


def _sqlite_engine(url: Any) -> Engine:
    database = url.database or ""
    memory = is_sqlite_memory(database)
    if not memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url.set(drivername="sqlite+modelsteward"),
                           connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # no implicit transactions: SQLiteDialect.do_begin emits BEGIN itself
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    return engine
