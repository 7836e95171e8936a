"""The checklist rules, judged on facts built by hand: each item's pass, fail and not
applicable, and drift from pass to fail."""

from __future__ import annotations

from datetime import UTC, date, datetime

from modelsteward.domain import events as ev
from modelsteward.domain.compliance import (
    COMPLIANCE_EVALUATED,
    ConsumerFacts,
    Item,
    ModelFacts,
    Outcome,
    VersionFacts,
    drifted,
    evaluate,
    last_recorded,
)
from modelsteward.domain.compliance_pack import evidence_pack
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.events import NewEvent, extend_chain
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, ModelKind, RiskTier
from modelsteward.domain.pins import PinLevel

NOW = datetime(2026, 11, 22, tzinfo=UTC)
BOT = Model("bot", kind=ModelKind.FINE_TUNED, purpose="tickets", owner_team="team-ml",
            owner_contact="ml@example.com", risk_tier=RiskTier.HIGH)


def _events(*new: tuple[str, str, dict[str, object]]) -> tuple[ev.Event, ...]:
    return tuple(extend_chain((0, ""), NOW, "alice",
                              [NewEvent(kind, subject, payload) for kind, subject, payload in new]))


def _outcomes(facts: ModelFacts) -> dict[Item, Outcome]:
    return {f.item: f.outcome for f in evaluate(facts).findings}


HISTORY = _events(
    (ev.MODEL_CREATED, "bot", {}), (ev.VERSION_REGISTERED, "bot@1.0.0", {}),
    (ev.VERSION_EVALUATED, "bot@1.0.0", {}),
    (ev.VERSION_PROMOTED, "bot@1.0.0", {"to": "production", "gates": ["evaluation"]}),
    (ev.VERSION_REGISTERED, "bot@1.1.0", {}), (ev.EXPERIMENT_STARTED, "bot", {"name": "ab"}),
    (ev.PIPELINE_IMPORTED, "bot", {}), (ev.VERSION_MEASURED, "bot@1.0.0", {"values": {}}),
    (ev.DEPRECATION_PLANNED, "bot@1.0.0", {"plan": "p1"}))
PLAN = DeprecationPlan("p1", "bot", "1.0.0", DeprecationReason.REPLACED, "bot@^1.1",
                       date(2026, 12, 1), date(2027, 1, 1), date(2027, 3, 1),
                       ("lock --upgrade",))
LOCKED = ConsumerFacts("app", "team-app", "production", "^1", PinLevel.FAMILY, 9, "2026-11-22",
                       "1.0.0", "ab" * 32)
GOOD = ModelFacts(BOT, (VersionFacts("1.0.0", Stage.PRODUCTION), VersionFacts("1.1.0",
                                                                             Stage.REGISTERED)),
                  HISTORY, (LOCKED,), (PLAN,), (("ab", 6),), pipeline=True)


def test_a_well_run_fine_tune_passes_every_item_that_applies() -> None:
    outcomes = _outcomes(GOOD)
    assert outcomes == {**dict.fromkeys(Item, Outcome.PASS),
                        Item.PROVIDER_NOTICES: Outcome.NOT_APPLICABLE,
                        Item.EMBEDDING_MIGRATION: Outcome.NOT_APPLICABLE}
    findings = {f.item: f for f in evaluate(GOOD).findings}
    assert [e.seq for e in findings[Item.AB_TESTING].evidence] == [6]
    assert findings[Item.PINNED].evidence[0].seq == 9
    assert "ab" * 32 in findings[Item.PINNED].evidence[0].text  # the lock's digest
    assert findings[Item.DEPRECATION_PLAN].evidence[0].seq == 9  # the plan's event
    assert findings[Item.RELEASE_PROCESS].unseen  # says what it cannot see


def test_each_gap_fails_with_its_remediation() -> None:
    loose = ConsumerFacts("app", "team-app", "production", "^1", PinLevel.FAMILY)
    bare = ModelFacts(BOT, GOOD.versions, HISTORY[:2], (loose,))
    findings = {f.item: f for f in evaluate(bare).findings}
    for item, command in ((Item.PINNED, "steward consumer pin app bot"),
                          (Item.EVALUATION, "steward eval record bot@1.0.0"),
                          (Item.AB_TESTING, "steward experiment start"),
                          (Item.DEPRECATION_PLAN, "steward deprecate bot@"),
                          (Item.FINE_TUNE_PIPELINE, "steward pipeline import bot"),
                          (Item.RELEASE_PROCESS, "steward lock"),
                          (Item.MONITORING, "steward monitor record bot@1.0.0")):
        assert findings[item].outcome is Outcome.FAIL, item
        assert findings[item].remediation.startswith(command), item
    # a finding with no event of its own still cites the model's record
    assert all(f.evidence for f in findings.values())


def test_hosted_and_embedding_items() -> None:
    hosted = Model("sonnet", kind=ModelKind.HOSTED, provider="anthropic",
                   provider_model="claude-sonnet-4-5", purpose="p", owner_team="team-ai",
                   owner_contact="a@example.com", tags=("embedding",))
    shutdown = DeprecationPlan("p9", "sonnet", "claude-sonnet-4-20250514",
                               DeprecationReason.PROVIDER_SHUTDOWN, "", date(2026, 1, 1),
                               date(2026, 2, 1), date(2026, 3, 1), ("switch",))
    facts = ModelFacts(hosted, (VersionFacts("claude-sonnet-4-20250514", Stage.PRODUCTION),),
                       plans=(shutdown,))
    outcomes = _outcomes(facts)
    assert outcomes[Item.PROVIDER_NOTICES] is Outcome.PASS
    assert outcomes[Item.EMBEDDING_MIGRATION] is Outcome.FAIL  # no re-embedding step
    assert _outcomes(ModelFacts(hosted))[Item.PROVIDER_NOTICES] is Outcome.FAIL


def test_drift_is_a_pass_that_became_a_fail() -> None:
    before = evaluate(GOOD)
    recorded = _events((COMPLIANCE_EVALUATED, "bot", {"items": before.outcomes}))
    seq, previous = last_recorded(recorded) or (0, {})
    assert seq == 1 and previous == before.outcomes
    after = evaluate(ModelFacts(BOT, GOOD.versions, HISTORY, (), (PLAN,), (("ab", 6),), True))
    assert drifted(previous, after) == []  # the consumer left: not applicable, not a fail
    worse = evaluate(ModelFacts(BOT, GOOD.versions, HISTORY[:4], (LOCKED,), (PLAN,), (), True))
    assert {f.item for f in drifted(previous, worse)} == {Item.AB_TESTING, Item.MONITORING}
    assert drifted({}, worse) == []  # nothing recorded before: nothing drifted


def test_the_evidence_pack_cites_events_per_section() -> None:
    pack = evidence_pack(GOOD)
    sections = {s.key: s for s in (*pack.annex_iv, *pack.nist)}
    assert [line.seq for line in sections["6"].lines] == [4, 6, 9]
    assert [line.seq for line in sections["MEASURE"].lines] == [3, 8]
    assert sections["1"].lines[0].seq is None and "risk tier high" in sections["1"].lines[0].text


def test_an_embedding_plan_passes_with_its_reembedding_record() -> None:
    """The seed's example: ~2M documents, ~$500, ~4 h, recorded with the deprecation plan."""
    from modelsteward.domain.embedding import ReembeddingPlan, ReembeddingRecord

    embedder = Model("embedder", purpose="rag", owner_team="team-ml",
                     owner_contact="ml@example.com", extra={"embedding": {"dimension": 1536}})
    plan = DeprecationPlan("p2", "embedder", "1.0.0", DeprecationReason.REPLACED,
                           "embedder@^2", date(2026, 12, 1), date(2027, 1, 1), date(2027, 3, 1))
    record = ReembeddingRecord("embedder", ReembeddingPlan(2_000_000, 500.0, 4.0, "docs"),
                               "1.0.0", "embedder@^2", "p2")
    planned = _events((ev.REEMBEDDING_PLANNED, "embedder", record.payload()))
    bare = {f.item: f for f in evaluate(ModelFacts(embedder, plans=(plan,))).findings}
    assert bare[Item.EMBEDDING_MIGRATION].outcome is Outcome.FAIL
    assert "--reembed-documents" in bare[Item.EMBEDDING_MIGRATION].remediation
    done = {f.item: f for f in evaluate(ModelFacts(embedder, events=planned,
                                                   plans=(plan,))).findings}
    finding = done[Item.EMBEDDING_MIGRATION]
    assert finding.outcome is Outcome.PASS and "dimension 1536" in finding.summary
    assert finding.evidence[0].seq == 1 and "2,000,000 documents" in finding.evidence[0].text
