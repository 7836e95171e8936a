"""The outbox seen from a sender: claim due deliveries, then record what became of each.

Each step is a short transaction of its own and nothing is sent inside one. These transactions
do not take the registry's PostgreSQL write lock (the chain-head row): on PostgreSQL claimers
keep apart with ``SELECT … FOR UPDATE SKIP LOCKED``, so several workers claim at once; on
SQLite the transaction begins ``IMMEDIATE`` and the database's write lock serialises them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelsteward.domain.outbox import Delivery, DeliveryStatus, backoff_seconds
from modelsteward.notify.settings import NotifySettings
from modelsteward.ports import OutboxRecords, OutboxStore


class Outbox:
    """Claims and results over one store's outbox."""

    def __init__(self, store: OutboxStore, settings: NotifySettings,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.settings = settings
        self.rng = rng or random.Random()

    def _transaction(self) -> AbstractContextManager[OutboxRecords]:
        # without the registry's write lock: row locks are enough for the outbox
        return self.store.outbox_write()

    def claim(self, now: datetime, limit: int) -> tuple[list[Delivery], datetime]:
        """Lease up to ``limit`` due deliveries; returns them and when the lease ends."""
        until = now + timedelta(seconds=self.settings.lease)
        with self._transaction() as tx:
            return tx.claim_deliveries(now, until, limit), until

    def release(self, deliveries: Sequence[Delivery]) -> None:
        """Hand back claimed deliveries unsent (no attempt counted)."""
        if deliveries:
            with self._transaction() as tx:
                tx.release_deliveries([d.id for d in deliveries])

    def delivered(self, delivery: Delivery, at: datetime) -> None:
        self.record([Outcome(delivery, at)])

    def failed(self, delivery: Delivery, error: str, at: datetime) -> DeliveryStatus:
        """Count the failed attempt; the delivery is retried after the backoff, or is dead
        after ``max_attempts`` attempts. Returns its new status."""
        outcome = self.failure(delivery, error, at)
        self.record([outcome])
        return outcome.status

    def failure(self, delivery: Delivery, error: str, at: datetime) -> Outcome:
        """The outcome of a failed attempt, to :meth:`record`: retried after the backoff, or
        dead after ``max_attempts`` attempts."""
        attempts = delivery.attempts + 1
        retry_at: datetime | None = None
        if attempts < self.settings.max_attempts:
            wait = backoff_seconds(attempts, base=self.settings.backoff_base,
                                   cap=self.settings.backoff_cap, jitter=self.rng.random())
            retry_at = at + timedelta(seconds=wait)
        return Outcome(delivery, at, f"attempt {attempts} at {at.isoformat()}: {error}",
                       retry_at)

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Record ``outcomes`` in one transaction (one commit, however many: a commit waits for
        the disk, and one per delivery bounded how fast a sender could go)."""
        if not outcomes:
            return
        with self._transaction() as tx:
            tx.record_all_delivered([(o.delivery.id, o.at) for o in outcomes if o.error is None])
            for outcome in outcomes:
                if outcome.error is not None:
                    tx.record_failed(outcome.delivery.id, outcome.error, outcome.retry_at)


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: delivered when ``error`` is None, else failed and due again
    at ``retry_at`` (dead when that is None)."""

    delivery: Delivery
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None

    @property
    def status(self) -> DeliveryStatus:
        if self.error is None:
            return DeliveryStatus.DELIVERED
        return DeliveryStatus.PENDING if self.retry_at is not None else DeliveryStatus.DEAD
