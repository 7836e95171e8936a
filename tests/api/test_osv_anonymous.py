"""OSV's query API reads: with anonymous reading on, ``POST /v1/query`` and ``POST
/v1/querybatch`` need no token (as GET and HEAD); with it off they answer 401 in OSV's shape,
and every other POST still needs a token."""

from __future__ import annotations

import httpx

from modelsteward.api.auth import token_authenticator
from tests.api.conftest import MakeServer
from tests.conftest import FixedClock

QUERY = {"package": {"name": "support-bot", "ecosystem": "modelsteward"}, "version": "1.0.0"}


def test_anonymous_osv_queries_when_anonymous_reading_is_on(make_server: MakeServer,
                                                           clock: FixedClock) -> None:
    on = make_server(clock=clock, authenticate=token_authenticator(None, clock, True))
    assert on.client.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    assert on.client.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0",
        "files": [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}],
    }).status_code == 201
    with httpx.Client(base_url=on.url, timeout=30) as nobody:
        assert nobody.post("/v1/query", json=QUERY).status_code == 200
        batch = nobody.post("/v1/querybatch", json={"queries": [QUERY]})
        assert batch.status_code == 200 and batch.json() == {"results": [{}]}
        assert nobody.post("/api/v1/models", json={"name": "x-bot"}).status_code == 401


def test_osv_queries_need_a_token_when_anonymous_reading_is_off(make_server: MakeServer,
                                                                clock: FixedClock) -> None:
    off = make_server(clock=clock)
    with httpx.Client(base_url=off.url, timeout=30) as nobody:
        for path, body in (("/v1/query", QUERY), ("/v1/querybatch", {"queries": [QUERY]})):
            refused = nobody.post(path, json=body)
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] == 16  # UNAUTHENTICATED, OSV's error shape
