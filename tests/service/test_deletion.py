"""Deletion with migration, dry runs and tombstones (both databases)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.model import Model
from modelsteward.errors import (
    Conflict,
    ModelExists,
    ModelNotFound,
    NoMatchingVersion,
    VersionExists,
)
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import POLICY, through_gates


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        for name in ("old-bot", "new-bot"):
            reg.create_model(Model(name))
            for version in ("1.0.0", "1.1.0"):
                reg.register_version(name, version, force=True, reason="seed")
                through_gates(reg, f"{name}@{version}")
        for i, team in enumerate(("team-a", "team-a", "team-b")):
            reg.consumers.add(Consumer(f"app-{i}", ConsumerKind.APPLICATION, team,
                                       pins=(parse_uses("old-bot ^1"),)))
        reg.consumers.add(Consumer("pinned", ConsumerKind.PIPELINE, "team-c",
                                   pins=(parse_uses("old-bot 1.0.0"),)))
        yield reg


def test_dry_run_changes_nothing(registry: Registry) -> None:
    events = len(registry.log())
    report = registry.deletions.delete("old-bot", reason="merged into new-bot",
                                       replacement="new-bot@^1", dry_run=True)
    assert report.dry_run and report.by_team == {"team-a": 2, "team-b": 1, "team-c": 1}
    assert [str(c.after) for c in report.changes] == ["new-bot ^1"] * 4
    assert len(registry.log()) == events
    assert registry.get_model("old-bot").name == "old-bot"
    assert registry.consumers.get("app-0").pins == (ConsumerPin("old-bot", "^1"),)


def test_delete_a_model_with_replacement(registry: Registry) -> None:
    report = registry.deletions.delete("old-bot", reason="merged into new-bot",
                                       replacement="new-bot@^1")
    assert report.by_team == {"team-a": 2, "team-b": 1, "team-c": 1}
    assert registry.consumers.get("app-2").pins == (ConsumerPin("new-bot", "^1"),)
    assert [m.name for m in registry.list_models()] == ["new-bot"]
    with pytest.raises(ModelNotFound):
        registry.get_model("old-bot")
    tombstone = registry.get_model("old-bot", include_deleted=True)
    assert tombstone.name == "old-bot"
    assert registry.log("old-bot")[-1].kind == "model:deleted"
    assert registry.log("old-bot")[-1].payload["consumers_moved"] == 4
    notices = {n.team: n for n in registry.deprecations.notices()}
    assert notices["team-a"].payload["changed"] == 2
    assert "2 of your consumer pins were moved to new-bot@^1" in notices["team-a"].message
    with pytest.raises(ModelExists):  # the name stays taken by the tombstone
        registry.create_model(Model("old-bot"))
    with pytest.raises(Conflict, match="already deleted"):
        registry.deletions.delete("old-bot", reason="again")
    assert registry.verify_log()[1] is None


def test_delete_a_version_without_replacement(registry: Registry) -> None:
    report = registry.deletions.delete("old-bot@1.0.0", reason="leaked training data")
    assert [(c.consumer, c.after) for c in report.changes] == [("pinned", None)]
    assert registry.consumers.get("pinned").pins == ()
    assert registry.consumers.get("app-0").pins == (ConsumerPin("old-bot", "^1"),)
    assert [str(v.id) for v in registry.list_versions("old-bot")] == ["1.1.0"]
    with pytest.raises(NoMatchingVersion):
        registry.resolve("old-bot", "1.0.0")
    assert registry.get_version("old-bot", "1.0.0", include_deleted=True).digest == ""
    with pytest.raises(VersionExists):  # its number is never reused
        registry.register_version("old-bot", "1.0.0", force=True, reason="again")


def test_replacements_that_lead_nowhere_are_refused(registry: Registry) -> None:
    events = len(registry.log())
    with pytest.raises(Conflict, match="cannot be replaced by itself"):
        registry.deletions.delete("old-bot", reason="x", replacement="old-bot@^1")
    with pytest.raises(Conflict, match="the version being deleted"):
        registry.deletions.delete("old-bot@1.1.0", reason="x", replacement="old-bot@^1")
    with pytest.raises(ModelNotFound):
        registry.deletions.delete("old-bot", reason="x", replacement="ghost@^1")
    assert len(registry.log()) == events
    registry.deletions.delete("new-bot", reason="retired line")
    with pytest.raises(Conflict, match="is itself deleted"):
        registry.deletions.delete("old-bot", reason="x", replacement="new-bot@^1")


def test_deleting_a_version_clears_only_the_pins_that_no_longer_resolve(
        registry: Registry) -> None:
    registry.consumers.add(Consumer("exact", ConsumerKind.APPLICATION, "team-b",
                                    pins=(parse_uses("old-bot 1.1.0"),)))
    registry.lifecycle.set_alias("old-bot@1.1.0", "canary")
    dry = registry.deletions.delete("old-bot@1.1.0", reason="bad weights", dry_run=True)
    assert registry.get_version("old-bot", "1.1.0").stage.value == "registered"  # untouched
    assert [a.version for a in registry.lifecycle.aliases("old-bot")] == ["1.1.0"]
    report = registry.deletions.delete("old-bot@1.1.0", reason="bad weights")
    assert dry.changes == report.changes and dry.unchanged == report.unchanged
    assert report.aliases_removed == dry.aliases_removed == ("canary→1.1.0",)
    assert registry.lifecycle.aliases("old-bot") == []
    # the three ^1 pins gave 1.1.0 and give 1.0.0 without it: kept, and said so
    assert [(k.consumer, k.pin.pin, k.resolves_to) for k in report.unchanged] == [
        ("app-0", "^1", "1.0.0"), ("app-1", "^1", "1.0.0"), ("app-2", "^1", "1.0.0")]
    assert [(c.consumer, c.after) for c in report.changes] == [("exact", None)]
    assert report.by_team == {"team-b": 1}
    for name in ("app-0", "app-1", "app-2"):
        assert registry.consumers.get(name).pins == (ConsumerPin("old-bot", "^1"),)
        assert registry.consumers.show(name).of("old-bot").resolves_to == "1.0.0"
    assert registry.consumers.get("exact").pins == ()
    assert registry.consumers.get("pinned").pins == (ConsumerPin("old-bot", "1.0.0"),)
    notices = {n.team: n for n in registry.deprecations.notices()}
    assert notices["team-a"].payload["changed"] == 0 and notices["team-a"].payload["kept"] == 2
    assert "2 of your consumer pins still resolve and were kept: app-0 (^1 → 1.0.0), " \
        "app-1 (^1 → 1.0.0)." in notices["team-a"].message
    assert "1 of your consumer pins were cleared" in notices["team-b"].message
    assert "app-2 (^1 → 1.0.0)" in notices["team-b"].message
    assert registry.log("old-bot")[-1].payload["consumers_kept"] == 3
    assert registry.verify_log()[1] is None


def test_a_replacement_must_give_an_eligible_version(registry: Registry,
                                                     clock: FixedClock) -> None:
    registry.create_model(Model("fresh-bot"))
    registry.register_version("fresh-bot", "1.0.0")  # trained: it passed no gate
    events = len(registry.log())
    with pytest.raises(Conflict, match="not eligible for applications because it is still "
                                       "trained"):
        registry.deletions.delete("old-bot", reason="x", replacement="fresh-bot@1.0.0")
    with pytest.raises(Conflict, match=re.escape("the best match, fresh-bot@1.0.0, is not "
                                                 "eligible because it is still trained")):
        registry.deletions.delete("old-bot", reason="x", replacement="fresh-bot@^1")
    today = clock.now().date()
    for replacement in ("fresh-bot@1.0.0", "fresh-bot@^1"):
        with pytest.raises(Conflict, match="it is still trained: it has not passed the "
                                           "evaluation gate"):
            registry.deprecations.plan(
                "old-bot@1.0.0", reason=DeprecationReason.REPLACED, replacement=replacement,
                announced=today, soft_deadline=today + timedelta(days=10),
                hard_deadline=today + timedelta(days=20))
    assert len(registry.log()) == events
    through_gates(registry, "fresh-bot@1.0.0")
    report = registry.deletions.delete("old-bot", reason="x", replacement="fresh-bot@^1")
    assert registry.consumers.get("app-0").pins == (ConsumerPin("fresh-bot", "^1"),)
    assert len(report.changes) == 4
