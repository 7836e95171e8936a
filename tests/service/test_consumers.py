"""Consumers and impact, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.model import Model
from modelsteward.errors import (
    Conflict,
    InvalidInput,
    ModelNotFound,
    NoMatchingVersion,
    NotFound,
    PinNoLongerResolves,
    StewardError,
)
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import POLICY, through_gates

TEAMS = ("team-support", "team-search", "team-billing")
ENVIRONMENTS = ("production", "staging")


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        reg.create_model(Model("support-bot"))
        for version in ("2.0.0", "2.1.0", "2.1.3", "2.4.0", "3.0.0"):
            reg.register_version("support-bot", version, force=True, reason="seeding")
            through_gates(reg, f"support-bot@{version}")
        reg.create_model(Model("embedder"))
        reg.register_version("embedder", "1.0.0")
        through_gates(reg, "embedder@1.0.0")
        yield reg


def twelve_consumers(registry: Registry) -> None:
    """12 consumers in 3 teams: 4 each, on different pins."""
    pins = ["^2.1", "2.1.3", "~2.1", "^3"]
    for i in range(12):
        registry.consumers.add(Consumer(
            f"service-{i:02d}", (ConsumerKind.APPLICATION, ConsumerKind.PIPELINE)[i % 2],
            TEAMS[i // 4], f"owner{i}@example.com", ENVIRONMENTS[i % 2],
            (ConsumerPin("support-bot", pins[i % 4]), ConsumerPin("embedder", "1.0.0"))))


def test_impact_counts_by_team_environment_and_kind(registry: Registry) -> None:
    twelve_consumers(registry)
    whole = registry.consumers.impact("support-bot")
    assert whole.summary() == "12 consumers, 3 teams"
    assert whole.by_team == dict.fromkeys(TEAMS, 4)
    assert whole.by_environment == {"production": 6, "staging": 6}
    assert whole.by_kind == {"application": 6, "pipeline": 6}
    # ^2.1 → 2.4.0 (i % 4 == 0), 2.1.3 and ~2.1 → 2.1.3, ^3 → 3.0.0
    assert registry.consumers.impact("support-bot@2.1.3").consumers == 6
    assert registry.consumers.impact("support-bot@2.4.0").consumers == 3
    assert registry.consumers.impact("support-bot@2.0.0").consumers == 0
    family = registry.consumers.impact("support-bot@^2")
    assert family.consumers == 9 and sorted({a.resolves_to for a in family.affected}) == [
        "2.1.3", "2.4.0"]
    assert registry.consumers.impact("embedder@1.0.0").consumers == 12


def test_pins_are_checked_and_changed(registry: Registry) -> None:
    registry.consumers.add(Consumer("checkout", ConsumerKind.APPLICATION, "team-shop",
                                    pins=(parse_uses("support-bot ^2.1"),)))
    with pytest.raises(Conflict, match="already exists"):
        registry.consumers.add(Consumer("checkout", ConsumerKind.APPLICATION, "team-shop"))
    with pytest.raises(NoMatchingVersion):
        registry.consumers.add(Consumer("c2", ConsumerKind.APPLICATION, "t",
                                        pins=(parse_uses("support-bot ^9"),)))
    with pytest.raises(ModelNotFound):
        registry.consumers.add(Consumer("c3", ConsumerKind.APPLICATION, "t",
                                        pins=(parse_uses("ghost 1.0.0"),)))
    with pytest.raises(InvalidInput, match="names a model twice"):
        registry.consumers.add(Consumer("c4", ConsumerKind.APPLICATION, "t", pins=(
            parse_uses("support-bot ^2"), parse_uses("support-bot@2.1.3"))))
    assert [c.name for c in registry.consumers.list()] == ["checkout"]
    assert registry.consumers.pin("checkout", parse_uses("support-bot@2.1.3")).resolves_to == \
        "2.1.3"
    assert registry.consumers.get("checkout").pins == (ConsumerPin("support-bot", "2.1.3"),)
    registry.consumers.unpin("checkout", "support-bot")
    assert registry.consumers.get("checkout").pins == ()
    with pytest.raises(NotFound):
        registry.consumers.unpin("checkout", "support-bot")
    registry.consumers.remove("checkout", "service decommissioned")
    assert registry.consumers.list() == []
    kinds = [e.kind for e in registry.log() if e.subject == "consumer:checkout"]
    assert kinds == ["consumer:registered", "consumer:pin:set", "consumer:pin:removed",
                     "consumer:removed"]


def test_consumer_values_are_validated() -> None:
    with pytest.raises(InvalidInput, match="needs an owning team"):
        Consumer("checkout", ConsumerKind.APPLICATION, " ")
    with pytest.raises(InvalidInput, match="MODEL PIN"):
        parse_uses("support-bot")
    assert parse_uses("support-bot@^2.1") == ConsumerPin("support-bot", "^2.1")
    assert parse_uses(" support-bot  ~2.1 ") == ConsumerPin("support-bot", "~2.1")


def test_a_non_strict_pin_adopts_only_eligible_versions_and_an_exact_pin_is_warned(
        registry: Registry) -> None:
    registry.register_version("support-bot", "3.1.0", force=True,
                              reason="seeding")  # trained: not through the gates
    registry.consumers.add(Consumer("app", ConsumerKind.APPLICATION, "team-shop",
                                    pins=(parse_uses("support-bot ^3"),)))
    assert registry.consumers.show("app").of("support-bot").resolves_to == "3.0.0"
    registry.create_model(Model("draft-bot"))
    registry.register_version("draft-bot", "1.0.0")
    with pytest.raises(PinNoLongerResolves, match="still trained") as refused:
        registry.consumers.pin("app", parse_uses("draft-bot ^1"))
    assert refused.value.why.state == "ineligible"
    # an exact pin names exactly what runs: accepted, with why it is not eligible, recorded
    pinned = registry.consumers.pin("app", parse_uses("support-bot 3.1.0"))
    assert pinned.resolves_to == "3.1.0" and "still trained" in pinned.ineligible
    assert "still trained" in str(registry.log()[-1].payload["ineligible"])
    shown = registry.consumers.show("app").of("support-bot")
    assert shown.resolves_to == "3.1.0" and "still trained" in shown.ineligible
    affected = registry.consumers.impact("support-bot@3.1.0").affected
    assert [(a.consumer.name, a.resolves_to) for a in affected] == [("app", "3.1.0")]
    assert "still trained" in affected[0].ineligible
    assert registry.verify_log()[1] is None


def test_show_and_impact_say_why_a_retired_or_deleted_pin_no_longer_resolves(
        registry: Registry, clock: FixedClock) -> None:
    registry.consumers.add(Consumer("retired-user", ConsumerKind.APPLICATION, "team-a",
                                    pins=(parse_uses("support-bot 2.1.0"),)))
    registry.consumers.add(Consumer("deleted-user", ConsumerKind.PIPELINE, "team-b",
                                    pins=(parse_uses("support-bot ~2.1"),)))
    today = clock.now().date()
    # ~2.1 gave 2.1.3; without it, it still resolves (to 2.1.0), so the deletion keeps it
    report = registry.deletions.delete("support-bot@2.1.3", reason="leaked training data")
    assert [(k.consumer, k.resolves_to) for k in report.unchanged] == [("deleted-user", "2.1.0")]
    registry.deprecations.plan(
        "support-bot@2.1.0", reason=DeprecationReason.VULNERABILITY,
        replacement="support-bot@^3", announced=today,
        soft_deadline=today + timedelta(days=10), hard_deadline=today + timedelta(days=20))
    clock.advance(days=20)
    assert registry.deprecations.tick().retired == ("support-bot@2.1.0",)
    retired = registry.consumers.show("retired-user").of("support-bot")
    assert retired.resolves_to == "" and retired.unresolvable is not None
    assert retired.unresolvable.as_dict() == {
        "version": "support-bot@2.1.0", "state": "retired",
        "since": (today + timedelta(days=20)).isoformat(),
        "reason": retired.unresolvable.reason, "replacement": "support-bot@^3"}
    assert "vulnerability" in retired.unresolvable.reason
    assert "support-bot@2.1.0 was retired on" in retired.describe("support-bot")
    # the best version ~2.1 matches is the deleted one: that is what the consumer is told
    deleted = registry.consumers.show("deleted-user").of("support-bot")
    assert deleted.resolves_to == "" and deleted.unresolvable is not None
    assert (deleted.unresolvable.version, deleted.unresolvable.state,
            deleted.unresolvable.since, deleted.unresolvable.reason) == (
        "support-bot@2.1.3", "deleted", today.isoformat(), "leaked training data")
    # the whole model's impact lists both, with why; a version's impact finds its own
    whole = {a.consumer.name: a for a in registry.consumers.impact("support-bot").affected}
    assert whole["retired-user"].unresolvable == retired.unresolvable
    assert whole["deleted-user"].unresolvable == deleted.unresolvable
    assert whole["deleted-user"].resolves_to == ""
    assert [a.consumer.name for a in registry.consumers.impact("support-bot@2.1.0").affected] \
        == ["retired-user"]
    assert [a.consumer.name for a in registry.consumers.impact("support-bot@2.1.3").affected] \
        == ["deleted-user"]


def test_impacts_of_many_targets_are_each_target_s_impact(registry: Registry) -> None:
    twelve_consumers(registry)
    targets = ["support-bot", "support-bot@2.1.3", "support-bot@^2", "support-bot@2.0.0",
               "embedder@1.0.0", "embedder@9.9.9", "nobody", "nobody@1.0.0"]
    many = registry.consumers.impacts(targets)
    one_by_one = {}
    for target in targets:
        try:
            one_by_one[target] = registry.consumers.impact(target)
        except StewardError:
            continue
    assert "nobody" not in many and many == one_by_one
    assert many["support-bot@^2"].consumers == 9
