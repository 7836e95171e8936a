"""``RemoteNotifications``: a server's notification subscriptions and dead letters through
``/api/v1/subscriptions`` and ``/api/v1/deliveries``, with the methods of
:class:`~modelsteward.service.notifications.Notifications` that ``steward subscribe``,
``subscriptions``, ``unsubscribe``, ``dead-letters`` and ``replay`` use, returning the same
values.

Where it differs: a webhook's URL comes back without its query string (the server never shows
it again), so :attr:`Subscription.url` holds what listings show; the webhook address policy is
the server's (its ``STEWARD_WEBHOOK_ALLOW_PRIVATE``), not this machine's; and
:meth:`RemoteNotifications.backfill` starts at the UTC day of ``since``, since the server takes
a day. A maintainer manages its own team's subscriptions; replaying every dead letter needs an
administrator. The delivery worker is not here: it runs beside the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Channel, Subscription
from modelsteward.remote import parse
from modelsteward.remote.client import Json, segment
from modelsteward.results import Replayed

if TYPE_CHECKING:
    from modelsteward.remote.registry import RemoteRegistry


def subscription(data: Json) -> Subscription:
    """A subscription as ``SubscriptionPublic`` (or ``SubscriptionCreated``) carries it."""
    channel = Channel(data["channel"])
    webhook = channel is Channel.WEBHOOK
    return Subscription(data["id"], data["team"], tuple(data["kinds"]), channel,
                        url=data["target"] if webhook else "",
                        secret=data.get("secret") or "",
                        address="" if webhook else data["target"], active=data["active"],
                        created_at=parse.maybe_moment(data["created_at"]),
                        created_by=data["created_by"])


def delivery(data: Json) -> Delivery:
    """A delivery as ``DeliveryPublic`` carries it."""
    return Delivery(data["id"], parse.notice(data["notice"]),
                    subscription(data["subscription"]), DeliveryStatus(data["status"]),
                    int(data["attempts"]), parse.moment(data["next_attempt_at"]),
                    parse.moment(data["created_at"]), data["last_error"] or "",
                    delivered_at=parse.maybe_moment(data["delivered_at"]))


class RemoteNotifications:
    """Notifications of the server ``registry`` reaches. Each method is one or a few HTTP calls
    and raises the error the server's problem document stands for."""

    def __init__(self, registry: RemoteRegistry) -> None:
        self.client = registry.client

    def close(self) -> None:
        """Nothing to release: the registry owns the connection."""

    def __enter__(self) -> RemoteNotifications:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # subscriptions ------------------------------------------------------------------------------

    def subscribe(self, team: str, *, webhook: str = "", email: str = "",
                  kinds: Sequence[str] = ("*",)) -> Subscription:
        """Subscribe ``team``; the result carries the webhook's secret, shown only now."""
        return subscription(self.client.post("/subscriptions", {
            "team": team, "webhook": webhook, "email": email, "kinds": list(kinds)}))

    def unsubscribe(self, subscription_id: str) -> Subscription:
        return subscription(self.client.json("DELETE",
                                             f"/subscriptions/{segment(subscription_id)}"))

    def subscriptions(self, team: str = "", *,
                      include_inactive: bool = False) -> list[Subscription]:
        return [subscription(s) for s in self.client.pages(
            "/subscriptions", {"team": team, "all": include_inactive})]

    # deliveries ---------------------------------------------------------------------------------

    def deliveries(self, status: DeliveryStatus | None = None, *, subscription_id: str = "",
                   limit: int = 1000) -> list[Delivery]:
        params: dict[str, str | int | bool] = {"subscription": subscription_id}
        if status is not None:
            params["status"] = status.value
        return [delivery(d) for d in self.client.pages("/deliveries", params, limit)]

    def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        return self.deliveries(DeliveryStatus.DEAD, limit=limit)

    def replay(self, delivery_id: str) -> Delivery:
        return delivery(self.client.post(f"/deliveries/{segment(delivery_id)}/replay"))

    def replay_all(self) -> Replayed:
        return Replayed(int(self.client.post("/deliveries/replay")["replayed"]))

    def backfill(self, subscription_id: str, since: datetime) -> Replayed:
        """Deliver the notices since the UTC day of ``since`` (naive: taken as UTC)."""
        day = (since if since.tzinfo is None else since.astimezone(UTC)).date()
        return Replayed(int(self.client.post(
            f"/subscriptions/{segment(subscription_id)}/backfill",
            {"since": day.isoformat()})["replayed"]))
