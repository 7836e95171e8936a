"""Apply Alembic migrations, once, even when several processes open a new database together."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

_LOCK_KEY = 0x5717A4D  # PostgreSQL advisory lock id for migrations
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; return True when something was applied.

    Concurrent callers are serialised (an advisory lock on PostgreSQL, a lock file beside an
    SQLite database) and the second one finds nothing left to do.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                connection.commit()
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
    if current_revision(connection) == head_revision():
        return False
    command.upgrade(alembic_config(connection), "head")
    connection.commit()
    return True
