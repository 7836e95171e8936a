"""The change watcher's token check on PostgreSQL: one token's state as committed now, by any
connection, on a connection of its own that is replaced when it breaks."""

from __future__ import annotations

from sqlalchemy import text

from modelsteward import Registry
from modelsteward.domain.tokens import Role
from modelsteward.store.changes import ChangeWatcher
from modelsteward.store.sql import SqlStore


def test_token_live_reads_each_tokens_committed_state_and_survives_a_lost_connection(
        pg_url: str) -> None:
    store = SqlStore.open(pg_url)
    watcher = ChangeWatcher(store.engine, poll_seconds=0)  # no poller: no marker
    try:
        assert watcher.checks_each_token and watcher.marker() is None
        with Registry.open(pg_url, actor="admin") as registry:  # another process
            tokens = registry.tokens
            kept = tokens.create("kept", team="", roles=frozenset({Role.ADMIN})).token.id
            gone = tokens.create("gone", team="", roles=frozenset({Role.VIEWER})).token.id
            assert watcher.token_live(kept) is watcher.token_live(gone) is True
            tokens.revoke(gone)
            assert watcher.token_live(gone) is False
            assert watcher.token_live("0" * 16) is False  # unknown
        pid = watcher._postgres.info.backend_pid  # only this connection: tests run in parallel
        with store.engine.begin() as connection:  # the watcher's connection is cut
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert watcher.token_live(kept) is None  # cannot tell: callers ask the store
        assert watcher.token_live(kept) is True  # a new connection
        assert watcher.token_live(gone) is False
    finally:
        watcher.close()
        store.close()


def test_sqlite_files_use_the_marker_not_a_per_token_check(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url)
    watcher = ChangeWatcher(store.engine)
    try:
        assert not watcher.checks_each_token and watcher.token_live("0" * 16) is None
        assert watcher.marker() is not None and watcher.token_state() == (0, 0)
    finally:
        watcher.close()
        store.close()
