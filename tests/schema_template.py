"""Migrated test databases without running the migrations for every test.

Migrating an empty database costs about 140 ms on SQLite and 290 ms on PostgreSQL, and most tests
open one. So, in each test process, the migrations run for real once per backend and what they
leave is kept as a template; afterwards every ``alembic.command.upgrade(config, "head")`` on the
connection of an *empty* database (which is what :func:`modelsteward.store.migrate.upgrade` runs)
gets a copy of the template instead, on the same connection, under the same migration lock:

- SQLite: the migrated database, copied page by page with SQLite's backup API;
- PostgreSQL: the statements the migrations sent (reflection queries left out), recorded while
  they ran and replayed as one script in one transaction. A test's schema, once the test is done,
  is emptied back to what the script leaves (every row deleted, the script's own rows put back,
  every sequence restarted) and kept, under its name, for the next test of the process
  (tests/conftest.py gives it out with the same URL): replaying the script and dropping a schema
  cost about 120 ms a test, the emptying about 10; and the next test finds the connections the
  last one opened (tests/kept_engines.py), with their plans and catalog caches. A schema whose
  shape a test changed is dropped instead, and so is one that has served ``REUSES`` tests (the
  deleted rows stay in its tables where autovacuum is off).

Anything else (a database that is not empty, another target revision, SQL output) goes to
Alembic. Tests marked ``real_migrations`` (tests/store/test_migrations.py) always migrate for
real, and get empty schemas, never a kept one; tests/store/test_schema_template.py checks that a
copy equals a migrated database on both backends. Processes a test starts (the ``steward``
executable, server workers) migrate for real.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import alembic.command
import psycopg
import pytest
from sqlalchemy import Connection, event, inspect
from sqlalchemy.engine import URL

from modelsteward.store import migrate
from modelsteward.store.engine import make_engine

_real_upgrade = alembic.command.upgrade
_lock = threading.Lock()
_sqlite_template: list[sqlite3.Connection] = []  # the migrated database, in memory
_postgresql_script: list[str] = []
_postgresql_seeds: list[str] = []  # its statements that write rows, but the revision's
_postgresql_ready: list[str] = []  # this process's emptied, migrated schemas, for the next tests
_fresh_only = {"on": False}  # True while a test marked real_migrations runs: it gets empty schemas
# how many tests each schema of this process has served, by its current name: emptying leaves
# dead rows behind (autovacuum may be off), so a schema is dropped after REUSES tests
_postgresql_uses: dict[str, int] = {}
REUSES = 20
_postgresql_shape: list[str] = []  # the catalog of a migrated schema, as _shape describes it
_CATALOG_READ = re.compile(r"\s*SELECT\b.*\b(pg_catalog|information_schema)\.",
                           re.IGNORECASE | re.DOTALL)


def _is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def copy_template(connection: Connection) -> None:
    """Give the empty database behind ``connection`` the migrated schema and rows of its
    backend's template, which a real migration builds the first time."""
    if connection.dialect.name == "sqlite":
        # the backup takes the destination's write lock itself: no transaction may be open
        assert not connection.in_transaction(), "an SQLite copy needs an idle connection"
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        with _lock:
            if not _sqlite_template:
                _sqlite_template.append(_migrated_sqlite())
            _sqlite_template[0].backup(driver)
        return
    with _lock:
        if not _postgresql_script:
            statements = _recorded_postgresql_migration(connection.engine.url)
            _postgresql_script.append(";\n".join(statements))
            _postgresql_seeds.extend(
                statement for statement in statements
                if statement.lstrip().upper().startswith("INSERT INTO")
                and "alembic_version" not in statement.split("(", 1)[0])
    with nullcontext() if connection.in_transaction() else connection.begin():
        # the copy is thrown away with its test: its commit need not wait for the disk
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        driver.execute(_postgresql_script[0])  # no parameters: one round trip for the script
        if not _postgresql_shape:
            _postgresql_shape.append(_shape(connection, _current_schema(connection)))


def _current_schema(connection: Connection) -> str:
    return str(connection.exec_driver_sql("SELECT current_schema()").scalar_one())


def take_ready() -> str | None:
    """The name of a schema a test of this process is done with, emptied back to a fresh copy
    of the template, for the next test; None when there is none, or when the running test is
    marked ``real_migrations`` (it gets empty schemas)."""
    with _lock:
        if _fresh_only["on"] or not _postgresql_ready:
            return None
        return _postgresql_ready.pop()


# Everything a test could change in a schema's shape, one line per object, the schema's own name
# left out; the rows are not in it (emptying deals with those) but the migration revision is.
_SHAPE = """
WITH n AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
SELECT coalesce(string_agg(item, E'\n' ORDER BY item), '') FROM (
  SELECT 'column ' || c.relname || ' ' || c.relkind::text || ' ' || a.attnum || ' ' || a.attname
         || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text AS item
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
   WHERE c.relnamespace = (SELECT oid FROM n) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'relation ' || c.relname || ' ' || c.relkind::text FROM pg_class c
   WHERE c.relnamespace = (SELECT oid FROM n)
  UNION ALL
  SELECT 'constraint ' || conname || ' ' || contype::text || ' ' || coalesce(conkey::text, '')
    FROM pg_constraint WHERE connamespace = (SELECT oid FROM n)
  UNION ALL
  SELECT 'trigger ' || t.tgname || ' ' || t.tgenabled::text FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = (SELECT oid FROM n) AND NOT t.tgisinternal
  UNION ALL
  SELECT 'function ' || proname || ' ' || md5(prosrc) FROM pg_proc
   WHERE pronamespace = (SELECT oid FROM n)
) AS items
"""


def _shape(connection: Connection, schema: str) -> str:
    shape = str(connection.exec_driver_sql(_SHAPE, {"schema": schema}).scalar_one())
    if "relation alembic_version r" not in shape.splitlines():
        return shape
    revision = connection.exec_driver_sql(
        f"SELECT string_agg(version_num, ',') FROM \"{schema}\".alembic_version").scalar()
    return f"{shape}\nrevision {revision}"


def recycle_postgresql(connection: Connection, schema: str) -> bool:
    """Empty the schema a test is done with back to a fresh copy of the template (in the
    transaction of ``connection``, which must be allowed to set ``session_replication_role``)
    and keep it, under its name, for the next test (:func:`take_ready`); False, having changed
    nothing, when its shape is not the template's (it was never migrated, or the test changed
    it) or it has served ``REUSES`` tests."""
    with _lock:
        uses = _postgresql_uses.pop(schema, 0) + 1
    if uses >= REUSES or not _postgresql_shape or \
            _shape(connection, schema) != _postgresql_shape[0]:
        return False
    # the foreign keys and the immutability triggers stay out of the way while every row goes
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    tables: list[str] = list(connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = %(schema)s "
        "AND tablename <> 'alembic_version'", {"schema": schema}).scalars())
    sequences: list[str] = list(connection.exec_driver_sql(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = %(schema)s",
        {"schema": schema}).scalars())
    statements = [f'DELETE FROM "{schema}"."{table}"' for table in tables]
    statements += [f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART' for sequence in sequences]
    statements.append(f'SET LOCAL search_path TO "{schema}"')
    statements += _postgresql_seeds  # the rows the migrations write
    statements.append("SET LOCAL session_replication_role = DEFAULT")
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    driver.execute(";\n".join(statements))  # one round trip
    with _lock:
        _postgresql_ready.append(schema)
        _postgresql_uses[schema] = uses
    return True


def ready_postgresql_schemas() -> list[str]:
    """The schemas this process keeps for its next tests (dropped when the session ends)."""
    with _lock:
        taken = list(_postgresql_ready)
        _postgresql_ready.clear()
    return taken


def _migrated_sqlite() -> sqlite3.Connection:
    """A new SQLite database migrated for real, copied into memory."""
    with tempfile.TemporaryDirectory(prefix="steward-template-") as folder:
        path = Path(folder) / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as connection:
                _real_upgrade(migrate.alembic_config(connection), "head")
                connection.commit()
        finally:
            engine.dispose()
        source = sqlite3.connect(path)
        template = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            source.backup(template)
        finally:
            source.close()
        return template


def _recorded_postgresql_migration(server: URL) -> list[str]:
    """Migrate a new schema on ``server`` for real, drop it, and return the statements the
    migrations sent (parameters inlined, catalog reads left out)."""
    schema = f"template_{uuid.uuid4().hex[:16]}"
    base = server.difference_update_query(["options"])
    admin = make_engine(base.render_as_string(hide_password=False))
    engine = make_engine(base.update_query_dict({"options": f"-csearch_path={schema}"})
                         .render_as_string(hide_password=False))
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        with engine.connect() as connection:
            statements = _recorded_migration(connection)
            connection.commit()
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    assert not any(schema in statement for statement in statements), \
        "a migration named its schema: a copy elsewhere would differ"
    return statements


def _recorded_migration(connection: Connection) -> list[str]:
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    inline = psycopg.ClientCursor(driver)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:
        if _CATALOG_READ.match(statement):
            return
        rows: Sequence[Any] = parameters if executemany else [parameters]
        # formatted as the driver formats them (which also turns a literal %% back into %)
        statements.extend(inline.mogrify(statement, dict(row) if isinstance(row, Mapping) else row)
                          for row in rows)

    event.listen(connection, "before_cursor_execute", record)
    try:
        _real_upgrade(migrate.alembic_config(connection), "head")
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return statements


def _upgrade(config: Any, revision: str, sql: bool = False, tag: str | None = None) -> None:
    connection = config.attributes.get("connection")
    if revision == "head" and not sql and tag is None and isinstance(connection, Connection):
        idle = not connection.in_transaction()
        empty = _is_empty(connection)
        if idle and connection.in_transaction():
            connection.rollback()  # the look just taken began a transaction; Alembic finds none
        if empty:
            copy_template(connection)
            return
    _real_upgrade(config, revision, sql=sql, tag=tag)


@pytest.fixture(autouse=True)
def _migrated_from_template(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Copy the template into empty databases, except in tests marked ``real_migrations``."""
    real = request.node.get_closest_marker("real_migrations") is not None
    if not real:
        monkeypatch.setattr(alembic.command, "upgrade", _upgrade)
    monkeypatch.setitem(_fresh_only, "on", real)
    yield
