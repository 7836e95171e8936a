"""``GET /api/v1/resolve`` over a real socket: only eligible versions for a choosing pin, an exact
pin's version with why it is not eligible, candidates on request, the redirect after retirement
in the body and a header, and the 404 that says why a pin no longer resolves."""

from __future__ import annotations

from datetime import timedelta

import httpx

from modelsteward import Registry
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.model import RiskTier
from tests.api.conftest import MakeServer
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_staging, trained


def resolve(client: httpx.Client, pin: str, **extra: str) -> httpx.Response:
    return client.get("/api/v1/resolve", params={"model": "bot", "pin": pin, **extra})


def test_resolve_answers_with_eligibility(make_server: MakeServer, db_url: str,
                                          clock: FixedClock) -> None:
    server = make_server(clock=clock)
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        first = trained(registry, "bot")
        to_staging(registry, first, RiskTier.LOW)
        trained(registry, "bot")  # 2.0.0, not through the gates
    c = server.client

    chosen = resolve(c, "*")
    assert chosen.status_code == 200
    body = chosen.json()
    assert (body["version"], body["eligible"], body["candidates"]) == ("1.0.0", True, False)

    exact = resolve(c, "2.0.0")
    assert exact.json()["version"] == "2.0.0"
    assert exact.json()["eligible"] is False
    assert "still trained" in exact.json()["ineligible"]
    assert "still trained" in exact.headers["Steward-Ineligible"]

    staged = resolve(c, "*", candidates="true").json()
    assert (staged["version"], staged["candidates"]) == ("2.0.0", True)

    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        today = clock.now().date()
        registry.deprecations.plan(
            first, reason=DeprecationReason.VULNERABILITY, replacement="",
            announced=today, soft_deadline=today + timedelta(days=1),
            hard_deadline=today + timedelta(days=2))
        clock.advance(days=3)
        registry.deprecations.tick()
    gone = resolve(c, "^1")
    assert gone.status_code == 404
    problem = gone.json()
    assert problem["unresolvable"]["version"] == "bot@1.0.0"
    assert problem["unresolvable"]["state"] == "retired"
    assert "vulnerability" in problem["detail"] and "no longer resolves" in problem["detail"]


def test_a_redirect_after_retirement_is_stated_in_a_header(make_server: MakeServer, db_url: str,
                                                           clock: FixedClock) -> None:
    server = make_server(clock=clock)
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        first = trained(registry, "bot")
        to_staging(registry, first, RiskTier.LOW)
        second = trained(registry, "bot")
        to_staging(registry, second, RiskTier.LOW)
        today = clock.now().date()
        registry.deprecations.plan(
            first, reason=DeprecationReason.REPLACED, replacement="bot@^2", redirect=True,
            announced=today, soft_deadline=today + timedelta(days=1),
            hard_deadline=today + timedelta(days=2))
        clock.advance(days=3)
        assert first in registry.deprecations.tick().retired
    answer = resolve(server.client, "1.0.0")
    assert answer.status_code == 200
    assert answer.json()["version"] == "2.0.0"
    assert answer.json()["redirected_from"] == first
    assert answer.headers["Steward-Redirected-From"] == first
