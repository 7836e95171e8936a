"""Consumers and impact, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin, parse_uses
from modelsteward.domain.model import Model
from modelsteward.errors import Conflict, InvalidInput, ModelNotFound, NoMatchingVersion, NotFound
from tests.conftest import FixedClock

TEAMS = ("team-support", "team-search", "team-billing")
ENVIRONMENTS = ("production", "staging")


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        reg.create_model(Model("support-bot"))
        for version in ("2.0.0", "2.1.0", "2.1.3", "2.4.0", "3.0.0"):
            reg.register_version("support-bot", version, force=True, reason="seeding")
        reg.create_model(Model("embedder"))
        reg.register_version("embedder", "1.0.0")
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
    assert whole.by_team == {team: 4 for team in TEAMS}
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
    assert registry.consumers.pin("checkout", parse_uses("support-bot@2.1.3")) == "2.1.3"
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
