"""``steward deliver`` killed with SIGKILL while a webhook request is in flight loses nothing:
its leases expire, a new worker sends what was left, and after de-duplication by
``webhook-id`` the receiver has every notice for every subscription exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from modelsteward import Registry
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.notify.settings import NotifySettings
from tests.notify.conftest import Receiver, write_notices

STEWARD = str(Path(sys.executable).with_name("steward"))


def _worker(url: str, home: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("STEWARD_")}
    env.update({"STEWARD_DATABASE_URL": url, "STEWARD_HOME": str(home),
                "STEWARD_ACTOR": "worker", "STEWARD_WEBHOOK_ALLOW_PRIVATE": "1",
                "STEWARD_DELIVERY_LEASE": "2", "STEWARD_WEBHOOK_TIMEOUT": "1",
                "STEWARD_DELIVERY_INTERVAL": "0.1"})
    return subprocess.Popen([STEWARD, "deliver"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_sigkill_mid_delivery_then_a_new_worker_delivers_everything_once(
        tmp_path: Path, receiver: Receiver) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    with Registry.open(url, actor="setup") as registry, \
            registry.notifications(NotifySettings(allow_private=True)) as notifications:
        for path in ("/ops", "/audit"):
            receiver.secrets[path] = notifications.subscribe(
                "team-a", webhook=receiver.url(path)).secret
        keys = write_notices(registry, "team-a", 4)
        expected = {d.id for d in notifications.deliveries()}
    assert len(expected) == 8
    receiver.hold = 0.3  # each request stays open a while, so one is in flight at the kill

    first = _worker(url, tmp_path / "home")
    receiver.wait_for(lambda: len(receiver.arrivals) >= 3)
    in_flight = receiver.arrivals[-1]
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert len(receiver.unique) < 8

    second = _worker(url, tmp_path / "home")
    try:
        receiver.wait_for(lambda: len(receiver.unique) == 8)
    finally:
        second.send_signal(signal.SIGTERM)
        _, stderr = second.communicate(timeout=15)
    assert second.returncode == 0, stderr.decode()

    assert set(receiver.unique) == expected
    reached = {(r.path, r.body["data"]["key"]) for r in receiver.unique.values()}
    assert reached == {(path, key) for path in ("/ops", "/audit") for key in keys}
    # the one request in flight when the worker died was sent again: the only duplicate
    assert receiver.duplicates == {in_flight: 1}
    assert receiver.bad_signatures == 0
    with Registry.open(url, actor="check") as registry, \
            registry.notifications(NotifySettings(allow_private=True)) as notifications:
        assert {d.status for d in notifications.deliveries()} == {DeliveryStatus.DELIVERED}
