"""The hot reads on SQLite's DB-API cursor (``store/prepared.py``) give the rows SQLAlchemy's
``execute`` gives, for every statement they serve, on the demonstration registry."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, create_engine, select, text
from sqlalchemy.exc import OperationalError

from modelsteward.demo import build_home
from modelsteward.domain.lifecycle import Stage
from modelsteward.store import prepared
from modelsteward.store.catalog_sql import _MODEL_ANY, _MODEL_LIVE, _PARENTS, _semver_page
from modelsteward.store.compiled import known_likeness
from modelsteward.store.deprecation_sql import _PLANS_OF
from modelsteward.store.prepared import PreparedRead, hot_rows
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import models, versions


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    store = SqlStore.open(build_home(tmp_path_factory.mktemp("demo")))
    try:
        yield store
    finally:
        store.close()


def _same(connection: Connection, statement: Any, values: dict[str, object]) -> list[Any]:
    """hot_rows's rows, checked equal to execute's: values, types and column names."""
    expected = connection.execute(statement, values).all()
    found = hot_rows(connection, statement, values)
    assert [tuple(row) for row in found] == [tuple(row) for row in expected]
    for row, reference in zip(found, expected, strict=True):
        assert row._fields == tuple(reference._fields)
        assert [type(value) for value in row] == [type(value) for value in reference]
    return found


def test_model_plan_and_parent_reads_match_sqlalchemys(demo_store: SqlStore) -> None:
    with demo_store.engine.connect() as connection:
        names = [row.name for row in connection.execute(select(models.c.name))]
        refs = [f"{row.name}@{row.version}" for row in connection.execute(
            select(models.c.name, versions.c.version).join(versions))]
        seen_plan = seen_parent = False
        for name in [*names, "no-such-model"]:
            for statement in (_MODEL_LIVE, _MODEL_ANY):
                for row in _same(connection, statement, {"name": name}):
                    plans = _same(connection, _PLANS_OF, {"model_id": row.id})
                    seen_plan |= bool(plans)
        for ref in [*refs, "no-such@1.0.0"]:
            seen_parent |= bool(_same(connection, _PARENTS, {"ref": ref}))
    # the demonstration has what the comparison needs to mean something
    assert seen_plan and seen_parent and names and refs


def test_every_candidate_page_shape_matches_sqlalchemys(demo_store: SqlStore) -> None:
    with demo_store.engine.connect() as connection:
        keys = connection.execute(select(models.c.id, versions.c.variant).join(versions)
                                  .distinct()).all()
        admitted = (None, tuple(sorted(s.value for s in Stage if s is not Stage.REJECTED)),
                    ("production",))
        matched = with_json = 0
        for (model_id, variant), stages, flags in itertools.product(
                keys, admitted, itertools.product((False, True), repeat=5)):
            unblocked, include_deleted, prerelease, lower, upper = flags
            for exact, page in ((False, 4), (False, 512), (lower and upper, 16)):
                values: dict[str, object] = {"model_id": model_id, "variant": variant}
                if lower:
                    values.update(lower_major=0, lower_minor=0, lower_patch=0)
                if upper:
                    values.update(upper_major=0 if exact else 99, upper_minor=0, upper_patch=0)
                statement = _semver_page(stages, unblocked, include_deleted, prerelease,
                                         lower, upper, page, exact)
                rows = _same(connection, statement, values)
                matched += len(rows)
                with_json += sum(1 for row in rows if row.meta or row.metrics)
        assert matched > 0 and with_json > 0


def test_a_missing_parameter_is_named(demo_store: SqlStore) -> None:
    with demo_store.engine.connect() as connection, pytest.raises(KeyError, match="name"):
        hot_rows(connection, _MODEL_LIVE, {})


def test_a_database_error_is_sqlalchemys(tmp_path: Path) -> None:
    store = SqlStore.open(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with store.engine.connect() as connection:
            connection.execute(text("DROP TABLE lineage"))
            with pytest.raises(OperationalError, match="no such table"):
                hot_rows(connection, _PARENTS, {"ref": "a@1"})
    finally:
        store.close()


def test_positional_parameters_keep_the_statements_own_values(demo_store: SqlStore) -> None:
    statement = (select(versions.c.id).where(versions.c.stage == "production",
                                             versions.c.model_id == bindparam("model_id"))
                 .limit(3))
    read = PreparedRead(statement, demo_store.engine.dialect)
    # the stage literal, the model, then LIMIT and OFFSET
    assert read.parameters({"model_id": "m", "unused": 1}) == ["production", "m", 3, 0]
    with pytest.raises(ValueError, match="positional"):
        from sqlalchemy.dialects import postgresql
        PreparedRead(statement, postgresql.dialect())  # type: ignore[no-untyped-call]
    for listed in (versions.c.version.in_(["1.0.0", "2.0.0"]),
                   versions.c.version.in_(bindparam("numbers", expanding=True))):
        with pytest.raises(ValueError, match="IN list"):
            PreparedRead(select(versions.c.id).where(listed), demo_store.engine.dialect)


def test_each_dialect_prepares_a_statement_once(demo_store: SqlStore, tmp_path: Path) -> None:
    with demo_store.engine.connect() as connection:
        hot_rows(connection, _PARENTS, {"ref": "a@1"})
        alike = known_likeness(connection.dialect)
        assert alike is not None
        first = prepared._prepared[alike][_PARENTS]
        hot_rows(connection, _PARENTS, {"ref": "b@1"})
        assert prepared._prepared[alike][_PARENTS] is first
    # another database of the process: its dialect is alike, the statement is not prepared again
    other = SqlStore.open(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.engine.connect() as connection:
            assert connection.dialect is not demo_store.engine.dialect
            assert hot_rows(connection, _PARENTS, {"ref": "a@1"}) == []
            alike = known_likeness(connection.dialect)
            assert alike is not None
            assert prepared._prepared[alike][_PARENTS] is first
    finally:
        other.close()


def test_an_engine_made_elsewhere_prepares_a_statement_once(demo_store: SqlStore) -> None:
    """A library's own engine (not make_engine's, so nothing learnt its dialect on connecting):
    the first hot read learns it, and the statement is prepared once for it, then kept."""
    engine = create_engine(demo_store.engine.url)
    try:
        with engine.connect() as connection:
            assert known_likeness(connection.dialect) is None
            found = _same(connection, _PARENTS, {"ref": "support-bot@1.0.0"})
            alike = known_likeness(connection.dialect)
            assert alike is not None
            first = prepared._prepared[alike][_PARENTS]
            assert hot_rows(connection, _PARENTS, {"ref": "support-bot@1.0.0"}) == found
            assert prepared._prepared[alike][_PARENTS] is first
    finally:
        engine.dispose()
