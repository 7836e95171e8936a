"""Two deliverers, each with its own connections, share 200 deliveries: claims (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) never hand the same delivery to both, and
outcomes recorded in groups lose none, so the receiver sees every delivery id exactly once."""

from __future__ import annotations

import threading

from modelsteward import Registry
from modelsteward.domain.outbox import DeliveryCounts, DeliveryStatus
from modelsteward.notify.settings import NotifySettings
from tests.notify.conftest import Receiver, write_notices

SETTINGS = NotifySettings(allow_private=True, batch=5, lease=30, timeout=5)


def test_two_deliverers_never_send_the_same_delivery(db_url: str, receiver: Receiver) -> None:
    with Registry.open(db_url, actor="setup") as registry, \
            registry.notifications(SETTINGS) as notifications:
        for path, team in (("/a", "team-a"), ("/b", "team-b")):
            receiver.secrets[path] = notifications.subscribe(
                team, webhook=receiver.url(path)).secret
        write_notices(registry, "team-a", 100)
        write_notices(registry, "team-b", 100)
        expected = {d.id for d in notifications.deliveries()}
    assert len(expected) == 200
    receiver.hold = 0.002
    start = threading.Barrier(2)
    totals: dict[int, DeliveryCounts] = {}
    failures: list[BaseException] = []

    def work(number: int) -> None:
        try:
            with Registry.open(db_url, actor=f"worker-{number}") as own, \
                    own.notifications(SETTINGS) as worker:
                start.wait(timeout=30)
                total = DeliveryCounts()
                while (counts := worker.deliver_once()).claimed:
                    total = total + counts
                totals[number] = total
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(receiver.accepted) == 200 and not receiver.duplicates
    assert set(receiver.unique) == expected
    assert totals[1].delivered + totals[2].delivered == 200
    assert totals[1].delivered > 0 and totals[2].delivered > 0  # both really worked
    with Registry.open(db_url, actor="check") as registry, \
            registry.notifications(SETTINGS) as notifications:
        assert {d.status for d in notifications.deliveries()} == {DeliveryStatus.DELIVERED}
