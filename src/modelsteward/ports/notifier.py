"""Sending one delivery of the outbox to its receiver."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from modelsteward.domain.outbox import Delivery


class Notifier(Protocol):
    """Hands one delivery to its receiver over one channel (``notify/`` implements it for
    webhooks and e-mail)."""

    def send(self, delivery: Delivery, now: datetime) -> None:
        """Return when the receiver accepted ``delivery``; raise
        :class:`~modelsteward.errors.DeliveryFailed` saying why otherwise."""
        ...
