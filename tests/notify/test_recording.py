"""What a sender sent is recorded in groups: at most ``RECORD_EVERY`` seconds of sending goes
unrecorded, so a slow receiver's outcomes are recorded one by one and a fast one's together;
every outcome is recorded by the end of the pass, failures included."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Channel
from modelsteward.errors import DeliveryFailed
from modelsteward.notify import dispatcher
from modelsteward.notify.settings import NotifySettings
from tests.notify.conftest import write_notices

SETTINGS = NotifySettings(allow_private=True, batch=10, lease=30, timeout=5)


class Watching:
    """A sender that, before each send, notes how many deliveries the database already
    records as delivered or failed; it refuses the deliveries of ``refuse``."""

    def __init__(self, url: str, refuse: int = -1) -> None:
        self.url = url
        self.refuse = refuse
        self.recorded_before: list[int] = []

    def send(self, delivery: Delivery, now: datetime) -> None:
        with Registry.open(self.url, actor="watch") as registry, \
                registry.notifications(SETTINGS) as notifications:
            found = notifications.deliveries()
            self.recorded_before.append(sum(d.attempts for d in found))
        if len(self.recorded_before) - 1 == self.refuse:
            raise DeliveryFailed("refused")


def _pass(tmp_path: Path, sender: Watching) -> list[DeliveryStatus]:
    with Registry.open(sender.url, actor="setup") as registry, \
            registry.notifications(SETTINGS,
                                   notifiers={Channel.WEBHOOK: sender}) as notifications:
        notifications.subscribe("team-a", webhook="http://127.0.0.1:9/hook")
        write_notices(registry, "team-a", 4)
        counts = notifications.deliver_once()
        assert counts.claimed == 4
        return [d.status for d in notifications.deliveries()]


def test_each_outcome_is_recorded_before_the_next_send_when_sending_is_slow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "RECORD_EVERY", 0.0)  # every send counts as slow
    sender = Watching(f"sqlite:///{tmp_path / 'r.db'}", refuse=2)
    statuses = _pass(tmp_path, sender)
    assert sender.recorded_before == [0, 1, 2, 3]
    assert sorted(statuses) == sorted([DeliveryStatus.DELIVERED] * 3 + [DeliveryStatus.PENDING])


def test_fast_sends_are_recorded_together_by_the_end_of_the_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "RECORD_EVERY", 3600.0)
    sender = Watching(f"sqlite:///{tmp_path / 'r.db'}", refuse=1)
    statuses = _pass(tmp_path, sender)
    assert sender.recorded_before == [0, 0, 0, 0]
    assert sorted(statuses) == sorted([DeliveryStatus.DELIVERED] * 3 + [DeliveryStatus.PENDING])
