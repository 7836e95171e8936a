"""SqlStore: the :class:`~modelsteward.ports.Store` on SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from itertools import groupby
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement, Connection, Engine, and_, bindparam, func, insert, or_, select, tuple_, update,
)
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import DBAPIError, OperationalError

from modelsteward.domain.events import GENESIS, Event, NewEvent, chain, format_time
from modelsteward.domain.lifecycle import UNRESOLVABLE, Stage
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import (
    FileDigest, Model, ModelKind, RiskTier, SupportPolicy, Version, VersionId, VersionScheme,
)
from modelsteward.domain.names import close_name_lengths, close_names
from modelsteward.domain.pins import Bounds, core_below
from modelsteward.domain.versioning import ChangeKind, ModelVersion, Snapshot
from modelsteward.errors import InvalidInput, ModelNotFound, StorageError
from modelsteward.store import migrate
from modelsteward.store.engine import begin_as_writer, make_engine, safe_url
from modelsteward.store.state_sql import table_state
from modelsteward.store.write_queue import write_queue
from modelsteward.store.advisories_sql import AdvisoryQueries
from modelsteward.store.audit_sql import AuditQueries
from modelsteward.store.consumers_sql import ConsumerQueries
from modelsteward.store.deprecation_sql import DeprecationQueries
from modelsteward.store.idempotency_sql import IdempotencyQueries
from modelsteward.store.lifecycle_sql import LifecycleQueries
from modelsteward.store.mlflow_sql import MlflowQueries
from modelsteward.store.outbox_sql import OutboxQueries
from modelsteward.store.tags_sql import TagQueries
from modelsteward.store.tokens_sql import TokenQueries
from modelsteward.store.tables import (
    attestations, chain_head, events, lineage, models, version_files, versions,
)

_FIRST_PAGE = 8
# statements of every write, built once: building one costs more than running it on SQLite
_MODEL_ANY = select(models).where(models.c.name == bindparam("name"))
_MODEL_LIVE = _MODEL_ANY.where(models.c.deleted_at.is_(None))
_MODEL_KEY = select(models.c.id, models.c.versioning).where(models.c.name == bindparam("name"))
_NEAR_NAMES_READ = 10_000  # the most model names read to suggest one for a name not found
_NAMES_OF_LENGTH = (select(models.c.name)
                    .where(models.c.deleted_at.is_(None),
                           func.length(models.c.name).between(bindparam("low"),
                                                              bindparam("high")))
                    .order_by(models.c.name).limit(_NEAR_NAMES_READ))
_HEAD = select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_INSERT_MODEL = insert(models)
_INSERT_VERSION = insert(versions)
_INSERT_FILES = insert(version_files)
_INSERT_EVENTS = insert(events)
_MOVE_HEAD = (update(chain_head).where(chain_head.c.id == 1)
              .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))
_VERSION_ANY = select(versions).where(versions.c.model_id == bindparam("model_id"),
                                      versions.c.version == bindparam("version"))
_VERSION_LIVE = _VERSION_ANY.where(versions.c.deleted_at.is_(None))
# the version with a given MLflow number (its 1-based place in registration order)
_VERSION_AT = (select(versions).where(versions.c.model_id == bindparam("model_id"))
               .order_by(versions.c.registered_seq)
               .limit(1).offset(bindparam("skip")))
_VERSION_FILES = (select(version_files).where(version_files.c.version_id == bindparam("pk"))
                  .order_by(version_files.c.path))
_LATEST_SNAPSHOT = (select(versions).where(versions.c.model_id == bindparam("model_id"))
                    .order_by(versions.c.snapshot_date.desc(), versions.c.registered_seq.desc())
                    .limit(1))
_LATEST_RELEASE = (select(versions).where(versions.c.model_id == bindparam("model_id"),
                                          versions.c.variant == "", versions.c.prerelease == "")
                   .order_by(versions.c.major.desc(), versions.c.minor.desc(),
                             versions.c.patch.desc()).limit(1))
_UNRESOLVABLE = [s.value for s in UNRESOLVABLE]
_PAGE = 512


class SqlStore:
    """A store over one SQLAlchemy engine. Open it with :meth:`open`, which migrates the schema
    when it is behind; it raises :class:`StorageError` when the database cannot be reached."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._writers = write_queue(engine)

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> SqlStore:
        engine = make_engine(url)
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
                found = connection.execute(_HEAD_FOR_UPDATE).first()
                head = (int(found.seq), str(found.hash)) if found is not None else None
            yield SqlTransaction(connection, writing=True, head=head)

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
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines()[0] if str(original).strip()
            else type(original).__name__)


def _new_id() -> str:
    return str(uuid.uuid4())


class SqlTransaction(LifecycleQueries, ConsumerQueries, DeprecationQueries, AdvisoryQueries,
                     AuditQueries, OutboxQueries, TokenQueries, TagQueries, MlflowQueries,
                     IdempotencyQueries):
    """Implements :class:`~modelsteward.ports.Transaction` on one open connection.

    ``writing``: the transaction holds the database's write lock, so nothing but itself moves
    the event chain's head; it is then read once (or given as ``head``) and kept."""

    def __init__(self, connection: Connection, *, writing: bool = False,
                 head: tuple[int, str] | None = None) -> None:
        self.c = connection
        self._model_ids: dict[str, tuple[str, bool]] = {}
        self._version_pks: dict[tuple[str, str], str] = {}
        self._writing = writing
        self._head = head if writing else None

    # models ---------------------------------------------------------------------------------

    def close_model_names(self, name: str) -> list[str]:
        """The live models' names nearest to ``name``
        (:func:`~modelsteward.domain.names.close_names`), read among at most 10,000 names of a
        length that can be close."""
        low, high = close_name_lengths(name)
        rows = self.c.execute(_NAMES_OF_LENGTH, {"low": low, "high": high})
        return close_names(name, (str(row.name) for row in rows))

    def _model_row(self, name: str, include_deleted: bool = False) -> Any:
        query = _MODEL_ANY if include_deleted else _MODEL_LIVE
        row = self.c.execute(query, {"name": name}).first()
        if row is not None:  # what _model_key would read next
            self._model_ids[name] = (row.id, row.versioning == VersionScheme.SNAPSHOT.value)
        return row

    def _model_key(self, name: str) -> tuple[str, bool]:
        """(id, uses_snapshots) of a model; raises ModelNotFound."""
        if name not in self._model_ids:
            row = self.c.execute(_MODEL_KEY, {"name": name}).first()
            if row is None:
                raise ModelNotFound(name)
            self._model_ids[name] = (row.id, row.versioning == VersionScheme.SNAPSHOT.value)
        return self._model_ids[name]

    def get_model(self, name: str, include_deleted: bool = False) -> Model | None:
        row = self._model_row(name, include_deleted)
        return _to_model(row) if row is not None else None

    def is_deleted(self, model: str, version: str = "") -> bool:
        """Whether ``model`` (or ``model@version``) is a tombstone."""
        if not version:
            row = self._model_row(model, include_deleted=True)
            return row is not None and row.deleted_at is not None
        model_id, _ = self._model_key(model)
        deleted = self.c.execute(select(versions.c.deleted_at).where(
            versions.c.model_id == model_id, versions.c.version == version)).first()
        return deleted is not None and deleted[0] is not None

    def mark_deleted(self, model: str, version: str, at: datetime) -> None:
        """Make ``model`` (or one version of it) a tombstone."""
        model_id, _ = self._model_key(model)
        if version:
            self.c.execute(update(versions).where(versions.c.model_id == model_id,
                                                  versions.c.version == version)
                           .values(deleted_at=at))
        else:
            self.c.execute(update(models).where(models.c.id == model_id).values(deleted_at=at))

    def list_models(self, *, after: str = "", limit: int = 1000) -> list[Model]:
        rows = self.c.execute(select(models).where(models.c.name > after,
                                                   models.c.deleted_at.is_(None))
                              .order_by(models.c.name).limit(limit))
        return [_to_model(r) for r in rows]

    def add_model(self, model: Model, created_at: datetime) -> None:
        self.c.execute(_INSERT_MODEL, {"id": _new_id(), "created_at": created_at,
                                       **_model_values(model)})

    def update_model(self, model: Model) -> None:
        self.c.execute(update(models).where(models.c.name == model.name)
                       .values(**_model_values(model)))

    # versions -------------------------------------------------------------------------------

    def _version_pk(self, model: str, version: str) -> str:
        """The primary key of ``model@version`` (deleted or not); raises VersionNotFound."""
        pk = self._version_pks.get((model, version))
        if pk is None:
            pk = self._version_pks[(model, version)] = super()._version_pk(model, version)
        return pk

    def get_version(self, model: str, version: str,
                    include_deleted: bool = False) -> Version | None:
        model_id, snapshots = self._model_key(model)
        row = self.c.execute(_VERSION_ANY if include_deleted else _VERSION_LIVE,
                             {"model_id": model_id, "version": version}).first()
        return self._with_files(model, snapshots, row) if row is not None else None

    def version_at(self, model: str, number: int) -> Version | None:
        """The live version with MLflow number ``number`` (its 1-based place in the
        registration order of ``model``, deleted versions included); None when ``model`` has
        fewer or that version is deleted. Raises ModelNotFound."""
        model_id, snapshots = self._model_key(model)
        if number < 1:
            return None
        row = self.c.execute(_VERSION_AT, {"model_id": model_id, "skip": number - 1}).first()
        if row is None or row.deleted_at is not None:
            return None
        return self._with_files(model, snapshots, row)

    def _with_files(self, model: str, snapshots: bool, row: Any) -> Version:
        """The version of ``row`` with its files; its key is kept for the updates that follow."""
        self._version_pks[(model, row.version)] = row.id
        files = self.c.execute(_VERSION_FILES, {"pk": row.id})
        return _to_version(model, snapshots, row,
                           tuple(FileDigest(f.path, f.sha256, f.size) for f in files))

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        model_id, snapshots = self._model_key(model)
        query = select(versions).where(versions.c.model_id == model_id)
        if not include_deleted:
            query = query.where(versions.c.deleted_at.is_(None))
        rows = self.c.execute(query.order_by(versions.c.registered_seq))
        found = [_to_version(model, snapshots, r) for r in rows]
        return sorted(found, key=_order_key)

    def latest_release(self, model: str) -> Version | None:
        model_id, snapshots = self._model_key(model)
        row = self.c.execute(_LATEST_SNAPSHOT if snapshots else _LATEST_RELEASE,
                             {"model_id": model_id}).first()
        return _to_version(model, snapshots, row) if row is not None else None

    def predecessor(self, model: str, version: Version) -> Version | None:
        model_id, snapshots = self._model_key(model)
        if not isinstance(version.id, ModelVersion):
            return None
        core = version.id.core
        row = self.c.execute(
            select(versions).where(
                versions.c.model_id == model_id, versions.c.variant == "",
                versions.c.prerelease == "",
                tuple_(versions.c.major, versions.c.minor, versions.c.patch) < tuple_(*core))
            .order_by(versions.c.major.desc(), versions.c.minor.desc(), versions.c.patch.desc())
            .limit(1)).first()
        return _to_version(model, snapshots, row) if row is not None else None

    def add_version(self, version: Version) -> None:
        model_id, _ = self._model_key(version.model)
        version_id = _new_id()
        semver_parts: dict[str, object]
        if isinstance(version.id, ModelVersion):
            v = version.id
            semver_parts = {"major": v.major, "minor": v.minor, "patch": v.patch,
                            "prerelease": v.prerelease, "variant": v.variant, "snapshot_date": ""}
        else:
            semver_parts = {"major": None, "minor": None, "patch": None, "prerelease": "",
                            "variant": "", "snapshot_date": version.id.date}
        seq, _ = self.chain_head()  # under the write lock: grows with every registration
        self.c.execute(_INSERT_VERSION, {
            "id": version_id, "model_id": model_id, "version": str(version.id),
            "registered_seq": seq + 1, "digest": version.digest,
            "change": version.change.value if version.change else None,
            "forced_reason": version.forced_reason, "description": version.description,
            "status": version.status, "meta": dict(version.metadata),
            "metrics": dict(version.metrics), "registered_at": version.registered_at,
            "registered_by": version.registered_by, **semver_parts})
        if version.files:
            self.c.execute(_INSERT_FILES, [
                {"version_id": version_id, "path": f.path, "sha256": f.sha256, "size": f.size}
                for f in version.files])

    def candidates(self, model: str, bounds: Bounds, variant: str,
                   allow_prerelease: bool, *, stages: Collection[Stage] | None = None,
                   unblocked: bool = False, include_deleted: bool = False) -> Iterator[Version]:
        model_id, snapshots = self._model_key(model)
        admitted: ColumnElement[bool] = (versions.c.stage.not_in(_UNRESOLVABLE) if stages is None
                    else versions.c.stage.in_([s.value for s in stages]))
        if unblocked:
            admitted = and_(admitted, versions.c.blocked_reason == "")
        live = [] if include_deleted else [versions.c.deleted_at.is_(None)]
        if snapshots:
            newest_first = self.c.execute(
                select(versions).where(versions.c.model_id == model_id, admitted, *live)
                .order_by(versions.c.snapshot_date.desc(), versions.c.registered_seq.desc()))
            for row in newest_first:
                yield _to_version(model, snapshots, row)
            return
        core = tuple_(versions.c.major, versions.c.minor, versions.c.patch)
        conditions = [versions.c.model_id == model_id, versions.c.variant == variant,
                      versions.c.major.is_not(None), admitted, *live]
        if not allow_prerelease:
            conditions.append(versions.c.prerelease == "")
        if bounds.lower is not None:
            conditions.append(core >= tuple_(*bounds.lower))
        order = (versions.c.major.desc(), versions.c.minor.desc(), versions.c.patch.desc())
        upper = bounds.upper
        page = _FIRST_PAGE  # most pins match the first candidate: start small, then grow
        while True:
            bounded = conditions + ([core <= tuple_(*upper)] if upper is not None else [])
            rows = self.c.execute(select(versions).where(and_(*bounded)).order_by(*order)
                                  .limit(page)).all()
            groups = [list(g) for _, g in groupby(rows, key=lambda r: (r.major, r.minor, r.patch))]
            if len(rows) < page:
                for group in groups:
                    yield from _sorted_desc(model, group)
                return
            last = groups.pop()  # may continue beyond this page
            for group in groups:
                yield from _sorted_desc(model, group)
            core_of_last = (last[0].major, last[0].minor, last[0].patch)
            if groups:
                upper = core_of_last  # fetch the last core again, whole, with what follows
            else:
                # one core with more than a page of pre-releases: take it whole
                whole = self.c.execute(select(versions).where(
                    and_(*conditions), core == tuple_(*core_of_last))).all()
                yield from _sorted_desc(model, whole)
                upper = core_below(core_of_last)
                if upper is None:
                    return
            page = min(page * 4, _PAGE)

    # provenance -----------------------------------------------------------------------------

    def add_attestation(self, model: str, version: str, statement: dict[str, object],
                        metrics: dict[str, object], attached_at: datetime, actor: str) -> None:
        self.c.execute(insert(attestations).values(
            id=_new_id(), version_id=self._version_pk(model, version), statement=statement,
            metrics=metrics, attached_at=attached_at, attached_by=actor))

    def attestations(self, model: str, version: str) -> list[dict[str, object]]:
        rows = self.c.execute(select(attestations).where(
            attestations.c.version_id == self._version_pk(model, version))
            .order_by(attestations.c.attached_at))
        return [{"statement": r.statement, "metrics": r.metrics,
                 "attached_at": r.attached_at.isoformat(), "attached_by": r.attached_by}
                for r in rows]

    # lineage --------------------------------------------------------------------------------

    def add_derivation(self, derivation: Derivation) -> None:
        self.c.execute(insert(lineage).values(id=_new_id(), child=derivation.child,
                                              parent=derivation.parent,
                                              relation=derivation.relation.value))

    def parents(self, ref: str) -> list[Derivation]:
        rows = self.c.execute(select(lineage).where(lineage.c.child == ref)
                              .order_by(lineage.c.parent))
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]

    def upstream_children(self, purl: str) -> list[Derivation]:
        """Derivations from ``purl`` or, when it names no revision, from any revision of it."""
        rows = self.c.execute(select(lineage).where(or_(
            lineage.c.parent == purl, lineage.c.parent.startswith(purl + "@")))
            .order_by(lineage.c.child))
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]

    def children(self, ref: str) -> list[Derivation]:
        rows = self.c.execute(select(lineage).where(lineage.c.parent == ref)
                              .order_by(lineage.c.child))
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]

    # events ---------------------------------------------------------------------------------

    def chain_head(self) -> tuple[int, str]:
        if self._head is not None:
            return self._head
        row = self.c.execute(_HEAD).first()
        head = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS)
        if self._writing:
            self._head = head
        return head

    def append_events(self, actor: str, time: datetime, new: Sequence[NewEvent]) -> list[Event]:
        seq, head_hash = self.chain_head()
        stamp = format_time(time)
        prev: Event | None = Event(seq, "", "", "", "", "", "", head_hash) if seq else None
        written: list[Event] = []
        for item in new:
            seq += 1
            prev = chain(prev, seq, stamp, actor, item)
            written.append(prev)
        if written:
            self.c.execute(_INSERT_EVENTS, [
                {"seq": e.seq, "time": e.time, "actor": e.actor, "kind": e.kind,
                 "subject": e.subject, "payload": e.payload_json, "prev_hash": e.prev_hash,
                 "hash": e.hash} for e in written])
            self.c.execute(_MOVE_HEAD, {"new_seq": written[-1].seq, "new_hash": written[-1].hash})
            self._head = (written[-1].seq, written[-1].hash)
        return written

    def events(self, *, subject_prefix: str = "", after_seq: int = 0,
               limit: int | None = None) -> list[Event]:
        query = select(events).where(events.c.seq > after_seq).order_by(events.c.seq)
        if subject_prefix:
            query = query.where(or_(events.c.subject == subject_prefix,
                                    events.c.subject.startswith(subject_prefix + "@")))
        if limit is not None:
            query = query.limit(limit)
        return [Event(r.seq, r.time, r.actor, r.kind, r.subject, r.payload, r.prev_hash, r.hash)
                for r in self.c.execute(query)]

    def events_before(self, *, subject_prefix: str = "", before_seq: int = 0,
                      limit: int) -> list[Event]:
        """The newest ``limit`` events (whose subject is ``subject_prefix`` or one of its
        versions), before ``before_seq`` when it is not 0; oldest first."""
        query = select(events).order_by(events.c.seq.desc()).limit(limit)
        if before_seq:
            query = query.where(events.c.seq < before_seq)
        if subject_prefix:
            query = query.where(or_(events.c.subject == subject_prefix,
                                    events.c.subject.startswith(subject_prefix + "@")))
        rows = list(self.c.execute(query))
        return [Event(r.seq, r.time, r.actor, r.kind, r.subject, r.payload, r.prev_hash, r.hash)
                for r in reversed(rows)]

    def table_state(self) -> dict[str, dict[str, object]]:
        """The current state as the tables hold it, for the state check (see
        :mod:`modelsteward.store.state_sql`)."""
        return table_state(self.c)


def _sorted_desc(model: str, rows: Sequence[Any]) -> list[Version]:
    return sorted((_to_version(model, False, r) for r in rows), key=_order_key, reverse=True)


def _order_key(version: Version) -> Any:
    return version.id


def _model_values(model: Model) -> dict[str, object]:
    return {
        "name": model.name, "kind": model.kind.value,
        "versioning": (model.versioning or VersionScheme.SEMVER).value,
        "description": model.description,
        "purpose": model.purpose, "owner_team": model.owner_team,
        "owner_contact": model.owner_contact, "provider": model.provider,
        "provider_model": model.provider_model, "risk_tier": model.risk_tier.value,
        "license": model.license, "tags": list(model.tags),
        "support_months": model.support.active_months, "support_after": model.support.afterwards,
        "extra": dict(model.extra),
    }


def _to_model(row: Any) -> Model:
    return Model(
        name=row.name, kind=ModelKind(row.kind), description=row.description, purpose=row.purpose,
        owner_team=row.owner_team, owner_contact=row.owner_contact, provider=row.provider,
        provider_model=row.provider_model, risk_tier=RiskTier(row.risk_tier), license=row.license,
        tags=tuple(row.tags), support=SupportPolicy(row.support_months, row.support_after),
        extra=dict(row.extra), versioning=VersionScheme(row.versioning))


def _to_version(model: str, snapshots: bool, row: Any,
                files: tuple[FileDigest, ...] = ()) -> Version:
    vid: VersionId = (Snapshot.parse(row.version) if row.major is None
                      else ModelVersion(row.major, row.minor, row.patch, row.prerelease,
                                        row.variant))
    meta: Mapping[str, object] = row.meta
    return Version(
        model=model, id=vid, registered_at=row.registered_at, registered_by=row.registered_by,
        digest=row.digest, files=files, change=ChangeKind(row.change) if row.change else None,
        forced_reason=row.forced_reason, description=row.description, status=row.status,
        metadata=dict(meta), metrics=dict(row.metrics), stage=Stage(row.stage),
        blocked_reason=row.blocked_reason)
