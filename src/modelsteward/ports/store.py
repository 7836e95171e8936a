"""The unit of work (every role on one transaction) and the store that opens it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from modelsteward.ports.advisories import AdvisoryRecords
from modelsteward.ports.catalog import Catalog
from modelsteward.ports.consumers import ConsumerRecords
from modelsteward.ports.deprecations import DeprecationRecords
from modelsteward.ports.events import EventLog
from modelsteward.ports.experiments import ExperimentRecords
from modelsteward.ports.lifecycle import LifecycleRecords
from modelsteward.ports.mlflow import MlflowRecords
from modelsteward.ports.outbox import OutboxRecords
from modelsteward.ports.pipelines import PipelineRecords
from modelsteward.ports.state import StateRecords
from modelsteward.ports.tokens import TokenRecords


class UnitOfWork(Catalog, LifecycleRecords, EventLog, ConsumerRecords, DeprecationRecords,
                 OutboxRecords, TokenRecords, AdvisoryRecords, MlflowRecords, StateRecords,
                 ExperimentRecords, PipelineRecords, Protocol):
    """One unit of work over every role. Everything written through it commits together or
    not at all, when its context ends without an exception.

    A write unit of work holds the registry's write lock from its start: writers are
    serialised, so reading "the latest version" and then registering the next one cannot
    race, and nothing but it moves the event chain's head."""


Transaction = UnitOfWork  # the name the services use


class OutboxStore(Protocol):
    """The outbox's own short writes, for the sender of deliveries."""

    def outbox_write(self) -> AbstractContextManager[OutboxRecords]:
        """A writing unit of work on the outbox alone, without the registry's write lock:
        claims keep apart by row locks (or the database's own write lock), so several senders
        claim at once while registry writes go on."""
        ...


class Store(OutboxStore, Protocol):
    """Opens units of work (and, as an :class:`OutboxStore`, the sender's outbox writes).
    Thread-safe; each unit of work belongs to one thread."""

    @property
    def url(self) -> str:
        """Where the records live, for messages (it may hold a password: hide it)."""
        ...

    def read(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work for reading: it takes no write lock, so nothing may be written
        through it (use :meth:`write`)."""
        ...

    def write(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work holding the write lock (see :class:`UnitOfWork`). Opening a second
        one from inside one may fail rather than wait for itself."""
        ...

    def snapshot(self) -> AbstractContextManager[UnitOfWork]:
        """A reading unit of work that sees one committed state throughout, however many
        reads it makes."""
        ...

    def close(self) -> None:
        """Release the store's resources (connections)."""
        ...


class SchemaStatus(Protocol):
    """What a readiness probe asks the store."""

    @property
    def backend(self) -> str:
        """The database's kind (``sqlite``, ``postgresql``)."""
        ...

    def revision(self) -> tuple[str | None, str]:
        """(the schema revision the database is at, or None; the revision the code expects)."""
        ...
