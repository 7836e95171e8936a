"""One registry story the export tests share: a fine-tune of a base model with an advisory,
evaluations, approvals, a support window and a deprecation plan naming its replacement, plus a
quantized copy of an upstream Hugging Face model."""

from __future__ import annotations

from datetime import timedelta

from modelsteward import Registry
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, RiskTier, SupportPolicy
from modelsteward.domain.versioning import ChangeKind
from tests.service.lifecycle_helpers import (
    manifest,
    statement,
    to_production,
    to_registered,
)

BOT = "support-bot@1.0.0"
UPSTREAM = "pkg:huggingface/acme/open-llm@" + "a" * 40


def build(registry: Registry) -> str:
    """Fill ``registry``; return the advisory's id (it affects ``base-llm@1.0.0``)."""
    registry.actor = "alice"
    registry.create_model(Model("base-llm", owner_team="research", license="Apache-2.0"))
    registry.register_version("base-llm", "1.0.0", manifest=manifest("base"))
    to_registered(registry, "base-llm@1.0.0")
    registry.create_model(Model(
        "support-bot", description="Answers support tickets.", purpose="customer support",
        license="Apache-2.0", tags=("support", "chat"),
        risk_tier=RiskTier.LOW, support=SupportPolicy(12, "security fixes only")))
    registry.register_version("support-bot", "1.0.0", manifest=manifest("bot"),
                              derived_from="base-llm@1.0.0", relation=Relation.FINETUNE)
    digest = registry.get_version("support-bot", "1.0.0").digest
    registry.attest(BOT, statement(digest), metrics={"loss": 0.2})
    to_production(registry, BOT)
    registry.register_version("support-bot", change=ChangeKind.ARCHITECTURE,
                              manifest=manifest("bot 2"))
    to_registered(registry, "support-bot@2.0.0")
    today = registry.clock.now().date()
    registry.deprecations.plan(
        BOT, reason=DeprecationReason.REPLACED, replacement="support-bot@^2",
        announced=today, soft_deadline=today + timedelta(days=30),
        hard_deadline=today + timedelta(days=90))
    published = registry.advisories.create(Advisory(
        "", registry.clock.now(), summary="prompt injection through tool output",
        details="The base model follows instructions in tool output.",
        database_specific={"severity": "HIGH"},
        affected=(Affected(ECOSYSTEM, "base-llm", ranges=(AffectedRange(
            "SEMVER", (RangeEvent(EventKind.INTRODUCED, "0"),)),)),)))
    registry.create_model(Model("open-llm-q4", license="MIT"))
    registry.register_version("open-llm-q4", "1.0.0", manifest=manifest("q4"),
                              derived_from=UPSTREAM, relation=Relation.QUANTIZED)
    registry.actor = "alice"
    return published.advisory.id
