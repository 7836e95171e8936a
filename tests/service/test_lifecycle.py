"""The lifecycle through the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.policy import ModelRules, Policy, Threshold
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import (
    ApprovalRefused,
    Conflict,
    GateRefused,
    IllegalTransition,
    NoRollbackTarget,
    NotAuthorised,
)
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import (
    approve_all,
    as_actor,
    evaluation,
    to_production,
    to_staging,
    trained,
)

POLICY = Policy(thresholds=(Threshold("accuracy", ">=", 0.9),
                            Threshold("toxicity_rate", "<=", 0.01)),
                administrators=("root-admin",),
                monitoring=(Threshold("error_rate", "<=", 0.05),),
                models={"auto": ModelRules(auto_rollback=True)})


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        yield reg


def test_illegal_transitions_name_the_current_and_allowed_stages(registry: Registry) -> None:
    ref = trained(registry, "bot")
    with pytest.raises(IllegalTransition, match=re.escape(
            "cannot move from trained to production. From trained the allowed next stages are: "
            "evaluated, rejected")):
        registry.lifecycle.promote(ref, Stage.PRODUCTION)


def test_validation_gate_lists_every_unmet_requirement(registry: Registry) -> None:
    registry.create_model(Model("bare"))
    registry.register_version("bare", "1.0.0")
    with pytest.raises(GateRefused) as refused:
        registry.lifecycle.promote("bare@1.0.0", Stage.EVALUATED)
    assert len(refused.value.unmet) == 4
    text = str(refused.value)
    for expected in ("no artefact digest", "no training attestation", "no training metrics",
                     "no evaluation recorded"):
        assert expected in text
    assert registry.get_version("bare", "1.0.0").stage is Stage.TRAINED


def test_evaluation_gate_thresholds_suites_and_regression(registry: Registry,
                                                          clock: FixedClock) -> None:
    first = trained(registry, "bot", RiskTier.MEDIUM)
    to_production(registry, first, RiskTier.MEDIUM, accuracy=0.95)
    second = trained(registry, "bot", change=ChangeKind.RETRAIN)
    lifecycle = registry.lifecycle
    lifecycle.record_evaluation(second, evaluation("golden", accuracy=0.92, toxicity_rate=0.02))
    lifecycle.promote(second, Stage.EVALUATED)
    with pytest.raises(GateRefused) as refused:
        lifecycle.promote(second, Stage.REGISTERED)
    unmet = "\n".join(refused.value.unmet)
    assert "requires a 'safety' evaluation suite" in unmet
    assert "threshold toxicity_rate <= 0.01 not met: 0.02 on suite 'golden'" in unmet
    assert "accuracy on suite 'golden' regresses from 0.95 (production 1.0.0) to 0.92" in unmet
    assert "toxicity_rate on suite 'golden' regresses" in unmet


def test_unknown_metric_in_a_threshold_is_named(registry: Registry) -> None:
    ref = trained(registry, "bot")
    registry.lifecycle.record_evaluation(ref, evaluation("golden", f1=0.95))
    registry.lifecycle.promote(ref, Stage.EVALUATED)
    with pytest.raises(GateRefused, match=r"no evaluation reports 'accuracy' \(reported: f1\)"):
        registry.lifecycle.promote(ref, Stage.REGISTERED)


def test_approvals_by_tier(registry: Registry, clock: FixedClock) -> None:
    ref = trained(registry, "risky", RiskTier.HIGH)
    to_staging(registry, ref, RiskTier.HIGH)
    review = clock.now().date() + timedelta(days=30)
    texts = {"evidence": "report", "risks_accepted": "none", "monitoring_plan": "dash",
             "rollback_plan": "rollback"}
    with pytest.raises(ApprovalRefused, match="role 'lead' cannot approve a high-risk model"):
        as_actor(registry, "bob").lifecycle.approve(ref, role="lead", next_review=review, **texts)
    with pytest.raises(ApprovalRefused,
                       match=re.escape("alice registered risky@1.0.0 and may not approve")):
        as_actor(registry, "alice").lifecycle.approve(ref, role="risk-committee",
                                                      next_review=review, **texts)
    with pytest.raises(ApprovalRefused, match="must be after today"):
        as_actor(registry, "dave").lifecycle.approve(
            ref, role="risk-committee", next_review=clock.now().date(), **texts)
    with pytest.raises(GateRefused, match="needs an approval by role 'risk-committee'"):
        registry.lifecycle.promote(ref, Stage.PRODUCTION)
    approve_all(registry, ref, RiskTier.HIGH, review)
    assert registry.lifecycle.promote(ref, Stage.PRODUCTION).stage is Stage.PRODUCTION


def test_medium_tier_needs_two_different_people(registry: Registry, clock: FixedClock) -> None:
    ref = trained(registry, "mid", RiskTier.MEDIUM)
    to_staging(registry, ref, RiskTier.MEDIUM)
    review = clock.now().date() + timedelta(days=30)
    lifecycle = as_actor(registry, "bob").lifecycle
    for role in ("product-owner", "ml-lead"):
        lifecycle.approve(ref, role=role, evidence="e", risks_accepted="r", monitoring_plan="m",
                          rollback_plan="b", next_review=review)
    with pytest.raises(GateRefused, match="bob already approves as another role"):
        lifecycle.promote(ref, Stage.PRODUCTION)


def test_approvals_expire_and_follow_production(registry: Registry, clock: FixedClock) -> None:
    ref = trained(registry, "bot")
    to_staging(registry, ref, RiskTier.LOW)
    approve_all(registry, ref, RiskTier.LOW, clock.now().date() + timedelta(days=200))
    clock.advance(days=91)
    with pytest.raises(GateRefused, match="the approval by bob expired on"):
        registry.lifecycle.promote(ref, Stage.PRODUCTION)


def test_production_moved_since_approval_means_exactly_one_wins(registry: Registry,
                                                                clock: FixedClock) -> None:
    first = trained(registry, "bot")
    to_production(registry, first)
    a = trained(registry, "bot", change=ChangeKind.RETRAIN)
    b = trained(registry, "bot", change=ChangeKind.CONFIG)
    for ref in (a, b):
        to_staging(registry, ref, RiskTier.LOW)
        approve_all(registry, ref, RiskTier.LOW, clock.now().date() + timedelta(days=30))
    registry.lifecycle.promote(a, Stage.PRODUCTION)
    with pytest.raises(GateRefused, match=re.escape(
            "given when production was 1.0.0; production is now 1.1.0, so it must be approved "
            "again")):
        registry.lifecycle.promote(b, Stage.PRODUCTION)
    assert [a.version for a in registry.lifecycle.aliases("bot")] == ["1.1.0"]


def test_overrides_need_an_administrator_and_are_recorded(registry: Registry) -> None:
    ref = trained(registry, "bot")
    with pytest.raises(NotAuthorised, match="alice is not an administrator"):
        registry.lifecycle.override(ref, Gate.VALIDATION, "urgent")
    admin = as_actor(registry, "root-admin").lifecycle
    admin.override(ref, Gate.VALIDATION, "provider outage, evaluation follows")
    assert admin.promote(ref, Stage.EVALUATED).stage is Stage.EVALUATED
    promoted = [e for e in registry.log("bot") if e.kind == "model:version:promoted"][-1]
    assert promoted.payload["overridden"] == [
        {"gate": "validation", "by": "root-admin",
         "reason": "provider outage, evaluation follows"}]


def test_aliases_history_at_and_rollback(registry: Registry, clock: FixedClock) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    t1 = clock.now()
    clock.advance(hours=1)
    v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    registry.lifecycle.set_alias(v2, "champion")
    clock.advance(hours=1)
    assert registry.lifecycle.aliases_at("bot", t1) == {"production": ["1.0.0"]}
    assert registry.lifecycle.aliases_at("bot", clock.now()) == {
        "production": ["1.1.0"], "champion": ["1.1.0"]}
    with pytest.raises(Conflict, match="only points at versions promoted to production"):
        registry.lifecycle.set_alias(trained(registry, "bot", change=ChangeKind.CONFIG),
                                     "production")
    result = registry.lifecycle.rollback("bot", reason="latency spike")
    assert (result.from_version, result.to_version) == ("1.1.0", "1.0.0")
    event = registry.log("bot")[-1]
    assert event.kind == "model:alias:rolled-back"
    blocked = f"rolled back from production on {clock.now().date()}: latency spike"
    assert event.payload == {"alias": "production", "from": "1.1.0", "to": "1.0.0",
                             "reason": "latency spike", "blocks": True,
                             "blocked_reason": blocked}
    assert registry.lifecycle.aliases_at("bot", clock.now())["production"] == ["1.0.0"]
    # 1.1.0, which production was rolled back from, is no longer a rollback target
    assert registry.get_version("bot", "1.1.0").blocked_reason == blocked
    with pytest.raises(NoRollbackTarget, match="rolled back from"):
        registry.lifecycle.rollback("bot")


def test_degraded_production_rolls_back_automatically(registry: Registry) -> None:
    v1 = trained(registry, "auto")
    to_production(registry, v1)
    v2 = trained(registry, "auto", change=ChangeKind.RETRAIN)
    to_production(registry, v2)
    ok = registry.lifecycle.record_measurements(v2, {"error_rate": 0.01})
    assert ok.breaches == () and ok.rolled_back_to == ""
    result = registry.lifecycle.record_measurements(v2, {"error_rate": 0.2, "p95_ms": 900})
    assert result.breaches == ("error_rate = 0.2 breaks error_rate <= 0.05",)
    assert result.rolled_back_to == "1.0.0"
    kinds = [e.kind for e in registry.log("auto")[-3:]]
    assert kinds == ["model:version:breached", "model:version:degraded",
                     "model:alias:rolled-back"]
    assert [a.version for a in registry.lifecycle.aliases("auto")] == ["1.0.0"]
    assert registry.get_version("auto", "1.1.0").blocked_reason.startswith("error_rate")


def test_degraded_without_auto_rollback_only_records(registry: Registry) -> None:
    v1 = trained(registry, "bot")
    to_production(registry, v1)
    result = registry.lifecycle.record_measurements(v1, {"error_rate": 0.2})
    assert result.rolled_back_to == "" and result.breaches
    assert [a.version for a in registry.lifecycle.aliases("bot")] == ["1.0.0"]


def test_retired_versions_never_resolve(registry: Registry) -> None:
    v1 = trained(registry, "bot")
    to_staging(registry, v1, RiskTier.LOW)
    v2 = trained(registry, "bot", change=ChangeKind.CONFIG)
    to_staging(registry, v2, RiskTier.LOW)
    assert registry.resolve("bot", "^1").ref == v2
    registry.lifecycle.reject(v2, "failed red-teaming")
    assert registry.resolve("bot", "^1").ref == v1
    registry.lifecycle.retire(v2, "archived")
    approve_all(registry, v1, RiskTier.LOW, registry.clock.now().date() + timedelta(days=90))
    registry.lifecycle.promote(v1, Stage.PRODUCTION)
    registry.lifecycle.deprecate(v1, "replaced")
    with pytest.raises(Conflict, match="still holds the alias"):
        registry.lifecycle.retire(v1, "gone")
    assert registry.resolve("bot", "^1").ref == v1  # deprecated still resolves


def test_a_breach_is_kept_when_automatic_rollback_has_nowhere_to_go(registry: Registry) -> None:
    only = trained(registry, "auto")
    to_production(registry, only)
    result = registry.lifecycle.record_measurements(only, {"error_rate": 0.3})
    assert result.breaches and result.rolled_back_to == ""
    assert "nothing to roll back" in result.rollback_failed or "no earlier" in \
        result.rollback_failed
    kinds = [e.kind for e in registry.log("auto")[-4:]]
    assert kinds == ["model:version:measured", "model:version:breached",
                     "model:version:degraded", "model:alias:rollback-failed"]
    assert registry.get_version("auto", "1.0.0").blocked_reason.startswith("error_rate")


def test_gate_reports_of_many_versions_are_each_version_s_gate_report(
        registry: Registry) -> None:
    live = trained(registry, "bot")
    to_production(registry, live)
    waiting = trained(registry, "bot")
    to_staging(registry, waiting, RiskTier.LOW)
    approve_all(registry, waiting, RiskTier.LOW, registry.clock.now().date() + timedelta(days=9))
    bare = trained(registry, "cat", RiskTier.HIGH)
    to_staging(registry, bare, RiskTier.HIGH)
    alone = trained(registry, "dog")
    to_staging(registry, alone, RiskTier.LOW)
    as_actor(registry, "root-admin").lifecycle.override(alone, Gate.APPROVAL, "hotfix")
    as_actor(registry, "alice")
    refs = [waiting, bare, alone]
    versions = [(registry.get_model(ref.partition("@")[0]),
                 registry.get_version(ref.partition("@")[0], ref.partition("@")[2]))
                for ref in refs]
    many = registry.lifecycle.gate_reports(versions, Stage.PRODUCTION)
    assert many == [registry.lifecycle.gate_report(ref, Stage.PRODUCTION) for ref in refs]
    assert many[0].passed and many[1].unmet and many[2].overridden
