"""SQLite engines begin their own transactions: a writer's with ``BEGIN IMMEDIATE`` (it holds
the database's write lock from its first moment), a reader's and a migration's with ``BEGIN
DEFERRED``; and they do so without connection events, which would make SQLAlchemy dispatch
events around every statement."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from modelsteward.store.engine import IDLE_ENGINES
from modelsteward.store.sql import SqlStore


def locked_for_others(path: str) -> bool:
    """Whether another connection is refused the write lock right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        other.close()
        return True
    other.execute("ROLLBACK")
    other.close()
    return False


def test_a_writer_holds_the_write_lock_from_its_start_and_a_reader_does_not(
        sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    try:
        assert not store.engine.dispatch.begin  # no connection events on the hot path
        with store.write() as tx:
            assert locked_for_others(path)  # before any statement of its own
            tx.chain_head()
        assert not locked_for_others(path)
        with store.read() as tx:
            tx.chain_head()
            assert not locked_for_others(path)
        with store.write():  # the mark is consumed: the next transaction is a reader's again
            pass
        with store.read():
            assert not locked_for_others(path)
    finally:
        store.close()


def test_every_transaction_of_the_engine_is_a_real_one(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    try:
        # as migrations use it, outside SqlStore
        with store.engine.connect() as connection, connection.begin():
            connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
            assert connection.connection.driver_connection is not None
            assert connection.connection.driver_connection.in_transaction
        # without BEGIN the driver would have committed the INSERT before the error
        with (pytest.raises(ZeroDivisionError), store.engine.connect() as connection,
              connection.begin()):
            connection.execute(text("INSERT INTO scratch VALUES (2)"))
            1 / 0  # noqa: B018 - rolls the transaction back
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT x FROM scratch")).scalars().all() == [1]
    finally:
        store.close()


def test_a_closed_stores_engine_serves_the_next_open_of_the_same_database(
        sqlite_url: str, tmp_path: Path) -> None:
    """Reopening a registry reuses the engine a closed store released (dialect set up,
    statements compiled), never one an open store holds, never an in-memory database's, and
    no more than IDLE_ENGINES of them."""
    first = SqlStore.open(sqlite_url)
    engine = first.engine
    second = SqlStore.open(sqlite_url)  # the first is open: an engine of its own
    assert second.engine is not engine
    first.close()
    assert "Current Checked out connections: 0" in engine.pool.status()  # none kept open
    third = SqlStore.open(sqlite_url)
    assert third.engine is engine
    with third.read() as tx:  # and it works after its connections were closed
        assert tx.chain_head()[0] == 0
    second.close()
    third.close()

    memory = SqlStore.open("sqlite://")
    kept = memory.engine
    memory.close()
    again = SqlStore.open("sqlite://")
    assert again.engine is not kept  # a new, empty database
    again.close()

    others = [SqlStore.open(f"sqlite:///{tmp_path}/other-{i}.db")
              for i in range(IDLE_ENGINES + 2)]
    for store in others:
        store.close()
    reopened = SqlStore.open(f"sqlite:///{tmp_path}/other-0.db")  # the oldest, let go
    assert reopened.engine is not others[0].engine
    reopened.close()
    newest = SqlStore.open(f"sqlite:///{tmp_path}/other-{IDLE_ENGINES + 1}.db")
    assert newest.engine is others[-1].engine
    newest.close()
