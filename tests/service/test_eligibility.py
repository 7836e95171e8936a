"""Resolution gives applications only what passed the gates (the policy's eligibility rule), says
why an exact pin's version is not eligible, keeps ``--redirect`` working after retirement, and
explains a pin that no longer resolves. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import Policy, Threshold
from modelsteward.domain.policy_file import parse_policy, render_policy
from modelsteward.errors import DocumentInvalid, NoMatchingVersion, PinNoLongerResolves
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import as_actor, to_production, to_staging, trained

MONITORED = Policy(monitoring=(Threshold("error_rate", "<=", 0.05),))


def open_registry(db_url: str, clock: FixedClock, policy: Policy = MONITORED) -> Registry:
    return Registry.open(db_url, actor="alice", clock=clock, policy=policy)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with open_registry(db_url, clock) as opened:
        yield opened


def gated_and_fresh(registry: Registry) -> tuple[str, str]:
    """bot@1.0.0 through the evaluation gate (in staging), bot@2.0.0 just registered."""
    first = trained(registry, "bot")
    to_staging(registry, first, RiskTier.LOW)
    return first, trained(registry, "bot")


def test_non_strict_pins_skip_a_version_that_has_not_passed_the_evaluation_gate(
        registry: Registry) -> None:
    first, fresh = gated_and_fresh(registry)
    for pin in ("*", ">=1", ">=1 <3"):
        assert registry.resolve("bot", pin).ref == first, pin
    exact = registry.resolution("bot", "2.0.0")
    assert exact.version.ref == fresh and not exact.eligible
    assert "still trained" in exact.ineligible and "evaluation gate" in exact.ineligible
    assert registry.resolution("bot", "1.0.0").eligible
    # a staging environment may ask for candidates explicitly
    assert registry.resolve("bot", "*", candidates=True).ref == fresh


def test_a_pin_with_only_ungated_versions_says_so_and_how_to_fix_it(registry: Registry) -> None:
    fresh = trained(registry, "bot")
    with pytest.raises(PinNoLongerResolves) as raised:
        registry.resolve("bot", "^1")
    why = raised.value.why
    assert (why.version, why.state) == (fresh, "ineligible")
    assert "--candidates" in str(raised.value) and "still trained" in str(raised.value)
    assert isinstance(raised.value, NoMatchingVersion)  # callers catching the old error still do


def test_degraded_and_rolled_back_versions_are_never_chosen(registry: Registry) -> None:
    first, second = gated_and_fresh(registry)
    to_staging(registry, second, RiskTier.LOW)
    assert registry.resolve("bot", "*").ref == second
    registry.lifecycle.record_measurements(second, {"error_rate": 0.2})
    assert registry.resolve("bot", "*").ref == first
    assert registry.resolve("bot", "*", candidates=True).ref == first  # never, even then
    exact = registry.resolution("bot", "2.0.0")
    assert exact.version.ref == second and "degraded" in exact.ineligible
    assert "error_rate" in exact.ineligible


def test_rejected_and_retired_versions_never_resolve_and_say_why(registry: Registry) -> None:
    first, fresh = gated_and_fresh(registry)
    registry.lifecycle.reject(fresh, "toxic outputs on the safety suite")
    with pytest.raises(PinNoLongerResolves) as raised:
        registry.resolve("bot", "2.0.0")
    assert raised.value.why.state == "rejected"
    assert "toxic outputs" in str(raised.value)
    assert raised.value.why.since == registry.clock.now().date().isoformat()
    assert registry.resolve("bot", "*").ref == first


def test_production_only_mode_counts_a_deprecated_version_by_the_stage_it_left(
        db_url: str, clock: FixedClock) -> None:
    strict_shop = Policy(eligibility=EligibilityRule(Stage.PRODUCTION))
    with open_registry(db_url, clock, strict_shop) as registry:
        first = trained(registry, "bot")
        to_production(registry, first)
        second = trained(registry, "bot")
        to_staging(registry, second, RiskTier.LOW)
        assert registry.resolve("bot", "*").ref == first  # staging is not enough here
        as_actor(registry, "alice").lifecycle.deprecate(first, "superseded")
        assert registry.resolve("bot", "*").ref == first  # it left production: still eligible
        registry.lifecycle.deprecate(second, "never shipped")
        exact = registry.resolution("bot", "2.0.0")
        assert "deprecated from staging" in exact.ineligible


def plan(registry: Registry, target: str, *, replacement: str = "", redirect: bool = False,
         hard: date) -> None:
    registry.deprecations.plan(
        target, reason=DeprecationReason.REPLACED, replacement=replacement,
        announced=hard - timedelta(days=60), soft_deadline=hard - timedelta(days=30),
        hard_deadline=hard, redirect=redirect)


def test_redirect_keeps_working_after_the_tick_retires_the_version(
        registry: Registry, clock: FixedClock) -> None:
    first, second = gated_and_fresh(registry)
    to_staging(registry, second, RiskTier.LOW)
    plan(registry, first, replacement="bot@^2", redirect=True,
         hard=clock.now().date() + timedelta(days=10))
    clock.advance(days=11)
    assert first in registry.deprecations.tick().retired
    assert registry.get_version("bot", "1.0.0").stage is Stage.RETIRED
    for pin in ("1.0.0", "^1"):
        found = registry.resolution("bot", pin)
        assert (found.version.ref, found.redirected_from) == (second, first), pin


def test_a_retired_pin_names_the_version_the_date_the_reason_and_the_replacement(
        registry: Registry, clock: FixedClock) -> None:
    first, second = gated_and_fresh(registry)
    to_staging(registry, second, RiskTier.LOW)
    plan(registry, first, replacement="bot@^2", hard=clock.now().date() + timedelta(days=10))
    clock.advance(days=11)
    registry.deprecations.tick()
    with pytest.raises(PinNoLongerResolves) as raised:
        registry.resolve("bot", "^1")
    why = raised.value.why
    assert (why.version, why.state, why.replacement) == (first, "retired", "bot@^2")
    assert why.since == clock.now().date().isoformat() and "replaced" in why.reason
    assert "steward resolve bot ^2" in str(raised.value)


def test_a_deleted_pin_names_the_deletion(registry: Registry) -> None:
    first, _ = gated_and_fresh(registry)
    registry.deletions.delete(first, reason="trained on leaked data")
    with pytest.raises(PinNoLongerResolves) as raised:
        registry.resolve("bot", "1.0.0")
    assert raised.value.why.state == "deleted"
    assert "trained on leaked data" in str(raised.value)


def test_an_overdue_production_version_keeps_serving_loudly(
        registry: Registry, clock: FixedClock) -> None:
    first = trained(registry, "bot")
    to_production(registry, first)
    plan(registry, first, hard=clock.now().date() + timedelta(days=5))
    clock.advance(days=6)
    report = registry.deprecations.tick()
    assert first not in report.retired
    found = registry.resolution("bot", "^1")
    assert found.version.ref == first and found.warning.startswith("OVERDUE")


def test_the_policy_file_reads_and_writes_the_minimum_stage() -> None:
    policy = parse_policy({"eligibility": {"minimum_stage": "staging"}})
    assert policy.eligibility.minimum_stage is Stage.STAGING
    assert parse_policy(render_policy(policy)) == policy
    assert render_policy(Policy())["eligibility"] == {"minimum_stage": "registered"}
    for bad in ("retired", "deprecated", 3, "Production "):
        with pytest.raises(DocumentInvalid) as raised:
            parse_policy({"eligibility": {"minimum_stage": bad}})
        assert raised.value.problems[0].location == "eligibility.minimum_stage"
        assert "trained, evaluated, registered, staging or production" in \
            raised.value.problems[0].message


def test_an_exact_pin_on_an_overdue_degraded_production_version_says_both(
        registry: Registry, clock: FixedClock) -> None:
    first = trained(registry, "bot")
    to_production(registry, first)
    registry.lifecycle.record_measurements(first, {"error_rate": 0.3})  # no automatic rollback
    plan(registry, first, hard=clock.now().date() + timedelta(days=5))
    clock.advance(days=6)
    registry.deprecations.tick()
    found = registry.resolution("bot", "1.0.0")
    assert found.warning.startswith("OVERDUE") and "degraded" in found.ineligible
