"""Notification subscriptions and the outbox's deliveries — the API of ``steward subscribe``,
``subscriptions``, ``unsubscribe``, ``dead-letters`` and ``replay``. (The delivery worker,
``steward deliver``, runs beside the database, not through the API.)

Who may do what: a maintainer subscribes, unsubscribes, replays and backfills for its own team;
an administrator for any team, and only an administrator replays every dead letter at once.
Everyone but an administrator sees only its own team's subscriptions and deliveries; another
team's subscription or delivery is answered 404, as if it did not exist.

Webhook URLs go through the same address policy as on the command line (``notify/ssrf.py``):
the server's ``STEWARD_WEBHOOK_ALLOW_PRIVATE`` decides (``ServerSettings.notify``, read and
checked at start-up)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from modelsteward.api import problems
from modelsteward.api.auth import is_admin, require_admin, require_writer
from modelsteward.api.deps import Principal, PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import NoticePublic
from modelsteward.domain.outbox import Delivery, DeliveryStatus
from modelsteward.domain.subscriptions import Channel, Subscription
from modelsteward.domain.tokens import TEAM_MAX
from modelsteward.errors import (
    DeliveryNotFound,
    InvalidInput,
    NotAuthorised,
    SubscriptionNotFound,
)
from modelsteward.notify.settings import NotifySettings
from modelsteward.service.notifications import Notifications

router = APIRouter(prefix=API, tags=["notifications"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)

KIND_MAX = 200
URL_MAX = 2048
ADDRESS_MAX = 320


def get_notify_settings(request: Request) -> NotifySettings:
    """The settings webhook URLs are checked with: the server's (``ServerSettings.notify``,
    checked at start-up, in ``app.state.notify_settings``)."""
    settings: NotifySettings = request.app.state.notify_settings
    return settings


def get_notifications(registry: RegistryDep,
                      settings: Annotated[NotifySettings, Depends(get_notify_settings)],
                      ) -> Notifications:
    # no sender is opened: these routes never deliver, so there is nothing to close
    return registry.notifications(settings)


NotificationsDep = Annotated[Notifications, Depends(get_notifications)]


# schemas ------------------------------------------------------------------------------------


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: str = Field(default="", max_length=TEAM_MAX, examples=["team-search"],
                      description="The team whose notices are sent. Default: the caller's.")
    webhook: str = Field(default="", max_length=URL_MAX,
                         examples=["https://hooks.example.com/steward"],
                         description="POST signed JSON to this http(s) URL (give this or "
                                     "`email`).")
    email: str = Field(default="", max_length=ADDRESS_MAX, examples=["ml-oncall@example.com"],
                       description="Send e-mail to this address (give this or `webhook`).")
    kinds: list[Annotated[str, Field(max_length=KIND_MAX)]] = Field(
        default_factory=lambda: ["*"], max_length=100,
        examples=[["deprecation*", "advisory*"]],
        description="Glob patterns over notice kinds (`*` is the only wildcard); empty: all.")


class SubscriptionPublic(BaseModel):
    id: str = Field(examples=["3f1c2a9e-5d4b-4c7a-9b1e-0f2d6c8a7b35"])
    team: str = Field(examples=["team-search"])
    kinds: list[str] = Field(examples=[["deprecation*", "advisory*"]])
    channel: Channel
    target: str = Field(examples=["https://hooks.example.com/steward"],
                        description="Where deliveries go: the webhook URL without its query "
                                    "string (which may hold a token), or the e-mail address.")
    active: bool
    created_at: datetime | None
    created_by: str

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionPublic:
        return cls(id=s.id, team=s.team, kinds=list(s.kinds), channel=s.channel,
                   target=s.shown_target, active=s.active, created_at=s.created_at,
                   created_by=s.created_by)


class SubscriptionCreated(SubscriptionPublic):
    secret: str | None = Field(
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw9lP0eSm4fWc="],
        description="A webhook's signing secret, shown only in this response; null for "
                    "e-mail.")


class DeliveryPublic(BaseModel):
    id: str = Field(examples=["6c0d4f7e-1f55-4d2c-9a53-2a8b61f3c7b0"])
    status: DeliveryStatus
    attempts: int
    last_error: str | None = Field(examples=["HTTP 503 from the receiver"])
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    subscription: SubscriptionPublic
    notice: NoticePublic

    @classmethod
    def of(cls, d: Delivery) -> DeliveryPublic:
        return cls(id=d.id, status=d.status, attempts=d.attempts,
                   last_error=d.last_error or None, next_attempt_at=d.next_attempt_at,
                   created_at=d.created_at, delivered_at=d.delivered_at,
                   subscription=SubscriptionPublic.of(d.subscription),
                   notice=NoticePublic.of(d.notice))


class BackfillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: date = Field(examples=["2026-11-01"],
                        description="Deliver the team's notices written on or after this day "
                                    "(from its start, UTC).")


class ReplayedPublic(BaseModel):
    replayed: int = Field(examples=[3], description="Deliveries made pending again, or "
                                                    "deliveries of older notices written.")


# who sees what ------------------------------------------------------------------------------


def _visible_team(principal: Principal, team: str) -> str | None:
    """The team whose objects a listing shows: ``team`` (every team when empty) for
    administrators, else the caller's own — ``None`` when the caller belongs to no team and
    so sees nothing. Asking for another team is refused."""
    if is_admin(principal):
        return team
    if team and team != principal.team:
        raise NotAuthorised(f"{principal.name} belongs to team {principal.team!r}, not "
                            f"{team!r}; only its own team's notifications are shown to it "
                            "(ask an administrator).")
    return principal.team or None


def _own_subscription(notifications: Notifications, principal: Principal,
                      subscription_id: str) -> Subscription:
    """The subscription, when the caller may change it (a maintainer of its team, or an
    administrator). Another team's is not found, so its existence is not confirmed."""
    found = notifications.subscription(subscription_id)
    if not is_admin(principal) and found.team != principal.team:
        raise SubscriptionNotFound(subscription_id)
    require_writer(principal, found.team)
    return found


# subscriptions ------------------------------------------------------------------------------


@router.post("/subscriptions", response_model=SubscriptionCreated,
             status_code=status.HTTP_201_CREATED)
def create_subscription(body: SubscriptionCreate, notifications: NotificationsDep,
                        principal: PrincipalDep, response: Response) -> SubscriptionCreated:
    """Send a team's notices of some kinds to a webhook or an e-mail address (a maintainer of
    the team, or an administrator). A webhook's signing secret is in this response and never
    again. A webhook host that resolves to a private, loopback or other non-global address is
    refused unless the server allows it (STEWARD_WEBHOOK_ALLOW_PRIVATE)."""
    team = require_writer(principal, body.team.strip())
    if bool(body.webhook.strip()) == bool(body.email.strip()):
        given = "both" if body.webhook.strip() else "neither"
        raise InvalidInput(f"A subscription has exactly one channel, and {given} of `webhook` "
                           "and `email` was given: send `webhook` (an http(s) URL) or `email` "
                           "(an address).")
    made = notifications.subscribe(team, webhook=body.webhook, email=body.email,
                                   kinds=body.kinds)
    response.headers["Cache-Control"] = "no-store"
    return SubscriptionCreated(**SubscriptionPublic.of(made).model_dump(),
                               secret=made.secret or None)


@router.get("/subscriptions", response_model=Page[SubscriptionPublic])
def list_subscriptions(
        notifications: NotificationsDep, principal: PrincipalDep, request: Request,
        response: Response,
        team: Annotated[str, Query(max_length=TEAM_MAX,
                                   description="Only this team's (administrators).")] = "",
        include_inactive: Annotated[bool, Query(alias="all", description="Include removed "
                                                               "subscriptions.")] = False,
        after: AfterQuery = "", limit: LimitQuery = 100) -> Page[SubscriptionPublic]:
    """Subscriptions, oldest first (the cursor is an id), never their secrets: all of them
    for administrators, the caller's team's for others."""
    visible = _visible_team(principal, team.strip())
    found = ([] if visible is None else
             notifications.subscriptions(visible, include_inactive=include_inactive))
    shown = after_key(found, after, lambda s: s.id)
    return page(request, response, [SubscriptionPublic.of(s) for s in shown[:limit + 1]],
                limit, lambda s: s.id)


@router.delete("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
def delete_subscription(subscription_id: str, notifications: NotificationsDep,
                        principal: PrincipalDep) -> SubscriptionPublic:
    """Remove (deactivate) a subscription: no new deliveries, and its pending ones are not sent
    (a maintainer of its team, or an administrator). Removing it twice changes nothing."""
    _own_subscription(notifications, principal, subscription_id)
    return SubscriptionPublic.of(notifications.unsubscribe(subscription_id))


@router.post("/subscriptions/{subscription_id}/backfill", response_model=ReplayedPublic)
def backfill_subscription(subscription_id: str, body: BackfillCreate,
                          notifications: NotificationsDep,
                          principal: PrincipalDep) -> ReplayedPublic:
    """Deliver to a subscription the notices of its team written since a day that it wants and
    has not had — those written before it existed (a maintainer of its team, or an
    administrator)."""
    _own_subscription(notifications, principal, subscription_id)
    since = datetime(body.since.year, body.since.month, body.since.day, tzinfo=UTC)
    return ReplayedPublic(replayed=notifications.backfill(subscription_id, since).count)


# deliveries ---------------------------------------------------------------------------------


@router.get("/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(
        notifications: NotificationsDep, principal: PrincipalDep, request: Request,
        response: Response,
        status: Annotated[DeliveryStatus | None,
                          Query(description="Only deliveries in this state; `dead` lists the "
                                            "dead letters.")] = None,
        team: Annotated[str, Query(max_length=TEAM_MAX,
                                   description="Only this team's (administrators).")] = "",
        subscription: Annotated[str, Query(max_length=100,
                                           description="Only this subscription's.")] = "",
        after: AfterQuery = "", limit: LimitQuery = 100) -> Page[DeliveryPublic]:
    """Deliveries, oldest first (the cursor is a delivery id): all of them for administrators,
    those to the caller's team's subscriptions for others."""
    visible = _visible_team(principal, team.strip())
    found = ([] if visible is None
             else notifications.deliveries(status, subscription_id=subscription, team=visible,
                                           after=after, limit=limit + 1))
    return page(request, response, [DeliveryPublic.of(d) for d in found], limit,
                lambda d: d.id)


@router.post("/deliveries/replay", response_model=ReplayedPublic)
def replay_dead_deliveries(notifications: NotificationsDep,
                           principal: PrincipalDep) -> ReplayedPublic:
    """Make every dead delivery of an active subscription pending again (administrators)."""
    require_admin(principal)
    return ReplayedPublic(replayed=notifications.replay_all().count)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
def replay_delivery(delivery_id: str, notifications: NotificationsDep,
                    principal: PrincipalDep) -> DeliveryPublic:
    """Make one dead delivery pending again, with no attempts, due now (a maintainer of its
    subscription's team, or an administrator); the worker sends it on its next pass."""
    found = notifications.delivery(delivery_id)
    if not is_admin(principal) and found.subscription.team != principal.team:
        raise DeliveryNotFound(delivery_id)
    require_writer(principal, found.subscription.team)
    return DeliveryPublic.of(notifications.replay(delivery_id))
