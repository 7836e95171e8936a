"""Consumers, deprecation plans and notices, API tokens, advisories and idempotency keys in
memory (as ``store/consumers_sql.py``, ``deprecation_sql.py``, ``tokens_sql.py``,
``advisories_sql.py`` and ``idempotency_sql.py``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.consumers import Consumer, ConsumerPin
from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.events import canonical_json
from modelsteward.domain.notices import Notice
from modelsteward.domain.tokens import Token, WebSession
from modelsteward.errors import StorageError
from modelsteward.ports.idempotency import KeptRequest
from modelsteward.store.advisory_index import advisory_keys
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import (
    AdvisoryRow,
    ConsumerRow,
    KeptRow,
    NoticeRow,
    as_json,
    fresh,
    stored,
    utc,
    utc_or_none,
)


class RecordQueries(TransactionBase):
    if TYPE_CHECKING:  # provided by OutboxQueries, also mixed into MemoryTransaction
        def enqueue_deliveries(self, notice: Notice, notice_id: str) -> int: ...

    # consumers ------------------------------------------------------------------------------

    def add_consumer(self, consumer: Consumer, at: datetime) -> None:
        for pin in consumer.pins:
            self._model_row(pin.model)
        t = self._write()
        if consumer.name in t.consumers:
            raise StorageError(f"A consumer named {consumer.name!r} is stored already.")
        pins = {p.model: p.pin for p in consumer.pins}
        t.consumers[consumer.name] = ConsumerRow(
            consumer.name, consumer.kind, consumer.team, consumer.contact, consumer.environment,
            utc(at), tuple(pins.items()))

    def set_consumer_pin(self, name: str, pin: ConsumerPin) -> None:
        """Use ``pin.model`` at ``pin.pin`` from now on (replacing an earlier pin of it)."""
        found = self.t.consumers.get(name)
        assert found is not None
        self._model_row(pin.model)
        pins = {**dict(found.pins), pin.model: pin.pin}
        self._write().consumers[name] = replace(found, pins=tuple(pins.items()))

    def remove_consumer_pin(self, name: str, model: str) -> None:
        self._model_row(model)
        found = self.t.consumers.get(name)
        if found is not None:
            self._write().consumers[name] = replace(
                found, pins=tuple(p for p in found.pins if p[0] != model))

    def remove_consumer(self, name: str) -> None:
        self._write().consumers.pop(name, None)

    def get_consumer(self, name: str) -> Consumer | None:
        found = self.t.consumers.get(name)
        return _consumer(found) if found is not None else None

    def list_consumers(self, model: str = "", *, after: str = "",
                       limit: int | None = None) -> list[Consumer]:
        """Every consumer (of ``model`` when given), by name; a keyset page with ``after``
        and ``limit``."""
        if model:
            self._model_row(model)
        found = [_consumer(self.t.consumers[n]) for n in sorted(self.t.consumers)
                 if n > after
                 and (not model or any(m == model for m, _ in self.t.consumers[n].pins))]
        return found if limit is None else found[:max(limit, 0)]

    def consumers_of(self, models: Sequence[str]) -> dict[str, list[Consumer]]:
        found: dict[str, list[Consumer]] = {}
        for name in sorted(self.t.consumers):
            for model in dict.fromkeys(m for m, _ in self.t.consumers[name].pins):
                if model in models:
                    found.setdefault(model, []).append(_consumer(self.t.consumers[name]))
        return found

    # deprecation plans and notices ----------------------------------------------------------

    def add_plan(self, plan: DeprecationPlan) -> None:
        self._model_row(plan.model)
        t = self._write()
        t.plans = (*t.plans, stored(replace(plan, migration_steps=tuple(plan.migration_steps),
                                            redirect=bool(plan.redirect))))

    def models_without_plan(self, *, limit: int, count_up_to: int | None = None,
                            after: str = "") -> tuple[list[str], int]:
        planned = {p.model for p in self.t.plans}
        names = sorted(n for n, row in self.t.models.items()
                       if row.deleted_at is None and n not in planned
                       and row.model.support.active_months is None)
        total = len(names) if count_up_to is None else min(len(names), count_up_to)
        return [n for n in names if n > after][:max(limit, 0)], total

    def plans(self, model: str = "") -> list[DeprecationPlan]:
        """Every plan (of ``model`` when given), oldest first."""
        if model:
            self._model_row(model)
        return sorted((p for p in self.t.plans if not model or p.model == model),
                      key=lambda p: (p.created_at, p.id))

    def plans_page(self, after: DeprecationPlan | None = None, *, limit: int,
                   by_model: bool = False) -> list[DeprecationPlan]:
        def key(plan: DeprecationPlan) -> tuple[str, datetime | None, str]:
            return (plan.model if by_model else "", plan.created_at, plan.id)
        return sorted((p for p in self.t.plans if after is None or key(p) > key(after)),
                      key=key)[:max(limit, 0)]

    def plans_due(self, by: date) -> list[DeprecationPlan]:
        due = {(p.model, p.target) for p in self.t.plans if p.hard_deadline <= by}
        return sorted((p for p in self.t.plans if (p.model, p.target) in due),
                      key=lambda p: (p.created_at, p.id))

    def plans_of(self, models: Collection[str]) -> dict[str, list[DeprecationPlan]]:
        found: dict[str, list[DeprecationPlan]] = {name: [] for name in models}
        for plan in sorted(self.t.plans, key=lambda p: (p.created_at, p.id)):
            if plan.model in found:
                found[plan.model].append(plan)
        return found

    def add_upstream_plan(self, plan: DeprecationPlan) -> None:
        """A plan whose ``target`` is a package URL (``model`` is empty)."""
        t = self._write()
        t.upstream_plans = (*t.upstream_plans, stored(replace(
            plan, model="", redirect=False, migration_steps=tuple(plan.migration_steps))))

    def upstream_plans(self) -> list[DeprecationPlan]:
        return sorted(self.t.upstream_plans, key=lambda p: (p.created_at, p.id))

    def add_notice(self, notice: Notice) -> bool:
        """Store ``notice`` unless one with its key exists; True when stored. Its outbox
        deliveries (one per matching subscription) are written with it."""
        if notice.key in self.t.notice_keys:
            return False
        t = self._write()
        notice_id = str(uuid.uuid4())
        kept = replace(notice, payload=as_json(dict(notice.payload)),
                       created_at=utc_or_none(notice.created_at))
        t.notices[notice_id] = NoticeRow(notice_id, kept)
        t.notice_keys[notice.key] = notice_id
        self.enqueue_deliveries(notice, notice_id)
        return True

    def notices(self, team: str = "") -> list[Notice]:
        found = [r.notice for r in self.t.notices.values() if not team or r.notice.team == team]
        return [fresh(n) for n in sorted(found, key=lambda n: (n.created_at, n.team))]

    # API tokens -----------------------------------------------------------------------------

    def add_token(self, token: Token, secret_hash: str) -> None:
        t = self._write()
        if token.id in t.tokens:
            raise StorageError(f"A token with id {token.id!r} is stored already.")
        t.tokens[token.id] = (stored(token), secret_hash)

    def token(self, token_id: str) -> tuple[Token, str] | None:
        """The token with ``token_id`` and the hash of its secret."""
        return self.t.tokens.get(token_id)

    def tokens(self, *, name: str | None = None) -> list[Token]:
        """Tokens by id, all or those issued under ``name``."""
        return [self.t.tokens[i][0] for i in sorted(self.t.tokens)
                if name is None or self.t.tokens[i][0].name == name]

    def count_tokens(self) -> int:
        return len(self.t.tokens)

    def revoke_token(self, token_id: str, at: datetime) -> None:
        found = self.t.tokens.get(token_id)
        if found is not None and found[0].revoked_at is None:
            self._write().tokens[token_id] = (replace(found[0], revoked_at=utc(at)), found[1])

    def add_web_session(self, session: WebSession) -> None:
        t = self._write()
        if session.id_hash in t.web_sessions:
            raise StorageError("A web session with this id is stored already.")
        t.web_sessions[session.id_hash] = replace(
            session, created_at=utc(session.created_at), expires_at=utc(session.expires_at))

    def web_session(self, id_hash: str) -> WebSession | None:
        return self.t.web_sessions.get(id_hash)

    def revoke_web_session(self, id_hash: str, at: datetime) -> None:
        found = self.t.web_sessions.get(id_hash)
        if found is not None and found.revoked_at is None:
            self._write().web_sessions[id_hash] = replace(found, revoked_at=utc(at))

    def prune_web_sessions(self, before: datetime) -> int:
        gone = [key for key, session in self.t.web_sessions.items()
                if session.expires_at < utc(before)
                or (session.revoked_at is not None and session.revoked_at < utc(before))]
        if gone:
            t = self._write()
            for key in gone:
                del t.web_sessions[key]
        return len(gone)

    # advisories -----------------------------------------------------------------------------

    def put_advisory(self, advisory: Advisory, at: datetime, by: str) -> bool:
        """Store ``advisory``, replacing an earlier record with its id. True when it was new."""
        t = self._write()
        packages, digests = advisory_keys(advisory)
        exists = advisory.id in t.advisories
        t.advisories[advisory.id] = AdvisoryRow(
            stored(advisory), canonical_json(advisory.to_osv()), frozenset(packages),
            frozenset(digests))
        return not exists

    def advisory_document(self, advisory_id: str) -> dict[str, Any] | None:
        found = self.t.advisories.get(advisory_id)
        return _document(found) if found is not None else None

    def advisory_ids(self, prefix: str = "") -> list[str]:
        return sorted(i for i in self.t.advisories if i.startswith(prefix))

    def advisory_documents(self, *, after: str = "", limit: int | None = None,
                           include_withdrawn: bool = True) -> list[dict[str, Any]]:
        """Advisories by id (keyset pagination: ids greater than ``after``)."""
        ids = [i for i in sorted(self.t.advisories) if i > after and (
            include_withdrawn or self.t.advisories[i].advisory.withdrawn is None)]
        return [_document(self.t.advisories[i]) for i in ids[:limit]]

    def advisory_documents_for(self, packages: Iterable[tuple[str, str]],
                               digests: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every advisory, withdrawn ones excluded, that names one of ``packages``
        ((ecosystem, name) pairs) or ``digests``, each once, by id."""
        wanted, wanted_digests = set(packages), set(digests)
        return [_document(row) for i, row in sorted(self.t.advisories.items())
                if row.advisory.withdrawn is None
                and (row.packages & wanted or row.digests & wanted_digests)]

    # idempotency keys -----------------------------------------------------------------------

    def claim_idempotency_key(self, scope: str, key: str, fingerprint: str, now: datetime,
                              expires_at: datetime) -> KeptRequest | None:
        """Claim ``key`` for ``scope``: ``None`` when this request is the first (the key was
        free, or its earlier use expired), else the earlier request."""
        t = self._write()
        for old in [k for k, row in t.idempotency.items() if row.expires_at <= utc(now)]:
            del t.idempotency[old]
        if (scope, key) not in t.idempotency:
            t.idempotency[(scope, key)] = KeptRow(fingerprint, utc(expires_at))
            return None
        return self.idempotency_key(scope, key)

    def idempotency_key(self, scope: str, key: str) -> KeptRequest | None:
        row = self.t.idempotency.get((scope, key))
        if row is None:
            return None
        return KeptRequest(row.fingerprint, row.status, row.headers, row.body)

    def answer_idempotency_key(self, scope: str, key: str, status: int,
                               headers: list[tuple[str, str]], body: bytes) -> None:
        t = self._write()
        found = t.idempotency.get((scope, key))
        if found is not None:
            t.idempotency[(scope, key)] = replace(
                found, status=status, headers=tuple((str(n), str(v)) for n, v in headers),
                body=bytes(body))

    def release_idempotency_key(self, scope: str, key: str) -> None:
        """Forget ``key`` (its request wrote nothing), so that a retry runs again."""
        self._write().idempotency.pop((scope, key), None)


def _consumer(row: ConsumerRow) -> Consumer:
    pins = tuple(ConsumerPin(m, p) for m, p in sorted(row.pins))
    return Consumer(row.name, row.kind, row.team, row.contact, row.environment, pins)


def _document(row: AdvisoryRow) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(row.document)
    return found
