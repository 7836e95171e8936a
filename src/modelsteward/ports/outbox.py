"""The outbox role: subscriptions, and the deliveries of notices to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from modelsteward.domain.notices import Notice
from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Subscription


class OutboxRecords(Protocol):
    """Subscriptions and one delivery per (notice, subscription). Deliveries are pending,
    delivered or dead; a claim leases pending ones so that concurrent claimers never get the
    same delivery; a result is recorded only on a delivery still pending."""

    def add_subscription(self, subscription: Subscription) -> None: ...
    def subscription(self, subscription_id: str) -> Subscription | None: ...
    def subscriptions(self, team: str = "", *,
                      include_inactive: bool = False) -> list[Subscription]:
        """Subscriptions (of ``team`` when given), oldest first."""
        ...
    def deactivate_subscription(self, subscription_id: str) -> None: ...
    def enqueue_deliveries(self, notice: Notice, notice_id: str) -> int:
        """One pending delivery per active subscription of the notice's team wanting its kind;
        the number written."""
        ...
    def backfill_deliveries(self, subscription_id: str, since: datetime, at: datetime) -> int:
        """Pending deliveries to the subscription of its team's notices written at or after
        ``since`` that it wants and has none of yet; the number written."""
        ...
    def claim_deliveries(self, now: datetime, lease_until: datetime,
                         limit: int) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries until ``lease_until``, oldest due first;
        concurrent claimers never get the same one."""
        ...
    def release_deliveries(self, delivery_ids: Sequence[str]) -> None:
        """Hand back leased deliveries unsent: due again at once, no attempt counted."""
        ...
    def record_delivered(self, delivery_id: str, at: datetime) -> None: ...
    def record_all_delivered(self, delivered: Sequence[tuple[str, datetime]]) -> None:
        """:meth:`record_delivered` for each (delivery id, time), in as few round trips to the
        database as it can."""
        ...
    def record_failed(self, delivery_id: str, error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt: pending again from ``retry_at``, or dead when it is None."""
        ...
    def delivery(self, delivery_id: str) -> Delivery | None: ...
    def deliveries(self, status: DeliveryStatus | None = None, *, subscription_id: str = "",
                   team: str = "", after: str = "", limit: int = 1000) -> list[Delivery]:
        """Deliveries oldest first (filtered when given); ``after`` a delivery id, the keyset
        cursor (none when there is no such delivery)."""
        ...
    def replay_deliveries(self, delivery_ids: Sequence[str] | None, at: datetime) -> int:
        """Make dead deliveries (these, or when None all those of active subscriptions)
        pending again, due at ``at``; the number replayed."""
        ...
    def prune_deliveries(self, before: datetime) -> int:
        """Delete deliveries delivered before ``before``; the number deleted."""
        ...
