"""Embedding models: moving a consumer to another embedding version is a data migration.
``lock --upgrade`` and ``audit --fix`` refuse to move an embedding pin without a recorded
re-embedding plan and say how to record one; once it is recorded (for the consumer's move, or
carried by the deprecation plan) they move, and the plan's notices show it. The seed's example
is the case: text-embedding-3-small, 1536 dimensions, "~2M docs, ~$500, ~4h"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.embedding import (
    Distance,
    EmbeddingSpec,
    ReembeddingPlan,
    embedding_of,
    parse_reembedding,
    with_embedding,
)
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lockfile import Lock
from modelsteward.domain.model import Model
from modelsteward.domain.policy import Policy
from modelsteward.errors import DocumentInvalid, InvalidInput, ReembeddingRequired
from tests.conftest import FixedClock

NAME = "text-embedding-3-small"
TODAY = date(2026, 11, 22)
SEED = ReembeddingPlan(2_000_000, 500, 4, "docs-v2")
MANIFEST_TEXT = (f'[application]\nname = "rag"\nteam = "search"\n\n'
                 f'[models]\n{NAME} = "^1.0"\n')


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    development = Policy(eligibility=EligibilityRule(Stage.TRAINED))
    with Registry.open(db_url, actor="alice", clock=clock, policy=development) as reg:
        reg.create_model(Model(NAME, owner_team="search", purpose="Document embedding for RAG",
                               extra=with_embedding({}, EmbeddingSpec(1536, Distance.COSINE))))
        reg.register_version(NAME, "1.0.0")
        yield reg


def locked_then_newer(registry: Registry) -> tuple[Lock, str]:
    first = registry.locking.lock(parse_manifest(MANIFEST_TEXT))
    registry.register_version(NAME, "1.1.0", force=True, reason="a retrained embedder")
    return first.lock, first.lock.models[0].version


def test_the_declaration_is_kept_with_the_model(registry: Registry) -> None:
    assert embedding_of(registry.get_model(NAME)) == EmbeddingSpec(1536, Distance.COSINE, False)
    assert SEED.describe() == "re-embed ~2M documents (~$500, ~4h), rebuilding the index docs-v2"
    with pytest.raises(InvalidInput, match="--embedding-dimension"):
        EmbeddingSpec.declared(None, "dot")
    with pytest.raises(InvalidInput, match="embedding distance"):
        EmbeddingSpec.declared(1536, "manhattan")


def test_lock_upgrade_refuses_an_embedding_move_until_a_plan_is_recorded(
        registry: Registry) -> None:
    lock, version = locked_then_newer(registry)
    manifest = parse_manifest(MANIFEST_TEXT)
    with pytest.raises(ReembeddingRequired) as refused:
        registry.locking.lock(manifest, lock, upgrade=True)
    message = str(refused.value)
    assert f"{NAME}@1.0.0 to {NAME}@1.1.0" in message and "1536 dimensions" in message
    assert f"`steward model reembed {NAME}@1.0.0 --to {NAME}@1.1.0" in message
    assert "nothing was written" in message
    # the lock without --upgrade keeps the locked version: no move, no refusal
    assert registry.locking.lock(manifest, lock).lock.models[0].version == version

    registry.deprecations.record_reembedding(f"{NAME}@1.0.0", SEED, target=f"{NAME}@^1.1",
                                             consumer="rag")
    moved = registry.locking.lock(manifest, lock, upgrade=True)
    assert moved.changes == (f"{NAME} 1.0.0 → 1.1.0",)


def test_a_plan_for_another_consumer_or_target_does_not_cover_the_move(
        registry: Registry) -> None:
    lock, _ = locked_then_newer(registry)
    registry.register_version(NAME, "2.0.0", force=True, reason="new architecture")
    registry.deprecations.record_reembedding(NAME, SEED, target=f"{NAME}@^2")
    with pytest.raises(ReembeddingRequired):
        registry.locking.lock(parse_manifest(MANIFEST_TEXT), lock, upgrade=True)
    registry.create_model(Model("plain"))
    with pytest.raises(InvalidInput, match="not declared an embedding model"):
        registry.deprecations.record_reembedding("plain", SEED)


def _deprecate(registry: Registry, reembedding: ReembeddingPlan | None) -> None:
    registry.deprecations.plan(
        f"{NAME}@1.0.0", reason=DeprecationReason.REPLACED, replacement="",
        announced=TODAY - timedelta(days=30), soft_deadline=TODAY,
        hard_deadline=TODAY + timedelta(days=60), reembedding=reembedding)


def test_audit_fix_refuses_an_embedding_move_without_a_plan(registry: Registry) -> None:
    lock, _ = locked_then_newer(registry)
    _deprecate(registry, None)
    fail_on = parse_fail_on("low,soft-deadline-passed")
    report = registry.audits.audit(lock, fail_on=fail_on)
    assert not report.passed
    with pytest.raises(ReembeddingRequired, match="steward model reembed"):
        registry.audits.fix(MANIFEST_TEXT, lock, report)


def test_audit_fix_moves_once_the_deprecation_plan_carries_the_reembedding(
        registry: Registry) -> None:
    lock = registry.locking.lock(parse_manifest(MANIFEST_TEXT)).lock
    _deprecate(registry, SEED)  # rag's ^1.0 gives 1.0.0: its team is told at once
    registry.register_version(NAME, "1.1.0", force=True, reason="a retrained embedder")
    report = registry.audits.audit(lock, fail_on=parse_fail_on("low,soft-deadline-passed"))
    fixed = registry.audits.fix(MANIFEST_TEXT, lock, report)
    assert fixed.locked.lock.models[0].version == "1.1.0"
    assert fixed.fixed == (f"{NAME}: 1.0.0 → 1.1.0",)
    # the deprecation plan's notices carry the migration
    [notice] = [n for n in registry.deprecations.notices()
                if n.kind.startswith("deprecation:")]
    assert notice.team == "search"
    assert "Moving is a data migration: re-embed ~2M documents (~$500, ~4h), rebuilding the " \
           "index docs-v2." in notice.message
    assert notice.payload["reembedding"] == {"documents": 2_000_000, "cost": 500.0,
                                             "hours": 4.0, "index": "docs-v2"}


def test_a_reembedding_plan_for_a_model_that_is_not_an_embedding_model_is_refused(
        registry: Registry) -> None:
    registry.create_model(Model("plain"))
    registry.register_version("plain", "1.0.0")
    with pytest.raises(InvalidInput, match="not declared an embedding model"):
        registry.deprecations.plan(
            "plain@1.0.0", reason=DeprecationReason.REPLACED, replacement="",
            announced=TODAY, soft_deadline=TODAY + timedelta(days=1),
            hard_deadline=TODAY + timedelta(days=2), reembedding=SEED)


def test_a_plan_file_reports_every_problem_with_its_location() -> None:
    assert parse_reembedding({"documents": 2_000_000, "estimated_cost": 500, "hours": 4,
                              "index": "docs-v2"}, "plan.yaml") == SEED
    with pytest.raises(DocumentInvalid) as bad:
        parse_reembedding({"documents": "2M", "cost": -1, "index": 3, "docs": 1}, "plan.yaml")
    locations = sorted(p.location for p in bad.value.problems)
    assert locations == ["cost", "docs", "documents", "index"]


def test_the_deadline_reminders_carry_the_reembedding(registry: Registry,
                                                      clock: FixedClock) -> None:
    registry.consumers.add(Consumer("rag", ConsumerKind.APPLICATION, "search",
                                    pins=(parse_uses(f"{NAME} 1.0.0"),)))
    _deprecate(registry, SEED)
    clock.advance(days=30)  # 30 days before the hard deadline
    assert registry.deprecations.reminders((30, 7)) == 1
    [reminder] = [n for n in registry.deprecations.notices() if n.kind.startswith("reminder:")]
    assert reminder.team == "search" and "re-embed ~2M documents (~$500, ~4h)" in reminder.message
    assert reminder.payload["reembedding"] == SEED.as_payload()
