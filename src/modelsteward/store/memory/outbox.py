"""Subscriptions and the delivery outbox in memory (as ``store/outbox_sql.py``). Claims run in
write transactions, which are serialised, so concurrent claimers never get the same delivery."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from modelsteward.domain.notices import Notice
from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Channel, Subscription
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import DeliveryRow, fresh, stored, utc

_PENDING = DeliveryStatus.PENDING
_DEAD = DeliveryStatus.DEAD


class OutboxQueries(TransactionBase):
    # subscriptions --------------------------------------------------------------------------

    def add_subscription(self, subscription: Subscription) -> None:
        webhook = subscription.channel is Channel.WEBHOOK
        kept = replace(subscription, kinds=tuple(subscription.kinds),
                       url=subscription.url if webhook else "",
                       secret=subscription.secret if webhook else "",
                       address="" if webhook else subscription.address,
                       active=bool(subscription.active))
        self._write().subscriptions[subscription.id] = stored(kept)

    def subscription(self, subscription_id: str) -> Subscription | None:
        return self.t.subscriptions.get(subscription_id)

    def subscriptions(self, team: str = "", *,
                      include_inactive: bool = False) -> list[Subscription]:
        """Subscriptions (of ``team`` when given), oldest first."""
        found = [s for s in self.t.subscriptions.values()
                 if (not team or s.team == team) and (include_inactive or s.active)]
        return sorted(found, key=lambda s: (s.created_at or datetime.min.replace(tzinfo=UTC),
                                            s.id))

    def deactivate_subscription(self, subscription_id: str) -> None:
        found = self.t.subscriptions.get(subscription_id)
        if found is not None:
            self._write().subscriptions[subscription_id] = replace(found, active=False)

    # the outbox -----------------------------------------------------------------------------

    def _insert(self, notice_id: str, subscription_id: str, at: datetime) -> None:
        t = self._write()
        if any(d.notice_id == notice_id and d.subscription_id == subscription_id
               for d in t.deliveries.values()):
            return  # the SQL schema's unique constraint would refuse it
        delivery_id = str(uuid.uuid4())
        t.deliveries[delivery_id] = DeliveryRow(delivery_id, notice_id, subscription_id,
                                                _PENDING, 0, utc(at), utc(at))

    def enqueue_deliveries(self, notice: Notice, notice_id: str) -> int:
        """One pending delivery of the stored notice ``notice_id`` per active subscription of its
        team that wants its kind; the number written."""
        at = notice.created_at or datetime.now(UTC)
        wanted = [s for s in self.subscriptions(notice.team) if s.wants(notice.kind)]
        for s in wanted:
            self._insert(notice_id, s.id, at)
        return len(wanted)

    def backfill_deliveries(self, subscription_id: str, since: datetime, at: datetime) -> int:
        """Pending deliveries to ``subscription_id`` of the notices of its team written at or
        after ``since`` that it wants and has no delivery of yet; the number written."""
        found = self.subscription(subscription_id)
        if found is None:
            return 0
        have = {d.notice_id for d in self.t.deliveries.values()
                if d.subscription_id == subscription_id}
        rows = sorted((r for r in self.t.notices.values()
                       if r.notice.team == found.team and r.notice.created_at is not None
                       and r.notice.created_at >= since and r.id not in have),
                      key=lambda r: (r.notice.created_at, r.id))
        wanted = [r.id for r in rows if found.wants(r.notice.kind)]
        for notice_id in wanted:
            self._insert(notice_id, subscription_id, at)
        return len(wanted)

    def claim_deliveries(self, now: datetime, lease_until: datetime,
                         limit: int) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries (pending, due by ``now``, not leased, to an
        active subscription) until ``lease_until``, oldest due first."""
        t = self._write()
        due = sorted((d for d in t.deliveries.values()
                      if d.status is _PENDING and d.next_attempt_at <= now
                      and (d.leased_until is None or d.leased_until <= now)
                      and t.subscriptions[d.subscription_id].active),
                     key=lambda d: (d.next_attempt_at, d.id))[:max(limit, 0)]
        for d in due:
            t.deliveries[d.id] = replace(d, leased_until=utc(lease_until))
        return [self._delivery(t.deliveries[d.id]) for d in due]

    def _update(self, ids: Sequence[str], when: Callable[[DeliveryRow], bool],
                change: Callable[[DeliveryRow], DeliveryRow]) -> int:
        t = self._write()
        changed = 0
        for delivery_id in dict.fromkeys(ids):
            found = t.deliveries.get(delivery_id)
            if found is not None and when(found):
                t.deliveries[delivery_id] = change(found)
                changed += 1
        return changed

    def release_deliveries(self, delivery_ids: Sequence[str]) -> None:
        """Hand back leased deliveries unsent: due again at once, no attempt counted."""
        self._update(delivery_ids, lambda d: d.status is _PENDING,
                     lambda d: replace(d, leased_until=None))

    def record_delivered(self, delivery_id: str, at: datetime) -> None:
        self._update([delivery_id], lambda d: d.status is _PENDING, lambda d: replace(
            d, status=DeliveryStatus.DELIVERED, delivered_at=utc(at), attempts=d.attempts + 1,
            leased_until=None, last_error=""))

    def record_all_delivered(self, delivered: Sequence[tuple[str, datetime]]) -> None:
        for delivery_id, at in delivered:
            self.record_delivered(delivery_id, at)

    def record_failed(self, delivery_id: str, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt: pending again from ``retry_at``, or dead when it is None.
        A delivery that another sender delivered meanwhile is left alone."""
        def failed(d: DeliveryRow) -> DeliveryRow:
            d = replace(d, attempts=d.attempts + 1, leased_until=None, last_error=error[:2000])
            return (replace(d, status=_DEAD) if retry_at is None
                    else replace(d, next_attempt_at=utc(retry_at)))
        self._update([delivery_id], lambda d: d.status is _PENDING, failed)

    def delivery(self, delivery_id: str) -> Delivery | None:
        found = self.t.deliveries.get(delivery_id)
        return self._delivery(found) if found is not None else None

    def deliveries(self, status: DeliveryStatus | None = None, *, subscription_id: str = "",
                   team: str = "", after: str = "", limit: int = 1000) -> list[Delivery]:
        """Deliveries (with ``status``, to ``subscription_id``, to subscriptions of ``team``
        when given), oldest first; with ``after`` (a delivery id, the keyset cursor) only those
        that follow that delivery in this order — none when there is no such delivery."""
        t = self.t
        mark = t.deliveries.get(after) if after else None
        if after and mark is None:
            return []
        found = sorted((d for d in t.deliveries.values()
                        if (status is None or d.status is status)
                        and (not subscription_id or d.subscription_id == subscription_id)
                        and (not team or t.subscriptions[d.subscription_id].team == team)
                        and (mark is None or (d.created_at, d.id) > (mark.created_at, mark.id))),
                       key=lambda d: (d.created_at, d.id))
        return [self._delivery(d) for d in found[:max(limit, 0)]]

    def replay_deliveries(self, delivery_ids: Sequence[str] | None, at: datetime) -> int:
        """Make dead deliveries (these, or when None all those of active subscriptions) pending
        again with no attempts, due at ``at``; the number replayed."""
        t = self.t
        ids = (list(delivery_ids) if delivery_ids is not None else
               [d.id for d in t.deliveries.values() if t.subscriptions[d.subscription_id].active])
        return self._update(ids, lambda d: d.status is _DEAD, lambda d: replace(
            d, status=_PENDING, attempts=0, next_attempt_at=utc(at), leased_until=None))

    def prune_deliveries(self, before: datetime) -> int:
        """Delete the deliveries delivered before ``before``; the number deleted."""
        t = self._write()
        gone = [d.id for d in t.deliveries.values() if d.status is DeliveryStatus.DELIVERED
                and d.delivered_at is not None and d.delivered_at < before]
        for delivery_id in gone:
            del t.deliveries[delivery_id]
        return len(gone)

    def _delivery(self, row: DeliveryRow) -> Delivery:
        notice = fresh(self.t.notices[row.notice_id].notice)
        return Delivery(row.id, notice, self.t.subscriptions[row.subscription_id], row.status,
                        row.attempts, row.next_attempt_at, row.created_at, row.last_error,
                        row.leased_until, row.delivered_at)
