"""Storage of subscriptions and of the delivery outbox. Mixed into ``SqlTransaction``.

Claiming (:meth:`OutboxQueries.claim_deliveries`) is safe with several senders: on PostgreSQL
the due rows are locked with ``FOR UPDATE … SKIP LOCKED``, so concurrent claimers take disjoint
rows without waiting on each other; on SQLite the transaction starts with ``BEGIN IMMEDIATE``
(the registry's write lock), which serialises claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    true,
    update,
)

from modelsteward.domain.notices import Notice
from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Channel, Subscription
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.tables import deliveries, notices, subscriptions

_PENDING = DeliveryStatus.PENDING.value
_DEAD = DeliveryStatus.DEAD.value
# built once: a sender records every delivery with it
_DELIVERED = (update(deliveries)
              .where(deliveries.c.id == bindparam("delivery_id"),
                     deliveries.c.status == _PENDING)
              .values(status=DeliveryStatus.DELIVERED.value, delivered_at=bindparam("at"),
                      attempts=deliveries.c.attempts + 1, leased_until=None, last_error=""))


class OutboxQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.OutboxRecords`; also the unit of work of
    ``SqlStore.outbox_write``."""

    # subscriptions ------------------------------------------------------------------------------

    def add_subscription(self, subscription: Subscription) -> None:
        webhook = subscription.channel is Channel.WEBHOOK
        self.c.execute(insert(subscriptions).values(
            id=subscription.id, team=subscription.team, kinds=list(subscription.kinds),
            channel=subscription.channel.value,
            url=subscription.url if webhook else None,
            secret=subscription.secret if webhook else None,
            address=None if webhook else subscription.address,
            active=subscription.active, created_at=subscription.created_at,
            created_by=subscription.created_by))

    def subscription(self, subscription_id: str) -> Subscription | None:
        row = self.c.execute(select(subscriptions)
                             .where(subscriptions.c.id == subscription_id)).first()
        return _subscription(row) if row is not None else None

    def subscriptions(self, team: str = "", *,
                      include_inactive: bool = False) -> list[Subscription]:
        """Subscriptions (of ``team`` when given), oldest first."""
        query = select(subscriptions)
        if team:
            query = query.where(subscriptions.c.team == team)
        if not include_inactive:
            query = query.where(subscriptions.c.active == true())
        rows = self.c.execute(query.order_by(subscriptions.c.created_at, subscriptions.c.id))
        return [_subscription(r) for r in rows]

    def deactivate_subscription(self, subscription_id: str) -> None:
        self.c.execute(update(subscriptions).where(subscriptions.c.id == subscription_id)
                       .values(active=False))

    # the outbox ---------------------------------------------------------------------------------

    def enqueue_deliveries(self, notice: Notice, notice_id: str) -> int:
        """One pending delivery of the stored notice ``notice_id`` per active subscription of its
        team that wants its kind; the number written. Called by ``add_notice`` in the notice's
        own transaction, so a notice is never without its deliveries."""
        at = notice.created_at or datetime.now(UTC)
        wanted = [s for s in self.subscriptions(notice.team) if s.wants(notice.kind)]
        if wanted:
            self.c.execute(insert(deliveries), [_new_delivery(notice_id, s.id, at)
                                                for s in wanted])
        return len(wanted)

    def backfill_deliveries(self, subscription_id: str, since: datetime, at: datetime) -> int:
        """Pending deliveries to ``subscription_id`` of the notices of its team written at or
        after ``since`` that it wants and has no delivery of yet; the number written."""
        found = self.subscription(subscription_id)
        if found is None:
            return 0
        have = select(deliveries.c.notice_id).where(
            deliveries.c.subscription_id == subscription_id)
        rows = self.c.execute(select(notices.c.id, notices.c.kind).where(
            notices.c.team == found.team, notices.c.created_at >= since,
            notices.c.id.not_in(have)).order_by(notices.c.created_at, notices.c.id)).all()
        wanted = [r.id for r in rows if found.wants(r.kind)]
        if wanted:
            self.c.execute(insert(deliveries), [_new_delivery(notice_id, subscription_id, at)
                                                for notice_id in wanted])
        return len(wanted)

    def claim_deliveries(self, now: datetime, lease_until: datetime,
                         limit: int) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries (pending, due by ``now``, not leased, to an
        active subscription) until ``lease_until``, oldest due first. Run it in a transaction of
        its own and send after it commits."""
        due = (select(deliveries.c.id)
               .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
               .where(deliveries.c.status == _PENDING, deliveries.c.next_attempt_at <= now,
                      or_(deliveries.c.leased_until.is_(None), deliveries.c.leased_until <= now),
                      subscriptions.c.active == true())
               .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit))
        if self.c.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True, of=deliveries)
        ids: list[str] = list(self.c.execute(due).scalars())
        if not ids:
            return []
        self.c.execute(update(deliveries).where(deliveries.c.id.in_(ids))
                       .values(leased_until=lease_until))
        found = {d.id: d for d in self._deliveries(deliveries.c.id.in_(ids))}
        return [found[i] for i in ids]

    def release_deliveries(self, delivery_ids: Sequence[str]) -> None:
        """Hand back leased deliveries unsent: due again at once, no attempt counted."""
        if delivery_ids:
            self.c.execute(update(deliveries).where(deliveries.c.id.in_(list(delivery_ids)),
                                                    deliveries.c.status == _PENDING)
                           .values(leased_until=None))

    def record_delivered(self, delivery_id: str, at: datetime) -> None:
        self.c.execute(_DELIVERED, {"delivery_id": delivery_id, "at": at})

    def record_all_delivered(self, delivered: Sequence[tuple[str, datetime]]) -> None:
        """One statement executed for many (psycopg pipelines them: one round trip, not one
        per delivery)."""
        if delivered:
            self.c.execute(_DELIVERED, [{"delivery_id": delivery_id, "at": at}
                                        for delivery_id, at in delivered])

    def record_failed(self, delivery_id: str, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt: pending again from ``retry_at``, or dead when it is None.
        A delivery that another sender delivered meanwhile is left alone."""
        values: dict[str, object] = {"attempts": deliveries.c.attempts + 1, "leased_until": None,
                                     "last_error": error[:2000]}
        if retry_at is None:
            values["status"] = _DEAD
        else:
            values["next_attempt_at"] = retry_at
        self.c.execute(update(deliveries).where(deliveries.c.id == delivery_id,
                                                deliveries.c.status == _PENDING)
                       .values(**values))

    def delivery(self, delivery_id: str) -> Delivery | None:
        found = self._deliveries(deliveries.c.id == delivery_id)
        return found[0] if found else None

    def deliveries(self, status: DeliveryStatus | None = None, *, subscription_id: str = "",
                   team: str = "", after: str = "", limit: int = 1000) -> list[Delivery]:
        """Deliveries (with ``status``, to ``subscription_id``, to subscriptions of ``team``
        when given), oldest first; with ``after`` (a delivery id, the keyset cursor) only those
        that follow that delivery in this order — none when there is no such delivery."""
        conditions: list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(deliveries.c.status == status.value)
        if subscription_id:
            conditions.append(deliveries.c.subscription_id == subscription_id)
        if team:
            conditions.append(subscriptions.c.team == team)
        if after:
            mark = (select(deliveries.c.created_at).where(deliveries.c.id == after)
                    .scalar_subquery())
            conditions.append(or_(deliveries.c.created_at > mark,
                                  and_(deliveries.c.created_at == mark,
                                       deliveries.c.id > after)))
        return self._deliveries(*conditions, limit=limit)

    def replay_deliveries(self, delivery_ids: Sequence[str] | None, at: datetime) -> int:
        """Make dead deliveries (these, or when None all those of active subscriptions) pending
        again with no attempts, due at ``at``; the number replayed."""
        query = update(deliveries).where(deliveries.c.status == _DEAD)
        if delivery_ids is not None:
            query = query.where(deliveries.c.id.in_(list(delivery_ids)))
        else:
            query = query.where(deliveries.c.subscription_id.in_(
                select(subscriptions.c.id).where(subscriptions.c.active == true())))
        result = self.c.execute(query.values(status=_PENDING, attempts=0, next_attempt_at=at,
                                             leased_until=None))
        return int(result.rowcount)

    def prune_deliveries(self, before: datetime) -> int:
        """Delete the deliveries delivered before ``before``; the number deleted. Pending and
        dead deliveries, and the notices themselves, are kept."""
        result = self.c.execute(delete(deliveries).where(
            deliveries.c.status == DeliveryStatus.DELIVERED.value,
            deliveries.c.delivered_at < before))
        return int(result.rowcount)

    def _deliveries(self, *conditions: ColumnElement[bool],
                    limit: int | None = None) -> list[Delivery]:
        query = (select(deliveries, *_NOTICE_COLUMNS, *_SUBSCRIPTION_COLUMNS)
                 .join(notices, notices.c.id == deliveries.c.notice_id)
                 .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
                 .where(*conditions).order_by(deliveries.c.created_at, deliveries.c.id))
        if limit is not None:
            query = query.limit(limit)
        return [_delivery(r) for r in self.c.execute(query)]


_NOTICE_COLUMNS = [c.label(f"n_{c.name}") for c in notices.c]
_SUBSCRIPTION_COLUMNS = [c.label(f"s_{c.name}") for c in subscriptions.c]


def _new_delivery(notice_id: str, subscription_id: str, at: datetime) -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "notice_id": notice_id, "subscription_id": subscription_id,
            "status": _PENDING, "attempts": 0, "next_attempt_at": at, "leased_until": None,
            "last_error": "", "created_at": at, "delivered_at": None}


def _subscription(row: Any, prefix: str = "") -> Subscription:
    def get(name: str) -> Any:
        return getattr(row, prefix + name)
    return Subscription(get("id"), get("team"), tuple(get("kinds")), Channel(get("channel")),
                        get("url") or "", get("secret") or "", get("address") or "",
                        bool(get("active")), get("created_at"), get("created_by"))


def _delivery(row: Any) -> Delivery:
    notice = Notice(row.n_key, row.n_team, row.n_model, row.n_kind, row.n_message,
                    dict(row.n_payload), row.n_created_at)
    return Delivery(row.id, notice, _subscription(row, "s_"), DeliveryStatus(row.status),
                    int(row.attempts), row.next_attempt_at, row.created_at, row.last_error,
                    row.leased_until, row.delivered_at)
