"""SqlStore: the :class:`~modelsteward.ports.Store` on SQLite and PostgreSQL (SQLAlchemy Core), and
``SqlTransaction``, its unit of work: one connection presenting every role, each implemented by
a query mixin of its own (``store/*_sql.py``) over :class:`~modelsteward.store.base.
SqlConnectionBase`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, QueuePool
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import DBAPIError, OperationalError

from modelsteward.errors import InvalidInput, ModelNotFound, StorageError
from modelsteward.store import migrate
from modelsteward.store.advisories_sql import AdvisoryQueries
from modelsteward.store.audit_sql import AuditQueries
from modelsteward.store.base import HEAD_FOR_UPDATE
from modelsteward.store.catalog_sql import CatalogQueries
from modelsteward.store.consumers_sql import ConsumerQueries
from modelsteward.store.deprecation_sql import DeprecationQueries
from modelsteward.store.engine import begin_as_writer, open_engine, release_engine, safe_url
from modelsteward.store.events_sql import EventQueries
from modelsteward.store.experiments_sql import ExperimentQueries
from modelsteward.store.lifecycle_sql import LifecycleQueries
from modelsteward.store.mlflow_sql import MlflowQueries
from modelsteward.store.outbox_sql import OutboxQueries
from modelsteward.store.pipelines_sql import PipelineQueries
from modelsteward.store.state_sql import StateQueries
from modelsteward.store.tags_sql import TagQueries
from modelsteward.store.tokens_sql import TokenQueries
from modelsteward.store.write_queue import write_queue


class SqlStore:
    """A store over one SQLAlchemy engine. Open it with :meth:`open`, which migrates the schema
    when it is behind; it raises :class:`StorageError` when the database cannot be reached."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._writers = write_queue(engine)
        self._commit_listeners: list[Callable[[int], None]] = []

    def on_commit(self, listener: Callable[[int], None]) -> None:
        """Call ``listener`` with the chain head's sequence number after each write
        transaction of this store commits (when the head is known without a query: always on
        PostgreSQL), in the committing thread. A listener must be quick and must not raise."""
        self._commit_listeners.append(listener)

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> SqlStore:
        engine = open_engine(url)
        store = cls(engine, url)
        try:
            if migrate_schema:
                migrate.upgrade(engine)
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            raise StorageError(
                f"Cannot open the database {safe_url(url)}: {_first_line(exc)}. Check that the "
                "server is running and the URL (STEWARD_DATABASE_URL) is right."
            ) from None
        return store

    @property
    def backend(self) -> str:
        """The database's kind: ``sqlite`` or ``postgresql``."""
        return str(self.engine.dialect.name)

    @property
    def pool_size(self) -> int:
        """How many connections the engine's pool keeps open (more are opened for a while
        when that many are in use, and closed as they come back); 1 for an in-memory SQLite
        database, whose pool gives each thread a connection of its own."""
        pool = self.engine.pool
        return pool.size() if isinstance(pool, QueuePool) else 1

    def local_read_ready(self) -> bool:
        """Whether a short read may run on the calling thread now without waiting for
        anything but the local disk: the database is an SQLite file (no network round trip;
        in WAL mode a reader does not wait for writers) and its pool lends a connection it
        keeps, without opening one or waiting for one to come back. An in-memory database
        is not (its pool gives each thread its own connection)."""
        pool = self.engine.pool
        return (self.engine.dialect.name == "sqlite" and isinstance(pool, QueuePool)
                and pool.checkedout() < pool.size())

    def upgrade(self) -> bool:
        return migrate.upgrade(self.engine)

    def revision(self) -> tuple[str | None, str]:
        with self.engine.connect() as connection:
            return migrate.current_revision(connection), migrate.head_revision()

    @contextmanager
    def read(self) -> Iterator[SqlTransaction]:
        with self._connect(write=False) as connection:
            yield SqlTransaction(connection)

    @contextmanager
    def snapshot(self) -> Iterator[SqlTransaction]:
        """A read transaction that sees one state throughout, however many statements it runs
        (PostgreSQL's REPEATABLE READ; SQLite's deferred transaction in WAL mode already does):
        for checks that read the events and the tables in several steps."""
        with self._transaction(write=False, repeatable=True) as connection:
            yield SqlTransaction(connection)

    @contextmanager
    def write(self) -> Iterator[SqlTransaction]:
        """A write transaction: one at a time per database (on SQLite ``BEGIN IMMEDIATE``,
        after this process's earlier writers, see :mod:`~modelsteward.store.write_queue`; on
        PostgreSQL the chain-head row locked first). Opening a second one on the same database
        from inside one raises :class:`RuntimeError` on SQLite."""
        with self._connect(write=True) as connection:
            head = None
            if connection.dialect.name == "postgresql":
                # the lock that serialises writers, and the head the transaction appends to
                found = connection.execute(HEAD_FOR_UPDATE).first()
                head = (int(found.seq), str(found.hash)) if found is not None else None
            transaction = SqlTransaction(connection, writing=True, head=head)
            yield transaction
        # committed (an exception skips this): the head the transaction left is now everyone's
        seq = transaction.written_head()
        if seq is not None:
            for listener in self._commit_listeners:
                listener(seq)

    @contextmanager
    def outbox_write(self) -> Iterator[OutboxQueries]:
        """A writing transaction on the outbox (``BEGIN IMMEDIATE`` on SQLite, after this
        process's earlier writers) without the chain-head lock that :meth:`write` takes on
        PostgreSQL: there ``FOR UPDATE … SKIP LOCKED`` keeps claimers apart."""
        with self._connect(write=True) as connection:
            yield OutboxQueries(connection)

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        if write and self._writers is not None:
            with self._writers.turn(), self._transaction(write=True) as connection:
                yield connection
        else:
            with self._transaction(write=write) as connection:
                yield connection

    @contextmanager
    def _transaction(self, *, write: bool, repeatable: bool = False) -> Iterator[Connection]:
        try:
            connection = self.engine.connect()
            if repeatable and connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            if write:
                begin_as_writer(connection)
        except (OperationalError, DBAPIError) as exc:
            raise StorageError(
                f"Cannot reach the database {safe_url(self.url)}: {_first_line(exc)}. Check that "
                "the server is running and STEWARD_DATABASE_URL is right."
            ) from None
        with connection:
            try:
                with connection.begin():
                    yield connection
            except OverflowError:
                # a number past what the database stores (e.g. a pin naming 99999999999999999999)
                raise InvalidInput("A number in the request is too large to look up: version "
                                   "numbers and limits stay below 2^63.") from None
            except SqlDataError as exc:
                # a value the database cannot hold (PostgreSQL refuses NUL characters in text):
                # bad input, and the transaction was rolled back
                raise InvalidInput(f"A value cannot be stored or looked up: {_first_line(exc)}. "
                                   "Remove control characters such as NUL from names and "
                                   "text.") from None
            except ModelNotFound as exc:
                if exc.suggestions is not None:
                    raise
                # every use case's unknown model leaves through here: the nearest names are
                # read once, after its transaction was rolled back
                try:
                    near = SqlTransaction(connection).close_model_names(exc.name)
                except (OperationalError, DBAPIError):
                    raise exc from None
                raise ModelNotFound(exc.name, near) from None

    def close(self) -> None:
        release_engine(self.engine, self.url)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


class SqlTransaction(CatalogQueries, LifecycleQueries, EventQueries, ConsumerQueries,
                     DeprecationQueries, OutboxQueries, TokenQueries, AdvisoryQueries,
                     AuditQueries, TagQueries, MlflowQueries, StateQueries, ExperimentQueries,
                     PipelineQueries):
    """Implements :class:`~modelsteward.ports.UnitOfWork` on one open connection: every role's
    queries share it, and the keys and chain head it has read (see
    :class:`~modelsteward.store.base.SqlConnectionBase`)."""
