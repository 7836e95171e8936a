"""Experiments and canaries over a real socket, with real tokens: an A/B test between two
eligible versions is started, units are routed, outcomes are reported, the analysis recommends
the treatment, a promotion is refused without the approval the risk tier needs and accepted
with it, and production moves; a canary whose latency guardrail breaks is rolled back by the
server's own tick, with events and notices; Argo Rollouts' and Flagger's questions are answered.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.tokens import Role
from tests.api.conftest import run_server
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import CHECKS, to_production, to_registered, trained

PROBLEM = "application/problem+json"


@pytest.fixture
def world(db_url: str, clock: FixedClock) -> Iterator[dict[str, Any]]:
    """A server ticking its canaries every 50 ms, bot@1.0.0 in production, bot@2.0.0
    registered; clients for a maintainer of the owning team, an approver, and another team."""
    settings = ServerSettings(Settings(db_url, "server"), tick_seconds=0.05)
    app = create_app(settings, clock=clock)
    serving = run_server(app)
    url = next(serving)
    registry = Registry(app.state.store, actor="alice", clock=clock)
    registry.create_model(Model("bot", owner_team="team-ml", risk_tier=RiskTier.LOW))
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot")
    to_registered(registry, v2)

    def client(name: str, team: str, roles: set[Role], approval: frozenset[str] = frozenset(),
               ) -> httpx.Client:
        token = registry.tokens.create(name, team=team, roles=frozenset(roles),
                                       approval_roles=approval).text
        return httpx.Client(base_url=url, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})

    clients = {"alice": client("alice", "team-ml", {Role.MAINTAINER}),
               "bob": client("bob", "team-ml", {Role.APPROVER}, frozenset({"lead"})),
               "mallory": client("mallory", "team-other", {Role.MAINTAINER})}
    yield {"registry": registry, "clock": clock, **clients}
    for c in clients.values():
        c.close()
    next(serving, None)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _outcomes(routes: list[dict[str, Any]], rng: random.Random, *,
              latency: dict[str, float], thumbs: dict[str, float] | None = None,
              ) -> list[dict[str, Any]]:
    found = []
    for r in routes:
        arm = r["arm"]
        metrics: dict[str, float] = {"latency_ms": rng.gauss(latency[arm], 30)}
        if thumbs is not None:
            metrics["thumbs_up"] = int(rng.random() < thumbs[arm])
        found.append({"unit": r["unit"], "arm": arm, "metrics": metrics})
    return found


def test_an_ab_test_from_start_to_a_gated_promotion(world: dict[str, Any]) -> None:
    alice, bob, mallory = world["alice"], world["bob"], world["mallory"]
    clock: FixedClock = world["clock"]
    body = {"name": "bot-ab", "model": "bot", "control": "production", "treatment": "2.0.0",
            "weights": [0.5, 0.5],
            "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
            "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}],
            "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05}}
    refused = mallory.post("/api/v1/experiments", json=body)
    assert refused.status_code == 403
    started = ok(alice.post("/api/v1/experiments", json=body), 201)
    assert [a["version"] for a in started["arms"]] == ["1.0.0", "2.0.0"]

    units = [f"user-{i}" for i in range(4000)]
    routes = ok(alice.post("/api/v1/route", json={"experiment": "bot-ab", "units": units}))
    routes = routes["items"]
    one = ok(alice.get("/api/v1/route", params={"experiment": "bot-ab", "unit": "user-3"}))
    assert one == routes[3]
    assert {r["version"] for r in routes} == {"1.0.0", "2.0.0"}

    rng = random.Random(11)
    for _day in range(3):
        batch = _outcomes(routes, rng, thumbs={"control": 0.30, "treatment": 0.40},
                          latency={"control": 300, "treatment": 295})
        ok(alice.post("/api/v1/experiments/bot-ab/outcomes", json=batch), 201)
        clock.advance(days=1)
    assert mallory.post("/api/v1/experiments/bot-ab/outcomes", json=batch).status_code == 403

    report = ok(alice.get("/api/v1/experiments/bot-ab/results"))
    assert (report["action"], report["arm"]) == ("promote", "treatment"), report["reasons"]
    assert report["analysis"]["srm"]["mismatch"] is False

    # the version must go through staging's checks and the tier's approval first
    registry: Registry = world["registry"]
    decision = {"action": "promote", "reason": "thumbs up +10 points, latency flat"}
    refused = alice.post("/api/v1/experiments/bot-ab/decisions", json=decision)
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert "approval" in refused.text
    assert ok(alice.get("/api/v1/experiments/bot-ab"))["status"] == "running"
    assert _production(registry) == "bot@1.0.0"

    registry.actor = "alice"
    registry.lifecycle.promote("bot@2.0.0", Stage.STAGING)
    for check in CHECKS:
        registry.lifecycle.record_check("bot@2.0.0", check, True, "ci")
    review = (clock.now().date() + timedelta(days=60)).isoformat()
    ok(bob.post("/api/v1/models/bot/versions/2.0.0/approvals", json={
        "role": "lead", "evidence": "experiment bot-ab", "risks_accepted": "none",
        "monitoring_plan": "dashboards", "rollback_plan": "steward rollback",
        "next_review": review}), 201)
    ended = ok(alice.post("/api/v1/experiments/bot-ab/decisions", json=decision))
    assert (ended["status"], ended["winner"]) == ("promoted", "treatment")
    assert _production(registry) == "bot@2.0.0"
    assert ok(alice.get("/api/v1/route", params={"experiment": "bot-ab", "unit": "user-3"}))[
        "version"] == "2.0.0"
    checks = {c.name: c for c in registry.lifecycle.checks("bot@2.0.0")}
    assert "experiment bot-ab" in checks["online-experiment"].evidence
    decided = [e for e in registry.log("bot") if e.kind == "model:experiment:decided"]
    analysis = decided[-1].payload["analysis"]
    assert isinstance(analysis, dict) and analysis["action"] == "promote"
    assert any(n.kind == "experiment:promoted" for n in registry.deprecations.notices("team-ml"))


def _production(registry: Registry) -> str:
    found = registry.lifecycle.production("bot")
    return found.ref if found is not None else ""


def _wait_for(predicate: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the server's tick did not act in time"
        time.sleep(0.02)


def test_a_canary_breaking_its_latency_guardrail_is_rolled_back_by_the_next_tick(
        world: dict[str, Any]) -> None:
    alice = world["alice"]
    registry: Registry = world["registry"]
    body = {"name": "bot-canary", "model": "bot", "treatment": "2.0.0",
            "canary": {"steps": [0.1, 0.5, 1], "min_duration": "1h", "min_sample": 50},
            "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}
    ok(alice.post("/api/v1/experiments", json=body), 201)
    verdict = ok(alice.get("/api/v1/experiments/bot-canary/verdict"))
    assert (verdict["verdict"], verdict["share"]) == ("hold", 0.1)
    flagger = alice.post("/api/v1/experiments/bot-canary/flagger",
                         json={"name": "bot", "namespace": "ml", "phase": "Progressing"})
    assert flagger.status_code == 409 and flagger.json()["verdict"] == "hold"

    units = [f"user-{i}" for i in range(3000)]
    routes = ok(alice.post("/api/v1/route", json={"experiment": "bot-canary",
                                                  "units": units}))["items"]
    canary = [r for r in routes if r["arm"] == "treatment"]
    assert 200 < len(canary) < 400  # about 10%
    rng = random.Random(5)
    batch = _outcomes(routes, rng, latency={"control": 300, "treatment": 600})  # the breach
    ok(alice.post("/api/v1/experiments/bot-canary/outcomes", json=batch), 201)

    _wait_for(lambda: registry.experiments.get("bot-canary").status.value == "rolled_back")
    ended = registry.experiments.get("bot-canary")
    assert ended.reason.startswith("automatic: guardrail breached: guardrail latency_ms")
    event = [e for e in registry.log("bot") if e.kind == "model:experiment:decided"][-1]
    assert (event.actor, event.payload["automatic"]) == ("steward-scheduler", True)
    assert any(n.kind == "experiment:rolled-back" and "bot-canary" in n.message
               for n in registry.deprecations.notices("team-ml"))
    assert {r["version"] for r in ok(alice.post("/api/v1/route", json={
        "experiment": "bot-canary", "units": units}))["items"]} == {"1.0.0"}
    assert _production(registry) == "bot@1.0.0"
    verdict = ok(alice.get("/api/v1/experiments/bot-canary/verdict"))
    assert (verdict["verdict"], verdict["healthy"]) == ("fail", False)
    rollback = alice.post("/api/v1/experiments/bot-canary/flagger?rollback=true", json={})
    assert rollback.status_code == 200
