"""The SQL store presents the ports: mypy checks the typed assignments below (run it on this
file), and the test compares every role method's signature with its SQL implementation."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from modelsteward.ports import (
    AdvisoryRecords,
    Catalog,
    Changes,
    ConsumerRecords,
    DeprecationRecords,
    EventLog,
    ExperimentRecords,
    IdempotencyKeys,
    LifecycleRecords,
    MlflowRecords,
    OutboxRecords,
    OutboxStore,
    PipelineRecords,
    SchemaStatus,
    StateRecords,
    Store,
    TokenRecords,
    UnitOfWork,
)
from modelsteward.store.changes import ChangeWatcher
from modelsteward.store.idempotency_sql import SqlIdempotencyKeys
from modelsteward.store.outbox_sql import OutboxQueries
from modelsteward.store.sql import SqlStore, SqlTransaction

_STORE: type[Store] = SqlStore
_OUTBOX_STORE: type[OutboxStore] = SqlStore
_SCHEMA: type[SchemaStatus] = SqlStore
_UNIT_OF_WORK: type[UnitOfWork] = SqlTransaction
_OUTBOX: type[OutboxRecords] = OutboxQueries
_KEYS: type[IdempotencyKeys] = SqlIdempotencyKeys
_CHANGES: type[Changes] = ChangeWatcher

ROLES = (Catalog, LifecycleRecords, EventLog, ConsumerRecords, DeprecationRecords,
         OutboxRecords, TokenRecords, AdvisoryRecords, MlflowRecords, StateRecords,
         ExperimentRecords, PipelineRecords)


def _members(protocol: type) -> list[str]:
    return sorted(name for name, value in vars(protocol).items()
                  if not name.startswith("_") and callable(value))


def test_the_roles_split_the_unit_of_work_without_overlap() -> None:
    names = [name for role in ROLES for name in _members(role)]
    assert len(names) == len(set(names))
    assert set(names) == {name for role in inspect.getmro(UnitOfWork)
                          for name in _members(role)}


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.__name__)
def test_the_sql_unit_of_work_implements_each_role_with_its_signatures(role: type) -> None:
    for name in _members(role):
        wanted = inspect.signature(getattr(role, name))
        found = inspect.signature(getattr(SqlTransaction, name))
        assert [(p.name, p.kind, p.default) for p in found.parameters.values()] == [
            (p.name, p.kind, p.default) for p in wanted.parameters.values()], name


def test_a_sql_store_opens_units_of_work_of_every_role(tmp_path: Path) -> None:
    store: Store = SqlStore.open(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        with store.read() as tx:
            assert tx.chain_head()[0] == 0
            assert tx.list_models() == []
        with store.write() as tx:
            assert tx.tokens() == []
        with store.snapshot() as tx:
            assert tx.events() == []
    finally:
        store.close()
