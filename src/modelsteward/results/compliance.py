"""What the compliance use cases return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelsteward.domain.compliance import ModelCompliance, Outcome
from modelsteward.domain.compliance_pack import EvidencePack
from modelsteward.domain.notices import Notice


@dataclass(frozen=True)
class ComplianceReport:
    """The checklist over the models asked for (by name), and the evidence pack of each
    high-risk one among them; ``at`` is when it was evaluated (ISO 8601 UTC)."""

    at: str
    models: tuple[ModelCompliance, ...] = ()
    packs: Mapping[str, EvidencePack] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for model in self.models:
            for finding in model.findings:
                counts[finding.outcome.value] += 1
        return counts

    @property
    def compliant(self) -> bool:
        return all(not m.failed for m in self.models)

    def as_payload(self) -> dict[str, object]:
        return {"at": self.at, "compliant": self.compliant, "totals": self.totals(),
                "models": [m.as_payload() for m in self.models],
                "evidence_packs": {name: pack.as_payload()
                                   for name, pack in sorted(self.packs.items())}}


@dataclass(frozen=True)
class ComplianceRecorded:
    """What :meth:`Compliance.record` wrote: the models whose outcomes changed (each got a
    ``model:compliance:evaluated`` event) and the ``compliance:drifted`` notices."""

    report: ComplianceReport
    changed: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()

    def as_payload(self) -> dict[str, object]:
        return {"changed": list(self.changed),
                "drifted": [{"model": n.model, "team": n.team, "key": n.key,
                             "message": n.message} for n in self.notices]}
