"""Deprecation plans, phases, notices and retirement at the hard deadline (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason, Phase
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model
from modelsteward.errors import (
    Conflict,
    InvalidInput,
    ModelNotFound,
    NoMatchingVersion,
)
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import through_gates
from tests.service.test_consumers import TEAMS, twelve_consumers

TODAY = date(2026, 11, 22)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("support-bot"))
        for version in ("2.0.0", "2.1.0", "2.1.3", "2.4.0", "3.0.0"):
            reg.register_version("support-bot", version, force=True, reason="seeding")
            through_gates(reg, f"support-bot@{version}")
        reg.create_model(Model("embedder"))
        reg.register_version("embedder", "1.0.0")
        through_gates(reg, "embedder@1.0.0")
        yield reg


def plan_2_1_3(registry: Registry, **extra: object) -> None:
    registry.deprecations.plan(
        "support-bot@2.1.3", reason=DeprecationReason.DATA_CONTAMINATION,
        replacement="support-bot@^3", announced=TODAY, soft_deadline=TODAY + timedelta(days=30),
        hard_deadline=TODAY + timedelta(days=90),
        migration_steps=("Pin support-bot ^3", "Re-run the golden-set evaluation"),
        **extra)  # type: ignore[arg-type]


def test_seed_story(registry: Registry, clock: FixedClock) -> None:
    twelve_consumers(registry)  # 6 of them resolve to 2.1.3, in all three teams
    plan_2_1_3(registry)
    notices = registry.deprecations.notices()
    assert sorted(n.team for n in notices) == sorted(TEAMS)  # one per team
    counts = {n.team: n.payload["consumers"] for n in notices}
    assert counts == {"team-support": 2, "team-search": 2, "team-billing": 2}
    assert "Pin support-bot ^3" in notices[0].message and "1. Pin" in notices[0].message
    assert registry.deprecations.tick().notices == 0  # never twice
    # resolution still works, with a warning
    resolution = registry.resolution("support-bot", "2.1.3")
    assert str(resolution.version.id) == "2.1.3"
    assert "deprecated (data-contamination)" in resolution.warning
    assert "Use support-bot@^3 instead" in resolution.warning
    # the version is deprecated, and a new consumer may still adopt it before the soft deadline
    registry.consumers.add(Consumer("early", ConsumerKind.NOTEBOOK, "team-lab",
                                    pins=(parse_uses("support-bot 2.1.3"),)))
    clock.advance(days=31)
    assert registry.resolution("support-bot", "2.1.3").warning.startswith("DEPRECATED:")
    with pytest.raises(Conflict, match=r"passed its soft deadline .* new consumers may not adopt"):
        registry.consumers.add(Consumer("late", ConsumerKind.APPLICATION, "team-x",
                                        pins=(parse_uses("support-bot ~2.1"),)))
    report = registry.deprecations.tick()
    assert report.notices == 4 and report.retired == ()  # a louder notice per team, once
    assert registry.deprecations.tick().notices == 0
    clock.advance(days=60)
    # the next operation already treats it as retired: ~2.1 falls back to 2.1.0
    assert str(registry.resolve("support-bot", "~2.1").id) == "2.1.0"
    with pytest.raises(NoMatchingVersion):
        registry.resolve("support-bot", "2.1.3")
    report = registry.deprecations.tick()
    assert report.retired == ("support-bot@2.1.3",)
    assert registry.get_version("support-bot", "2.1.3").stage is Stage.RETIRED
    assert registry.verify_log()[1] is None


def test_redirect_after_the_hard_deadline(registry: Registry, clock: FixedClock) -> None:
    plan_2_1_3(registry, redirect=True)
    clock.advance(days=90)
    resolution = registry.resolution("support-bot", "2.1.3")
    assert str(resolution.version.id) == "3.0.0"
    assert resolution.redirected_from == "support-bot@2.1.3"


def test_phases_follow_the_dates() -> None:
    from modelsteward.domain.deprecation import DeprecationPlan
    plan = DeprecationPlan("p", "m", "1.0.0", DeprecationReason.REPLACED, "", date(2026, 1, 1),
                           date(2026, 2, 1), date(2026, 3, 1))
    assert [plan.phase(d) for d in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 2, 1),
                                    date(2026, 3, 1))] == [
        Phase.ACTIVE, Phase.ANNOUNCED, Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED]


def test_bad_plans_are_refused_and_nothing_written(registry: Registry) -> None:
    events = len(registry.log())
    def plan(target: str = "support-bot@2.1.3", replacement: str = "support-bot@^3",
             soft: int = 30, hard: int = 90) -> None:
        registry.deprecations.plan(target, reason=DeprecationReason.REPLACED,
                                   replacement=replacement, announced=TODAY,
                                   soft_deadline=TODAY + timedelta(days=soft),
                                   hard_deadline=TODAY + timedelta(days=hard))
    with pytest.raises(InvalidInput, match="out of order: the hard deadline"):
        plan(soft=90, hard=30)
    with pytest.raises(InvalidInput, match=r"soft deadline .* is before the announcement"):
        plan(soft=-1)
    with pytest.raises(ModelNotFound):
        plan(replacement="ghost@^1")
    with pytest.raises(NoMatchingVersion):
        plan(replacement="support-bot@^9")
    with pytest.raises(Conflict, match="which this plan deprecates"):
        plan(target="support-bot@^2", replacement="support-bot@^2")
    with pytest.raises(NoMatchingVersion):
        plan(target="support-bot@^7")
    assert len(registry.log()) == events
    plan(target="support-bot@3.0.0", replacement="embedder@1.0.0")
    with pytest.raises(Conflict, match="is deprecated; a replacement must be"):
        plan(replacement="support-bot@3.0.0")
    registry.lifecycle.reject("support-bot@2.0.0", "bad")
    registry.lifecycle.retire("support-bot@2.0.0", "gone")
    with pytest.raises(Conflict, match="already retired"):
        plan(target="support-bot@2.0.0", replacement="embedder@1.0.0")


def test_models_without_plans(registry: Registry) -> None:
    assert registry.deprecations.missing() == ["embedder", "support-bot"]
    plan_2_1_3(registry)
    assert registry.deprecations.missing() == ["embedder"]


def test_a_fine_tune_and_its_quantised_variant_inherit_the_deprecation(
        registry: Registry, clock: FixedClock) -> None:
    from modelsteward.domain.lineage import Relation
    from modelsteward.domain.versioning import ChangeKind

    registry.create_model(Model("base"))
    registry.register_version("base", "1.0.0")
    registry.register_version("base", "1.1.0", change=ChangeKind.RETRAIN)
    through_gates(registry, "base@1.1.0")  # a replacement must be eligible
    registry.create_model(Model("bot"))
    registry.register_version("bot", "1.0.0", derived_from="base@1.0.0",
                              relation=Relation.FINETUNE)
    registry.register_version("bot", change=ChangeKind.QUANTISATION, variant="q4")
    for name, team, pin in (("chat", "team-chat", "1.0.0"), ("edge", "team-edge", "1.0.0+q4"),
                            ("base-user", "team-core", "1.0.0")):
        registry.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team, pins=(
            parse_uses(f"{'base' if name == 'base-user' else 'bot'} {pin}"),)))
    registry.deprecations.plan(
        "base@1.0.0", reason=DeprecationReason.HARMFUL_BIAS, replacement="base@1.1.0",
        announced=TODAY, soft_deadline=TODAY + timedelta(days=30),
        hard_deadline=TODAY + timedelta(days=60))
    for pin in ("1.0.0", "1.0.0+q4"):
        resolution = registry.resolution("bot", pin)
        assert resolution.inherited_from == "base@1.0.0"
        assert "inherited from base@1.0.0" in resolution.warning
        assert "harmful-bias" in resolution.warning
    notices = {n.team: n for n in registry.deprecations.notices()}
    assert set(notices) == {"team-core", "team-chat", "team-edge"}
    assert notices["team-chat"].kind == "deprecation-inherited:announced"
    assert notices["team-chat"].message.startswith("Inherited: base@1.0.0 is deprecated")
    assert "1 of your consumers uses bot, which derives from it: edge." in notices[
        "team-edge"].message
    assert notices["team-core"].kind == "deprecation:announced"
    assert registry.deprecations.tick().notices == 0
    assert registry.consumers.impact("bot").consumers == 2


def test_each_phase_is_an_event_once(registry: Registry, clock: FixedClock) -> None:
    plan_2_1_3(registry)
    for days in (0, 31, 0, 60, 0):
        clock.advance(days=days)
        registry.deprecations.tick()
    phases = [e.payload["phase"] for e in registry.log("support-bot")
              if e.kind == "model:deprecation:phase"]
    assert phases == ["announced", "soft-deadline-passed", "retired"]


def test_an_upstream_model_named_by_package_url_can_be_deprecated(registry: Registry,
                                                                  clock: FixedClock) -> None:
    from modelsteward.domain.lineage import Relation
    from modelsteward.domain.versioning import ChangeKind

    upstream = "pkg:huggingface/mistralai/Mistral-7B-v0.3"
    registry.create_model(Model("bot"))
    registry.register_version("bot", "1.0.0", derived_from=f"{upstream}@caa1feb",
                              relation=Relation.FINETUNE)
    registry.register_version("bot", change=ChangeKind.QUANTISATION, variant="q4")
    registry.consumers.add(Consumer("chat", ConsumerKind.APPLICATION, "team-chat",
                                    pins=(parse_uses("bot 1.0.0+q4"),)))
    plan = registry.deprecations.plan(
        upstream, reason=DeprecationReason.VULNERABILITY, replacement="",
        announced=TODAY, soft_deadline=TODAY + timedelta(days=10),
        hard_deadline=TODAY + timedelta(days=20))
    assert plan.ref == upstream
    resolution = registry.resolution("bot", "1.0.0+q4")
    assert resolution.inherited_from == f"{upstream}@caa1feb"
    assert "vulnerability" in resolution.warning
    notices = registry.deprecations.notices("team-chat")
    assert [n.kind for n in notices] == ["deprecation-inherited:announced"]
    first = registry.deprecations.tick()
    # both deadlines are within 30 days: one reminder each, to the fine-tune's consumers
    assert (first.notices, first.reminders) == (0, 2)
    reminders = [n for n in registry.deprecations.notices("team-chat")
                 if n.kind.startswith("reminder:")]
    assert sorted((n.kind, n.model, n.payload["inherited_via"]) for n in reminders) == [
        ("reminder:hard-deadline", "bot", "bot"), ("reminder:soft-deadline", "bot", "bot")]
    assert all(n.payload["consumer_names"] == ["chat"] for n in reminders)
    assert registry.deprecations.tick().reminders == 0
    clock.advance(days=11)
    later = registry.deprecations.tick()
    assert (later.notices, later.reminders) == (1, 0)
    clock.advance(days=3)  # 6 days before the hard deadline: the 7-day reminder
    assert registry.deprecations.tick(reminder_days=(30, 7)).reminders == 1
    with pytest.raises(InvalidInput, match="package URL"):
        registry.deprecations.plan("pkg:", reason=DeprecationReason.REPLACED, replacement="",
                                   announced=TODAY, soft_deadline=TODAY,
                                   hard_deadline=TODAY + timedelta(days=1))


def test_several_derived_models_are_all_told(registry: Registry) -> None:
    from modelsteward.domain.lineage import Relation

    registry.create_model(Model("base"))
    registry.register_version("base", "1.0.0")
    registry.register_version("base", "2.0.0", force=True, reason="seed")
    through_gates(registry, "base@2.0.0")  # a replacement must be eligible
    for name in ("zeta-bot", "alpha-bot"):
        registry.create_model(Model(name))
        registry.register_version(name, "1.0.0", derived_from="base@1.0.0",
                                  relation=Relation.FINETUNE)
        registry.consumers.add(Consumer(f"{name}-app", ConsumerKind.APPLICATION, f"team-{name}",
                                        pins=(parse_uses(f"{name} 1.0.0"),)))
    registry.deprecations.plan(
        "base@1.0.0", reason=DeprecationReason.REPLACED, replacement="base@2.0.0",
        announced=TODAY, soft_deadline=TODAY + timedelta(days=30),
        hard_deadline=TODAY + timedelta(days=60))
    assert [(n.team, n.model) for n in registry.deprecations.notices()] == [
        ("team-alpha-bot", "alpha-bot"), ("team-zeta-bot", "zeta-bot")]
