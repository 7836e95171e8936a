"""Production monitoring tells people, on SQLite and PostgreSQL: a breach, the degradation and
an automatic rollback (or its failure) reach the owner team as one notice with the values and
where production is now; teams using the version hear too; a rollback by hand is told to the
owner team and makes the version it left ineligible as a rollback target; the state check
(`steward log verify`) still agrees with the tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.notices import Notice
from modelsteward.domain.policy import ModelRules, Policy, Threshold
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import NoRollbackTarget
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_production, trained

POLICY = Policy(monitoring=(Threshold("error_rate", "<=", 0.05),
                            Threshold("p95_latency_ms", "<=", 800)),
                models={"auto": ModelRules(auto_rollback=True)})


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        for name in ("bot", "auto"):
            reg.create_model(Model(name, owner_team="team-ml", risk_tier=RiskTier.LOW))
        yield reg


def _notices(registry: Registry, team: str, kind: str = "") -> list[Notice]:
    return [n for n in registry.deprecations.notices(team) if not kind or n.kind == kind]


def _intact(registry: Registry) -> None:
    report = registry.verify_history()
    assert report.broken is None
    assert report.differences == (), [d.describe() for d in report.differences or ()]


def test_a_breach_is_an_event_per_metric_and_one_notice_to_the_owner_team(
        registry: Registry, clock: FixedClock) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    assert registry.lifecycle.record_measurements(v1, {"error_rate": 0.01}).breaches == ()
    assert _notices(registry, "team-ml") == []
    result = registry.lifecycle.record_measurements(
        v1, {"error_rate": 0.2, "p95_latency_ms": 950, "qps": 40})
    assert result.breaches == ("error_rate = 0.2 breaks error_rate <= 0.05",
                               "p95_latency_ms = 950 breaks p95_latency_ms <= 800")
    events = registry.log("bot")[-4:]
    assert [e.kind for e in events] == ["model:version:measured", "model:version:breached",
                                        "model:version:breached", "model:version:degraded"]
    assert [e.payload for e in events[1:3]] == [
        {"metric": "error_rate", "value": 0.2, "threshold": "error_rate <= 0.05"},
        {"metric": "p95_latency_ms", "value": 950.0, "threshold": "p95_latency_ms <= 800"}]
    [notice] = _notices(registry, "team-ml")
    assert notice.kind == "monitoring:degraded" and notice.model == "bot"
    assert notice.key == f"monitoring:degraded:bot@1.0.0:{events[3].seq}:team-ml"
    assert "bot@1.0.0 breached its monitoring thresholds" in notice.message
    assert "error_rate measured 0.2, threshold error_rate <= 0.05" in notice.message
    assert "p95_latency_ms measured 950, threshold p95_latency_ms <= 800" in notice.message
    assert "Production is still bot@1.0.0: the policy does not roll back automatically" \
        in notice.message
    assert "steward rollback bot" in notice.message
    assert notice.payload["version"] == "bot@1.0.0"
    assert notice.payload["breaches"] == [
        {"metric": "error_rate", "value": 0.2, "threshold": "error_rate <= 0.05"},
        {"metric": "p95_latency_ms", "value": 950.0, "threshold": "p95_latency_ms <= 800"}]
    assert (notice.payload["production"], notice.payload["rolled_back_to"]) == ("1.0.0", None)
    # another breach is another cause: a second notice, keyed by its own degraded event
    clock.advance(minutes=5)
    registry.lifecycle.record_measurements(v1, {"error_rate": 0.3})
    assert len({n.key for n in _notices(registry, "team-ml")}) == 2
    _intact(registry)


def test_a_breach_of_a_version_outside_production_says_production_is_unchanged(
        registry: Registry) -> None:
    v1 = trained(registry, "auto")
    to_production(registry, v1)
    candidate = trained(registry, "auto", change=ChangeKind.RETRAIN)
    result = registry.lifecycle.record_measurements(candidate, {"error_rate": 0.5})
    assert result.breaches and result.rolled_back_to == "" and result.rollback_failed == ""
    [notice] = _notices(registry, "team-ml")
    assert ("Production is unchanged: auto@1.1.0 did not hold it (auto@1.0.0 holds it)."
            in notice.message)
    assert notice.payload["production"] == "1.0.0"


def test_an_automatic_rollback_is_told_with_where_production_went(registry: Registry) -> None:
    v1 = trained(registry, "auto")
    to_production(registry, v1)
    v2 = trained(registry, "auto", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    result = registry.lifecycle.record_measurements(v2, {"error_rate": 0.2})
    assert result.rolled_back_to == "1.0.0"
    [notice] = _notices(registry, "team-ml")
    assert notice.kind == "monitoring:degraded"
    assert "error_rate measured 0.2, threshold error_rate <= 0.05" in notice.message
    assert ("Production was rolled back automatically from auto@1.1.0 to auto@1.0.0."
            in notice.message)
    assert notice.payload["production_before"] == "1.1.0"
    assert notice.payload["production"] == notice.payload["rolled_back_to"] == "1.0.0"
    # the automatic rollback found 1.1.0 already blocked by its breach: it keeps that reason
    rolled = registry.log("auto")[-1]
    assert rolled.kind == "model:alias:rolled-back" and "blocks" not in rolled.payload
    assert registry.get_version("auto", "1.1.0").blocked_reason.startswith("error_rate = 0.2")
    assert [n.kind for n in _notices(registry, "team-ml")] == ["monitoring:degraded"]
    _intact(registry)


def test_a_failed_automatic_rollback_is_told_with_why(registry: Registry) -> None:
    only = trained(registry, "auto")
    to_production(registry, only)
    result = registry.lifecycle.record_measurements(only, {"error_rate": 0.3})
    assert result.rollback_failed
    [notice] = _notices(registry, "team-ml")
    assert ("Production is still auto@1.0.0: the automatic rollback failed because "
            f"{result.rollback_failed}" in notice.message)
    assert notice.payload["rollback_failed"] == result.rollback_failed
    assert notice.payload["production"] == "1.0.0"
    _intact(registry)


def test_teams_whose_consumers_resolve_to_the_degraded_version_are_told(
        registry: Registry) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    for name, team, pin in (("chat", "team-chat", "^1.1"), ("search", "team-search", "1.0.0"),
                            ("own", "team-ml", "^1.1"), ("chat-2", "team-chat", "1.1.0")):
        registry.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team,
                                        pins=(parse_uses(f"bot {pin}"),)))
    registry.lifecycle.record_measurements(v2, {"error_rate": 0.4})
    [told] = _notices(registry, "team-chat")
    assert told.kind == "monitoring:degraded-in-use"
    assert told.payload["consumer_names"] == ["chat", "chat-2"]
    assert "bot@1.1.0, which 2 of your consumers use (chat, chat-2), breached" in told.message
    assert "Production is still bot@1.1.0" in told.message
    assert _notices(registry, "team-search") == []  # pinned to 1.0.0, which is fine
    # the owner team's own consumers do not make a second notice for it
    assert [n.kind for n in _notices(registry, "team-ml")] == ["monitoring:degraded"]


def test_a_rollback_by_hand_is_told_and_blocks_the_version_it_left(
        registry: Registry, clock: FixedClock) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    result = registry.lifecycle.rollback("bot", reason="latency spike")
    blocked = f"rolled back from production on {clock.now().date()}: latency spike"
    assert result.blocked_reason == blocked
    assert registry.get_version("bot", "1.1.0").blocked_reason == blocked
    [notice] = _notices(registry, "team-ml")
    assert notice.kind == "rollback" and notice.model == "bot"
    assert notice.key == f"rollback:bot:production:{result.seq}:team-ml"
    assert notice.message == (
        "alice rolled production of bot back from bot@1.1.0 to bot@1.0.0: latency spike. "
        f"bot@1.1.0 is no longer a rollback target ({blocked}).")
    assert (notice.payload["from"], notice.payload["to"]) == ("1.1.0", "1.0.0")
    _intact(registry)
    # 1.1.0 is not a target any more; a degraded version keeps the reason it had
    with pytest.raises(NoRollbackTarget, match="rolled back from"):
        registry.lifecycle.rollback("bot")
    _intact(registry)


def test_a_rollback_keeps_the_reason_of_a_version_already_blocked(registry: Registry) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    registry.lifecycle.record_measurements(v2, {"error_rate": 0.2})  # no auto_rollback for bot
    result = registry.lifecycle.rollback("bot", reason="after the breach")
    assert result.blocked_reason == ""
    assert registry.get_version("bot", "1.1.0").blocked_reason.startswith("error_rate = 0.2")
    assert "blocks" not in registry.log("bot")[-1].payload
    rollback = [n for n in _notices(registry, "team-ml") if n.kind == "rollback"]
    assert len(rollback) == 1 and "no longer a rollback target" not in rollback[0].message
    _intact(registry)


def test_the_default_policy_watches_the_error_rate(db_url: str, clock: FixedClock) -> None:
    """The README's monitoring example, under the built-in policy: error_rate <= 0.05."""
    with Registry.open(db_url, actor="alice", clock=clock) as registry:
        registry.create_model(Model("support-bot", owner_team="team-support",
                                    risk_tier=RiskTier.LOW))
        ref = trained(registry, "support-bot")
        to_production(registry, ref)
        assert registry.lifecycle.record_measurements(ref, {"error_rate": 0.02}).breaches == ()
        result = registry.lifecycle.record_measurements(ref, {"error_rate": 0.09})
        assert result.breaches == ("error_rate = 0.09 breaks error_rate <= 0.05",)
        assert result.rolled_back_to == "" and result.rollback_failed == ""  # not by default
        assert registry.get_version("support-bot", "1.0.0").blocked_reason
        [notice] = registry.deprecations.notices("team-support")
        assert notice.kind == "monitoring:degraded"
        assert "error_rate measured 0.09, threshold error_rate <= 0.05" in notice.message
