"""Canaries through the library's tick, on memory, SQLite and PostgreSQL: a healthy canary walks
its steps (events and notices at each), waits at the last one while production's gates are
unmet — writing nothing — and takes production once they are met."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, RiskTier
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import (
    CHECKS,
    approve_all,
    to_production,
    to_registered,
    trained,
)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("bot", owner_team="team-ml", risk_tier=RiskTier.LOW))
        to_production(reg, trained(reg, "bot"))
        to_registered(reg, trained(reg, "bot"))
        yield reg


def _report_a_day(registry: Registry, clock: FixedClock, rng: random.Random) -> None:
    units = [f"user-{i}" for i in range(2000)]
    rows = [{"unit": r.unit, "arm": r.arm, "at": clock.now().isoformat(),
             "metrics": {"latency_ms": rng.gauss(300, 20)}}
            for r in registry.experiments.route_many("bot-canary", units) if r.arm]
    registry.experiments.ingest("bot-canary", rows)


def test_a_healthy_canary_walks_its_steps_then_waits_for_the_gates(
        registry: Registry, clock: FixedClock) -> None:
    registry.experiments.start(parse_experiment({
        "name": "bot-canary", "model": "bot", "treatment": "2.0.0",
        "canary": {"steps": [0.2, 0.5, 1], "min_duration": "1d", "min_sample": 100},
        "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}))
    rng = random.Random(3)
    assert [m.move for m in registry.experiments.tick()] == ["hold"]  # nothing measured yet
    moves: list[tuple[str, int, float]] = []
    for _ in range(3):
        _report_a_day(registry, clock, rng)
        clock.advance(days=1)
        moves.extend((m.move, m.step, m.share) for m in registry.experiments.tick())
    assert moves == [("advance", 1, 0.5), ("advance", 2, 1.0), ("refused", 2, 1.0)]
    refused = registry.experiments.tick()[0]
    assert "staging check" in refused.reason and "approval" in refused.reason
    assert registry.experiments.get("bot-canary").running
    assert registry.get_version("bot", "2.0.0").stage is Stage.REGISTERED  # nothing written
    advanced = [e for e in registry.log("bot") if e.kind == "model:canary:advanced"]
    assert [e.payload["share"] for e in advanced] == [0.5, 1.0]
    told = [n for n in registry.deprecations.notices("team-ml") if n.kind == "canary:advanced"]
    assert len(told) == 2

    registry.lifecycle.promote("bot@2.0.0", Stage.STAGING)
    for check in CHECKS:
        registry.lifecycle.record_check("bot@2.0.0", check, True, "canary")
    approve_all(registry, "bot@2.0.0", RiskTier.LOW, clock.now().date().replace(year=2027))
    [done] = registry.experiments.tick()
    assert done.move == "promote"
    ended = registry.experiments.get("bot-canary")
    assert (ended.status.value, ended.winner) == ("promoted", "treatment")
    production = registry.lifecycle.production("bot")
    assert production is not None and production.ref == "bot@2.0.0"
    assert registry.experiments.tick() == []  # ended canaries are not judged again
