"""Write transactions of one process on one SQLite database queue on a lock before
``BEGIN IMMEDIATE`` (``store/write_queue.py``) instead of polling in SQLite's busy handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import StorageError
from modelsteward.store.sql import SqlStore
from modelsteward.store.write_queue import WriteQueue, write_queue
from tests.conftest import sql_store

THREADS = 16
EACH = 6
NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture
def impatient(sqlite_url: str) -> Iterator[Registry]:
    """A registry whose SQLite connections never wait for the database's lock: a writer that
    meets it fails at once with "database is locked" instead of sleeping in the busy handler.
    Only the in-process queue can keep concurrent writers apart."""
    registry = Registry.open(sqlite_url, actor="setup")

    @event.listens_for(sql_store(registry).engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    sql_store(registry).engine.dispose()  # the pooled connections still wait: drop them
    yield registry
    registry.close()


def test_sixteen_threads_write_through_one_store_with_an_intact_chain(
        impatient: Registry) -> None:
    registry = impatient
    registry.create_model(Model("shared"))
    registry.register_version("shared", "1.0.0")
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    registered: list[str] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(EACH):
                if i % 2:
                    registry.create_model(Model(f"model-{n}-{i}"))
                else:
                    version = registry.register_version("shared", change=ChangeKind.CONFIG)
                    registered.append(str(version.id))
        except BaseException as exc:  # collected and reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, f"{len(failures)} writers failed, first: {failures[0]!r}"
    writes = THREADS * EACH
    assert len(registered) == len(set(registered)) == writes // 2
    assert [str(v.id) for v in registry.list_versions("shared")] == \
        ["1.0.0"] + [f"1.0.{n}" for n in range(1, writes // 2 + 1)]
    count, broken = registry.verify_log()
    assert broken is None
    assert count == writes + 2


def test_a_write_opened_inside_a_write_is_refused_at_once(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    try:
        started = time.monotonic()
        with (store.write(), pytest.raises(RuntimeError, match="already has one open"),
              store.write()):
            pass  # pragma: no cover - never reached
        assert time.monotonic() - started < 5
        with store.write() as tx:  # the queue was released
            tx.add_model(Model("after"), NOW)
        with store.read() as tx:
            assert tx.get_model("after") is not None
    finally:
        store.close()


def test_reads_do_not_queue_behind_an_open_write(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    seen: list[object] = []
    try:
        with store.write() as tx:
            tx.add_model(Model("uncommitted"), NOW)

            def reader() -> None:
                with store.read() as other:
                    seen.append(other.get_model("uncommitted"))

            thread = threading.Thread(target=reader)
            thread.start()
            thread.join(timeout=5)
            assert not thread.is_alive(), "a read waited for the open write"
        assert seen == [None]
    finally:
        store.close()


def test_a_writer_gives_up_with_a_storage_error_after_the_timeout() -> None:
    queue = WriteQueue("registry.db", timeout=0.05)
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            with queue.turn():
                pass  # pragma: no cover - never reached
        except BaseException as exc:  # checked by the main thread
            outcome.append(exc)

    with queue.turn():
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=5)
    assert len(outcome) == 1 and isinstance(outcome[0], StorageError)
    assert "stayed locked" in str(outcome[0])


def test_stores_on_the_same_file_share_one_queue(sqlite_url: str) -> None:
    first, second = SqlStore.open(sqlite_url), SqlStore.open(sqlite_url)
    memory = SqlStore.open("sqlite://")
    try:
        assert write_queue(first.engine) is write_queue(second.engine) is not None
        assert write_queue(memory.engine) is not write_queue(first.engine)
    finally:
        for store in (first, second, memory):
            store.close()


def test_a_write_reads_the_chain_head_once(sqlite_url: str) -> None:
    """The head cannot move under a write transaction, so it is read once and kept."""
    with Registry.open(sqlite_url, actor="setup") as registry:
        registry.create_model(Model("m"))
        statements: list[str] = []

        @event.listens_for(sql_store(registry).engine, "before_cursor_execute")
        def _count(_c: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        registry.register_version("m", "1.0.0", metadata={"a": 1})
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                 and "FROM chain_head" in s]
        assert len(reads) == 1
        assert registry.verify_log() == (2, None)
