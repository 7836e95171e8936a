"""A registry of N versions over M models, for benchmarks at scale (SQLite file or PostgreSQL).

The registry (all at one fixed time, by the actor ``seeder``):

* M models ``model-000000``…, owned by 200 teams, risk tiers in turn, tags and a purpose; with
  ``--big N``, one more model, ``model-big``, holding N of the versions;
* the versions spread evenly: each model's first ``1.0.0``, the next ones retrains (the version
  :func:`~modelsteward.domain.versioning.next_version` gives), each with a metric;
* per model, its newest version in production (with the ``production`` alias) for four models
  in five, and for one model in five the version before in staging, waiting for approval; a
  stage is recorded as a registry-file import records one (the stage event says ``imported``),
  so no gate is pretended to have passed;
* one consumer per 50 models (pinning two models each), one deprecation plan per 200 models and
  an advisory per 5,000 models (at least one each), all through the registry's own services
  (``consumers.add_in`` and ``deprecations.check_plan``/``write_plan``, 250 to a write
  transaction; ``advisories.create``).

Two ways to write the catalog part (models, versions, stages, aliases and their events):

* ``store``: through the registry's write path, one model at a time (``create_model``,
  ``register_version``, then the stage in a write transaction): the reference, slow at scale;
* ``bulk`` (the default): the same rows computed here and inserted in batches (executemany; COPY
  on PostgreSQL) in one transaction: ``models``, ``versions``, ``alias_assignments``, the events
  numbered and hash-chained exactly as :func:`~modelsteward.domain.events.extend_chain` does, and
  ``chain_head``. These event kinds name no other model, so ``event_mentions`` gets no rows from
  them; the consumers and advisories, written by the services afterwards, index theirs.
  Worker processes compute the batches' rows (on PostgreSQL as COPY text), with each event's
  canonical JSON and the body its hash is taken of but for the previous hash; this process
  chains the hashes (the one sequential step) and inserts.
  On PostgreSQL the secondary indexes of ``versions`` and ``events`` are dropped before a large
  load and built again after it, and the catalog's tables are then analysed, as autovacuum
  would soon after such a load (before the services' part, whose reads would otherwise be
  planned for empty tables), and the services' tables after it.
  ``tests/bench/test_scale_seed.py`` checks that both ways give the same tables (ids aside), the
  same answers and a history ``steward log verify`` accepts, on SQLite and (the COPY path, with
  and without workers, chained over several batches) on PostgreSQL.

    python bench/scale_seed.py --database sqlite:///registry.db          # 1,000,000 versions
    python bench/scale_seed.py --database postgresql+psycopg://… --versions 100000 --models 10000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer
from sqlalchemy import Connection, Table, insert, text, update
from sqlalchemy.schema import CreateIndex, DropIndex

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.events import GENESIS, NewEvent, format_time
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, ModelKind, RiskTier, Version
from modelsteward.domain.payloads import model_payload, version_payload
from modelsteward.domain.versioning import ChangeKind, ModelVersion
from modelsteward.store.rows import model_values
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import (
    alias_assignments,
    chain_head,
    events,
    metadata,
    models,
    versions,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ACTOR = "seeder"
SOURCE = "scale-seed"
PRODUCTION = "production"
TEAMS = 200
BIG = "model-big"
_BATCH = 5000  # models written per batch of the bulk path
_SERVICE_BATCH = 250  # consumers or plans written per transaction by seed_services
_VERSIONS = 20_000  # versions per batch at most (model-big's in slices of as many)


class FixedClock:
    """Every read of a benchmark happens at :data:`NOW`."""

    def now(self) -> datetime:
        return NOW


class SeedClock:
    """The seed's clock: model ``i`` and its versions are written ``models - i`` seconds
    before :data:`NOW` (so that listings by time are not all ties), the services' part at
    :data:`NOW`."""

    def __init__(self) -> None:
        self.moment = NOW

    def now(self) -> datetime:
        return self.moment


def moment_of(shape: Shape, i: int) -> datetime:
    """When model ``i`` of ``shape`` (``model-big``: the last) is written."""
    return NOW - timedelta(seconds=shape.models + 1 - i)


@dataclass(frozen=True)
class Shape:
    """How many versions over how many models, and how many of them ``model-big`` holds."""

    versions: int = 1_000_000
    models: int = 100_000
    big: int = 0

    def counts(self) -> Iterator[tuple[int, str, int]]:
        """(index, name, number of versions) of every model, in name order."""
        rest = self.versions - self.big
        each, extra = divmod(rest, self.models)
        for i in range(self.models):
            yield i, model_name(i), each + (1 if i < extra else 0)
        if self.big:
            yield self.models, BIG, self.big


def model_name(i: int) -> str:
    return f"model-{i:06d}"


def model_of(i: int, name: str) -> Model:
    return Model(name, kind=ModelKind.SELF_HOSTED, description=f"Scale model {i}",
                 purpose="ranking" if i % 3 else "fraud scoring", owner_team=f"team-{i % TEAMS}",
                 owner_contact=f"team-{i % TEAMS}@example.com",
                 risk_tier=(RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)[i % 3],
                 tags=("scale", f"domain-{i % 7}"))


def version_ids(count: int, start: int = 0) -> list[tuple[ModelVersion, ChangeKind | None]]:
    """The ids registrations ``start``… of ``count`` give: ``1.0.0`` (no change said), then
    retrains, each the next minor version (what
    :func:`~modelsteward.domain.versioning.next_version` gives for a retrain; a test checks it):
    written out, so that a slice of a model of 1,000,000 versions costs only its own length."""
    return [(ModelVersion(1, n, 0), ChangeKind.RETRAIN if n else None)
            for n in range(start, count)]


def stages_of(i: int, count: int) -> list[tuple[int, Stage]]:
    """(index of the version, stage) a model's versions are put in, in that order."""
    found: list[tuple[int, Stage]] = []
    if i % 5 != 4 and count:
        found.append((count - 1, Stage.PRODUCTION))
    if i % 5 == 0 and count >= 2:
        found.append((count - 2, Stage.STAGING))
    return found


def stage_payload(version: Version, stage: Stage, entry: str) -> dict[str, object]:
    """What a registry-file import records for a stage it sets (``service/registry_file``)."""
    return {"from": version.stage.value, "to": stage.value, "gates": [], "overridden": [],
            "imported": True, "source": SOURCE, "entry": entry,
            "reason": (f"seeded ({SOURCE}, {entry}): the registry's gates were not checked")}


def alias_reason(entry: str) -> str:
    return f"seeded ({SOURCE}, {entry})"


def new_version(name: str, vid: ModelVersion, change: ChangeKind | None, n: int,
                at: datetime) -> Version:
    return Version(name, vid, at, ACTOR, change=change, metrics={"accuracy": 0.8 + n % 100 / 1000})


# --- the reference: the registry's write path ---------------------------------------------------


def seed_store(registry: Registry, shape: Shape) -> None:
    """The catalog part through the registry's own write path, one model at a time."""
    clock = registry.clock
    assert isinstance(clock, SeedClock), "open the registry with open_registry()"
    for i, name, count in shape.counts():
        clock.moment = moment_of(shape, i)
        registry.create_model(model_of(i, name))
        made = [registry.register_version(name, str(vid), change=change,
                                          metrics={"accuracy": 0.8 + n % 100 / 1000})
                for n, (vid, change) in enumerate(version_ids(count))]
        staged = stages_of(i, count)
        if not staged:
            continue
        with registry.store.write() as tx:
            for index, stage in staged:
                version, entry = made[index], f"models.{name}"
                tx.set_stage(name, str(version.id), stage)
                registry.record(tx, NewEvent(ev.VERSION_PROMOTED, version.ref,
                                             stage_payload(version, stage, entry)))
                if stage is Stage.PRODUCTION:
                    registry.lifecycle.move_alias_in(tx, name, PRODUCTION, str(version.id),
                                                     alias_reason(entry))


# --- the bulk path ------------------------------------------------------------------------------


# canonical_json's encoder, made once: json.dumps with these options builds one per call
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False).encode
_string = json.encoder.encode_basestring  # a str as canonical_json writes it


class _Numbering:
    """Numbers events as ``extend_chain`` does and writes each one's canonical JSON and the
    body ``event_hash`` hashes (written out in its sorted key order: the test compares the rows
    with the write path's), all but the previous hash, which only :func:`_link` knows: so
    batches can be computed apart (in worker processes) and only the SHA-256 chain is
    sequential."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.stamp = format_time(NOW)
        self.bodies: list[tuple[str, str]] = []  # each event's body before and after its prev

    def add(self, kind: str, subject: str, payload: dict[str, object]) -> dict[str, object]:
        self.seq += 1
        payload_json = _canonical(payload)
        self.bodies.append((
            f'{{"actor":{_string(ACTOR)},"kind":{_string(kind)},'
            f'"payload":{_string(payload_json)},"prev":"',
            f'","seq":{self.seq},"subject":{_string(subject)},"time":{_string(self.stamp)}}}'))
        return {"seq": self.seq, "time": self.stamp, "actor": ACTOR, "kind": kind,
                "subject": subject, "payload": payload_json}


def _link(rows: list[dict[str, object]], bodies: list[tuple[str, str]], head: str) -> str:
    """Chain ``rows`` (events numbered by :class:`_Numbering`) after the hash ``head``; the
    hash of the last."""
    sha256 = hashlib.sha256
    for row, (before, after) in zip(rows, bodies, strict=True):
        row["prev_hash"] = head
        head = sha256(f"{before}{head}{after}".encode()).hexdigest()
        row["hash"] = head
    return head


# a slice of a model's versions: (index, name, count, start, stop); a model of more versions
# than a batch holds is written in several slices, the model in the first, its stages (which
# follow all its registrations) in the last
_Part = tuple[int, str, int, int, int]


def events_of(i: int, count: int, start: int = 0, stop: int | None = None) -> int:
    """How many events the catalog part records for model ``i`` of ``count`` versions (for
    its versions ``start`` to ``stop`` alone: a slice)."""
    stop = count if stop is None else stop
    return ((1 if start == 0 else 0) + stop - start
            + (sum(2 if stage is Stage.PRODUCTION else 1 for _, stage in stages_of(i, count))
               if stop == count else 0))


# a batch, the sequence its events follow, whether its rows go as COPY text, and the namespace
# of the ids of the models written in slices (the same in every slice)
_Job = tuple["Shape", list[_Part], int, bool, uuid.UUID]


@dataclass
class _Rows:
    models: list[dict[str, object]]
    versions: list[dict[str, object]]
    aliases: list[dict[str, object]]
    events: list[dict[str, object]]
    bodies: list[tuple[str, str]]
    # for COPY (PostgreSQL): the tables' rows as COPY text (table: (columns, text)), the
    # events' lines up to their last two columns, which the chain fills in (dicts emptied)
    text: dict[str, tuple[str, str]] | None = None
    lines: list[str] | None = None
    count: int = 0  # versions in the batch


def _rows(shape: Shape, batch: Sequence[_Part], first: int,
          namespace: uuid.UUID | None = None) -> _Rows:
    """The rows the write path makes for ``batch`` (models, or slices of one, with their
    versions and stages), its events numbered from ``first`` + 1 and not yet chained (see
    :func:`_link`). A model written in slices has ids made from ``namespace``, its name and the
    version's index, the same in every slice."""
    log = _Numbering(first)
    rows = _Rows([], [], [], [], log.bodies)
    for i, name, count, start, stop in batch:
        whole = start == 0 and stop == count
        at = moment_of(shape, i)
        log.stamp = format_time(at)
        model = model_of(i, name)
        model_key = uuid.uuid5(namespace or uuid.NAMESPACE_URL, name)
        model_id = str(uuid.uuid4() if whole else model_key)

        if start == 0:
            rows.models.append({"id": model_id, "created_at": at, "deleted_at": None,
                                **model_values(model)})
            rows.events.append(log.add(ev.MODEL_CREATED, name, model_payload(model)))
        staged = stages_of(i, count)
        final = dict(staged)
        made: dict[int, tuple[str, Version]] = {}
        for n, (vid, change) in enumerate(version_ids(stop, start), start):
            version = new_version(name, vid, change, n, at)
            version_id = _version_key(whole, model_key, n)
            stage = final.get(n, Stage.TRAINED)
            rows.versions.append({
                "id": version_id, "model_id": model_id, "version": str(vid),
                "major": vid.major, "minor": vid.minor, "patch": vid.patch,
                "prerelease": vid.prerelease, "variant": vid.variant, "snapshot_date": "",
                "registered_seq": log.seq + 1, "number": n + 1, "digest": "",
                "change": change.value if change else None, "forced_reason": "",
                "description": "", "status": "", "meta": {}, "metrics": dict(version.metrics),
                "registered_at": at, "registered_by": ACTOR, "stage": stage.value,
                "blocked_reason": "", "deleted_at": None})
            rows.events.append(log.add(ev.VERSION_REGISTERED, version.ref,
                                       version_payload(version)))
            if n in final:
                made[n] = (version_id, version)
        if stop != count:
            continue
        for index, stage in staged:
            if index in made:
                version_id, version = made[index]
            else:  # registered in an earlier slice
                vid, change = version_ids(index + 1, index)[0]
                version_id, version = (_version_key(whole, model_key, index),
                                       new_version(name, vid, change, index, at))
            entry = f"models.{name}"
            rows.events.append(log.add(ev.VERSION_PROMOTED, version.ref,
                                       stage_payload(version, stage, entry)))
            if stage is Stage.PRODUCTION:
                rows.aliases.append({
                    "id": str(uuid.uuid4()), "model_id": model_id, "alias": PRODUCTION,
                    "version_id": version_id, "exclusive": True, "assigned_at": at,
                    "assigned_by": ACTOR, "reason": alias_reason(entry), "removed_at": None})
                rows.events.append(log.add(ev.ALIAS_SET, version.ref, {
                    "alias": PRODUCTION, "previous": None, "reason": alias_reason(entry)}))
    return rows


def _version_key(whole: bool, model: uuid.UUID, n: int) -> str:
    """The id of a model's ``n``-th version: random, or made from the model's id for a model
    written in slices."""
    return str(uuid.uuid4() if whole else uuid.uuid5(model, str(n)))


def _chunks(items: Iterator[tuple[int, str, int]], size: int,
            limit: int) -> Iterator[list[_Part]]:
    """Batches of ``size`` models at most, holding about ``limit`` versions at most: a model of
    more is cut in slices of ``limit`` (the last of at least two versions, the ones its stages
    may name), each a batch of its own."""
    batch: list[_Part] = []
    held = 0
    for i, name, count in items:
        if count > limit:
            if batch:
                yield batch
                batch, held = [], 0
            cuts = list(range(0, count, max(limit, 2)))
            if count - cuts[-1] < 2 and len(cuts) > 1:
                cuts.pop()
            for start, stop in zip(cuts, [*cuts[1:], count], strict=True):
                yield [(i, name, count, start, stop)]
            continue
        if batch and (len(batch) == size or held + count > limit):
            yield batch
            batch, held = [], 0
        batch.append((i, name, count, 0, count))
        held += count
    if batch:
        yield batch


def _inserter(connection: Connection) -> Callable[[Table, list[dict[str, object]]], None]:
    """Rows into a table: COPY on PostgreSQL (JSON as canonical text), executemany elsewhere
    (for ``mlflow_seed``, whose rows are few per model)."""
    if connection.dialect.name != "postgresql":
        def execute_many(table: Table, rows: list[dict[str, object]]) -> None:
            if rows:
                connection.execute(insert(table), rows)
        return execute_many

    raw: Any = connection.connection.driver_connection

    def copy(table: Table, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copying:
            for row in rows:
                copying.write_row([_canonical(row[n]) if n in json_columns else row[n]
                                   for n in names])
    return copy


def seed_bulk(registry: Registry, shape: Shape,
              progress: Callable[[int], None] | None = None, *, processes: int | None = None,
              batch: int = _VERSIONS) -> None:
    """The catalog part as :func:`seed_store` writes it, inserted in batches of about
    ``batch`` versions in one transaction (see the module docstring), the batches' rows
    computed by ``processes`` worker processes (``None``: as many as cores for a large seed,
    none for a small one; ``0``: none)."""
    store = registry.store
    if not isinstance(store, SqlStore):
        raise SystemExit("The bulk path writes SQL tables: give a database URL.")
    with store.write() as tx:
        connection = tx.c
        as_text = connection.dialect.name == "postgresql"
        seq, head = tx.chain_head()
        if not seq:
            head = GENESIS
        written = 0
        if processes is None:
            processes = (os.cpu_count() or 1) if shape.versions >= 4 * batch else 0
        # on PostgreSQL the secondary indexes of the two largest tables are built once after
        # the load (a sort each), not kept up to date row by row during it
        rebuilt = [index for table in (versions, events) for index in table.indexes
                   if not index.unique] if as_text and shape.versions >= 4 * batch else []
        for index in rebuilt:
            connection.execute(DropIndex(index))
        with _mapper(processes) as mapped:
            for rows in mapped(_batch_rows, _batches(shape, seq, as_text, batch)):
                if rows.text is not None and rows.lines is not None:
                    head = _copy(connection, rows.text, rows.lines, rows.bodies, head)
                else:
                    head = _link(rows.events, rows.bodies, head)
                    for table, found in ((models, rows.models), (versions, rows.versions),
                                         (alias_assignments, rows.aliases),
                                         (events, rows.events)):
                        if found:
                            connection.execute(insert(table), found)
                seq += len(rows.bodies)
                written += rows.count
                if progress is not None:
                    progress(written)
        for index in rebuilt:
            connection.execute(CreateIndex(index))
        if seq:
            connection.execute(update(chain_head).where(chain_head.c.id == 1)
                               .values(seq=seq, hash=head))


def _copy(connection: Connection, text: dict[str, tuple[str, str]], lines: list[str],
          bodies: list[tuple[str, str]], head: str) -> str:
    """COPY a batch's rows (see :class:`_Rows`), its events chained after the hash ``head``;
    the hash of the last."""
    raw: Any = connection.connection.driver_connection
    sha256 = hashlib.sha256
    chained: list[str] = []
    for line, (before, after) in zip(lines, bodies, strict=True):
        digest = sha256(f"{before}{head}{after}".encode()).hexdigest()
        chained.append(f"{line}\t{head}\t{digest}\n")
        head = digest
    names = ", ".join(c.name for c in events.columns)
    with raw.cursor() as cursor:
        for table, (columns, data) in [*text.items(), ("events", (names, "".join(chained)))]:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copying:
                copying.write(data)
    return head


def _batches(shape: Shape, seq: int, as_text: bool, limit: int) -> Iterator[_Job]:
    """The batches of the bulk path, each with the sequence its events follow."""
    namespace = uuid.uuid4()
    for batch in _chunks(shape.counts(), _BATCH, limit):
        yield shape, batch, seq, as_text, namespace
        seq += sum(events_of(i, count, start, stop) for i, _, count, start, stop in batch)


def _batch_rows(job: _Job) -> _Rows:
    shape, batch, seq, as_text, namespace = job
    rows = _rows(shape, batch, seq, namespace)
    rows.count = len(rows.versions)
    if as_text:
        rows.text = {table.name: _copy_text(table, found) for table, found in (
            (models, rows.models), (versions, rows.versions),
            (alias_assignments, rows.aliases)) if found}
        # one line per event: COPY text escapes line breaks inside values
        rows.lines = _copy_text(events, rows.events)[1].split("\n")[:-1]
        rows.models, rows.versions, rows.aliases = [], [], []
    return rows


def _copy_text(table: Table, rows: list[dict[str, object]]) -> tuple[str, str]:
    """(columns, COPY text) of ``rows`` of ``table``: formatted as psycopg's ``Copy.write_row``
    formats them (its own formatter, made here as it makes one), JSON as canonical text."""
    formatter = TextFormatter(Transformer())
    names = list(rows[0])
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    data = bytearray()
    for row in rows:
        data += formatter.write_row([_canonical(row[n]) if n in json_columns else row[n]
                                     for n in names])
    data += formatter.end()
    return ", ".join(names), data.decode()


@contextmanager
def _mapper(processes: int) -> Iterator[Callable[[Callable[[_Job], _Rows], Iterator[_Job]],
                                                 Iterator[_Rows]]]:
    """``processes`` worker processes computing batches' rows in order, ahead of this one
    (which mostly waits on the database, so as many workers as cores), or this process alone
    for none."""
    if not processes:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap


# --- what the services write (both ways) --------------------------------------------------------


def seed_services(registry: Registry, shape: Shape) -> None:
    """Consumers, deprecation plans and advisories through the registry's services."""
    clock = registry.clock
    if isinstance(clock, SeedClock):
        clock.moment = NOW
    names = [name for _, name, count in shape.counts() if count]
    # a consumer's pins must resolve to an eligible version: a model in production
    live = [name for i, name, count in shape.counts()
            if any(stage is Stage.PRODUCTION for _, stage in stages_of(i, count))]
    # the consumers, then the plans, in write transactions of _SERVICE_BATCH each (what
    # ``consumers.add`` and ``deprecations.plan`` do, several at a time: a transaction each
    # was most of the services' part)
    consumers = range(max(1, len(names) // 50))
    for start in range(0, len(consumers), _SERVICE_BATCH):
        with registry.store.write() as tx:
            for n in consumers[start:start + _SERVICE_BATCH]:
                first, second = live[(n * 50) % len(live)], live[(n * 50 + 25) % len(live)]
                pins = (ConsumerPin(first, "*"),) + (
                    (ConsumerPin(second, "^1"),) if second != first else ())
                registry.consumers.add_in(tx, Consumer(
                    f"app-{n:05d}", ConsumerKind.APPLICATION, f"team-{n % TEAMS}",
                    f"app-{n}@example.com", "production", pins))
    plan_models(registry, [(n, names[(n * 200 + 7) % len(names)])
                           for n in range(max(1, len(names) // 200))])
    for n in range(max(1, len(names) // 5000)):
        name = names[(n * 5000 + 11) % len(names)]
        registry.advisories.create(Advisory(
            "", NOW, summary=f"Scale advisory {n}",
            affected=(Affected(ECOSYSTEM, name, ranges=(AffectedRange("SEMVER", (
                RangeEvent(EventKind.INTRODUCED, "0"),)),)),),
            database_specific={"severity": ("LOW", "MODERATE", "HIGH")[n % 3]}))



def plan_models(registry: Registry, planned: Sequence[tuple[int, str]]) -> None:
    """A ``MODEL@*`` plan for each ``(n, MODEL)`` of ``planned``, its deadlines spread by
    ``n``, written through the deprecations service, ``_SERVICE_BATCH`` to a transaction."""
    today = NOW.date()
    for start in range(0, len(planned), _SERVICE_BATCH):
        with registry.store.write() as tx:
            for n, name in planned[start:start + _SERVICE_BATCH]:
                deprecations = registry.deprecations
                deprecations.write_plan(tx, deprecations.check_plan(
                    tx, f"{name}@*", reason=DeprecationReason.REPLACED, replacement="",
                    announced=today, soft_deadline=today + timedelta(days=30 + n % 60),
                    hard_deadline=today + timedelta(days=120 + n % 60),
                    migration_steps=("move to the next version",), support_window="",
                    redirect=False), None)

def seed(registry: Registry, shape: Shape, *, path: str = "bulk",
         progress: Callable[[int], None] | None = None) -> None:
    """The whole registry of ``shape`` into ``registry`` (empty), the catalog by ``path``."""
    if path == "store":
        seed_store(registry, shape)
    else:
        seed_bulk(registry, shape, progress)
    analyze(registry, catalog=True)
    seed_services(registry, shape)
    analyze(registry, catalog=False)


CATALOG = frozenset(t.name for t in (models, versions, alias_assignments, events, chain_head))


def analyze(registry: Registry, catalog: bool | None = None) -> None:
    """On PostgreSQL, the planner's statistics of the seeded tables, as autovacuum gathers them
    soon after a bulk load (without them it plans for empty tables: seconds for what takes
    milliseconds): the catalog's tables (``catalog``: true), the others (false) or all. The
    catalog's are gathered before the services' part, whose reads of the catalog they speed
    up. SQLite is left as the registry leaves it: it never runs ANALYZE."""
    store = registry.store
    if isinstance(store, SqlStore):
        with store.write() as tx:
            if tx.c.dialect.name == "postgresql":
                for table in metadata.sorted_tables:
                    if catalog is None or (table.name in CATALOG) == catalog:
                        tx.c.execute(text(f"ANALYZE {table.name}"))


def open_registry(url: str) -> Registry:
    """The registry at ``url`` as the seed writes it (by :data:`ACTOR`, on a
    :class:`SeedClock`)."""
    return Registry.open(url, actor=ACTOR, clock=SeedClock())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="the (empty) registry's URL")
    parser.add_argument("--versions", type=int, default=Shape.versions)
    parser.add_argument("--models", type=int, default=Shape.models)
    parser.add_argument("--big", type=int, default=0,
                        help="versions of one more model, model-big (taken from --versions)")
    parser.add_argument("--path", choices=("bulk", "store"), default="bulk")
    args = parser.parse_args()
    shape = Shape(args.versions, args.models, args.big)
    with open_registry(args.database) as registry:
        timed(registry, shape, args.path)


def timed(registry: Registry, shape: Shape, path: str = "bulk") -> float:
    """Seed ``shape`` and print how long the catalog and the services' part took."""
    started = time.perf_counter()

    def progress(done: int) -> None:
        print(f"\r  {done:,} versions written ({time.perf_counter() - started:.0f} s)",
              end="", flush=True)

    if path == "store":
        seed_store(registry, shape)
    else:
        seed_bulk(registry, shape, progress)
    analyze(registry, catalog=True)
    catalog = time.perf_counter() - started
    seed_services(registry, shape)
    services = time.perf_counter() - started - catalog
    analyze(registry, catalog=False)
    took = time.perf_counter() - started
    print(f"\rseeded {shape.versions:,} versions over {shape.models:,} models"
          f"{f' ({shape.big:,} in {BIG})' if shape.big else ''} by the {path} path in "
          f"{took:.1f} s (catalog and its analysis {catalog:.1f} s, services {services:.1f} s, "
          f"their analysis {took - catalog - services:.1f} s)", flush=True)
    return took


if __name__ == "__main__":
    main()
