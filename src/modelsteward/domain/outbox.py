"""The outbox: one delivery per notice and matching subscription, written with the notice.

A delivery is ``pending`` until a receiver accepts it (``delivered``) or it has failed
``max_attempts`` times (``dead``; a replay makes it ``pending`` again). Delivery is at least
once: a sender that dies mid-delivery leaves a lease that expires, and the delivery is sent again
with the same id — a receiver that ignores ids it has seen sees every notice exactly once.

Everything here is pure: the message a webhook receives, the subject of an e-mail, the wait
before the next attempt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from modelsteward.domain.notices import Notice
from modelsteward.domain.subscriptions import Subscription


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True)
class Delivery:
    """One notice on its way to one subscription. ``id`` is also the webhook id and the e-mail's
    Message-ID, the same on every attempt."""

    id: str
    notice: Notice
    subscription: Subscription
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str = ""
    leased_until: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryCounts:
    """What one pass of the dispatcher did. ``released`` deliveries were claimed but handed back
    unsent because their lease was running out; they are due again at once."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0

    def __add__(self, other: DeliveryCounts) -> DeliveryCounts:
        return DeliveryCounts(self.claimed + other.claimed, self.delivered + other.delivered,
                              self.retrying + other.retrying, self.dead + other.dead,
                              self.released + other.released)

    def summary(self) -> str:
        return (f"{self.delivered} delivered, {self.retrying} to retry, {self.dead} dead"
                + (f", {self.released} handed back" if self.released else ""))


def backoff_seconds(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """The wait after the ``attempts``-th failed attempt (``attempts`` ≥ 1): ``base`` doubling
    with each attempt, at most ``cap``, then scaled into its upper half by ``jitter`` ∈ [0, 1]
    (0 → half the wait, 1 → all of it), so that receivers coming back are not hit by every
    retry at once."""
    exponent = max(attempts - 1, 0)
    # 2**exponent overflows a float long before any sensible cap; stop doubling at the cap
    delay = base
    for _ in range(exponent):
        if delay >= cap:
            break
        delay *= 2
    delay = min(delay, cap)
    share = min(max(jitter, 0.0), 1.0)
    return delay / 2 + delay / 2 * share


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def notice_data(notice: Notice) -> dict[str, object]:
    """The notice as plain data: the ``data`` of a webhook message."""
    return {"key": notice.key, "team": notice.team, "model": notice.model, "kind": notice.kind,
            "message": notice.message, "created_at": _time(notice.created_at),
            "payload": dict(notice.payload)}


def webhook_message(delivery: Delivery) -> dict[str, object]:
    """The JSON body of a webhook (Standard Webhooks shape): ``id`` (the delivery id, also in
    the ``webhook-id`` header), ``type`` (the notice kind), ``timestamp`` (when the notice was
    written, ISO 8601 UTC) and ``data`` (the notice)."""
    notice = delivery.notice
    return {"id": delivery.id, "type": notice.kind,
            "timestamp": _time(notice.created_at or delivery.created_at),
            "data": notice_data(notice)}


def email_subject(notice: Notice) -> str:
    """A one-line subject naming the kind, the model and the team."""
    subject = f"[modelsteward] {notice.kind}: {notice.model or 'registry'} ({notice.team})"
    return " ".join(subject.split())


def email_body(delivery: Delivery) -> str:
    """The notice's message, with a footer naming the delivery (for de-duplication)."""
    notice = delivery.notice
    return (f"{notice.message}\n\n-- \nTeam {notice.team}, model {notice.model or '-'}, "
            f"notice {notice.kind}.\nDelivery {delivery.id} (the same on every attempt).\n")
