"""Notification use cases: subscriptions, the delivery worker, dead letters and replay, and
deadline reminders.

Notices reach subscribers through an outbox: writing a notice writes one delivery per matching
active subscription in the same transaction, and the worker (:meth:`Notifications.run`, or
``steward deliver``) sends them. A subscription receives the notices written after it exists;
older ones only through an explicit :meth:`Notifications.backfill`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from modelsteward.domain.events import NewEvent
from modelsteward.domain.outbox import Delivery, DeliveryCounts, DeliveryStatus
from modelsteward.domain.subscriptions import (
    DELIVERIES_REPLAYED,
    SUBSCRIPTION_CREATED,
    SUBSCRIPTION_REMOVED,
    Channel,
    Subscription,
    check_address,
    check_team,
    check_webhook_url,
    parse_kinds,
)
from modelsteward.errors import Conflict, DeliveryNotFound, InvalidInput, SubscriptionNotFound
from modelsteward.notify.dispatcher import Dispatcher
from modelsteward.notify.settings import NotifySettings
from modelsteward.notify.ssrf import webhook_addresses
from modelsteward.notify.webhook import new_secret
from modelsteward.results import Chores, Replayed
from modelsteward.service.context import Context
from modelsteward.service.deprecations import Deprecations


class Notifications:
    """Notification delivery over the context's store (build it with the registry's
    ``notifications(settings, notifiers=...)``). ``settings`` default to the ``STEWARD_*``
    variables; the dispatcher's ``notifiers`` (one per channel) default to the webhook and SMTP
    senders. Close it (or use it as a context manager) to release the senders' connections."""

    def __init__(self, ctx: Context, deprecations: Deprecations,
                 open_dispatcher: Callable[[NotifySettings], Dispatcher],
                 settings: NotifySettings | None = None) -> None:
        """``open_dispatcher`` starts the delivery worker under the checked settings, the
        first time deliveries are sent."""
        self.ctx = ctx
        self.deprecations = deprecations
        self.settings = (settings or NotifySettings.from_env()).check()
        self._open_dispatcher = open_dispatcher
        self._dispatcher: Dispatcher | None = None
        self._reminded_on: date | None = None

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            self._dispatcher = self._open_dispatcher(self.settings)
        return self._dispatcher

    def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.close()
            self._dispatcher = None

    def __enter__(self) -> Notifications:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # subscriptions ------------------------------------------------------------------------------

    def subscribe(self, team: str, *, webhook: str = "", email: str = "",
                  kinds: Sequence[str] = ("*",)) -> Subscription:
        """Subscribe ``team`` to notices of ``kinds`` (glob patterns) by webhook or e-mail (exactly
        one). The returned subscription carries the webhook's signing secret — the only time it
        is shown. Raises :class:`InvalidInput` for a bad team, URL, address or pattern, and for a
        webhook whose host resolves to a non-global address (unless allowed by the settings)."""
        if bool(webhook) == bool(email):
            raise InvalidInput("Say where notices go with exactly one of --webhook URL or "
                               "--email ADDRESS.")
        team = check_team(team)
        patterns = parse_kinds(kinds)
        now, actor = self.ctx.clock.now(), self.ctx.actor
        if webhook:
            url = check_webhook_url(webhook)
            if not self.settings.allow_private:
                webhook_addresses(url)  # refused now; checked again before every send
            subscription = Subscription(str(uuid.uuid4()), team, patterns, Channel.WEBHOOK,
                                        url=url, secret=new_secret(), created_at=now,
                                        created_by=actor)
        else:
            subscription = Subscription(str(uuid.uuid4()), team, patterns, Channel.EMAIL,
                                        address=check_address(email), created_at=now,
                                        created_by=actor)
        with self.ctx.store.write() as tx:
            tx.add_subscription(subscription)
            self.ctx.record(tx, NewEvent(SUBSCRIPTION_CREATED, f"team:{team}", {
                "subscription": subscription.id, "kinds": list(patterns),
                "channel": subscription.channel.value, "target": subscription.shown_target}))
        return subscription

    def unsubscribe(self, subscription_id: str) -> Subscription:
        """Deactivate a subscription: it gets no new deliveries and its pending ones are not
        sent. Raises :class:`SubscriptionNotFound`. Unsubscribing twice changes nothing."""
        with self.ctx.store.write() as tx:
            found = tx.subscription(subscription_id)
            if found is None:
                raise SubscriptionNotFound(subscription_id)
            if found.active:
                tx.deactivate_subscription(subscription_id)
                self.ctx.record(tx, NewEvent(SUBSCRIPTION_REMOVED, f"team:{found.team}", {
                    "subscription": found.id, "channel": found.channel.value,
                    "target": found.shown_target}))
        return replace(found, active=False, secret="")

    def subscription(self, subscription_id: str) -> Subscription:
        """One subscription (active or removed), without its secret. Raises
        :class:`SubscriptionNotFound`."""
        with self.ctx.store.read() as tx:
            found = tx.subscription(subscription_id)
        if found is None:
            raise SubscriptionNotFound(subscription_id)
        return _without_secret(found)

    def subscriptions(self, team: str = "", *,
                      include_inactive: bool = False) -> list[Subscription]:
        """Subscriptions (of ``team``), oldest first; secrets are not included."""
        with self.ctx.store.read() as tx:
            return [_without_secret(s) for s in tx.subscriptions(
                team, include_inactive=include_inactive)]

    # deliveries ---------------------------------------------------------------------------------

    def deliveries(self, status: DeliveryStatus | None = None, *, subscription_id: str = "",
                   team: str = "", after: str = "", limit: int = 1000) -> list[Delivery]:
        """Deliveries (with ``status``, to ``subscription_id``, to ``team``'s subscriptions),
        oldest first, at most ``limit``; ``after`` is the id of the last delivery of the
        previous page. Secrets are not included."""
        with self.ctx.store.read() as tx:
            return [_delivery_without_secret(d) for d in tx.deliveries(
                status, subscription_id=subscription_id, team=team, after=after, limit=limit)]

    def delivery(self, delivery_id: str) -> Delivery:
        """One delivery, without its subscription's secret. Raises :class:`DeliveryNotFound`."""
        with self.ctx.store.read() as tx:
            found = tx.delivery(delivery_id)
        if found is None:
            raise DeliveryNotFound(delivery_id)
        return _delivery_without_secret(found)

    def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        """Deliveries that failed ``max_attempts`` times, oldest first."""
        return self.deliveries(DeliveryStatus.DEAD, limit=limit)

    def replay(self, delivery_id: str) -> Delivery:
        """Make one dead delivery pending again, with no attempts, due now. Raises
        :class:`DeliveryNotFound`, or :class:`Conflict` when it is not dead or its subscription
        was removed."""
        with self.ctx.store.write() as tx:
            found = tx.delivery(delivery_id)
            if found is None:
                raise DeliveryNotFound(delivery_id)
            if found.status is not DeliveryStatus.DEAD:
                raise Conflict(f"Delivery {delivery_id} is {found.status.value}, not dead; only "
                               "dead deliveries are replayed (a pending one is retried on its "
                               "own, a delivered one was received).")
            if not found.subscription.active:
                raise Conflict(f"Delivery {delivery_id} belongs to the removed subscription "
                               f"{found.subscription.id}; subscribe again and replay with "
                               "`steward replay --subscription NEW_ID --since DATE`.")
            tx.replay_deliveries([delivery_id], self.ctx.clock.now())
            self.ctx.record(tx, NewEvent(DELIVERIES_REPLAYED, f"team:{found.notice.team}",
                                               {"deliveries": [delivery_id], "count": 1}))
            replayed = tx.delivery(delivery_id)
        assert replayed is not None
        return _delivery_without_secret(replayed)

    def replay_all(self) -> Replayed:
        """Make every dead delivery of an active subscription pending again."""
        with self.ctx.store.write() as tx:
            count = tx.replay_deliveries(None, self.ctx.clock.now())
            if count:
                self.ctx.record(tx, NewEvent(DELIVERIES_REPLAYED, "outbox", {
                    "deliveries": "all dead", "count": count}))
        return Replayed(count)

    def backfill(self, subscription_id: str, since: datetime) -> Replayed:
        """Deliver to an active subscription the notices of its team written since ``since``
        that it wants and has not had. Raises :class:`SubscriptionNotFound`, or
        :class:`Conflict` for a removed subscription."""
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            found = tx.subscription(subscription_id)
            if found is None:
                raise SubscriptionNotFound(subscription_id)
            if not found.active:
                raise Conflict(f"Subscription {subscription_id} was removed; subscribe again to "
                               "receive notices.")
            count = tx.backfill_deliveries(subscription_id, since, now)
            if count:
                self.ctx.record(tx, NewEvent(DELIVERIES_REPLAYED, f"team:{found.team}", {
                    "subscription": subscription_id, "since": since.isoformat(),
                    "count": count}))
        return Replayed(count)

    def deliver_once(self, limit: int | None = None) -> DeliveryCounts:
        """One pass of the worker: claim up to ``limit`` due deliveries and try each once."""
        return self.dispatcher.deliver_once(limit)

    def run(self, stop: threading.Event, *, interval: float | None = None,
            report: Callable[[DeliveryCounts], None] | None = None,
            on_error: Callable[[str], None] | None = None) -> DeliveryCounts:
        """The worker: deliver until ``stop`` is set; once a day (at the first pass of each UTC
        day) write the day's reminders and prune old deliveries (:meth:`daily`)."""
        def daily() -> None:
            today = self.ctx.clock.now().date()
            if self._reminded_on != today:
                self.daily(today)
                self._reminded_on = today
        return self.dispatcher.run(stop, interval=interval, between=daily, report=report,
                                   on_error=on_error)

    # daily chores -------------------------------------------------------------------------------

    def daily(self, today: date | None = None) -> Chores:
        """What the worker does once a day: write the reminders due ``today`` and prune the
        deliveries delivered more than ``STEWARD_DELIVERY_RETENTION`` days ago."""
        return Chores(self.reminders(today), self.prune())

    def prune(self) -> int:
        """Delete deliveries delivered more than ``retention_days`` ago (none when it is 0);
        the number deleted. A backfill (:meth:`backfill`) reaching further back than that may
        deliver those old notices again."""
        if not self.settings.retention_days:
            return 0
        before = self.ctx.clock.now() - timedelta(days=self.settings.retention_days)
        with self.ctx.store.write() as tx:
            return tx.prune_deliveries(before)

    def reminders(self, today: date | None = None) -> int:
        """Write the deadline reminders due ``today`` (default: the clock's date), the
        ``STEWARD_REMINDER_DAYS`` (30 and 7) days before each soft and hard deadline; see
        :meth:`Deprecations.reminders`. Returns how many were new."""
        return self.deprecations.reminders(self.settings.reminder_days, today)


def _without_secret(subscription: Subscription) -> Subscription:
    return replace(subscription, secret="")


def _delivery_without_secret(delivery: Delivery) -> Delivery:
    return replace(delivery, subscription=_without_secret(delivery.subscription))
