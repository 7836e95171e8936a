"""``steward subscribe``, ``subscriptions``, ``unsubscribe``, ``deliver`` (the worker),
``dead-letters`` and ``replay``. All but ``deliver`` also work through a server (STEWARD_URL);
the worker sends from the database, so it runs beside it."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, err, json_option, local_only, out, pass_state
from modelsteward.domain.outbox import Delivery, DeliveryCounts
from modelsteward.domain.subscriptions import Subscription, split_kinds
from modelsteward.errors import InvalidInput
from modelsteward.notify.settings import NotifySettings

if TYPE_CHECKING:  # each mode imports its own when a command runs
    from modelsteward.remote.notify import RemoteNotifications
    from modelsteward.service.notifications import Notifications


@contextmanager
def _local_notifications(state: State) -> Iterator[Notifications]:

    settings = NotifySettings.from_env()  # bad settings fail before the database is touched
    with state.local_registry.notifications(settings) as notifications:
        yield notifications


@contextmanager
def _notifications(state: State) -> Iterator[Notifications | RemoteNotifications]:
    """The local database's notifications, or the server's when STEWARD_URL is set (then the
    server's settings, such as its webhook address policy, apply)."""
    if state.url:
        from modelsteward.remote.notify import RemoteNotifications
        from modelsteward.remote.registry import RemoteRegistry

        registry = state.registry
        assert isinstance(registry, RemoteRegistry)  # what State gives with a URL
        with RemoteNotifications(registry) as remote:
            yield remote
        return
    with _local_notifications(state) as local:
        yield local


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def subscription_view(s: Subscription) -> dict[str, object]:
    view: dict[str, object] = {
        "id": s.id, "team": s.team, "kinds": list(s.kinds), "channel": s.channel.value,
        "target": s.shown_target, "active": s.active, "created_at": _time(s.created_at),
        "created_by": s.created_by}
    if s.secret:
        view["secret"] = s.secret
    return view


def delivery_view(d: Delivery) -> dict[str, object]:
    return {"id": d.id, "status": d.status.value, "attempts": d.attempts,
            "last_error": d.last_error or None, "next_attempt_at": _time(d.next_attempt_at),
            "created_at": _time(d.created_at), "delivered_at": _time(d.delivered_at),
            "subscription": {"id": d.subscription.id, "channel": d.subscription.channel.value,
                             "target": d.subscription.shown_target,
                             "active": d.subscription.active},
            "notice": {"key": d.notice.key, "team": d.notice.team, "model": d.notice.model,
                       "kind": d.notice.kind}}


def counts_view(c: DeliveryCounts) -> dict[str, int]:
    return {"claimed": c.claimed, "delivered": c.delivered, "retrying": c.retrying,
            "dead": c.dead, "released": c.released}


@click.command()
@click.argument("team")
@click.option("--webhook", default="", metavar="URL",
              help="POST signed JSON to this http(s) URL.")
@click.option("--email", default="", metavar="ADDRESS", help="Send e-mail to this address.")
@click.option("--kinds", default="*", show_default=True, metavar="PATTERNS",
              help="Notice kinds, comma-separated glob patterns, e.g. 'advisory*,deprecation*'.")
@json_option
@pass_state
def subscribe(state: State, team: str, webhook: str, email: str, kinds: str,
              as_json: bool) -> None:
    """Send TEAM's notices of some kinds to a webhook or an e-mail address. A webhook's signing
    secret is printed now and never again."""
    with _notifications(state) as notifications:
        made = notifications.subscribe(team, webhook=webhook, email=email,
                                       kinds=split_kinds(kinds))
    if as_json:
        emit_json(subscription_view(made))
        return
    out.print(f"Subscribed {made.team} to {', '.join(made.kinds)} by {made.channel.value} "
              f"({made.shown_target}): subscription {made.id}.", highlight=False)
    if made.secret:
        out.print(f"Signing secret (shown only now; give it to the receiver): {made.secret}",
                  highlight=False)


@click.command()
@click.option("--team", default="", help="Only this team's subscriptions.")
@click.option("--all", "include_inactive", is_flag=True, help="Include removed subscriptions.")
@json_option
@pass_state
def subscriptions(state: State, team: str, include_inactive: bool, as_json: bool) -> None:
    """List subscriptions (never their secrets)."""
    with _notifications(state) as notifications:
        found = notifications.subscriptions(team, include_inactive=include_inactive)
    if as_json:
        emit_json([subscription_view(s) for s in found])
        return
    if not found:
        out.print("No subscriptions.")
        return
    table = Table("id", "team", "kinds", "channel", "target", "active")
    for s in found:
        table.add_row(s.id, s.team, ",".join(s.kinds), s.channel.value, s.shown_target,
                      "yes" if s.active else "no")
    out.print(table)


@click.command()
@click.argument("subscription_id", metavar="ID")
@json_option
@pass_state
def unsubscribe(state: State, subscription_id: str, as_json: bool) -> None:
    """Remove a subscription: no new deliveries, and its pending ones are not sent."""
    with _notifications(state) as notifications:
        removed = notifications.unsubscribe(subscription_id)
    if as_json:
        emit_json(subscription_view(removed))
    else:
        out.print(f"Removed subscription {removed.id} ({removed.team}, {removed.channel.value} "
                  f"{removed.shown_target}).", highlight=False)


@click.command()
@click.option("--once", is_flag=True, help="Make one pass over what is due, then stop.")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", envvar="STEWARD_DELIVERY_INTERVAL",
              help="Pause when nothing is due [STEWARD_DELIVERY_INTERVAL; default 5].")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              envvar="STEWARD_DELIVERY_BATCH",
              help="Deliveries claimed per pass [STEWARD_DELIVERY_BATCH; default 20].")
@json_option
@local_only
@pass_state
def deliver(state: State, once: bool, interval: float | None, limit: int | None,
            as_json: bool) -> None:
    """The delivery worker: send due notifications (webhooks, e-mail), retry failures with
    backoff, and once a day write deadline reminders and prune deliveries older than
    STEWARD_DELIVERY_RETENTION days. Runs until SIGTERM or Ctrl-C; run several at once if you
    like (each delivery is claimed by one of them)."""
    with _local_notifications(state) as notifications:
        if once:
            notifications.daily()
            counts = notifications.deliver_once(limit)
            if as_json:
                emit_json(counts_view(counts))
            else:
                out.print(f"{counts.summary()}.", highlight=False)
            return
        stop = threading.Event()

        def report(counts: DeliveryCounts) -> None:
            err.print(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {counts.summary()}",
                      highlight=False)

        def on_error(message: str) -> None:
            err.print(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} database unavailable: {message}",
                      highlight=False)

        with _stopped_by_signals(stop):
            total = notifications.run(stop, interval=interval, report=report, on_error=on_error)
        if as_json:
            emit_json(counts_view(total))
        else:
            out.print(f"Stopped: {total.summary()}.", highlight=False)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT end the loop after the send in progress."""
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@click.command("dead-letters")
@json_option
@pass_state
def dead_letters(state: State, as_json: bool) -> None:
    """Deliveries that failed every attempt; replay them with `steward replay`."""
    with _notifications(state) as notifications:
        found = notifications.dead_letters()
    if as_json:
        emit_json([delivery_view(d) for d in found])
        return
    if not found:
        out.print("No dead letters.")
        return
    table = Table("id", "team", "kind", "channel", "target", "attempts", "last error")
    for d in found:
        table.add_row(d.id, d.notice.team, d.notice.kind, d.subscription.channel.value,
                      d.subscription.shown_target, str(d.attempts), d.last_error)
    out.print(table)


@click.command()
@click.argument("delivery_id", metavar="ID", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@click.option("--subscription", "subscription_id", default="", metavar="ID",
              help="Deliver older notices to this subscription (with --since).")
@click.option("--since", default=None, metavar="DATE",
              help="With --subscription: notices written on or after this date (YYYY-MM-DD).")
@json_option
@pass_state
def replay(state: State, delivery_id: str | None, replay_all: bool, subscription_id: str,
           since: str | None, as_json: bool) -> None:
    """Send a dead letter again (ID), all of them (--all), or the notices a subscription missed
    because it did not exist yet (--subscription ID --since DATE)."""
    chosen = sum(bool(x) for x in (delivery_id, replay_all, subscription_id))
    if chosen != 1:
        raise InvalidInput("Say what to replay with exactly one of: a delivery ID, --all, or "
                           "--subscription ID --since DATE.")
    if since is not None and not subscription_id:
        raise InvalidInput("--since goes with --subscription ID.")
    with _notifications(state) as notifications:
        if delivery_id:
            replayed = notifications.replay(delivery_id)
            if as_json:
                emit_json(delivery_view(replayed))
            else:
                out.print(f"Delivery {replayed.id} is pending again; the worker sends it on its "
                          "next pass.", highlight=False)
            return
        if replay_all:
            count = notifications.replay_all().count
            what = "dead letter(s) pending again"
        else:
            if since is None:
                raise InvalidInput("--subscription needs --since DATE: say from when older "
                                   "notices should be delivered.")
            count = notifications.backfill(subscription_id, _start_of(since)).count
            what = "older notice(s) queued for the subscription"
    if as_json:
        emit_json({"replayed": count})
    else:
        out.print(f"{count} {what}.", highlight=False)


def _start_of(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--since {text!r} is not a date: write YYYY-MM-DD.") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
