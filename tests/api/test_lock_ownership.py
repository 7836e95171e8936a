"""Locking over HTTP records the application as a consumer, so it is fenced by team: a
maintainer locks only applications of its own team — models.toml's ``team`` must be its team,
and an application already recorded must belong to it; a refusal writes nothing."""

from __future__ import annotations

from modelsteward import Registry
from modelsteward.domain.policy import Policy
from tests.api.conftest import Server
from tests.api.test_auth import FILES, client, make_token
from tests.service.lifecycle_helpers import to_registered


def manifest(team: str, pin: str = "^1.0") -> str:
    return (f'[application]\nname = "checkout-api"\nteam = "{team}"\n\n'
            f'[models]\nsupport-bot = "{pin}"\n')


def test_another_team_cannot_rewrite_a_consumer_through_a_lock(server: Server,
                                                               db_url: str) -> None:
    admin = server.client
    assert admin.post("/api/v1/models", json={"name": "support-bot", "owner_team": "support"}
                      ).status_code == 201
    assert admin.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        to_registered(registry, "support-bot@1.0.0")  # eligible, so that "^1.0" resolves
    payments = client(server, make_token(server, "payments-ci", "maintainer", team="payments"))
    billing = client(server, make_token(server, "billing-ci", "maintainer", team="billing"))
    with payments, billing:
        made = payments.post("/api/v1/locks", json={"manifest": manifest("payments")})
        assert made.status_code == 200, made.text
        # billing claims the application in its manifest, or names payments: both refused
        for team in ("billing", "payments"):
            refused = billing.post("/api/v1/locks", json={"manifest": manifest(team, "1.0.0")})
            assert refused.status_code == 403, refused.text
        assert "payments" in refused.json()["detail"]
        consumer = admin.get("/api/v1/consumers/checkout-api").json()
        assert consumer["team"] == "payments"
        assert [p["pin"] for p in consumer["uses"]] == ["^1.0"]
        # a new application must be the caller's team's
        other = manifest("payments").replace("checkout-api", "billing-api")
        assert billing.post("/api/v1/locks", json={"manifest": other}).status_code == 403
        assert admin.get("/api/v1/consumers/billing-api").status_code == 404
        assert payments.post("/api/v1/locks", json={"manifest": manifest("payments", "1.0.0")}
                             ).status_code == 200
        assert admin.get("/api/v1/consumers/checkout-api").json()["uses"][0]["pin"] == "1.0.0"
        # administrators lock any team's application
        assert admin.post("/api/v1/locks", json={"manifest": manifest("payments")}
                          ).status_code == 200
