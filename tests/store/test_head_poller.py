"""The change marker on PostgreSQL: the chain head's sequence number, polled on a connection of
its own, advanced at once by this process's own commits, never a marker when the last poll is
too old, and surviving a lost connection. And the sequence number SQLite's readings carry."""

from __future__ import annotations

import time

from sqlalchemy import text

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.ports.changes import Reading
from modelsteward.store.changes import ChangeWatcher
from modelsteward.store.head_poller import HeadPoller
from modelsteward.store.sql import SqlStore


def head(store: SqlStore) -> int:
    with store.read() as tx:
        return tx.chain_head()[0]


def until(watcher: ChangeWatcher, seq: int, timeout: float = 10.0) -> Reading:
    """The watcher's first reading at ``seq`` or later; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (reading := watcher.reading()).seq is None or reading.seq < seq:
        assert time.monotonic() < deadline, f"seq {seq} was never read"
        time.sleep(0.002)
    return reading


def test_the_marker_follows_commits_of_any_connection_through_the_poller(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    watcher = ChangeWatcher(store.engine, poll_seconds=0.01)
    try:
        first = until(watcher, head(store))
        assert first.marker == first.seq == head(store)
        with Registry.open(pg_url, actor="elsewhere") as other:  # another process
            other.create_model(Model("bot-a"))
        moved = until(watcher, first.seq + 1 if first.seq is not None else 1)
        assert moved.marker == moved.seq == head(store) and moved != first
    finally:
        watcher.close()
        store.close()


def test_own_commits_move_the_marker_at_once_and_refresh_reads_the_head(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    watcher = ChangeWatcher(store.engine, poll_seconds=3600)  # one poll, at start
    store.on_commit(watcher.committed)
    try:
        start = until(watcher, head(store))
        Registry(store, actor="here").create_model(Model("bot-a"))  # this process
        assert watcher.reading() == Reading(head(store), head(store))  # no poll needed
        mine = watcher.reading()
        with Registry.open(pg_url, actor="elsewhere") as other:  # another process
            other.create_model(Model("bot-b"))
        assert watcher.reading() == mine  # not polled yet: this is the bound the poll keeps
        assert watcher.refresh() == Reading(head(store), head(store)) != mine != start
    finally:
        watcher.close()
        store.close()


def test_an_old_poll_is_no_marker_and_a_lost_connection_is_replaced(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    errors = store.engine.dialect.loaded_dbapi.Error
    watcher = ChangeWatcher(store.engine, poll_seconds=0)
    poller = HeadPoller(watcher._connect_postgres, errors, interval=3600, max_age=0.05)
    try:
        polled = poller.poll()
        assert polled.marker == polled.seq == head(store)
        time.sleep(0.1)  # past max_age without a poll: cannot tell what others committed
        assert poller.reading() == Reading(None, polled.seq)
        pid = poller._connection.info.backend_pid  # only this connection: tests run in parallel
        with store.engine.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert poller.poll().marker is None  # the read failed: still no marker
        assert poller.poll() == Reading(head(store), head(store))  # a new connection
    finally:
        poller.close()
        watcher.close()
        store.close()


def test_sqlite_readings_carry_the_chain_heads_sequence_number(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    watcher = ChangeWatcher(store.engine)
    try:
        before = watcher.reading()
        assert before.marker is not None and before.seq == head(store)
        with Registry.open(sqlite_url, actor="elsewhere") as other:
            other.create_model(Model("bot-a"))
        after = watcher.reading()
        assert after.marker != before.marker and after.seq == head(store) > before.seq
        assert watcher.refresh() == after == watcher.reading()  # nothing committed since
    finally:
        watcher.close()
        store.close()


def test_without_polling_there_is_no_marker_but_the_head_is_known(pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    watcher = ChangeWatcher(store.engine, poll_seconds=0)
    store.on_commit(watcher.committed)
    try:
        assert watcher.reading() == Reading(None, None)  # nothing read, nothing committed
        Registry(store, actor="here").create_model(Model("bot-a"))
        assert watcher.reading() == Reading(None, head(store))  # its own commit
        with Registry.open(pg_url, actor="elsewhere") as other:
            other.create_model(Model("bot-b"))
        assert watcher.reading().seq == head(store) - 1
        assert watcher.refresh() == Reading(None, head(store))  # read, but still no marker
    finally:
        watcher.close()
        store.close()
