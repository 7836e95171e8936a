"""The hard deadline of a deprecation plan and the version holding production (both databases).

A deadline never retires the production holder while it holds production: with the policy's
``deprecation.move_production`` production first moves to the plan's replacement through the
normal gates, otherwise the version stays deprecated and overdue — an event and a notice to its
owning team — until a later tick finds production moved. Consumers of a retired version are told
where their pins resolve now.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.policy import Policy
from modelsteward.errors import Conflict
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import through_gates
from tests.service.lifecycle_helpers import approve_all, to_production, to_staging, trained

OVERDUE = "model:deprecation:overdue"


def open_registry(db_url: str, clock: FixedClock, move_production: bool) -> Registry:
    return Registry.open(db_url, actor="alice", clock=clock,
                         policy=Policy(deprecation_move_production=move_production))


def production_and_candidate(registry: Registry, approved: bool) -> tuple[str, str]:
    """``bot@1.0.0`` in production, ``bot@2.0.0`` in staging (approved or not), and a
    consumer of team-app on ``bot ^1``."""
    old = trained(registry, "bot")
    to_production(registry, old)
    new = trained(registry, "bot")
    to_staging(registry, new, RiskTier.LOW)
    if approved:
        approve_all(registry, new, RiskTier.LOW, registry.clock.now().date() + timedelta(days=60))
    registry.consumers.add(Consumer("app", ConsumerKind.APPLICATION, "team-app",
                                    pins=(parse_uses("bot ^1"),)))
    return old, new


def deprecate(registry: Registry, ref: str, hard_in_days: int) -> DeprecationPlan:
    """A plan for ``ref`` replaced by ``bot@^2``, its hard deadline ``hard_in_days`` from today
    (negative: already past)."""
    today = registry.clock.now().date()
    hard = today + timedelta(days=hard_in_days)
    return registry.deprecations.plan(
        ref, reason=DeprecationReason.REPLACED, replacement="bot@^2",
        announced=min(today, hard - timedelta(days=20)), soft_deadline=hard - timedelta(days=10),
        hard_deadline=hard)


def holder(registry: Registry) -> str:
    production = registry.lifecycle.production("bot")
    assert production is not None
    return production.ref


def overdue_events(registry: Registry) -> list[dict[str, object]]:
    return [e.payload for e in registry.log("bot") if e.kind == OVERDUE]


def assert_replay_agrees(registry: Registry) -> None:
    report = registry.verify_history()
    assert report.broken is None and report.differences == ()


@pytest.fixture
def default_policy(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with open_registry(db_url, clock, move_production=False) as registry:
        yield registry


@pytest.fixture
def moving_policy(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with open_registry(db_url, clock, move_production=True) as registry:
        yield registry


def test_a_past_hard_deadline_does_not_retire_the_production_holder(
        default_policy: Registry) -> None:
    registry = default_policy
    old, new = production_and_candidate(registry, approved=True)
    plan = deprecate(registry, old, hard_in_days=-1)
    # not retired, production kept, every alias kept
    assert registry.get_version("bot", "1.0.0").stage is Stage.DEPRECATED
    assert holder(registry) == old
    events = overdue_events(registry)
    assert len(events) == 1 and events[0]["plan"] == plan.id
    assert "holds production" in str(events[0]["why"])
    assert "deprecation.move_production is false" in str(events[0]["why"])
    [notice] = [n for n in registry.deprecations.notices() if n.kind == "deprecation:overdue"]
    assert notice.team == registry.get_model("bot").owner_team
    assert notice.payload["version"] == old
    assert f"`steward promote {new} --to production`" in notice.message
    assert "then run `steward tick`" in notice.message
    # `steward retire` agrees: it refuses the production holder too
    with pytest.raises(Conflict, match="still holds the alias"):
        registry.lifecycle.retire(old, "gone")
    # each tick reports it, the event and the notice are written once
    report = registry.deprecations.tick()
    assert report.retired == () and [o.ref for o in report.overdue] == [old]
    assert report.overdue[0].plan == plan.id and "holds production" in report.overdue[0].why
    assert len(overdue_events(registry)) == 1
    assert registry.deprecations.tick().notices == 0
    # once production has moved (by a person, through the gates), the next tick retires it
    registry.lifecycle.promote(new, Stage.PRODUCTION)
    report = registry.deprecations.tick()
    assert report.retired == (old,) and report.overdue == ()
    assert registry.get_version("bot", "1.0.0").stage is Stage.RETIRED
    assert_replay_agrees(registry)


def test_with_move_production_an_approved_replacement_takes_production_then_it_retires(
        moving_policy: Registry) -> None:
    registry = moving_policy
    old, new = production_and_candidate(registry, approved=True)
    plan = deprecate(registry, old, hard_in_days=-1)
    assert holder(registry) == new
    assert registry.get_version("bot", "2.0.0").stage is Stage.PRODUCTION
    assert registry.get_version("bot", "1.0.0").stage is Stage.RETIRED
    log = registry.log("bot")
    [promoted] = [e for e in log if e.kind == "model:version:promoted" and e.subject == new
                  and e.payload["to"] == "production"]
    assert promoted.payload["gates"] == ["staging", "approval"]
    [moved] = [e for e in log if e.kind == "model:alias:set" and e.subject == new]
    assert moved.payload == {"alias": "production", "previous": "1.0.0",
                             "reason": f"hard deadline of plan {plan.id}"}
    assert overdue_events(registry) == []
    [notice] = [n for n in registry.deprecations.notices()
                if n.kind == "deprecation:production-moved"]
    assert f"moved from {old} to {new}" in notice.message
    assert_replay_agrees(registry)


def test_with_move_production_an_unapproved_replacement_is_not_promoted(
        moving_policy: Registry) -> None:
    registry = moving_policy
    old, new = production_and_candidate(registry, approved=False)
    deprecate(registry, old, hard_in_days=-1)
    assert holder(registry) == old
    assert registry.get_version("bot", "2.0.0").stage is Stage.STAGING
    assert registry.get_version("bot", "1.0.0").stage is Stage.DEPRECATED
    [event] = overdue_events(registry)
    assert f"the replacement {new} does not pass the gates to production" in str(event["why"])
    assert "approval gate" in str(event["why"])
    # approving it is enough: the next tick moves production through the gates, then retires
    approve_all(registry, new, RiskTier.LOW, registry.clock.now().date() + timedelta(days=60))
    report = registry.deprecations.tick()
    assert report.retired == (old,) and report.overdue == ()
    assert holder(registry) == new
    assert_replay_agrees(registry)


def test_tick_at_the_hard_deadline_moves_production_then_retires(
        moving_policy: Registry, clock: FixedClock) -> None:
    registry = moving_policy
    old, new = production_and_candidate(registry, approved=True)
    deprecate(registry, old, hard_in_days=30)
    assert registry.deprecations.tick().retired == ()
    assert holder(registry) == old
    clock.advance(days=30)
    report = registry.deprecations.tick()
    assert report.retired == (old,) and report.overdue == ()
    assert holder(registry) == new
    assert_replay_agrees(registry)


def test_tick_at_the_hard_deadline_leaves_the_holder_overdue_by_default(
        default_policy: Registry, clock: FixedClock) -> None:
    registry = default_policy
    old, _ = production_and_candidate(registry, approved=True)
    deprecate(registry, old, hard_in_days=30)
    clock.advance(days=30)
    report = registry.deprecations.tick()
    assert report.retired == () and [o.ref for o in report.overdue] == [old]
    assert holder(registry) == old
    assert len(overdue_events(registry)) == 1


def test_consumers_of_a_retired_version_are_told_where_their_pins_resolve_now(
        db_url: str, clock: FixedClock) -> None:
    today = clock.now().date()
    with open_registry(db_url, clock, move_production=False) as registry:
        registry.create_model(Model("embedder"))
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            registry.register_version("embedder", version, force=True, reason="seeding")
            through_gates(registry, f"embedder@{version}")
        for name, team, pin in (("range", "team-a", "^1"), ("exact", "team-b", "1.1.0"),
                                ("other", "team-c", "^2")):
            registry.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team,
                                            pins=(parse_uses(f"embedder {pin}"),)))
        registry.deprecations.plan(
            "embedder@1.1.0", reason=DeprecationReason.VULNERABILITY,
            replacement="embedder@^2", announced=today - timedelta(days=30),
            soft_deadline=today - timedelta(days=10), hard_deadline=today)
        assert registry.get_version("embedder", "1.1.0").stage is Stage.RETIRED
        told = {n.team: n for n in registry.deprecations.notices()
                if n.kind == "deprecation:retired"}
        assert set(told) == {"team-a", "team-b"}  # team-c never used 1.1.0
        assert "range (embedder ^1) → embedder@1.0.0" in told["team-a"].message
        assert "exact (embedder 1.1.0) → no longer resolves" in told["team-b"].message
        assert told["team-a"].payload["resolves_now"] == [
            {"consumer": "range", "pin": "^1", "version": "embedder@1.0.0"}]
        assert told["team-b"].payload["resolves_now"] == [
            {"consumer": "exact", "pin": "1.1.0", "version": None}]


def test_a_version_retired_before_its_hard_deadline_still_has_its_consumers_told(
        db_url: str, clock: FixedClock) -> None:
    today: date = clock.now().date()
    with open_registry(db_url, clock, move_production=False) as registry:
        registry.create_model(Model("embedder"))
        for version in ("1.0.0", "1.1.0"):
            registry.register_version("embedder", version, force=True, reason="seeding")
        through_gates(registry, "embedder@1.0.0")  # ^1 resolves to it; 1.1.0 stays trained
        registry.consumers.add(Consumer("range", ConsumerKind.APPLICATION, "team-a",
                                        pins=(parse_uses("embedder ^1"),)))
        registry.deprecations.plan(
            "embedder@1.1.0", reason=DeprecationReason.VULNERABILITY, replacement="",
            announced=today, soft_deadline=today + timedelta(days=10),
            hard_deadline=today + timedelta(days=20))
        registry.lifecycle.reject("embedder@1.1.0", "withdrawn early")  # by a person
        registry.lifecycle.retire("embedder@1.1.0", "withdrawn early")
        clock.advance(days=20)
        registry.deprecations.tick()
        [notice] = [n for n in registry.deprecations.notices()
                    if n.kind == "deprecation:retired"]
        assert notice.team == "team-a"
        assert "range (embedder ^1) → embedder@1.0.0" in notice.message
