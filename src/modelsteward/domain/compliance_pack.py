"""The evidence pack of a high-risk model: its records mapped onto the EU AI Act's Annex IV
technical-documentation sections the registry can fill, and onto the NIST AI RMF functions.

Each line cites the event that recorded it, so that an auditor can check it against the
hash-chained log (``steward log verify``). Only what the registry holds is listed; the
sections of Annex IV it cannot fill (e.g. the design of the system around the model, the
cybersecurity measures) are named in :data:`NOT_FILLED`. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modelsteward.domain import events as ev
from modelsteward.domain.compliance import COMPLIANCE_EVALUATED, Evidence, ModelFacts
from modelsteward.domain.events import Event

# Annex IV sections (Regulation (EU) 2024/1689), the ones the registry's records speak to
ANNEX_IV: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "1": ("General description of the AI system",
          (ev.MODEL_CREATED, ev.MODEL_UPDATED, ev.VERSION_REGISTERED)),
    "2": ("Detailed description of the elements and of the development process",
          (ev.VERSION_DERIVED, ev.VERSION_ATTESTED, ev.VERSION_EVALUATED, ev.VERSION_CHECKED,
           ev.PIPELINE_IMPORTED, ev.PIPELINE_RUN_STARTED, ev.PIPELINE_STEP_RECORDED)),
    "6": ("Relevant changes made through the lifecycle",
          (ev.VERSION_PROMOTED, ev.VERSION_APPROVED, ev.VERSION_REJECTED, ev.GATE_OVERRIDDEN,
           ev.ALIAS_SET, ev.ALIAS_ROLLED_BACK, ev.EXPERIMENT_STARTED, ev.EXPERIMENT_DECIDED,
           ev.DEPRECATION_PLANNED, ev.VERSION_DEPRECATED, ev.VERSION_RETIRED)),
    "9": ("Post-market monitoring plan and its records",
          (ev.VERSION_MEASURED, ev.VERSION_BREACHED, ev.VERSION_DEGRADED,
           ev.ALIAS_ROLLED_BACK, COMPLIANCE_EVALUATED)),
}

NIST_AI_RMF: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "GOVERN": ("Policies, accountability and oversight: ownership, approvals, overrides",
               (ev.MODEL_CREATED, ev.VERSION_APPROVED, ev.GATE_OVERRIDDEN, ev.VERSION_REJECTED,
                COMPLIANCE_EVALUATED)),
    "MAP": ("Context and provenance: purpose, lineage, training attestation",
            (ev.MODEL_CREATED, ev.VERSION_DERIVED, ev.VERSION_ATTESTED)),
    "MEASURE": ("Evaluations, experiments and production measurements",
                (ev.VERSION_EVALUATED, ev.EXPERIMENT_DECIDED, ev.VERSION_MEASURED,
                 ev.VERSION_BREACHED)),
    "MANAGE": ("Risk treatment: promotions, rollbacks, deprecations, retirements",
               (ev.VERSION_PROMOTED, ev.ALIAS_ROLLED_BACK, ev.VERSION_DEGRADED,
                ev.DEPRECATION_PLANNED, ev.VERSION_RETIRED)),
}

PACK_KINDS: frozenset[str] = frozenset(
    kind for mapping in (ANNEX_IV, NIST_AI_RMF) for _, kinds in mapping.values() for kind in kinds)
"""Every event kind :func:`evidence_pack` cites: the pack is the same whether the events of
other kinds are among the facts or not."""

NOT_FILLED = ("Annex IV 3 (monitoring, functioning and control of the whole system), 4 "
              "(appropriateness of performance metrics), 5 (risk management system), 7 "
              "(standards applied), 8 (EU declaration of conformity): outside the registry.")


@dataclass(frozen=True)
class PackSection:
    key: str  # "1", "GOVERN", …
    title: str
    lines: tuple[Evidence, ...]

    def as_payload(self) -> dict[str, object]:
        return {"key": self.key, "title": self.title,
                "lines": [line.as_payload() for line in self.lines]}


@dataclass(frozen=True)
class EvidencePack:
    model: str
    annex_iv: tuple[PackSection, ...]
    nist: tuple[PackSection, ...]
    not_filled: str = NOT_FILLED

    def as_payload(self) -> dict[str, object]:
        return {"model": self.model, "annex_iv": [s.as_payload() for s in self.annex_iv],
                "nist_ai_rmf": [s.as_payload() for s in self.nist],
                "not_filled": self.not_filled}


def _line(event: Event) -> Evidence:
    return Evidence(f"{event.time[:10]} {event.kind} {event.subject} by {event.actor}",
                    event.seq)


def _sections(events: tuple[Event, ...],
              mapping: Mapping[str, tuple[str, tuple[str, ...]]]) -> tuple[PackSection, ...]:
    return tuple(PackSection(key, title, tuple(_line(e) for e in events if e.kind in kinds))
                 for key, (title, kinds) in mapping.items())


def evidence_pack(facts: ModelFacts) -> EvidencePack:
    """The pack of ``facts.model`` (any tier; the report asks for it for high-risk ones)."""
    model = facts.model
    head = Evidence(f"{model.name}: {model.kind.value}, purpose {model.purpose or '-'!r}, "
                    f"owner {model.owner_team}, risk tier {model.risk_tier.value}, licence "
                    f"{model.license or '-'}")
    annex = _sections(facts.events, ANNEX_IV)
    first = annex[0]
    annex = (PackSection(first.key, first.title, (head, *first.lines)), *annex[1:])
    return EvidencePack(model.name, annex, _sections(facts.events, NIST_AI_RMF))
