"""Experiments through the library, on memory, SQLite and PostgreSQL: only eligible versions
become arms, a unit's arm is sticky and GrowthBook's, a version that stops being eligible is
no longer given out, outcomes are kept as sums whole or not at all, and starting tells the
owner team and the teams whose consumers use the model."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from modelsteward import Registry
from modelsteward.domain import assignment
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.experiment import Action
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.outcomes import Moments
from modelsteward.errors import (
    DocumentInvalid,
    ExperimentExists,
    ExperimentNotFound,
    GateRefused,
    InvalidInput,
    NotAuthorised,
)
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_production, to_registered, trained


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("bot", owner_team="team-ml", risk_tier=RiskTier.LOW))
        yield reg


def _versions(registry: Registry) -> tuple[str, str]:
    """bot@1.0.0 in production and bot@2.0.0 registered (eligible)."""
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot")
    to_registered(registry, v2)
    return v1.split("@")[1], v2.split("@")[1]


def _spec(treatment: str, **fields: Any) -> Any:
    return parse_experiment({
        "name": "bot-ab", "model": "bot", "control": "production", "treatment": treatment,
        "weights": [0.5, 0.5], "primary": [{"metric": "thumbs_up", "kind": "proportion",
                                            "direction": "higher"}],
        "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}],
        **fields})


def test_arms_are_the_named_versions_and_starting_is_recorded_and_told(
        registry: Registry) -> None:
    control, treatment = _versions(registry)
    registry.consumers.add(Consumer("web", ConsumerKind.APPLICATION, "team-web", "", "",
                                    (parse_uses("bot ^1.0"),)))
    started = registry.experiments.start(_spec(treatment))
    assert [(a.name, a.version, a.weight) for a in started.arms] == [
        ("control", control, 0.5), ("treatment", treatment, 0.5)]
    assert registry.experiments.get("bot-ab") == started
    event = registry.log("bot")[-1]
    assert (event.kind, event.payload["name"]) == ("model:experiment:started", "bot-ab")
    owner = [n for n in registry.deprecations.notices("team-ml")
             if n.kind == "experiment:started"]
    users = [n for n in registry.deprecations.notices("team-web")
             if n.kind == "experiment:started"]
    assert len(owner) == 1 and len(users) == 1
    assert "Your consumers web use bot" in users[0].message
    with pytest.raises(ExperimentExists):
        registry.experiments.start(_spec(treatment))


def test_only_eligible_distinct_versions_become_arms(registry: Registry) -> None:
    _control, treatment = _versions(registry)
    raw = trained(registry, "bot").split("@")[1]  # trained: not through the evaluation gate
    with pytest.raises(InvalidInput, match="cannot be the treatment of experiment bot-ab: it "
                                           "is still trained"):
        registry.experiments.start(_spec(raw))
    with pytest.raises(InvalidInput, match="in two arms"):
        registry.experiments.start(_spec(treatment, control=treatment))
    with pytest.raises(ExperimentNotFound):
        registry.experiments.get("bot-ab")
    assert registry.log("bot")[-1].kind != "model:experiment:started"


def test_a_refused_caller_writes_nothing(registry: Registry) -> None:
    _control, treatment = _versions(registry)

    def refuse(model: Model) -> None:
        raise NotAuthorised(f"not on {model.owner_team}")

    with pytest.raises(NotAuthorised):
        registry.experiments.start(_spec(treatment), authorize=refuse)
    assert registry.experiments.list() == []


def test_a_units_arm_is_sticky_and_growthbooks(registry: Registry) -> None:
    control, treatment = _versions(registry)
    registry.experiments.start(_spec(treatment, weights=[0.7, 0.3], coverage=0.8))
    units = [f"user-{i}" for i in range(500)]
    first = registry.experiments.route_many("bot-ab", units)
    assert registry.experiments.route_many("bot-ab", units) == first
    ranges = assignment.bucket_ranges([0.7, 0.3], 0.8)
    for routing in first:
        index = assignment.assign("bot-ab", routing.unit, ranges)
        assert routing.arm == (None if index is None else ("control", "treatment")[index])
        assert routing.version == (treatment if routing.arm == "treatment" else control)
    assert registry.experiments.route("bot-ab", "user-7") == first[7]


def test_a_version_no_longer_eligible_is_never_given_out(registry: Registry) -> None:
    control, treatment = _versions(registry)
    registry.experiments.start(_spec(treatment))
    registry.lifecycle.reject(f"bot@{treatment}", "a safety regression found offline")
    found = registry.experiments.route_many("bot-ab", [f"u{i}" for i in range(100)])
    assert {r.version for r in found} == {control}
    assert {r.arm for r in found} <= {"control", None}


def test_before_its_start_and_after_its_end_nobody_is_in_it(
        registry: Registry, clock: FixedClock) -> None:
    control, treatment = _versions(registry)
    start = clock.now().replace(microsecond=0)
    registry.experiments.start(_spec(treatment, start=(start.isoformat()), duration="1d"))
    clock.advance(days=2)
    found = registry.experiments.route_many("bot-ab", [f"u{i}" for i in range(50)])
    assert {(r.arm, r.version) for r in found} == {(None, control)}


def test_outcomes_are_kept_as_sums_whole_or_not_at_all(
        registry: Registry, clock: FixedClock) -> None:
    _control, treatment = _versions(registry)
    registry.experiments.start(_spec(treatment))
    rows = [{"unit": f"u{i}", "metrics": {"thumbs_up": i % 2, "latency_ms": float(i)}}
            for i in range(1000)]
    done = registry.experiments.ingest("bot-ab", rows)
    assert (done.outcomes, done.observations) == (1000, 2000)
    assert sum(done.by_arm.values()) == 1000
    with registry.store.read() as tx:
        kept = tx.moments("bot-ab")
    latency = sum((m for (_, metric, _), m in kept.items() if metric == "latency_ms"),
                  Moments())
    assert latency == Moments(1000, float(sum(range(1000))),
                              float(sum(i * i for i in range(1000))))
    with pytest.raises(DocumentInvalid):
        registry.experiments.ingest("bot-ab", [*rows[:10], {"unit": "x", "metrics": {}}])
    with registry.store.read() as tx:
        assert tx.moments("bot-ab") == kept


def test_a_broken_split_is_flagged_and_blocks_the_promotion(registry: Registry) -> None:
    """A 50/50 experiment whose 100,000 units came 48/52 (the application served the treatment
    to some of the control's units): the sample-ratio check flags it and no promotion
    passes, whatever the metrics say."""
    _control, treatment = _versions(registry)
    registry.experiments.start(_spec(treatment))
    rows = [{"unit": f"u{i}", "arm": "control" if i < 48_000 else "treatment",
             "metrics": {"thumbs_up": int(i >= 48_000 or i % 3 == 0), "latency_ms": 100.0}}
            for i in range(100_000)]
    registry.experiments.ingest("bot-ab", rows)
    report = registry.experiments.report("bot-ab")
    assert report.action == "blocked"
    assert "the split is broken" in report.reasons[0]
    with pytest.raises(GateRefused, match="split of units is broken"):
        registry.experiments.decide("bot-ab", Action.PROMOTE, "looks great", arm="treatment")
    assert registry.experiments.get("bot-ab").running


def test_an_online_result_against_the_offline_comparison_is_flagged(registry: Registry) -> None:
    """Offline, 2.0.0 scored a little lower accuracy than production on the same suite; online
    its accuracy is clearly higher: the report says the two disagree."""
    v1 = trained(registry, "bot")
    to_production(registry, v1, accuracy=0.93)
    v2 = trained(registry, "bot")
    to_registered(registry, v2, accuracy=0.925)
    registry.experiments.start(parse_experiment({
        "name": "bot-ab", "model": "bot", "control": "production", "treatment": "2.0.0",
        "primary": [{"metric": "accuracy", "direction": "higher"}]}))
    rng = random.Random(2)
    units = [f"u{i}" for i in range(4000)]
    rows = [{"unit": r.unit, "metrics": {"accuracy": rng.gauss(0.80, 0.05)
                                         + (0.05 if r.arm == "treatment" else 0.0)}}
            for r in registry.experiments.route_many("bot-ab", units)]
    registry.experiments.ingest("bot-ab", rows)
    report = registry.experiments.report("bot-ab")
    assert report.action == "promote"
    [sentence] = report.contradictions
    assert sentence.startswith("Online, accuracy is significantly higher (better) in arm "
                               "treatment")
    assert "the offline evaluation found the candidate lower (worse)" in sentence
