"""The tests' template copy (tests/schema_template.py) gives exactly what migrating gives."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import alembic.command
import pytest
from alembic.config import Config
from sqlalchemy import QueuePool, create_engine, event, text

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.store import migrate
from modelsteward.store.sql import SqlStore
from tests import schema_template
from tests.conftest import fresh_pg_schema

pytestmark = pytest.mark.real_migrations  # the reference database is migrated for real


def _sqlite_description(url: str) -> list[object]:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        pragmas = [connection.execute(f"PRAGMA {name}").fetchall() for name in (
            "user_version", "application_id", "page_size", "journal_mode", "auto_vacuum",
            "encoding", "freelist_count", "page_count")]
        return [*pragmas, *connection.iterdump()]
    finally:
        connection.close()


_PG_CATALOG = {
    "columns": """SELECT table_name, column_name, ordinal_position, data_type, udt_name,
                         character_maximum_length, numeric_precision, numeric_scale,
                         column_default, is_nullable, is_identity, identity_generation,
                         is_generated, generation_expression, collation_name
                  FROM information_schema.columns WHERE table_schema = current_schema()""",
    "constraints": """SELECT c.conname, c.conrelid::regclass::text, c.contype,
                             pg_get_constraintdef(c.oid), c.condeferrable, c.condeferred
                      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                      WHERE n.nspname = current_schema()""",
    "indexes": """SELECT tablename, indexname, indexdef FROM pg_indexes
                  WHERE schemaname = current_schema()""",
    "triggers": """SELECT t.tgname, t.tgrelid::regclass::text, pg_get_triggerdef(t.oid),
                          t.tgenabled
                   FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
                   JOIN pg_namespace n ON n.oid = r.relnamespace
                   WHERE n.nspname = current_schema() AND NOT t.tgisinternal""",
    "functions": """SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = current_schema()""",
    "relations": """SELECT c.relname, c.relkind, c.relpersistence, c.relhasindex,
                           c.relhastriggers, c.relnatts, c.reloptions::text,
                           obj_description(c.oid, 'pg_class')
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = current_schema()""",
    "sequences": """SELECT sequencename, data_type::text, start_value, min_value, max_value,
                           increment_by, cycle, last_value
                    FROM pg_sequences WHERE schemaname = current_schema()""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()",
}


def _pg_description(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
            found: list[object] = []
            for name, query in _PG_CATALOG.items():
                rows = connection.execute(text(query)).all()
                found.append((name, sorted(tuple(str(v).replace(schema, "<schema>")
                                                 for v in row) for row in rows)))
            tables = [str(row.tablename) for row in connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"))]
            for table in tables:
                rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                found.append((table, sorted(repr(tuple(row)) for row in rows)))
            return found
    finally:
        engine.dispose()


def _describe(url: str) -> list[object]:
    return _sqlite_description(url) if url.startswith("sqlite") else _pg_description(url)


@pytest.fixture
def copy_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the backend of ``db_url``."""
    with ExitStack() as stack:
        yield (f"sqlite:///{tmp_path / 'copy.db'}" if db_url.startswith("sqlite")
               else stack.enter_context(fresh_pg_schema()))


def test_a_copy_of_the_template_equals_a_migrated_database(
        db_url: str, copy_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    SqlStore.open(db_url).close()  # migrated for real (this module is marked real_migrations)
    monkeypatch.setattr(alembic.command, "upgrade", schema_template._upgrade)
    store = SqlStore.open(copy_url)
    try:
        assert store.revision() == (migrate.HEAD, migrate.HEAD)
    finally:
        store.close()
    migrated, copied = _describe(db_url), _describe(copy_url)
    assert len(migrated) > 10
    assert copied == migrated


def test_a_database_that_is_not_empty_is_migrated_for_real(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an empty database gets the template: one at an older revision runs the rest of the
    migrations."""
    store = SqlStore.open(sqlite_url, migrate_schema=False)
    with store.engine.connect() as connection:
        alembic.command.upgrade(migrate.alembic_config(connection), "0013")
        connection.commit()
    monkeypatch.setattr(alembic.command, "upgrade", schema_template._upgrade)
    applied: list[str] = []
    real = schema_template._real_upgrade

    def counted(config: Config, revision: str, **options: Any) -> None:
        applied.append(revision)
        real(config, revision, **options)

    monkeypatch.setattr(schema_template, "_real_upgrade", counted)
    assert store.upgrade() is True
    assert applied == ["head"]
    assert store.revision() == (migrate.HEAD, migrate.HEAD)
    store.close()


@pytest.mark.postgres
def test_an_emptied_schema_kept_for_the_next_test_equals_a_migrated_database(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A schema a test wrote to, emptied for the next test and given to it, is what migrating
    gives: every row gone but the migrations' own, every sequence restarted."""
    if registry_setting(pg_url, "is_superuser") != "on":
        pytest.skip("emptying a schema turns its triggers off (session_replication_role), which "
                    "only a superuser may: the tests drop their schemas instead")
    SqlStore.open(pg_url).close()  # migrated for real (this module is marked real_migrations)
    monkeypatch.setattr(alembic.command, "upgrade", schema_template._upgrade)
    monkeypatch.setattr(schema_template, "REUSES", 1_000_000)  # kept, however often it served
    monkeypatch.setitem(schema_template._fresh_only, "on", False)  # as in a test not so marked
    with fresh_pg_schema() as used:
        registry = Registry.open(used, actor="alice")
        try:
            registry.create_model(Model("support-bot", owner_team="team-support"))
            registry.register_version("support-bot", "1.0.0")
        finally:
            registry.close()
        assert registry_rows(used) > 1
    assert schema_template._postgresql_ready, "the used schema was dropped, not kept"
    kept = schema_template._postgresql_ready[-1]
    with fresh_pg_schema() as again:
        assert kept not in schema_template._postgresql_ready, "the kept schema was not taken"
        assert again == used
        store = SqlStore.open(again)
        store.close()
        assert _describe(again) == _describe(pg_url)


@pytest.mark.postgres
def test_the_next_test_of_a_kept_schema_finds_its_connections_open(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store closed on a test schema leaves its engine, connections open, to the next test
    that gets the schema; one a test added an event listener to is disposed of instead."""
    monkeypatch.setattr(alembic.command, "upgrade", schema_template._upgrade)
    monkeypatch.setitem(schema_template._fresh_only, "on", False)
    with fresh_pg_schema() as url:
        store = SqlStore.open(url)
        engine = store.engine
        with store.read():
            pass
        store.close()
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.checkedin() == 1, "closing the store closed its connections"
        again = SqlStore.open(url)
        assert again.engine is engine
        event.listen(engine, "before_cursor_execute", lambda *_: None)
        again.close()
        assert engine.pool.checkedin() == 0, "an engine with a test's listener was kept"


def registry_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())
    finally:
        engine.dispose()


def registry_setting(url: str, name: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT current_setting(:name)"),
                                          {"name": name}).scalar_one())
    finally:
        engine.dispose()
