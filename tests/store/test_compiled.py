"""The engines of the process share their compiled statements when their dialects are alike
(``store/compiled.py``): a second database compiles nothing the first one compiled, and gets
the same rows; unalike dialects keep their own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.engine.default import DefaultDialect

from modelsteward.domain.model import Model
from modelsteward.service.registry import Registry
from modelsteward.store.compiled import STATEMENTS, SharedStatements, known_likeness, likeness
from modelsteward.store.engine import make_engine
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import models
from tests.conftest import fresh_pg_schema

# a statement no other test runs, so that the first execution here is a compilation
_STATEMENT = (select(models.c.name, models.c.created_at)
              .where(models.c.name == bindparam("name"))
              .where(models.c.name != "test_compiled:sentinel"))


def _migrated(url: str) -> Engine:
    SqlStore.open(url).close()
    return make_engine(url)


def _run(engine: Engine, name: str) -> tuple[list[tuple[object, ...]], bool]:
    """The rows for ``name``, and whether the statement came compiled from the cache."""
    with engine.connect() as connection:
        result = connection.execute(_STATEMENT, {"name": name})
        hit = result.context.cache_hit == connection.dialect.CACHE_HIT
        return [tuple(row) for row in result], hit


def test_a_second_database_compiles_nothing_the_first_did(tmp_path: Path) -> None:
    first = _migrated(f"sqlite:///{tmp_path / 'a.db'}")
    second = _migrated(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        with Registry.open(f"sqlite:///{tmp_path / 'a.db'}") as registry:
            registry.create_model(Model(name="bot"))
        found, hit = _run(first, "bot")
        assert [name for name, _created in found] == ["bot"] and not hit
        assert first.dialect is not second.dialect
        assert _run(second, "bot") == ([], True)  # compiled once, for the first database
        assert known_likeness(first.dialect) == known_likeness(second.dialect) is not None
        assert _run(first, "bot") == (found, True)
    finally:
        first.dispose()
        second.dispose()


def test_sqlite_and_postgresql_keep_their_own_statements(tmp_path: Path, pg_url: str) -> None:
    sqlite = _migrated(f"sqlite:///{tmp_path / 'a.db'}")
    postgresql = _migrated(pg_url)
    try:
        assert _run(sqlite, "bot")[0] == []
        rows, hit = _run(postgresql, "bot")
        assert rows == [] and not hit  # PostgreSQL's own SQL, compiled for it
        assert known_likeness(sqlite.dialect) != known_likeness(postgresql.dialect)
    finally:
        sqlite.dispose()
        postgresql.dispose()


def test_two_postgresql_schemas_share_their_statements(pg_url: str) -> None:
    first = _migrated(pg_url)
    with fresh_pg_schema() as other_url:
        second = _migrated(other_url)
        try:
            _run(first, "bot")
            assert _run(second, "bot") == ([], True)
            assert first.dialect.default_schema_name != second.dialect.default_schema_name
            assert known_likeness(first.dialect) == known_likeness(second.dialect) is not None
        finally:
            second.dispose()
            first.dispose()


def test_a_setting_that_changes_compilation_makes_dialects_unalike() -> None:
    one, two = DefaultDialect(), DefaultDialect()
    assert likeness(one) == likeness(two)
    two.label_length = 20
    assert likeness(one) != likeness(two)
    three = DefaultDialect(paramstyle="qmark")
    assert likeness(one) != likeness(three)
    four = DefaultDialect()
    four.default_schema_name = "elsewhere"  # only a schema translation map would use it
    assert likeness(one) == likeness(four)


def test_unlearnt_dialects_and_schema_translations_keep_their_own_entries() -> None:
    cache = SharedStatements(capacity=10)
    unlearnt = DefaultDialect()
    assert known_likeness(unlearnt) is None
    compiled = select(models.c.name).compile(dialect=unlearnt)
    key = (unlearnt, ("statement",), (), False, False)
    cache[key] = compiled
    assert cache.get((DefaultDialect(), ("statement",), (), False, False)) is None
    assert cache[key] is compiled
    # keys of another shape pass through untouched
    cache["other"] = compiled
    assert cache.get("other") is compiled and len(cache) == 2
    del cache["other"]
    assert "other" not in list(cache)
    # a statement compiled with a schema translation map is the dialect's own, even learnt
    learnt = make_engine("sqlite://")
    try:
        with learnt.connect():
            pass
        translated = (learnt.dialect, ("statement",), (), True, False)
        cache[translated] = compiled
        assert known_likeness(learnt.dialect) is not None
        assert translated in list(cache)
    finally:
        learnt.dispose()


def test_the_shared_cache_is_what_engines_compile_into(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        with engine.connect() as connection:
            assert connection.get_execution_options()["compiled_cache"] is STATEMENTS
    finally:
        engine.dispose()
