"""Migrations: they build exactly the schema of ``tables.py``, and HEAD names the newest one."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from modelsteward.store import migrate
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import metadata


def test_head_constant_is_the_newest_migration() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.HEAD


def test_migrated_schema_matches_the_tables(db_url: str) -> None:
    """The equivalent of ``alembic check``: no difference between migrations and metadata."""
    SqlStore.open(db_url).close()
    engine = create_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_is_applied_once(db_url: str) -> None:
    store = SqlStore.open(db_url, migrate_schema=False)
    try:
        assert store.upgrade() is True
        assert store.upgrade() is False
        assert store.revision() == (migrate.HEAD, migrate.HEAD)
    finally:
        store.close()
