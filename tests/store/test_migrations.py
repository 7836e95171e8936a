"""Migrations: they build exactly the schema of ``tables.py``, and HEAD names the newest one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.store import migrate
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import metadata

pytestmark = pytest.mark.real_migrations  # these test the migrations themselves


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
        assert store.revision() == (None, migrate.HEAD)  # an empty database has none yet
        assert store.upgrade() is True
        assert store.upgrade() is False
        assert store.revision() == (migrate.HEAD, migrate.HEAD)
    finally:
        store.close()


@pytest.mark.parametrize("statement", [
    "UPDATE versions SET digest = 'ff' WHERE version = '1.0.0'",
    "UPDATE versions SET meta = '{}' WHERE version = '1.0.0'",
    "UPDATE version_files SET sha256 = 'ff'",
    "DELETE FROM version_files",
])
def test_registered_versions_are_immutable_in_the_database(db_url: str, tmp_path: Path,
                                                           statement: str) -> None:
    """Even SQL that bypasses the library cannot rewrite a registered artefact."""
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    with Registry.open(db_url, actor="alice") as registry:
        registry.create_model(Model("bot"))
        registered = registry.register_version("bot", "1.0.0", path=folder,
                                               metadata={"framework": "torch"})
    engine = create_engine(db_url)
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    with Registry.open(db_url, actor="alice") as registry:
        assert registry.get_version("bot", "1.0.0") == registered


def test_the_mention_index_is_filled_from_the_events_already_recorded(db_url: str) -> None:
    """Revision 0018 indexes the advisory and consumer events written before it existed."""
    from alembic import command

    from modelsteward.domain.events import NewEvent

    store = SqlStore.open(db_url)
    try:
        with store.write() as tx:
            tx.append_events("alice", datetime(2026, 3, 1, tzinfo=UTC), [
                NewEvent("advisory:published", "MSA-1", {"affected": ["base@1.0.0"],
                                                         "inherited": ["child@1.0.0"]}),
                NewEvent("consumer:registered", "consumer:app", {"pins": {"child ~1": "1.0"}}),
                NewEvent("model:created", "base", {"affected": ["nope@1"]}),
            ])
        with store.engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0017")
            command.upgrade(migrate.alembic_config(connection), "head")
        with store.read() as tx:
            assert tx.subjects_mentioning(["child"]) == ["MSA-1", "consumer:app"]
            assert tx.subjects_mentioning(["base"]) == ["MSA-1"]
            assert tx.subjects_mentioning(["nope"]) == []
            assert [e.seq for e in tx.events_about("base")] == [3]
    finally:
        store.close()


def test_versions_registered_before_their_numbers_are_numbered_by_registration(
        db_url: str) -> None:
    """Revision 0021 numbers the versions already registered, per model, in registration order
    (deleted ones counted), as the MLflow numbers were counted before; later registrations
    follow on."""
    from alembic import command

    from tests.contract.helpers import add_model, add_version, at

    store = SqlStore.open(db_url)
    try:
        with store.write() as tx:
            add_model(tx, "a")
            add_model(tx, "b")
            for n, (model, version) in enumerate([("a", "2.0.0"), ("b", "1.0.0"),
                                                  ("a", "1.0.0"), ("a", "1.5.0"),
                                                  ("b", "0.1.0")]):
                add_version(tx, model, version, minutes=n)
            tx.mark_deleted("a", "1.0.0", at(9))
        with store.engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0020")
            command.upgrade(migrate.alembic_config(connection), "head")
        with store.write() as tx:
            add_version(tx, "a", "3.0.0", minutes=10)
        with store.engine.connect() as connection:
            numbers = sorted(connection.execute(text(
                "SELECT m.name, v.version, v.number FROM versions v "
                "JOIN models m ON m.id = v.model_id")).all())
        assert [tuple(row) for row in numbers] == [
            ("a", "1.0.0", 2), ("a", "1.5.0", 3), ("a", "2.0.0", 1), ("a", "3.0.0", 4),
            ("b", "0.1.0", 2), ("b", "1.0.0", 1)]
        with store.read() as tx:
            assert tx.version_count("a") == 4 and tx.version_at("a", 2) is None  # deleted
            third = tx.version_at("a", 3)
            assert third is not None and str(third.id) == "1.5.0"
    finally:
        store.close()
