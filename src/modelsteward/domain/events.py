"""Events and the hash chain that makes the history tamper-evident.

Each event's hash is SHA-256 over a canonical JSON object of its sequence number, time, actor,
kind, subject, payload and the previous event's hash. Editing any field, deleting an event or
reordering events breaks the chain at a sequence number that :func:`verify_chain` names.

Event kinds follow ``source:subject:action``, e.g. ``model:version:registered``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64

MODEL_CREATED = "model:created"
MODEL_UPDATED = "model:updated"
VERSION_REGISTERED = "model:version:registered"
VERSION_ATTESTED = "model:version:attested"
VERSION_DERIVED = "model:version:derived"
REGISTRY_IMPORTED = "registry:file:imported"
VERSION_EVALUATED = "model:version:evaluated"
VERSION_PROMOTED = "model:version:promoted"
VERSION_APPROVED = "model:version:approved"
VERSION_CHECKED = "model:version:checked"
VERSION_REJECTED = "model:version:rejected"
VERSION_DEPRECATED = "model:version:deprecated"
VERSION_RETIRED = "model:version:retired"
VERSION_MEASURED = "model:version:measured"
VERSION_BREACHED = "model:version:breached"  # one per metric beyond a monitoring threshold
VERSION_DEGRADED = "model:version:degraded"
GATE_OVERRIDDEN = "model:version:gate-overridden"
ALIAS_SET = "model:alias:set"
ALIAS_REMOVED = "model:alias:removed"
ALIAS_ROLLED_BACK = "model:alias:rolled-back"
ROLLBACK_FAILED = "model:alias:rollback-failed"
DEPRECATION_PLANNED = "model:deprecation:planned"
DEPRECATION_PHASE = "model:deprecation:phase"
# a version past its plan's hard deadline that was not retired (it holds production); it
# changes nothing in the tables
DEPRECATION_OVERDUE = "model:deprecation:overdue"
# a re-embedding plan recorded for moving an embedding model's consumers (domain/embedding.py):
# the deprecation plan carries it, or a consumer's move does
REEMBEDDING_PLANNED = "model:reembedding:planned"
MODEL_DELETED = "model:deleted"
VERSION_RESTORED = "model:version:restored"
VERSION_DELETED = "model:version:deleted"
CONSUMER_REGISTERED = "consumer:registered"
CONSUMER_PINNED = "consumer:pin:set"
CONSUMER_UNPINNED = "consumer:pin:removed"
CONSUMER_REMOVED = "consumer:removed"
ADVISORY_PUBLISHED = "advisory:published"
ADVISORY_UPDATED = "advisory:updated"
ADVISORY_WITHDRAWN = "advisory:withdrawn"
APPLICATION_LOCKED = "consumer:lock:written"
TOKEN_CREATED = "token:created"
TOKEN_REVOKED = "token:revoked"
EXPERIMENT_STARTED = "model:experiment:started"
EXPERIMENT_DECIDED = "model:experiment:decided"  # promoted, rolled back or stopped
CANARY_ADVANCED = "model:canary:advanced"
PIPELINE_IMPORTED = "model:pipeline:imported"
RETRAIN_DUE = "model:pipeline:retrain-due"  # a trigger's firing, told once
PIPELINE_RUN_STARTED = "model:pipeline:run-started"
PIPELINE_STEP_RECORDED = "model:pipeline:step-recorded"
CARD_EDITED = "model:card:edited"  # one authored section of the living card, whole
REQUIREMENTS_SET = "model:version:requirements-set"  # what a version was tested with
# an incident found after release (domain/incident.py): its sequence number is its id; a
# later event resolves it
INCIDENT_RECORDED = "model:version:incident"
INCIDENT_RESOLVED = "model:version:incident-resolved"


def canonical_json(value: object) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds and a ``Z``: the stored, hashed and sortable form."""
    if moment.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class NewEvent:
    """An event as a use case produces it, before the store numbers and chains it."""

    kind: str
    subject: str
    payload: Mapping[str, object]


@dataclass(frozen=True)
class Event:
    seq: int
    time: str
    actor: str
    kind: str
    subject: str
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.payload_json)
        return loaded


def event_hash(seq: int, time: str, actor: str, kind: str, subject: str, payload_json: str,
               prev_hash: str) -> str:
    body = canonical_json({"seq": seq, "time": time, "actor": actor, "kind": kind,
                           "subject": subject, "payload": payload_json, "prev": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain(prev: Event | None, seq: int, time: str, actor: str, new: NewEvent) -> Event:
    """Number and chain ``new`` after ``prev`` (``None`` for the first event)."""
    prev_hash = prev.hash if prev is not None else GENESIS
    payload_json = canonical_json(dict(new.payload))
    digest = event_hash(seq, time, actor, new.kind, new.subject, payload_json, prev_hash)
    return Event(seq, time, actor, new.kind, new.subject, payload_json, prev_hash, digest)


def extend_chain(head: tuple[int, str], time: datetime, actor: str,
                 new: Sequence[NewEvent]) -> list[Event]:
    """``new`` numbered and chained after the chain's ``head`` (its sequence and hash; ``(0,
    "")`` for an empty history), all stamped ``time`` by ``actor``: what every store appends."""
    seq, head_hash = head
    stamp = format_time(time)
    prev: Event | None = Event(seq, "", "", "", "", "", "", head_hash) if seq else None
    written: list[Event] = []
    for item in new:
        seq += 1
        prev = chain(prev, seq, stamp, actor, item)
        written.append(prev)
    return written


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


class ChainWalk:
    """:func:`verify_chain` one event at a time, so that a history of any length is checked
    in batches: feed events in storage order to :meth:`add`; ``broken`` is the first break
    (later events are ignored), ``count`` the events seen, ``last`` the last good one."""

    def __init__(self) -> None:
        self.count = 0
        self.broken: ChainBreak | None = None
        self.last_seq = 0
        self.last_hash = GENESIS

    def add(self, event: Event) -> ChainBreak | None:
        self.count += 1
        if self.broken is None:
            self.broken = self._check(event)
            if self.broken is None:
                self.last_seq, self.last_hash = event.seq, event.hash
        return self.broken

    def _check(self, event: Event) -> ChainBreak | None:
        expected_seq = self.last_seq + 1
        if event.seq != expected_seq:
            reason = ("an event is missing before it" if event.seq > expected_seq
                      else "it is out of order")
            return ChainBreak(expected_seq if event.seq > expected_seq else event.seq,
                              f"sequence number {expected_seq} was expected here: {reason}")
        recomputed = event_hash(event.seq, event.time, event.actor, event.kind, event.subject,
                                event.payload_json, event.prev_hash)
        if recomputed != event.hash:
            return ChainBreak(event.seq, "its content does not match its hash (edited)")
        if event.prev_hash != self.last_hash:
            return ChainBreak(event.seq, "it does not link to the previous event's hash")
        return None


def verify_chain(events: Iterable[Event]) -> ChainBreak | None:
    """Walk events in storage order; return the first break, or ``None`` when the chain is intact.

    Detects: a gap or repeat in sequence numbers (deleted or reordered events), a stored hash
    that does not match the event's content (edited event), and a link to the wrong predecessor.
    """
    walk = ChainWalk()
    for event in events:
        if walk.add(event) is not None:
            return walk.broken
    return None
