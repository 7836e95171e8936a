"""Migrated test databases without running the migrations for every test.

Migrating an empty database costs about 140 ms on SQLite and 290 ms on PostgreSQL, and most tests
open one. So, in each test process, the migrations run for real once per backend and what they
leave is kept as a template; afterwards every ``alembic.command.upgrade(config, "head")`` on the
connection of an *empty* database (which is what :func:`modelsteward.store.migrate.upgrade` runs)
gets a copy of the template instead, on the same connection, under the same migration lock:

- SQLite: the migrated database, copied page by page with SQLite's backup API;
- PostgreSQL: the statements the migrations sent (reflection queries left out), recorded while
  they ran and replayed as one script in one transaction.

Anything else (a database that is not empty, another target revision, SQL output) goes to
Alembic. Tests marked ``real_migrations`` (tests/store/test_migrations.py) always migrate for
real; tests/store/test_schema_template.py checks that a copy equals a migrated database on both
backends. Processes a test starts (the ``steward`` executable, server workers) migrate for real.
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
            _postgresql_script.append(_recorded_postgresql_migration(connection.engine.url))
    with nullcontext() if connection.in_transaction() else connection.begin():
        # the copy is thrown away with its test: its commit need not wait for the disk
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        driver.execute(_postgresql_script[0])  # no parameters: one round trip for the script


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


def _recorded_postgresql_migration(server: URL) -> str:
    """Migrate a new schema on ``server`` for real, drop it, and return the statements the
    migrations sent (parameters inlined, catalog reads left out) as one script."""
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
    script = ";\n".join(statements)
    assert schema not in script, "a migration named its schema: a copy elsewhere would differ"
    return script


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
    if request.node.get_closest_marker("real_migrations") is None:
        monkeypatch.setattr(alembic.command, "upgrade", _upgrade)
    yield
