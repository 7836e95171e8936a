"""Engines for SQLite and PostgreSQL, set up for modelsteward's write discipline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from modelsteward.errors import StorageError

BUSY_TIMEOUT_S = 60  # how long a writer waits for SQLite's lock before failing


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; raise :class:`StorageError` for an unusable URL.

    SQLite: the parent folder is created, WAL journaling is used and write transactions start
    with ``BEGIN IMMEDIATE`` so that concurrent writers queue (up to 60 s) instead of failing:
    writers of other processes in SQLite's busy handler, those of this process on the
    database's :class:`~modelsteward.store.write_queue.WriteQueue` (taken by ``SqlStore``).
    ``synchronous`` stays at SQLite's default, FULL: a commit survives a power loss.
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
            return _sqlite_engine(parsed)
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StorageError(f"No driver for {safe_url(url)}: {exc}. Install psycopg.") from None


def is_sqlite_memory(database: str) -> bool:
    """Whether an SQLite URL's database part names an in-memory database."""
    return database in ("", ":memory:") or database.startswith("file::memory:")


def _sqlite_engine(url: Any) -> Engine:
    database = url.database or ""
    memory = is_sqlite_memory(database)
    if not memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy's begin event below emit BEGIN itself
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("steward_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
