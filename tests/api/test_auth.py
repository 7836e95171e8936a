"""Authentication and roles over a real socket, with real tokens: 401 for missing, malformed,
unknown, revoked and expired tokens (problem shape, WWW-Authenticate); 403 for writes beyond a
role; teams fence maintainers; anonymous reading only when switched on; the approver is who the
token says."""

from __future__ import annotations

from datetime import timedelta

import httpx

from modelsteward import Registry
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.tokens import split_token
from tests.api.conftest import MakeServer, Server
from tests.conftest import FixedClock

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]


def client(server: Server, token: str = "") -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, timeout=30, headers=headers)


def make_token(server: Server, name: str, *roles: str, team: str = "",
               approval_roles: tuple[str, ...] = (), expires: str = "") -> str:
    made = server.client.post("/api/v1/tokens", json={
        "name": name, "team": team, "roles": list(roles),
        "approval_roles": list(approval_roles), "expires": expires})
    assert made.status_code == 201, made.text
    assert made.headers["Cache-Control"] == "no-store"
    text: str = made.json()["token"]
    return text


def assert_401(response: httpx.Response, word: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS and body["type"] == "/problems/not-authenticated"
    assert word in body["detail"]


def test_tokens_are_shown_once_and_listed_without_their_text(server: Server) -> None:
    text = make_token(server, "ci", "maintainer", team="support")
    listed = server.client.get("/api/v1/tokens").json()["items"]
    token_id, _ = split_token(text)
    mine = next(t for t in listed if t["id"] == token_id)
    assert "token" not in mine and mine["hint"].endswith(text[-4:])
    assert text not in server.client.get("/api/v1/tokens").text
    with client(server, text) as ci:  # a non-administrator sees its own tokens only
        assert [t["id"] for t in ci.get("/api/v1/tokens").json()["items"]] == [token_id]
        assert ci.post("/api/v1/tokens", json={"name": "x", "roles": ["admin"]}
                       ).status_code == 403


def test_missing_malformed_unknown_and_revoked_tokens_get_401(server: Server) -> None:
    text = make_token(server, "ci", "viewer")
    token_id, secret = split_token(text)
    with client(server) as nobody:
        assert_401(nobody.get("/api/v1/models"), "No token")
        assert_401(nobody.get("/api/v1/models", headers={"Authorization": "Basic abc"}),
                   "Bearer <token>")
    with client(server, "stw_nonsense") as bad:
        assert_401(bad.get("/api/v1/models"), "malformed")
    with client(server, f"stw_{'0' * 16}_{secret}") as unknown:
        assert_401(unknown.get("/api/v1/models"), "not known")
    with client(server, text) as ci:
        assert ci.get("/api/v1/models").status_code == 200  # cached now
        assert server.client.delete(f"/api/v1/tokens/{token_id}").status_code == 200
        assert_401(ci.get("/api/v1/models"), "revoked")  # at once, despite the cache
    assert server.client.get("/healthz").status_code == 200


def test_a_holder_revokes_its_own_token_but_no_other(server: Server) -> None:
    mine = make_token(server, "ci", "viewer")
    other = make_token(server, "other", "viewer")
    with client(server, mine) as ci:
        assert ci.delete(f"/api/v1/tokens/{split_token(other)[0]}").status_code == 404
        assert ci.delete(f"/api/v1/tokens/{split_token(mine)[0]}").status_code == 200
        assert_401(ci.get("/api/v1/models"), "revoked")


def test_expired_tokens_get_401(make_server: MakeServer, clock: FixedClock) -> None:
    server = make_server(clock=clock)
    text = make_token(server, "short", "viewer", expires="1d")
    with client(server, text) as short:
        assert short.get("/api/v1/models").status_code == 200
        clock.advance(days=1, seconds=1)
        assert_401(short.get("/api/v1/models"), "expired")


def test_viewers_may_not_write(server: Server) -> None:
    text = make_token(server, "reader", "viewer", team="support")
    with client(server, text) as reader:
        assert reader.get("/api/v1/models").status_code == 200
        refused = reader.post("/api/v1/models", json={"name": "support-bot"})
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/not-authorised"
        assert reader.post("/api/v1/advisories", json=[]).status_code == 403


def test_maintainers_change_only_their_own_teams_models(server: Server) -> None:
    admin = server.client
    assert admin.post("/api/v1/models", json={"name": "billing-bot", "owner_team": "billing"}
                      ).status_code == 201
    text = make_token(server, "support-ci", "maintainer", team="support")
    with client(server, text) as support:
        made = support.post("/api/v1/models", json={"name": "support-bot"})
        assert made.status_code == 201 and made.json()["owner"]["team"] == "support"
        assert support.post("/api/v1/models/support-bot/versions", json={
            "version": "1.0.0", "files": FILES}).status_code == 201
        refused = support.post("/api/v1/models/billing-bot/versions", json={
            "version": "1.0.0", "files": FILES})
        assert refused.status_code == 403 and "billing" in refused.json()["detail"]
        assert support.post("/api/v1/models", json={"name": "x-bot", "owner_team": "billing"}
                            ).status_code == 403
    assert admin.post("/api/v1/models/billing-bot/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201
    events = admin.get("/api/v1/events", params={"model": "support-bot"}).json()["items"]
    assert {e["actor"] for e in events} == {"support-ci"}


def test_anonymous_reading_is_off_by_default_and_on_when_asked(make_server: MakeServer,
                                                               clock: FixedClock) -> None:
    off = make_server(clock=clock)
    with client(off) as nobody:
        assert_401(nobody.get("/api/v1/models"), "anonymous")
    from modelsteward.api.auth import token_authenticator

    on = make_server(clock=clock, authenticate=token_authenticator(None, clock, True))
    with client(on) as nobody:
        assert nobody.get("/api/v1/models").status_code == 200
        assert nobody.get("/api/v1/tokens").json()["items"] == []
        assert_401(nobody.post("/api/v1/models", json={"name": "x-bot"}), "need a token")


def test_the_approver_is_who_the_token_says(server: Server, clock: FixedClock) -> None:
    admin = server.client
    assert admin.post("/api/v1/models", json={"name": "support-bot", "owner_team": "support",
                                              "risk_tier": "low"}).status_code == 201
    assert admin.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201
    # the gates before approval are not this test's subject: set the stage directly
    with (Registry.open(server.app.state.settings.registry.database_url, clock=clock) as reg,
          reg.store.write() as tx):
        tx.set_stage("support-bot", "1.0.0", Stage.REGISTERED)
    review = (clock.now() + timedelta(days=30)).date().isoformat()
    body = {"role": "lead", "evidence": "eval run 42", "risks_accepted": "none known",
            "monitoring_plan": "dashboards", "rollback_plan": "alias back",
            "next_review": review}
    url = "/api/v1/models/support-bot/versions/1.0.0/approvals"
    maintainer = make_token(server, "dev", "maintainer", team="support")
    wrong_role = make_token(server, "po", "approver", team="support",
                            approval_roles=("product-owner",))
    lead = make_token(server, "dana", "approver", team="support", approval_roles=("lead",))
    with client(server, maintainer) as dev:
        assert dev.post(url, json=body).status_code == 403
    with client(server, wrong_role) as po:
        refused = po.post(url, json=body)
        assert refused.status_code == 403 and "'lead'" in refused.json()["detail"]
    with client(server, lead) as dana:
        # the body cannot name another approver: the identity is the token's
        assert dana.post(url, json={**body, "approver": "someone-else"}).status_code == 422
        approved = dana.post(url, json=body)
        assert approved.status_code == 201, approved.text
        assert approved.json()["approver"] == "dana"
