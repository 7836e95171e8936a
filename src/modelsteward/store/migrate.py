"""Apply Alembic migrations, once, even when several processes open a new database together.

Alembic is imported only when the schema is behind: every command checks the revision with one
query against :data:`HEAD` (a test keeps it equal to the newest migration script).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0021"  # the newest revision in migrations/versions
_LOCK_KEY = 0x5717A4D  # PostgreSQL advisory lock id for migrations
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return HEAD


def current_revision(connection: Connection) -> str | None:
    """The schema's revision; None for a database without one yet. One query when there is
    one (every command asks); when the query fails, the connection's transaction is rolled back
    (PostgreSQL ends it on an error) and the error stands unless the table is really missing."""
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        connection.rollback()
        if inspect(connection).has_table("alembic_version"):
            raise
        return None


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; return True when something was applied.

    Concurrent callers are serialised (an advisory lock on PostgreSQL, a lock file beside an
    SQLite database) and the second one finds nothing left to do.
    """
    with engine.connect() as connection:
        current = current_revision(connection)
        connection.rollback()
    if current == HEAD:
        return False
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            connection.commit()
            try:
                return _upgrade_on(connection)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                connection.commit()
    database = engine.url.database or ""
    if database in ("", ":memory:"):
        with engine.connect() as connection:
            return _upgrade_on(connection)
    lock_path = Path(database).expanduser().with_name(Path(database).name + ".migrate-lock")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.connect() as connection:
            return _upgrade_on(connection)


def _upgrade_on(connection: Connection) -> bool:
    from alembic import command

    if current_revision(connection) == HEAD:
        connection.rollback()
        return False
    connection.rollback()
    command.upgrade(alembic_config(connection), "head")
    connection.commit()
    return True
