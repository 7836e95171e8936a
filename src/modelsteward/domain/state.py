"""The registry's current state as its events say it is, and how it differs from the tables.

The hash chain proves that the events were not edited; it says nothing about the tables beside
them. :class:`Replay` re-derives, from the events alone, what they determine about the current
state; :func:`differences` compares that with the state read from the tables, so that an edit
made directly in the database (a digest, a stage, an alias, a token's roles) is found and named.

The state is a mapping from an object key to its fields::

    "model support-bot"              kind, versioning, description, …, tags, extra, deleted,
                                     mlflow_tags
    "version support-bot@1.0.0"      digest, files, change, forced_reason, status, metrics,
                                     metadata, registered_by, registered_seq, number
                                     (its place in the model's registrations), stage,
                                     blocked_reason, deleted, mlflow_tags
    "alias support-bot production"   holders (the versions holding it, sorted)
    "token 0123456789abcdef"         name, team, roles, approval_roles, expires_at,
                                     created_by, revoked
    "consumer checkout"              kind, team, contact, environment, pins
    "plan 3f2c…"                     model, target, reason, replacement, announced,
                                     soft_deadline, hard_deadline, migration_steps,
                                     support_window, redirect (an upstream plan: purl and
                                     the same dates, reason, replacement and steps)
    "advisory x_MSA-2026-0001"       summary, level, modified, withdrawn

What the events do not carry is not compared: a version's free-text description and every
time column except a token's expiry (the event time and the row's time are taken apart), and —
for applications that ``steward lock`` made consumers — their team, contact and environment,
and their pins when the lock event predates recording them; an upstream plan's support window;
a withdrawn advisory's modification time; the owner team of a model whose last event predates
every model having one (the migration that gave it the default team wrote no event). Such a
field is :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event, canonical_json

Fields = dict[str, object]
State = Mapping[str, Mapping[str, object]]


class _Unknown:
    """A field the events do not determine."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: object = _Unknown()

# the MLflow-compatible layer's own event kinds (see service/mlflow_compat.py)
MODEL_TAG_SET = "model:tag:set"
MODEL_TAG_REMOVED = "model:tag:removed"
VERSION_TAG_SET = "model:version:tag:set"
VERSION_TAG_REMOVED = "model:version:tag:removed"
VERSION_DESCRIBED = "model:version:described"
DESCRIPTION_TAG = "modelsteward.description"
MLFLOW_ALIAS_REASON = "set through the MLflow API"  # MLflow aliases are exclusive

MODEL_FIELDS = ("kind", "versioning", "description", "purpose", "owner_team", "owner_contact",
                "provider", "provider_model", "risk_tier", "license", "tags", "support_months",
                "support_after", "extra")
_STAGE_EVENTS = {ev.VERSION_PROMOTED, ev.VERSION_REJECTED, ev.VERSION_DEPRECATED,
                 ev.VERSION_RETIRED}


def model_key(name: str) -> str:
    return f"model {name}"


def version_key(ref: str) -> str:
    return f"version {ref}"


def alias_key(model: str, alias: str) -> str:
    return f"alias {model} {alias}"


def token_key(token_id: str) -> str:
    return f"token {token_id}"


def consumer_key(name: str) -> str:
    return f"consumer {name}"


def plan_key(plan_id: str) -> str:
    return f"plan {plan_id}"


def advisory_key(advisory_id: str) -> str:
    return f"advisory {advisory_id}"


def time_text(moment: datetime | None) -> str | None:
    """A time as the state compares it: UTC, to the second (databases keep different
    precisions)."""
    if moment is None:
        return None
    return ev.format_time(moment)[:19] + "Z"


@dataclass(frozen=True)
class StateDifference:
    """One field whose table value is not what the events make it."""

    key: str  # the object, e.g. "version support-bot@1.0.0"
    field: str  # "exists" when the object itself is missing on one side
    table: object
    derived: object
    seq: int | None  # the event that set the derived value; None when no event names it

    def describe(self) -> str:
        source = (f"event {self.seq} set it" if self.seq is not None
                  else "no event recorded it")
        if self.field == "exists":
            if self.table:
                removed = (f"event {self.seq} removed it" if self.seq is not None
                           else "no event created it")
                return f"{self.key} is in the tables but not in the events ({removed})"
            return f"{self.key} is missing from the tables (event {self.seq} created it)"
        return (f"{self.key}: {self.field} is {_shown(self.table)} in the tables but "
                f"{_shown(self.derived)} by the events ({source})")


def _shown(value: object) -> str:
    text = canonical_json(value) if value is not None else "null"
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class _Object:
    fields: dict[str, tuple[object, int]]


class Replay:
    """The state the events determine, built one event at a time (:meth:`apply`), in sequence
    order. Memory grows with the number of objects, not of events."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, tuple[object, int]]] = {}
        self.gone: dict[str, int] = {}  # objects an event removed, with its sequence number
        self.registered: dict[str, int] = {}  # versions registered so far, by model

    # building -------------------------------------------------------------------------------

    def _set(self, key: str, seq: int, **fields: object) -> dict[str, tuple[object, int]]:
        self.gone.pop(key, None)
        found = self.objects.setdefault(key, {})
        for name, value in fields.items():
            found[name] = (value, seq)
        return found

    def _get(self, key: str, name: str, default: object) -> object:
        found = self.objects.get(key, {}).get(name)
        return found[0] if found is not None else default

    def _remove(self, key: str, seq: int) -> None:
        self.objects.pop(key, None)
        self.gone[key] = seq

    def apply(self, event: Event) -> None:
        """Fold ``event`` into the state; kinds that change nothing compared are ignored."""
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            handler(self, event, event.payload)

    def state(self) -> dict[str, dict[str, tuple[object, int]]]:
        return self.objects

    # models and versions --------------------------------------------------------------------

    def _model(self, event: Event, payload: dict[str, object]) -> None:
        fields = {name: payload.get(name, UNKNOWN) for name in MODEL_FIELDS}
        if fields["owner_team"] == "":
            # a model made before every model had a team: migration 0014 gave it the default
            # team without an event, so its table value is not the events' to say
            fields["owner_team"] = UNKNOWN
        if event.kind == ev.MODEL_CREATED:
            fields.update(deleted=False, mlflow_tags={})
        self._set(model_key(event.subject), event.seq, **fields)

    def _version(self, event: Event, payload: dict[str, object]) -> None:
        model = event.subject.rpartition("@")[0]
        number = self.registered[model] = self.registered.get(model, 0) + 1
        self._set(version_key(event.subject), event.seq, digest=payload.get("digest", ""),
                  files=payload.get("files", 0), change=payload.get("change"),
                  forced_reason=payload.get("forced_reason", ""),
                  status=payload.get("status", ""), metrics=payload.get("metrics", {}),
                  metadata=payload.get("metadata", {}), registered_by=event.actor,
                  registered_seq=event.seq, number=number, stage="trained",
                  blocked_reason="", deleted=False, mlflow_tags={})

    def _stage(self, event: Event, payload: dict[str, object]) -> None:
        if "to" in payload:
            self._set(version_key(event.subject), event.seq, stage=payload["to"])

    def _degraded(self, event: Event, payload: dict[str, object]) -> None:
        breaches = payload.get("breaches") or []
        self._set(version_key(event.subject), event.seq,
                  blocked_reason="; ".join(str(b) for b in breaches))  # type: ignore[attr-defined]

    def _deleted(self, event: Event, payload: dict[str, object]) -> None:
        if event.kind == ev.MODEL_DELETED:
            self._set(model_key(event.subject), event.seq, deleted=True)
        else:
            self._set(version_key(event.subject), event.seq, deleted=True)
        model = event.subject.partition("@")[0]
        for held in payload.get("aliases_removed") or []:  # type: ignore[attr-defined]
            alias, _, version = str(held).partition("→")
            self._alias_holders(model, alias, event.seq, remove={version})

    def _tag(self, key: str, event: Event, payload: dict[str, object], remove: bool) -> None:
        tags = dict(self._get(key, "mlflow_tags", {}))  # type: ignore[call-overload]
        if remove:
            tags.pop(str(payload.get("key")), None)
        else:
            tags[str(payload.get("key"))] = payload.get("value")
        self._set(key, event.seq, mlflow_tags=tags)

    def _model_tag(self, event: Event, payload: dict[str, object]) -> None:
        self._tag(model_key(event.subject), event, payload, event.kind == MODEL_TAG_REMOVED)

    def _version_tag(self, event: Event, payload: dict[str, object]) -> None:
        if event.kind == VERSION_DESCRIBED:
            payload = {"key": DESCRIPTION_TAG, "value": payload.get("description")}
        self._tag(version_key(event.subject), event, payload,
                  event.kind == VERSION_TAG_REMOVED)

    # aliases --------------------------------------------------------------------------------

    def _alias_holders(self, model: str, alias: str, seq: int, *, add: str = "",
                       remove: Iterable[str] = (), clear: bool = False) -> None:
        key = alias_key(model, alias)
        holders = set() if clear else set(self._get(key, "holders", ()))  # type: ignore[call-overload]
        holders -= set(remove)
        if add:
            holders.add(add)
        if holders:
            self._set(key, seq, holders=sorted(holders))
        elif key in self.objects or clear or remove:
            self._remove(key, seq)

    def _alias_set(self, event: Event, payload: dict[str, object]) -> None:
        model, _, version = event.subject.partition("@")
        previous = payload.get("previous")
        self._alias_holders(model, str(payload.get("alias")), event.seq, add=version,
                            remove={str(previous)} if previous else set(),
                            clear=payload.get("reason") == MLFLOW_ALIAS_REASON)

    def _alias_removed(self, event: Event, payload: dict[str, object]) -> None:
        model, _, version = event.subject.partition("@")
        self._alias_holders(model, str(payload.get("alias")), event.seq, remove={version})

    def _alias_rolled_back(self, event: Event, payload: dict[str, object]) -> None:
        model = event.subject.partition("@")[0]
        self._alias_holders(model, str(payload.get("alias")), event.seq,
                            add=str(payload.get("to")), remove={str(payload.get("from"))})
        if payload.get("blocks"):
            # a rollback of production blocks the version it left; rollbacks recorded before
            # that rule carry no flag and blocked nothing
            self._set(version_key(f"{model}@{payload.get('from')}"), event.seq,
                      blocked_reason=str(payload.get("blocked_reason", "")))

    # tokens ---------------------------------------------------------------------------------

    def _token(self, event: Event, payload: dict[str, object]) -> None:
        token_id = event.subject.removeprefix("token:")
        if event.kind == ev.TOKEN_REVOKED:
            self._set(token_key(token_id), event.seq, revoked=True)
            return
        expires = payload.get("expires_at")
        self._set(token_key(token_id), event.seq, name=payload.get("name"),
                  team=payload.get("team"), roles=payload.get("roles"),
                  approval_roles=payload.get("approval_roles"),
                  expires_at=(time_text(datetime.fromisoformat(str(expires)))
                              if expires else None),
                  created_by=event.actor, revoked=False)

    # consumers ------------------------------------------------------------------------------

    def _consumer_pins(self, key: str) -> dict[str, str] | None:
        pins = self._get(key, "pins", UNKNOWN)
        return dict(pins) if isinstance(pins, dict) else None

    def _consumer(self, event: Event, payload: dict[str, object]) -> None:
        name = event.subject.removeprefix("consumer:")
        key = consumer_key(name)
        if event.kind == ev.CONSUMER_REGISTERED:
            pins = {}
            for text in payload.get("pins") or {}:  # type: ignore[attr-defined]
                model, _, pin = str(text).partition(" ")
                pins[model] = pin
            self._set(key, event.seq, kind=payload.get("kind"), team=payload.get("team"),
                      contact=payload.get("contact"), environment=payload.get("environment"),
                      pins=pins)
            return
        if event.kind == ev.CONSUMER_REMOVED:
            self._remove(key, event.seq)
            return
        current = self._consumer_pins(key)
        if current is not None:
            model = str(payload.get("model"))
            if event.kind == ev.CONSUMER_PINNED and "pin" in payload:
                current[model] = str(payload["pin"])
            else:  # unpinned, or moved by a deletion ("to": "MODEL PIN" or null)
                current.pop(model, None)
                moved = payload.get("to")
                if moved:
                    target, _, pin = str(moved).partition(" ")
                    current[target] = pin
        self._set(key, event.seq, pins=current if current is not None else UNKNOWN)

    def _locked(self, event: Event, payload: dict[str, object]) -> None:
        key = consumer_key(event.subject)
        pins = payload.get("pins")
        if key not in self.objects:  # the lock made the application a consumer
            self._set(key, event.seq, kind="application", team=UNKNOWN, contact=UNKNOWN,
                      environment=UNKNOWN)
        self._set(key, event.seq, pins=dict(pins) if isinstance(pins, dict) else UNKNOWN)


    # deprecation plans and advisories -----------------------------------------------------

    def _plan(self, event: Event, payload: dict[str, object]) -> None:
        fields: Fields = {name: payload.get(name) for name in (
            "reason", "announced", "soft_deadline", "hard_deadline", "migration_steps")}
        fields["replacement"] = payload.get("replacement") or ""
        if payload.get("upstream"):
            fields.update(purl=event.subject, support_window=UNKNOWN)
        else:
            model, _, target = event.subject.partition("@")
            fields.update(model=model, target=target,
                          support_window=payload.get("support_window", ""),
                          redirect=bool(payload.get("redirect")))
        self._set(plan_key(str(payload.get("plan"))), event.seq, **fields)

    def _advisory(self, event: Event, payload: dict[str, object]) -> None:
        key = advisory_key(event.subject)
        if event.kind == ev.ADVISORY_WITHDRAWN:
            self._set(key, event.seq, withdrawn=True, modified=UNKNOWN)
            return
        modified = payload.get("modified")
        self._set(key, event.seq, summary=payload.get("summary"), level=payload.get("level"),
                  modified=(time_text(datetime.fromisoformat(str(modified)))
                            if modified else UNKNOWN),
                  withdrawn=False)


_HANDLERS = {
    ev.MODEL_CREATED: Replay._model,
    ev.MODEL_UPDATED: Replay._model,
    ev.VERSION_REGISTERED: Replay._version,
    **dict.fromkeys(_STAGE_EVENTS, Replay._stage),
    ev.VERSION_DEGRADED: Replay._degraded,
    ev.MODEL_DELETED: Replay._deleted,
    ev.VERSION_DELETED: Replay._deleted,
    MODEL_TAG_SET: Replay._model_tag,
    MODEL_TAG_REMOVED: Replay._model_tag,
    VERSION_TAG_SET: Replay._version_tag,
    VERSION_TAG_REMOVED: Replay._version_tag,
    VERSION_DESCRIBED: Replay._version_tag,
    ev.ALIAS_SET: Replay._alias_set,
    ev.ALIAS_REMOVED: Replay._alias_removed,
    ev.ALIAS_ROLLED_BACK: Replay._alias_rolled_back,
    ev.TOKEN_CREATED: Replay._token,
    ev.TOKEN_REVOKED: Replay._token,
    ev.CONSUMER_REGISTERED: Replay._consumer,
    ev.CONSUMER_PINNED: Replay._consumer,
    ev.CONSUMER_UNPINNED: Replay._consumer,
    ev.CONSUMER_REMOVED: Replay._consumer,
    ev.APPLICATION_LOCKED: Replay._locked,
    ev.DEPRECATION_PLANNED: Replay._plan,
    ev.ADVISORY_PUBLISHED: Replay._advisory,
    ev.ADVISORY_UPDATED: Replay._advisory,
    ev.ADVISORY_WITHDRAWN: Replay._advisory,
}


def _same(table: object, derived: object) -> bool:
    if derived is UNKNOWN:
        return True
    return canonical_json(table) == canonical_json(derived)


def differences(replay: Replay, table: State, *, limit: int = 20) -> list[StateDifference]:
    """Every field (up to ``limit``) where ``table`` differs from what ``replay`` derived, in
    the order of the object keys, then the fields. An object only one side has is one
    difference (field ``exists``)."""
    found: list[StateDifference] = []
    derived = replay.objects
    for key in sorted(set(derived) | set(table)):
        if len(found) >= limit:
            break
        if key not in table:
            seq = min(seq for _, seq in derived[key].values())
            found.append(StateDifference(key, "exists", False, True, seq))
            continue
        if key not in derived:
            found.append(StateDifference(key, "exists", True, False, replay.gone.get(key)))
            continue
        row, facts = table[key], derived[key]
        for name in sorted(facts):
            value, seq = facts[name]
            if not _same(row.get(name), value):
                found.append(StateDifference(key, name, row.get(name), value, seq))
    return found[:limit]
