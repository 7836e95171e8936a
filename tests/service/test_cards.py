"""The living card through the library, on every store: its sections, facts, changelog with
event citations, inherited known issues, the deprecation banner with its impact, and its
rebuilding at an earlier time from the history alone (same history, same bytes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.card import IssueKind
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, RiskTier, SupportPolicy
from modelsteward.domain.requirements import Requirements
from modelsteward.errors import InvalidInput, ModelNotFound, VersionNotFound
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import POLICY
from tests.service.lifecycle_helpers import (
    CHECKS,
    approve_all,
    manifest,
    statement,
    to_production,
    to_registered,
)
from tests.service.test_advisories import draft, semver

REQUIREMENTS = Requirements("transformers", ">=4.40,<4.47", "llama-3", "nvidia-a100-80gb",
                            "sha256:" + "c" * 64)


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    """A base model and a fine-tune of it in production (evaluated, approved), a newer
    fine-tune, and three consumers of the first fine-tune in two teams."""
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        reg.create_model(Model("base-llm", owner_team="research", license="apache-2.0"))
        reg.register_version("base-llm", "1.0.0", manifest=manifest("base"))
        to_registered(reg, "base-llm@1.0.0")
        reg.create_model(Model("support-bot", owner_team="team-support", risk_tier=RiskTier.LOW,
                               license="mit",
                               support=SupportPolicy(12, "community-maintained")))
        reg.register_version("support-bot", "1.0.0", manifest=manifest("bot"),
                             derived_from="base-llm@1.0.0", relation=Relation.FINETUNE)
        _to_production(reg, "support-bot@1.0.0")
        reg.register_version("support-bot", "2.0.0", force=True, reason="new architecture",
                             manifest=manifest("bot 2"))
        to_registered(reg, "support-bot@2.0.0")
        for name, team in (("portal", "team-web"), ("chat", "team-web"), ("mail", "team-ops")):
            reg.consumers.add(Consumer(name, ConsumerKind.APPLICATION, team,
                                       pins=(parse_uses("support-bot 1.0.0"),)))
        yield reg


def _to_production(registry: Registry, ref: str, *, evaluated: bool = False) -> None:
    """Attest ``ref`` and take it to production, approved (from registered when
    ``evaluated``)."""
    if evaluated:
        registry.lifecycle.promote(ref, Stage.STAGING)
        for check in CHECKS:
            registry.lifecycle.record_check(ref, check, True, "ci run 42")
        approve_all(registry, ref, RiskTier.LOW, registry.clock.now().date() + timedelta(days=30))
        registry.lifecycle.promote(ref, Stage.PRODUCTION)
        return
    model, _, number = ref.partition("@")
    digest = registry.get_version(model, number).digest.removeprefix("sha256:")
    registry.attest(ref, statement(digest), metrics={"loss": 0.2})
    to_production(registry, ref)


def _seq(registry: Registry, kind: str, subject: str) -> int:
    return next(e.seq for e in registry.log() if e.kind == kind and e.subject == subject)


def test_the_card_tells_the_whole_story_and_is_rebuilt_at_an_earlier_time(
        registry: Registry, clock: FixedClock) -> None:
    cards = registry.cards
    cards.edit("support-bot", "summary", "Answers support tickets in English.")
    cards.edit("support-bot", "limitations", "Not tested on legal questions.")
    cards.set_requirements("support-bot@1.0.0", REQUIREMENTS)
    clock.advance(days=1)
    t1 = clock.now()
    before = cards.markdown("support-bot", at=t1)
    assert "Known issues\n\n_None known._" in before and "Deprecated" not in before

    clock.advance(days=1)
    published = registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    today = clock.now().date()
    registry.deprecations.plan(
        "support-bot@1.0.0", reason=DeprecationReason.REPLACED, replacement="support-bot@^2",
        announced=today, soft_deadline=today + timedelta(days=30),
        hard_deadline=today + timedelta(days=90),
        migration_steps=("Pin support-bot ^2", "Re-run the golden evaluation"))
    cards.edit("support-bot", "summary", "Answers support tickets in English and French.")

    card = cards.card("support-bot")
    # authored sections: the latest edit of each
    assert card.section(card.sections[0][0]) == "Answers support tickets in English and French."
    assert [s.value for s, _, _ in card.sections] == ["summary", "limitations"]
    # facts
    assert (card.owner_team, card.risk_tier, card.license) == ("team-support", "low", "mit")
    assert card.support == "12 months active support, then community-maintained"
    first = card.versions[0]
    assert (first.version, first.base, first.relation) == ("1.0.0", "base-llm@1.0.0", "finetune")
    assert first.stage == "deprecated" and first.aliases == ("production",)
    assert first.digest == registry.get_version("support-bot", "1.0.0").digest
    assert first.attestation_seq is not None
    assert [e.suite for e in first.evaluations] == ["golden"]
    assert first.evaluations[0].dataset_digest.startswith("sha256:")
    assert [(a.role, a.by) for a in first.approvals] == [("lead", "bob")]
    assert first.requirements == REQUIREMENTS
    assert first.end_of_active_support == "2027-11-22"
    # changelog: every event about the model, each citing its sequence number
    log = registry.log("support-bot")
    assert [e.seq for e in card.changelog if not e.text.startswith("advisory ")] == [
        e.seq for e in log]
    planned = _seq(registry, "model:deprecation:planned", "support-bot@1.0.0")
    assert any(e.seq == planned and "deprecation planned" in e.text for e in card.changelog)
    # the advisory on the base reaches the fine-tune, named as inherited
    advisory = _seq(registry, "advisory:published", published.advisory.id)
    [issue] = card.known_issues
    assert (issue.kind, issue.version, issue.inherited_from, issue.seq) == (
        IssueKind.ADVISORY, "1.0.0", "base-llm@1.0.0", advisory)
    # the banner, with the impact of the three consumers resolving to 1.0.0
    [status] = card.deprecations
    assert (status.reason, status.replacement, status.impact) == (
        "replaced", "support-bot@^2", "3 services, 2 teams")
    text = cards.markdown("support-bot")
    assert "> **Deprecated** (announced): 1.0.0 — reason replaced" in text
    assert "Impact: 3 services, 2 teams" in text and "> 1. Pin support-bot ^2" in text
    assert f"inherited from base-llm@1.0.0 (event {advisory})" in text
    assert f"(alice, event {planned})" in text
    assert "| 1.0.0 | transformers | >=4.40,<4.47 | llama-3 |" in text
    # deterministic: rendering twice gives the same bytes
    assert cards.markdown("support-bot").encode() == text.encode()
    # rebuilt at T1 from the history: what it was then, byte for byte, and not what it is now
    again = cards.markdown("support-bot", at=t1)
    assert again.encode() == before.encode()
    assert again != cards.markdown("support-bot", at=clock.now())
    assert "Answers support tickets in English." in again
    # the diff between the two times shows the banner and the new summary
    diff = cards.diff("support-bot", t1)
    assert "+> **Deprecated**" in diff and "-Answers support tickets in English." in diff
    assert cards.diff("support-bot", clock.now(), clock.now()) == ""


def test_a_version_card_shows_only_that_version(registry: Registry) -> None:
    registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    card = registry.cards.card("support-bot@2.0.0")
    assert [v.version for v in card.versions] == ["2.0.0"]
    assert card.known_issues == () and card.deprecations == ()
    assert all("1.0.0" not in e.text for e in card.changelog)
    assert registry.cards.card("support-bot@1.0.0").known_issues[0].inherited_from


def test_a_card_before_the_version_existed_and_bad_requests(registry: Registry,
                                                            clock: FixedClock) -> None:
    with pytest.raises(VersionNotFound):
        registry.cards.card("support-bot@1.0.0", at=clock.now() - timedelta(days=1))
    with pytest.raises(ModelNotFound):
        registry.cards.card("nobody")
    with pytest.raises(InvalidInput, match="card section"):
        registry.cards.edit("support-bot", "history", "…")
    with pytest.raises(InvalidInput, match="at most"):
        registry.cards.edit("support-bot", "summary", "x" * 20_001)
    with pytest.raises(VersionNotFound):
        registry.cards.set_requirements("support-bot@9.9.9", REQUIREMENTS)


def test_a_monitoring_breach_and_a_rollback_are_known_issues(registry: Registry) -> None:
    _to_production(registry, "support-bot@2.0.0", evaluated=True)
    registry.lifecycle.rollback("support-bot", "production", "latency regression")
    card = registry.cards.card("support-bot")
    assert [(i.kind, i.version) for i in card.known_issues] == [(IssueKind.ROLLBACK, "2.0.0")]


@pytest.mark.parametrize("base", ["base-llm@1.0.0", "support-bot@1.0.0"])
def test_an_advisory_published_before_the_fine_tune_existed_reaches_its_card(
        registry: Registry, base: str) -> None:
    """The advisory's own record names only what existed then; the card of a later
    derivative, of the affected version or of its fine-tune, still finds it through lineage."""
    published = registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    registry.create_model(Model("router-bot", owner_team="team-support"))
    registry.register_version("router-bot", "1.0.0", manifest=manifest("router"),
                              derived_from=base, relation=Relation.ADAPTER)
    issues = registry.cards.card("router-bot").known_issues
    assert [(i.kind, i.version, i.inherited_from, i.reference) for i in issues] == [
        (IssueKind.ADVISORY, "1.0.0", "base-llm@1.0.0", published.advisory.id)]
