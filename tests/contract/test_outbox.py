"""The outbox role: subscriptions, deliveries enqueued with their notices, leases and results."""

from __future__ import annotations

import threading
from typing import Any

from modelsteward.domain.notices import Notice
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.domain.subscriptions import Channel, Subscription

from .helpers import at


def _webhook(ident: str, team: str = "team-a", kinds: tuple[str, ...] = ("*",),
             minutes: float = 0) -> Subscription:
    return Subscription(ident, team, kinds, Channel.WEBHOOK, "https://hook.example/x", "s3cret",
                        "", True, at(minutes), "alice")


def _notice(key: str, kind: str = "deprecation", team: str = "team-a",
            minutes: float = 1) -> Notice:
    return Notice(key, team, "bot", kind, f"about {key}", {"k": key}, at(minutes))


def _seed(store: Any, notices: int = 3) -> None:
    with store.write() as tx:
        tx.add_subscription(_webhook("s1"))
        tx.add_subscription(_webhook("s2", kinds=("retire*",), minutes=1))
        tx.add_subscription(Subscription("s3", "team-b", ("*",), Channel.EMAIL, "", "",
                                         "ops@example.com", True, at(2), "bob"))
        for i in range(notices):
            tx.add_notice(_notice(f"n{i}", minutes=i))


def test_subscriptions_read_back_oldest_first(store: Any) -> None:
    _seed(store, 0)
    with store.write() as tx:
        tx.deactivate_subscription("s2")
    with store.read() as tx:
        assert tx.subscription("s1") == _webhook("s1")
        assert tx.subscription("s3").address == "ops@example.com"
        assert tx.subscription("s3").url == "" and tx.subscription("nope") is None
        assert [s.id for s in tx.subscriptions()] == ["s1", "s3"]
        assert [s.id for s in tx.subscriptions(include_inactive=True)] == ["s1", "s2", "s3"]
        assert [s.id for s in tx.subscriptions("team-a", include_inactive=True)] == ["s1", "s2"]


def test_a_notice_brings_one_delivery_per_wanting_subscription(store: Any) -> None:
    _seed(store, 0)
    with store.write() as tx:
        tx.add_notice(_notice("n1", "retirement"))
        tx.add_notice(_notice("n2", "deprecation"))
    with store.read() as tx:
        found = tx.deliveries()
        assert sorted((d.notice.key, d.subscription.id) for d in found) == [
            ("n1", "s1"), ("n1", "s2"), ("n2", "s1")]
        first = found[0]
        assert first.status is DeliveryStatus.PENDING and first.attempts == 0
        assert first.next_attempt_at == at(1) and first.created_at == at(1)
        assert first.notice.payload in ({"k": "n1"}, {"k": "n2"})


def test_claims_lease_due_deliveries_oldest_first(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        claimed = tx.claim_deliveries(at(1), at(10), 10)
    assert [d.notice.key for d in claimed] == ["n0", "n1"]
    assert all(d.leased_until == at(10) for d in claimed)
    with store.write() as tx:
        assert tx.claim_deliveries(at(5), at(20), 10)[0].notice.key == "n2"
        assert tx.claim_deliveries(at(5), at(20), 10) == []  # all leased
        assert len(tx.claim_deliveries(at(10), at(30), 10)) == 2  # n0 and n1's lease ended


def test_concurrent_claimers_never_get_the_same_delivery(store: Any) -> None:
    _seed(store, 12)
    got: list[list[str]] = []
    lock = threading.Lock()

    def claim() -> None:
        for _ in range(4):
            with store.write() as tx:
                ids = [d.id for d in tx.claim_deliveries(at(100), at(200), 2)]
            with lock:
                got.append(ids)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [i for ids in got for i in ids]
    assert len(everything) == len(set(everything)) == 12


def test_results_of_attempts(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        first, second, third = tx.claim_deliveries(at(5), at(10), 3)
        tx.record_delivered(first.id, at(6))
        tx.record_failed(second.id, "x" * 3000, at(30))
        tx.record_failed(third.id, "gone", None)
        tx.record_failed(first.id, "late", None)  # delivered already: left alone
    with store.read() as tx:
        done, retry, dead = (tx.delivery(d.id) for d in (first, second, third))
    assert done.status is DeliveryStatus.DELIVERED and done.delivered_at == at(6)
    assert done.attempts == 1 and done.leased_until is None and done.last_error == ""
    assert retry.status is DeliveryStatus.PENDING and retry.next_attempt_at == at(30)
    assert retry.attempts == 1 and len(retry.last_error) == 2000
    assert dead.status is DeliveryStatus.DEAD and dead.last_error == "gone"


def test_many_deliveries_are_recorded_at_once_each_with_its_time(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        first, second, third = tx.claim_deliveries(at(5), at(10), 3)
        tx.record_failed(third.id, "gone", None)
        tx.record_all_delivered([])
        # the dead one is left alone, as record_delivered leaves it
        tx.record_all_delivered([(first.id, at(6)), (second.id, at(7)), (third.id, at(8))])
    with store.read() as tx:
        done = [tx.delivery(d.id) for d in (first, second, third)]
    assert [(d.status, d.delivered_at, d.attempts, d.leased_until) for d in done] == [
        (DeliveryStatus.DELIVERED, at(6), 1, None), (DeliveryStatus.DELIVERED, at(7), 1, None),
        (DeliveryStatus.DEAD, None, 1, None)]


def test_release_replay_and_prune(store: Any) -> None:
    _seed(store)
    with store.write() as tx:
        a, b, c = tx.claim_deliveries(at(5), at(10), 3)
        tx.release_deliveries([a.id])
        tx.record_failed(b.id, "gone", None)
        tx.record_delivered(c.id, at(6))
    with store.write() as tx:
        assert tx.delivery(a.id).leased_until is None
        assert tx.replay_deliveries(None, at(7)) == 1
        assert tx.prune_deliveries(at(6)) == 0
        assert tx.prune_deliveries(at(7)) == 1
    with store.read() as tx:
        replayed = tx.delivery(b.id)
        assert replayed.status is DeliveryStatus.PENDING and replayed.attempts == 0
        assert replayed.next_attempt_at == at(7)
        assert tx.delivery(c.id) is None


def test_deliveries_filter_and_page_by_keyset(store: Any) -> None:
    _seed(store, 5)
    with store.write() as tx:
        tx.add_notice(_notice("b0", team="team-b", minutes=9))
    with store.read() as tx:
        everything = tx.deliveries()
        assert [d.notice.key for d in everything] == ["n0", "n1", "n2", "n3", "n4", "b0"]
        page = tx.deliveries(limit=2)
        rest = tx.deliveries(after=page[-1].id, limit=10)
        assert page + rest == everything
        assert [d.notice.key for d in tx.deliveries(team="team-b")] == ["b0"]
        assert len(tx.deliveries(subscription_id="s1")) == 5
        assert tx.deliveries(DeliveryStatus.DEAD) == []
        assert tx.deliveries(after="no-such-delivery") == []


def test_backfill_adds_the_missing_deliveries_of_a_new_subscription(store: Any) -> None:
    _seed(store, 3)
    with store.write() as tx:
        tx.add_subscription(_webhook("s9", kinds=("deprecation",), minutes=5))
        assert tx.backfill_deliveries("s9", at(1), at(6)) == 2
        assert tx.backfill_deliveries("s9", at(0), at(6)) == 1  # only n0 was missing
        assert tx.backfill_deliveries("nope", at(0), at(6)) == 0
    with store.read() as tx:
        found = tx.deliveries(subscription_id="s9")
        assert sorted(d.notice.key for d in found) == ["n0", "n1", "n2"]
        assert all(d.created_at == at(6) for d in found)


def test_inactive_subscriptions_get_nothing_claimed_or_replayed(store: Any) -> None:
    _seed(store, 1)
    with store.write() as tx:
        (only,) = tx.claim_deliveries(at(5), at(6), 5)
        tx.record_failed(only.id, "gone", None)
        tx.deactivate_subscription("s1")
        tx.add_notice(_notice("later", minutes=3))
    with store.write() as tx:
        assert tx.replay_deliveries(None, at(7)) == 0
        assert tx.claim_deliveries(at(9), at(10), 5) == []
        assert tx.replay_deliveries([only.id], at(7)) == 1
