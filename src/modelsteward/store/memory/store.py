"""MemoryStore: the :class:`~modelsteward.ports.Store` in one process's memory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from modelsteward.errors import ModelNotFound
from modelsteward.store.memory.catalog import CatalogQueries
from modelsteward.store.memory.experiments import ExperimentQueries
from modelsteward.store.memory.lifecycle import LifecycleQueries
from modelsteward.store.memory.mlflow import MlflowQueries
from modelsteward.store.memory.outbox import OutboxQueries
from modelsteward.store.memory.pipelines import PipelineQueries
from modelsteward.store.memory.records import RecordQueries
from modelsteward.store.memory.tables import Tables


class MemoryTransaction(CatalogQueries, LifecycleQueries, RecordQueries, OutboxQueries,
                        MlflowQueries, ExperimentQueries, PipelineQueries):
    """Implements :class:`~modelsteward.ports.Transaction` (and the SQL transaction's extras:
    ``events_before``, ``close_model_names``, ``table_state``, the idempotency keys) over the
    tables of a :class:`MemoryStore`. A read transaction changing anything raises
    :class:`~modelsteward.errors.StorageError`."""


class MemoryStore:
    """A registry store held in this process's memory, for tests and experiments: nothing is
    persistent and nothing is shared with other processes.

    It behaves as the SQL store does (the contract suite in ``tests/contract`` runs the same
    tests on both): writers are serialised by a lock, a write transaction works on a copy of
    the tables that is published only when its block exits without an exception (an exception
    leaves nothing written), and a read transaction sees one committed state throughout. Values
    handed out are frozen or copies.

    Not offered: :meth:`SqlStore.upgrade`/``revision`` (there is no schema) and ``engine`` (so
    the HTTP server and the notification workers, which need a database, do not run on it).
    """

    url = "memory://"

    def __init__(self) -> None:
        self._tables = Tables()
        self._lock = threading.Lock()
        self._writer: int | None = None  # the thread holding the write lock
        self._commits = 0

    @contextmanager
    def read(self) -> Iterator[MemoryTransaction]:
        """A read transaction: it sees the state committed when it began, throughout."""
        with self._suggesting(self._tables):
            yield MemoryTransaction(self._tables)

    snapshot = read  # a read already sees one state however many reads it makes

    @contextmanager
    def write(self) -> Iterator[MemoryTransaction]:
        """A write transaction: one at a time. Opening a second one from inside one (on the
        same thread) raises :class:`RuntimeError`, as on SQLite, instead of waiting forever."""
        if self._writer == threading.get_ident():
            raise RuntimeError("A write transaction is open on this thread already; a second one "
                               "would wait for it forever.")
        with self._lock:
            self._writer = threading.get_ident()
            try:
                base = self._tables
                working = base.fork()
                with self._suggesting(base):
                    yield MemoryTransaction(working, writing=True)
                self._tables = working
                self._commits += 1
            finally:
                # a rolled back writer's events stay past ``event_count``; cut them off now
                # that no reader of the old state can need more than its own count
                del self._tables.events[self._tables.event_count:]
                self._writer = None

    def outbox_write(self) -> AbstractContextManager[MemoryTransaction]:
        """The notification sender's short writes: a write transaction like any other (the
        memory store has no separate lock for the event chain's head)."""
        return self.write()

    @contextmanager
    def _suggesting(self, tables: Tables) -> Iterator[None]:
        """Give an unknown model's error the nearest names, as the SQL store does when the
        error leaves a transaction."""
        try:
            yield
        except ModelNotFound as exc:
            if exc.suggestions is not None:
                raise
            raise ModelNotFound(exc.name, MemoryTransaction(tables).close_model_names(
                exc.name)) from None

    def marker(self) -> int:
        """How many write transactions committed: equal markers mean nothing changed between."""
        return self._commits

    def close(self) -> None:
        """Nothing to release; the tables stay readable until the store is dropped."""

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
