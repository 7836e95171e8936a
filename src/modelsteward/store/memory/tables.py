"""The in-memory tables of :class:`~modelsteward.store.memory.MemoryStore`: plain dicts of frozen
rows. A write transaction works on a shallow copy (:meth:`Tables.fork`) and replaces rows rather
than changing them, so the published tables are never touched until it commits."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.consumers import ConsumerKind
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.events import GENESIS, Event
from modelsteward.domain.experiment import Experiment
from modelsteward.domain.lifecycle import (
    Approval,
    Evaluation,
    GateOverride,
    StagingCheck,
)
from modelsteward.domain.lineage import Derivation
from modelsteward.domain.model import Model, Version
from modelsteward.domain.notices import Notice
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.domain.outcomes import MomentKey, Moments
from modelsteward.domain.subscriptions import Subscription
from modelsteward.domain.tokens import Token, WebSession

T = TypeVar("T")
Ref = tuple[str, str]  # (model, version)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC, as the SQL store gives times back; naive times are refused as there."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; use UTC")
    return moment.astimezone(UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


def stored(obj: T) -> T:
    """A frozen dataclass with every datetime field in UTC (what a database round trip does)."""
    changes = {f.name: utc(value) for f in fields(obj)  # type: ignore[arg-type]
               if isinstance(value := getattr(obj, f.name), datetime)}
    return replace(obj, **changes) if changes else obj  # type: ignore[type-var]


def as_json(value: T) -> T:
    """``value`` as a JSON column gives it back: a fresh copy with JSON's types."""
    result: T = json.loads(json.dumps(value))
    return result


def fresh(obj: T) -> T:
    """A copy the caller may change without changing the store."""
    return copy.deepcopy(obj)


@dataclass(frozen=True)
class ModelRow:
    model: Model  # ``versioning`` always set, ``extra`` as JSON
    created_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class VersionRow:
    version: Version  # with its files, sorted by path; stage and blocked reason current
    seq: int  # registered_seq: the chain head's seq + 1 when it was registered
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class AttestationRow:
    statement: dict[str, object]
    metrics: dict[str, object]
    attached_at: datetime
    attached_by: str


@dataclass(frozen=True)
class AliasRow:
    number: int  # insertion order, standing in for the SQL row's id
    alias: str
    version: str
    exclusive: bool
    assigned_at: datetime
    assigned_by: str
    reason: str
    removed_at: datetime | None = None


@dataclass(frozen=True)
class ConsumerRow:
    name: str
    kind: ConsumerKind
    team: str
    contact: str
    environment: str
    created_at: datetime
    pins: tuple[tuple[str, str], ...] = ()  # (model, pin), one per model


@dataclass(frozen=True)
class NoticeRow:
    id: str
    notice: Notice


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    notice_id: str
    subscription_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str = ""
    leased_until: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class AdvisoryRow:
    advisory: Advisory
    document: str  # canonical JSON of the OSV record
    packages: frozenset[tuple[str, str]]
    digests: frozenset[str]


@dataclass(frozen=True)
class KeptRow:
    fingerprint: str
    expires_at: datetime
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True)
class PipelineRow:
    model: str
    definition: str  # canonical JSON in the pipeline file's shape
    imported_at: datetime
    imported_by: str
    schedule_checked_at: datetime | None = None


@dataclass(frozen=True)
class RunRow:
    model: str
    started_at: datetime
    record: str  # canonical JSON of the run with the definition it follows


@dataclass
class Tables:
    """Everything the store holds. Containers are replaced or copied before a change (see
    :meth:`fork`); rows are frozen. Events are the exception: see ``event_count``."""

    models: dict[str, ModelRow] = field(default_factory=dict)
    versions: dict[Ref, VersionRow] = field(default_factory=dict)
    registered: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by registration
    attestations: dict[Ref, tuple[AttestationRow, ...]] = field(default_factory=dict)
    lineage: dict[tuple[str, str], Derivation] = field(default_factory=dict)  # (child, parent)
    # the events list is shared by every generation and only ever appended to under the write
    # lock: a generation sees its first ``event_count`` entries (a rollback cuts the rest off)
    events: list[Event] = field(default_factory=list)
    event_count: int = 0
    head: tuple[int, str] = (0, GENESIS)
    evaluations: dict[Ref, tuple[Evaluation, ...]] = field(default_factory=dict)
    approvals: dict[Ref, tuple[Approval, ...]] = field(default_factory=dict)
    checks: dict[Ref, tuple[StagingCheck, ...]] = field(default_factory=dict)
    overrides: dict[Ref, tuple[GateOverride, ...]] = field(default_factory=dict)
    aliases: dict[str, tuple[AliasRow, ...]] = field(default_factory=dict)  # by model
    alias_numbers: int = 0
    locations: dict[Ref, tuple[tuple[str, str, datetime, str], ...]] = field(default_factory=dict)
    measurements: dict[Ref, tuple[tuple[str, float, datetime], ...]] = field(
        default_factory=dict)
    consumers: dict[str, ConsumerRow] = field(default_factory=dict)
    plans: tuple[DeprecationPlan, ...] = ()
    upstream_plans: tuple[DeprecationPlan, ...] = ()
    notices: dict[str, NoticeRow] = field(default_factory=dict)  # by id, oldest first
    notice_keys: dict[str, str] = field(default_factory=dict)  # key -> id
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[str, DeliveryRow] = field(default_factory=dict)
    tokens: dict[str, tuple[Token, str]] = field(default_factory=dict)
    web_sessions: dict[str, WebSession] = field(default_factory=dict)  # by id hash
    model_tags: dict[str, dict[str, str]] = field(default_factory=dict)
    version_tags: dict[Ref, dict[str, str]] = field(default_factory=dict)
    advisories: dict[str, AdvisoryRow] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], KeptRow] = field(default_factory=dict)
    experiments: dict[str, Experiment] = field(default_factory=dict)
    # by experiment; each inner dict is replaced, never changed, by a write
    experiment_moments: dict[str, dict[MomentKey, Moments]] = field(default_factory=dict)
    pipelines: dict[str, PipelineRow] = field(default_factory=dict)  # by model
    pipeline_runs: dict[str, RunRow] = field(default_factory=dict)  # by run id

    def fork(self) -> Tables:
        """A working copy for one write transaction: every container copied (shallowly; rows
        are immutable), the events list shared."""
        copies: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            copies[f.name] = value if f.name == "events" else copy.copy(value)
        return Tables(**copies)
