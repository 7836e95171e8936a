"""The dispatcher: claim due deliveries, send each outside any transaction, record the results
(a few at a time).

Delivery is at least once. A sender killed after claiming leaves its deliveries leased; when the
lease ends they are due again and another sender sends them with the same id. A sender never
starts a send it could not finish within its lease (it hands the rest of the batch back), so a
live sender and a second one do not send the same delivery at the same time.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from modelsteward.domain.outbox import Delivery, DeliveryCounts, DeliveryStatus
from modelsteward.domain.subscriptions import Channel
from modelsteward.errors import DeliveryFailed, StorageError
from modelsteward.notify.email import SmtpNotifier
from modelsteward.notify.outbox import Outbox, Outcome
from modelsteward.notify.settings import NotifySettings
from modelsteward.notify.webhook import WebhookNotifier
from modelsteward.ports import Clock, Notifier, OutboxStore

# the longest a sender sends without recording what became of its sends (see deliver_once)
RECORD_EVERY = 0.05


def default_notifiers(settings: NotifySettings) -> dict[Channel, Notifier]:
    """A webhook and an e-mail sender configured by ``settings``."""
    return {Channel.WEBHOOK: WebhookNotifier(timeout=settings.timeout,
                                             allow_private=settings.allow_private),
            Channel.EMAIL: SmtpNotifier(settings.smtp, timeout=settings.timeout)}


class Dispatcher:
    """Delivers the outbox of one store through ``notifiers`` (one per channel)."""

    def __init__(self, store: OutboxStore, *, clock: Clock, settings: NotifySettings,
                 notifiers: Mapping[Channel, Notifier] | None = None,
                 rng: random.Random | None = None) -> None:
        self.clock = clock
        self.settings = settings.check()
        self.notifiers: Mapping[Channel, Notifier] = (
            notifiers if notifiers is not None else default_notifiers(settings))
        self.outbox = Outbox(store, self.settings, rng)

    def deliver_once(self, limit: int | None = None) -> DeliveryCounts:
        """Claim up to ``limit`` (default the batch size) due deliveries and try each once.

        Outcomes are recorded in groups: whenever :data:`RECORD_EVERY` seconds have passed
        since the first unrecorded send began, and at the end of the pass (a slow receiver's
        outcomes are so recorded one by one, a fast one's a group at a time). A sender that
        dies sends again, after its lease, what it sent in those last moments: at least once,
        as ever."""
        claimed, lease_end = self.outbox.claim(self.clock.now(), limit or self.settings.batch)
        delivered = retrying = dead = 0
        unrecorded: list[Outcome] = []
        since = 0.0  # when the first unrecorded send began
        try:
            for index, delivery in enumerate(claimed):
                now = self.clock.now()
                if now + timedelta(seconds=self.settings.timeout) > lease_end:
                    rest = claimed[index:]
                    recording, unrecorded = unrecorded, []
                    self.outbox.record(recording)
                    self.outbox.release(rest)
                    return DeliveryCounts(len(claimed), delivered, retrying, dead, len(rest))
                if not unrecorded:
                    since = time.monotonic()
                outcome = self._attempt(delivery, now)
                unrecorded.append(outcome)
                if outcome.status is DeliveryStatus.DELIVERED:
                    delivered += 1
                elif outcome.status is DeliveryStatus.DEAD:
                    dead += 1
                else:
                    retrying += 1
                if time.monotonic() - since >= RECORD_EVERY:
                    recording, unrecorded = unrecorded, []
                    self.outbox.record(recording)
        finally:
            # recorded on the way out too, each group once (a database error while recording
            # propagates; those deliveries stay leased and are sent again when the lease ends)
            self.outbox.record(unrecorded)
        return DeliveryCounts(len(claimed), delivered, retrying, dead)

    def _attempt(self, delivery: Delivery, now: datetime) -> Outcome:
        channel = delivery.subscription.channel
        try:
            notifier = self.notifiers.get(channel)
            if notifier is None:
                raise DeliveryFailed(f"This worker has no sender for {channel.value}.")
            notifier.send(delivery, now)
        except DeliveryFailed as failure:
            return self.outbox.failure(delivery, str(failure), self.clock.now())
        return Outcome(delivery, self.clock.now())

    def run(self, stop: threading.Event, *, interval: float | None = None,
            between: Callable[[], None] | None = None,
            report: Callable[[DeliveryCounts], None] | None = None,
            on_error: Callable[[str], None] | None = None) -> DeliveryCounts:
        """Deliver until ``stop`` is set: a full batch is followed at once by the next, otherwise
        the loop waits ``interval`` seconds (default from the settings). ``between`` runs before
        each pass (housekeeping such as reminders), ``report`` gets each pass's counts when it
        did something, ``on_error`` a message when the database cannot be reached (the loop
        waits and tries again). Returns the totals."""
        pause = interval if interval is not None else self.settings.interval
        total = DeliveryCounts()
        while not stop.is_set():
            try:
                if between is not None:
                    between()
                counts = self.deliver_once()
            except (StorageError, DBAPIError) as exc:
                if on_error is not None:
                    on_error(f"{str(exc).splitlines()[0]} (trying again in {pause:g} s)")
                stop.wait(pause)
                continue
            total = total + counts
            if counts.claimed and report is not None:
                report(counts)
            if counts.claimed < self.settings.batch and not counts.released:
                stop.wait(pause)
        return total

    def close(self) -> None:
        for notifier in self.notifiers.values():
            close = getattr(notifier, "close", None)
            if callable(close):
                close()
