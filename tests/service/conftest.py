"""The service tests run on the in-memory store as well as on SQLite and PostgreSQL.

``db_url`` (overriding the one of ``tests/conftest.py``) gives ``memory://`` besides the two
databases. A test about SQL itself — several processes or connections sharing one database,
locking, raw SQL on the tables — asks for ``sql_url`` instead: SQLite and PostgreSQL only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.store.opening import MEMORY_URL


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every service test runs on memory, on SQLite and on PostgreSQL."""
    if request.param == "memory":
        return MEMORY_URL
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for the tests that are about SQL: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_url"))
