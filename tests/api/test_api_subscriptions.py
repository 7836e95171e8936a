"""Notification subscriptions and dead letters over a real socket — the API of ``steward
subscribe``, ``subscriptions``, ``unsubscribe``, ``dead-letters`` and ``replay``: the secret
shown once, team scoping, the webhook address policy, bad input, and replaying dead letters
that a real (refused) webhook left behind."""

from __future__ import annotations

import httpx
import pytest

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.auth import token_authenticator
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.domain.tokens import Role
from modelsteward.errors import DocumentInvalid
from modelsteward.notify.settings import NotifySettings
from tests.api.conftest import MakeServer, Server
from tests.api.test_api_consumers import client_as
from tests.conftest import FixedClock
from tests.notify.conftest import free_port, write_notices

SUBSCRIPTIONS = "/api/v1/subscriptions"
LOOPBACK = NotifySettings(allow_private=True, max_attempts=1, timeout=2.0)


@pytest.fixture
def loopback(make_server: MakeServer, clock: FixedClock) -> Server:
    """A server whose webhooks may reach 127.0.0.1."""
    return make_server(clock=clock, notify=LOOPBACK)


def _closed_url(path: str = "/hook") -> str:
    return f"http://127.0.0.1:{free_port()}{path}"  # nothing listens there: refused


def test_a_webhook_secret_is_shown_once_and_never_listed(loopback: Server) -> None:
    c = loopback.client
    made = c.post(SUBSCRIPTIONS, json={"team": "team-a", "webhook": _closed_url("/h?token=t"),
                                       "kinds": ["deprecation*", "advisory*"]})
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert body["kinds"] == ["deprecation*", "advisory*"] and body["channel"] == "webhook"
    assert body["target"].endswith("/h?…")  # the query, which may hold a token, is never shown
    assert body["created_by"] == "test-admin" and body["active"] is True
    mail = c.post(SUBSCRIPTIONS, json={"team": "team-a", "email": "ops@example.com"}).json()
    assert mail["secret"] is None and mail["kinds"] == ["*"]

    listed = c.get(SUBSCRIPTIONS)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {s["id"] for s in items} == {body["id"], mail["id"]}
    assert "whsec_" not in listed.text and all("secret" not in s for s in items)
    first = c.get(SUBSCRIPTIONS, params={"limit": 1})
    rest = c.get(first.links["next"]["url"]).json()
    assert [s["id"] for s in first.json()["items"] + rest["items"]] == [s["id"] for s in items]
    assert rest["next"] is None

    removed = c.delete(f"{SUBSCRIPTIONS}/{body['id']}")
    assert removed.status_code == 200 and removed.json()["active"] is False
    assert "secret" not in removed.json()
    assert [s["id"] for s in c.get(SUBSCRIPTIONS).json()["items"]] == [mail["id"]]
    every = c.get(SUBSCRIPTIONS, params={"all": "true"}).json()["items"]
    assert {s["id"]: s["active"] for s in every} == {body["id"]: False, mail["id"]: True}
    # the history names who subscribed and unsubscribed, without the secret or the query
    log = c.get("/api/v1/events").text
    assert "notify:subscription:created" in log and "notify:subscription:removed" in log
    assert body["secret"] not in log and "token=t" not in log


def test_a_maintainer_manages_only_its_own_teams_subscriptions(loopback: Server) -> None:
    a = client_as(loopback, "ann", "team-a", Role.MAINTAINER)
    b = client_as(loopback, "bob", "team-b", Role.MAINTAINER)
    viewer = client_as(loopback, "vic", "team-a", Role.VIEWER)
    # a maintainer's own team is the default
    own = a.post(SUBSCRIPTIONS, json={"email": "a@example.com"})
    assert own.status_code == 201 and own.json()["team"] == "team-a"
    theirs = b.post(SUBSCRIPTIONS, json={"team": "team-b", "email": "b@example.com"}).json()

    refused = a.post(SUBSCRIPTIONS, json={"team": "team-b", "email": "x@example.com"})
    assert refused.status_code == 403
    assert "team-b" in refused.json()["detail"]
    assert viewer.post(SUBSCRIPTIONS, json={"email": "v@example.com"}).status_code == 403

    assert [s["team"] for s in a.get(SUBSCRIPTIONS).json()["items"]] == ["team-a"]
    assert [s["team"] for s in viewer.get(SUBSCRIPTIONS).json()["items"]] == ["team-a"]
    other = a.get(SUBSCRIPTIONS, params={"team": "team-b"})
    assert other.status_code == 403 and "team-b" in other.json()["detail"]
    assert {s["team"] for s in loopback.client.get(SUBSCRIPTIONS).json()["items"]} == {
        "team-a", "team-b"}

    # another team's subscription is not confirmed to exist; a viewer of the team may not change
    hidden = a.delete(f"{SUBSCRIPTIONS}/{theirs['id']}")
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == a.delete(f"{SUBSCRIPTIONS}/nope").json()["detail"].replace(
        "'nope'", repr(theirs["id"]))
    assert a.post(f"{SUBSCRIPTIONS}/{theirs['id']}/backfill",
                  json={"since": "2026-01-01"}).status_code == 404
    assert viewer.delete(f"{SUBSCRIPTIONS}/{own.json()['id']}").status_code == 403
    assert b.get(SUBSCRIPTIONS, params={"all": "true"}).json()["items"][0]["active"] is True
    assert a.delete(f"{SUBSCRIPTIONS}/{own.json()['id']}").json()["active"] is False


def test_a_private_webhook_address_is_refused_unless_the_server_allows_it(
        make_server: MakeServer, clock: FixedClock) -> None:
    server = make_server(clock=clock)  # the default: global addresses only
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://169.254.169.254/"):
        refused = server.client.post(SUBSCRIPTIONS, json={"team": "team-a", "webhook": url})
        assert refused.status_code == 400, url
        detail = refused.json()["detail"]
        assert "Webhooks may only reach global addresses" in detail
        assert "STEWARD_WEBHOOK_ALLOW_PRIVATE=1" in detail
    assert server.client.get(SUBSCRIPTIONS).json()["items"] == []
    allowing = make_server(clock=clock, notify=ServerSettings.from_env(
        {"STEWARD_WEBHOOK_ALLOW_PRIVATE": "1"}).notify)
    assert allowing.client.post(SUBSCRIPTIONS, json={
        "team": "team-a", "webhook": "http://127.0.0.1:9/hook"}).status_code == 201


def test_bad_notification_settings_stop_the_server_before_it_starts(db_url: str) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        create_app(ServerSettings(Settings(db_url, "alice"),
                                  notify=NotifySettings(timeout=90, lease=60)))
    assert "STEWARD_DELIVERY_LEASE" in str(caught.value)
    with pytest.raises(DocumentInvalid, match="STEWARD_REMINDER_DAYS"):
        ServerSettings.from_env({"STEWARD_REMINDER_DAYS": "soon"})


@pytest.mark.parametrize(("body", "named"), [
    ({"team": "t", "webhook": "https://hooks.example.com/", "email": "a@example.com"},
     "both of `webhook` and `email`"),
    ({"team": "t"}, "neither of `webhook` and `email`"),
    ({"team": "t", "email": "a@example.com", "kinds": ["deprecations*"]},
     "'deprecations*' matches no notice kind"),
    ({"team": "t", "email": "a@example.com", "kinds": ["Advisory"]},
     "'Advisory' may only hold lower-case letters"),
    ({"team": "t", "webhook": "ftp://hooks.example.com/"}, "scheme must be http or https"),
    ({"team": "t", "email": "Ann <a@example.com>"}, "is not an e-mail address"),
])
def test_bad_input_is_refused_naming_the_problem(loopback: Server, body: dict[str, object],
                                                 named: str) -> None:
    refused = loopback.client.post(SUBSCRIPTIONS, json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["type"] == "/problems/invalid-input"
    assert named in refused.json()["detail"]


def test_dead_letters_are_listed_by_team_and_replayed(loopback: Server, db_url: str,
                                                      clock: FixedClock) -> None:
    c = loopback.client
    hooks = {team: c.post(SUBSCRIPTIONS, json={"team": team, "webhook": _closed_url()}).json()
             for team in ("team-a", "team-b")}
    with Registry.open(db_url, actor="test-setup", clock=clock) as registry:
        write_notices(registry, "team-a", 2)
        write_notices(registry, "team-b", 1)
        with registry.notifications(LOOPBACK) as notifications:
            counts = notifications.deliver_once()
    assert counts.dead == 3  # one refused attempt each, and max_attempts=1

    dead = c.get("/api/v1/deliveries", params={"status": "dead"})
    assert dead.status_code == 200
    letters = dead.json()["items"]
    assert sorted(d["notice"]["team"] for d in letters) == ["team-a", "team-a", "team-b"]
    assert all(d["status"] == "dead" and d["attempts"] == 1 and d["last_error"]
               for d in letters)
    assert "whsec_" not in dead.text and "secret" not in letters[0]["subscription"]
    first = c.get("/api/v1/deliveries", params={"status": "dead", "limit": 2})
    rest = c.get(first.links["next"]["url"]).json()["items"]
    assert [d["id"] for d in first.json()["items"] + rest] == [d["id"] for d in letters]
    assert c.get("/api/v1/deliveries", params={"status": "pending"}).json()["items"] == []

    a = client_as(loopback, "ann", "team-a", Role.MAINTAINER)
    a_letters = [d["id"] for d in letters if d["notice"]["team"] == "team-a"]
    [b_letter] = [d["id"] for d in letters if d["notice"]["team"] == "team-b"]
    assert [d["id"] for d in a.get("/api/v1/deliveries", params={"status": "dead"}
                                   ).json()["items"]] == a_letters
    assert a.get("/api/v1/deliveries", params={"team": "team-b"}).status_code == 403
    assert a.post(f"/api/v1/deliveries/{b_letter}/replay").status_code == 404
    assert a.post("/api/v1/deliveries/replay").status_code == 403  # all at once: admins

    replayed = a.post(f"/api/v1/deliveries/{a_letters[0]}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "pending" and replayed.json()["attempts"] == 0
    again = a.post(f"/api/v1/deliveries/{a_letters[0]}/replay")
    assert again.status_code == 409 and "not dead" in again.json()["detail"]
    assert c.post("/api/v1/deliveries/nope/replay").status_code == 404

    everything = c.post("/api/v1/deliveries/replay")
    assert everything.status_code == 200 and everything.json() == {"replayed": 2}
    with Registry.open(db_url, actor="test-setup", clock=clock) as registry:
        statuses = {d.status for d in registry.notifications(LOOPBACK).deliveries()}
    assert statuses == {DeliveryStatus.PENDING}

    # a subscription made after the notices gets them only when asked
    late = c.post(SUBSCRIPTIONS, json={"team": "team-a", "email": "late@example.com"}).json()
    backfill = f"{SUBSCRIPTIONS}/{late['id']}/backfill"
    assert c.post(backfill, json={"since": "2026-11-23"}).json() == {"replayed": 0}
    assert a.post(backfill, json={"since": "2026-11-01"}).json() == {"replayed": 2}
    assert c.post(backfill, json={"since": "2026-11-01"}).json() == {"replayed": 0}
    bad = c.post(backfill, json={"since": "last week"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["location"] == "body.since"
    c.delete(f"{SUBSCRIPTIONS}/{hooks['team-b']['id']}")
    removed = c.post(f"{SUBSCRIPTIONS}/{hooks['team-b']['id']}/backfill",
                     json={"since": "2026-11-01"})
    assert removed.status_code == 409 and "subscribe again" in removed.json()["detail"]


def test_a_caller_without_a_team_sees_no_subscriptions(make_server: MakeServer,
                                                        clock: FixedClock) -> None:
    server = make_server(clock=clock, authenticate=token_authenticator(None, clock, True))
    server.client.post(SUBSCRIPTIONS, json={"team": "team-a", "email": "a@example.com"})
    teamless = client_as(server, "tess", "", Role.VIEWER)
    assert teamless.get(SUBSCRIPTIONS).json()["items"] == []
    assert teamless.get("/api/v1/deliveries").json()["items"] == []
    anonymous = httpx.get(f"{server.url}{SUBSCRIPTIONS}")  # anonymous reading is on here
    assert anonymous.status_code == 200 and anonymous.json()["items"] == []
    assert httpx.post(f"{server.url}{SUBSCRIPTIONS}", json={
        "team": "team-a", "email": "x@example.com"}).status_code == 401
