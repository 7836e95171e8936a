"""Webhook delivery through the outbox to a real local receiver, on SQLite and PostgreSQL:
signatures, the message shape, retries with backoff, dead letters and replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.errors import Conflict, DeliveryNotFound, SubscriptionNotFound
from modelsteward.notify.settings import NotifySettings
from modelsteward.service.notifications import Notifications
from tests.conftest import FixedClock
from tests.notify.conftest import Receiver, write_notices

SETTINGS = NotifySettings(allow_private=True, backoff_base=2, backoff_cap=60, timeout=2,
                          lease=10, max_attempts=8)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        yield reg


@pytest.fixture
def notifications(registry: Registry) -> Iterator[Notifications]:
    with registry.notifications(SETTINGS) as found:
        yield found


def subscribe(notifications: Notifications, receiver: Receiver, team: str, path: str,
              kinds: tuple[str, ...] = ("*",)) -> str:
    made = notifications.subscribe(team, webhook=receiver.url(path), kinds=kinds)
    receiver.secrets[path] = made.secret
    return made.id


def test_a_notice_reaches_each_matching_subscription_once_signed(
        registry: Registry, notifications: Notifications, receiver: Receiver,
        clock: FixedClock) -> None:
    everything = subscribe(notifications, receiver, "team-a", "/all")
    subscribe(notifications, receiver, "team-a", "/advisories", ("advisory*",))
    subscribe(notifications, receiver, "team-b", "/other-team")
    keys = write_notices(registry, "team-a", 2)
    assert len(notifications.deliveries()) == 2  # only /all wants deprecation notices
    counts = notifications.deliver_once()
    assert (counts.claimed, counts.delivered, counts.retrying) == (2, 2, 0)
    assert receiver.bad_signatures == 0 and not receiver.duplicates
    received = sorted(receiver.accepted, key=lambda r: r.body["data"]["key"])
    assert [r.path for r in received] == ["/all", "/all"]
    first = received[0]
    stored = {d.id: d for d in notifications.deliveries()}
    assert set(stored) == {r.headers["webhook-id"] for r in received}
    assert first.body["id"] == first.headers["webhook-id"]
    assert first.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert first.headers["content-type"] == "application/json"
    assert first.body == {
        "id": first.headers["webhook-id"], "type": "deprecation:announced",
        "timestamp": "2026-11-22T09:00:00Z",
        "data": {"key": keys[0], "team": "team-a", "model": "support-bot",
                 "kind": "deprecation:announced", "message": "Message 0 for team-a.",
                 "created_at": "2026-11-22T09:00:00Z", "payload": {"n": 0}}}
    for delivery in stored.values():
        assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1
        assert delivery.subscription.id == everything and delivery.delivered_at == clock.now()
        assert delivery.subscription.secret == ""  # listings never carry the secret
    assert notifications.deliver_once().claimed == 0  # nothing is sent twice


def test_refused_attempts_are_retried_with_growing_backoff(
        registry: Registry, notifications: Notifications, receiver: Receiver,
        clock: FixedClock) -> None:
    receiver.refuse_first = 3
    subscribe(notifications, receiver, "team-a", "/hook")
    write_notices(registry, "team-a", 3)
    for attempt in (1, 2, 3):
        counts = notifications.deliver_once()
        assert (counts.claimed, counts.retrying, counts.delivered) == (3, 3, 0)
        wait = SETTINGS.backoff_base * 2 ** (attempt - 1)
        for delivery in notifications.deliveries():
            assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == attempt
            assert "HTTP 503" in delivery.last_error and delivery.leased_until is None
            delay = (delivery.next_attempt_at - clock.now()).total_seconds()
            assert wait / 2 <= delay <= wait  # doubling, with jitter in the upper half
        assert notifications.deliver_once().claimed == 0  # not due before its backoff
        clock.advance(seconds=wait)
    counts = notifications.deliver_once()
    assert (counts.delivered, counts.retrying) == (3, 0)
    assert len(receiver.unique) == 3 and not receiver.duplicates
    assert all(n == 4 for n in receiver.attempts.values())
    assert {d.attempts for d in notifications.deliveries()} == {4}


def test_after_max_attempts_a_delivery_is_dead_until_replayed(
        registry: Registry, receiver: Receiver, clock: FixedClock) -> None:
    settings = NotifySettings(allow_private=True, backoff_base=1, backoff_cap=4, timeout=2,
                              lease=10, max_attempts=3)
    receiver.refuse_first = 1000
    with registry.notifications(settings) as notifications:
        subscribe(notifications, receiver, "team-a", "/hook")
        gone = subscribe(notifications, receiver, "team-a", "/gone")
        write_notices(registry, "team-a", 2)
        outcomes = []
        for _ in range(3):
            outcomes.append(notifications.deliver_once())
            clock.advance(seconds=settings.backoff_cap)
        assert [(c.retrying, c.dead) for c in outcomes] == [(4, 0), (4, 0), (0, 4)]
        assert notifications.deliver_once().claimed == 0
        dead = notifications.dead_letters()
        assert len(dead) == 4 and {d.attempts for d in dead} == {3}
        assert all("attempt 3" in d.last_error and "HTTP 503" in d.last_error for d in dead)
        hook = [d for d in dead if d.subscription.id != gone]

        notifications.unsubscribe(gone)
        with pytest.raises(Conflict, match="belongs to the removed subscription"):
            notifications.replay(next(d.id for d in dead if d.subscription.id == gone))
        receiver.refuse_first = 0
        replayed = notifications.replay(hook[0].id)
        assert replayed.status is DeliveryStatus.PENDING and replayed.attempts == 0
        assert notifications.deliver_once().delivered == 1
        assert notifications.replay_all().count == 1  # not those of the removed subscription
        assert notifications.deliver_once().delivered == 1
        assert {d.subscription.id for d in notifications.dead_letters()} == {gone}
        assert set(receiver.unique) == {d.id for d in hook}  # the same ids as before
        with pytest.raises(Conflict, match="is delivered, not dead"):
            notifications.replay(hook[0].id)
        with pytest.raises(DeliveryNotFound, match="steward dead-letters"):
            notifications.replay("no-such-delivery")
        kinds = [e.kind for e in registry.log()]
        assert kinds.count("notify:delivery:replayed") == 2


def test_unsubscribed_and_later_subscriptions(registry: Registry, notifications: Notifications,
                                              receiver: Receiver, clock: FixedClock) -> None:
    """A removed subscription sends nothing more; a new one gets only newer notices, unless
    older ones are replayed to it explicitly."""
    old = subscribe(notifications, receiver, "team-a", "/old")
    write_notices(registry, "team-a", 2, prefix="early")
    notifications.unsubscribe(old)
    assert notifications.unsubscribe(old).active is False  # twice is harmless
    assert notifications.subscriptions("team-a") == []
    assert [s.id for s in notifications.subscriptions(include_inactive=True)] == [old]
    clock.advance(days=1)
    new = subscribe(notifications, receiver, "team-a", "/new")
    write_notices(registry, "team-a", 1, prefix="late")
    assert notifications.deliver_once().delivered == 1
    assert [r.path for r in receiver.accepted] == ["/new"]
    replayed = notifications.backfill(new, clock.now() - timedelta(days=2))
    assert replayed.count == 2
    assert notifications.backfill(new, clock.now() - timedelta(days=2)).count == 0
    assert notifications.deliver_once().delivered == 2
    assert sorted(r.body["data"]["key"].split(":")[1] for r in receiver.accepted) == [
        "early", "early", "late"]
    assert all(r.path == "/new" for r in receiver.accepted)
    with pytest.raises(Conflict, match="was removed"):
        notifications.backfill(old, clock.now())
    with pytest.raises(SubscriptionNotFound, match="steward subscriptions"):
        notifications.unsubscribe("nope")
    events = [e.kind for e in registry.log()]
    assert events.count("notify:subscription:created") == 2
    assert events.count("notify:subscription:removed") == 1
    assert not any("whsec_" in json.dumps(e.payload) for e in registry.log())


def test_a_sender_hands_back_what_it_cannot_finish_within_its_lease(
        registry: Registry, receiver: Receiver, clock: FixedClock) -> None:
    """With a lease of 3 s and a 2 s timeout, a send may only start while 2 s of lease remain."""
    settings = NotifySettings(allow_private=True, timeout=2, lease=3)
    with registry.notifications(settings) as notifications:
        subscribe(notifications, receiver, "team-a", "/hook")
        write_notices(registry, "team-a", 3)
        claimed = notifications.dispatcher.outbox.claim(clock.now(), 10)[0]
        assert len(claimed) == 3
        assert notifications.deliver_once().claimed == 0  # leased
        clock.advance(seconds=1.5)  # less than the timeout is left of the lease
        assert notifications.deliver_once().claimed == 0
        notifications.dispatcher.outbox.release(claimed)
        counts = notifications.deliver_once()
        assert (counts.claimed, counts.delivered) == (3, 3)
        assert receiver.attempts.total() == 3


def test_old_delivered_deliveries_are_pruned_once_a_day(
        registry: Registry, receiver: Receiver, clock: FixedClock) -> None:
    """Delivered rows older than the retention go; pending and dead ones, and the notices,
    stay; a retention of 0 keeps everything."""
    settings = NotifySettings(allow_private=True, timeout=2, lease=10, max_attempts=1,
                              retention_days=30)
    with registry.notifications(settings) as notifications:
        subscribe(notifications, receiver, "team-a", "/ok")
        dead = notifications.subscribe("team-b", webhook="http://127.0.0.1:9/closed").id
        write_notices(registry, "team-a", 2, prefix="old")
        write_notices(registry, "team-b", 1, prefix="old")
        counts = notifications.deliver_once()
        assert (counts.delivered, counts.dead) == (2, 1)
        clock.advance(days=20)
        write_notices(registry, "team-a", 1, prefix="recent")
        assert notifications.deliver_once().delivered == 1
        clock.advance(days=11)  # the first two were delivered 31 days ago, the third 11
        assert notifications.daily().pruned == 2
        left = {(d.notice.key, d.status) for d in notifications.deliveries()}
        assert left == {("test:recent:team-a:0", DeliveryStatus.DELIVERED),
                        ("test:old:team-b:0", DeliveryStatus.DEAD)}
        assert [d.subscription.id for d in notifications.dead_letters()] == [dead]
        assert len(registry.deprecations.notices("team-a")) == 3
        assert notifications.prune() == 0
    clock.advance(days=365)
    with registry.notifications(replace(settings, retention_days=0)) as keeping:
        assert keeping.prune() == 0 and len(keeping.deliveries()) == 2
