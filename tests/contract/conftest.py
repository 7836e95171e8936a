"""The store contract: one suite of port-level tests (write in ``store.write()``, read back in
``store.read()``) run on the in-memory store, SQLite and PostgreSQL, which proves them equal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from modelsteward.store.memory import MemoryStore


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty store of each kind (typed ``Any``: both offer the same methods)."""
    if request.param == "memory":
        opened: Any = MemoryStore()
    else:
        from modelsteward.store.sql import SqlStore

        url_fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
        opened = SqlStore.open(str(request.getfixturevalue(url_fixture)))
    try:
        yield opened
    finally:
        opened.close()
