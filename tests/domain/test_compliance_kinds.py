"""The event kinds the checklist and the evidence pack read (``FACT_KINDS``, ``PACK_KINDS``):
leaving every other kind out of the facts changes nothing in what they say. The report reads
only those kinds from the store, so a rule that starts reading another kind must add it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from modelsteward.domain import events as ev
from modelsteward.domain.compliance import (
    COMPLIANCE_EVALUATED,
    FACT_KINDS,
    ConsumerFacts,
    ModelFacts,
    VersionFacts,
    evaluate,
    last_recorded,
)
from modelsteward.domain.compliance_pack import PACK_KINDS, evidence_pack
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.events import NewEvent, extend_chain
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, ModelKind, RiskTier
from modelsteward.domain.pins import PinLevel

NOW = datetime(2026, 11, 22, tzinfo=UTC)
# every kind the registry records, and the compliance report's own
EVERY_KIND = sorted({value for name, value in vars(ev).items()
                     if name.isupper() and isinstance(value, str) and ":" in value}
                    | {COMPLIANCE_EVALUATED})
# one payload that every rule could take for its own, whatever the kind it is on
PAYLOAD: dict[str, object] = {
    "to": "production", "from": "staging", "gates": ["evaluation"],
    "evaluation": {"suite": "golden", "passed": True}, "plan": "p1", "id": "p1", "name": "ab",
    "model": "{model}", "reembedding": {"documents": 2_000_000, "cost": 500, "hours": 4,
                                       "index": "docs"},
    "items": {"pinned": "pass", "monitoring": "pass"}, "values": {"error_rate": 0.01},
    "models": {"{model}": "1.0.0"}, "affected": ["{model}@1.0.0"]}

MODELS = (
    Model("bot", kind=ModelKind.FINE_TUNED, purpose="tickets", owner_team="team-ml",
          owner_contact="ml@example.com", risk_tier=RiskTier.HIGH, tags=("embedding",)),
    Model("sonnet", kind=ModelKind.HOSTED, provider="anthropic", provider_model="sonnet",
          owner_team="team-ai", risk_tier=RiskTier.HIGH),
    Model("plain", risk_tier=RiskTier.LOW),
)


def _facts(model: Model) -> ModelFacts:
    """Two events of every kind about ``model`` and its version, with the plan, consumers,
    experiment and pipeline the rules look for."""
    name = model.name
    payload = {key: (value.replace("{model}", name) if isinstance(value, str) else value)
               for key, value in PAYLOAD.items()}
    payload["models"] = {name: "1.0.0"}
    payload["affected"] = [f"{name}@1.0.0"]
    new = [NewEvent(kind, subject, payload)
           for subject in (name, f"{name}@1.0.0") for kind in EVERY_KIND]
    events = tuple(extend_chain((0, ""), NOW, "alice", new))
    plan = DeprecationPlan("p1", name, "1.0.0", DeprecationReason.PROVIDER_SHUTDOWN, "",
                           date(2026, 12, 1), date(2027, 1, 1), date(2027, 3, 1), ())
    consumers = (ConsumerFacts("app", "team-app", "production", "^1", PinLevel.FAMILY),
                 ConsumerFacts("svc", "team-svc", "production", "1.0.0", PinLevel.STRICT, 7,
                               "2026-11-22", "1.0.0", "ab" * 32))
    versions = (VersionFacts("1.0.0", Stage.PRODUCTION, "ab" * 32),
                VersionFacts("1.1.0", Stage.STAGING))
    return ModelFacts(model, versions, events, consumers, (plan,), (("ab", 3),), pipeline=True)


def _only(facts: ModelFacts, kinds: frozenset[str]) -> ModelFacts:
    return ModelFacts(facts.model, facts.versions,
                      tuple(e for e in facts.events if e.kind in kinds), facts.consumers,
                      facts.plans, facts.experiments, facts.pipeline)


@pytest.mark.parametrize("model", MODELS, ids=[m.name for m in MODELS])
def test_the_checklist_reads_only_the_fact_kinds(model: Model) -> None:
    full = _facts(model)
    narrow = _only(full, FACT_KINDS)
    assert len(narrow.events) < len(full.events)  # something was left out
    judged = evaluate(full)
    assert evaluate(narrow) == judged
    assert any(e.seq is not None for f in judged.findings for e in f.evidence)
    assert last_recorded(narrow.events) == last_recorded(full.events) is not None


@pytest.mark.parametrize("model", MODELS, ids=[m.name for m in MODELS])
def test_the_evidence_pack_reads_only_the_pack_kinds(model: Model) -> None:
    full = _facts(model)
    pack = evidence_pack(full)
    assert evidence_pack(_only(full, PACK_KINDS)) == pack
    assert all(section.lines for section in pack.annex_iv + pack.nist)


def test_leaving_out_a_kind_the_checklist_reads_changes_the_report() -> None:
    """The comparison above can fail: without the measurements, monitoring fails."""
    full = _facts(MODELS[2])
    assert evaluate(_only(full, FACT_KINDS - {ev.VERSION_MEASURED, ev.VERSION_BREACHED,
                                              ev.VERSION_DEGRADED})) != evaluate(full)
