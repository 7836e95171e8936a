"""``RemoteLifecycle``: stages, gates, approvals, checks, evaluations, aliases and monitoring of
a server's versions — :class:`~modelsteward.service.lifecycle.Lifecycle`'s methods the CLI
uses, over ``/api/v1/models/{name}/…``. The server checks the gates and signs approvals with
the token holder's name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from modelsteward.domain.comparison import Comparison
from modelsteward.domain.evaluation_file import EvaluationResult
from modelsteward.domain.gates import GateReport
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.domain.model import Version
from modelsteward.domain.refs import split_ref
from modelsteward.remote import parse
from modelsteward.remote.client import segment
from modelsteward.remote.part import RemotePart
from modelsteward.results import MonitorResult, RollbackResult

PRODUCTION = "production"


class RemoteLifecycle:
    def __init__(self, registry: RemotePart) -> None:
        self.registry = registry
        self.client = registry.client

    def _version(self, ref: str) -> str:
        return self.registry.version_path(ref)

    def _model(self, model: str) -> str:
        return self.registry.model_path(model)

    # promotion, rejection, retirement, overrides ---------------------------------------------

    def gate_report(self, ref: str, target: Stage) -> GateReport:
        data = self.client.post(f"{self._version(ref)}/promotions",
                                {"to": target.value, "dry_run": True})
        return GateReport(unmet=tuple(data["unmet"]),
                          overridden=tuple(parse.override(o) for o in data["overridden"]))

    def promote(self, ref: str, target: Stage) -> Version:
        data = self.client.post(f"{self._version(ref)}/promotions", {"to": target.value})
        return self.registry.version_of(data["version"])

    def reject(self, ref: str, reason: str) -> Version:
        return self.registry.version_of(
            self.client.post(f"{self._version(ref)}/rejections", {"reason": reason}))

    def retire(self, ref: str, reason: str) -> Version:
        """Retire a version without weights (the server archives none)."""
        self.client.post("/retirements", {"ref": ref, "reason": reason})
        return self.registry.get_version(*split_ref(ref))

    def override(self, ref: str, gate: Gate, reason: str) -> GateOverride:
        return parse.override(self.client.post(f"{self._version(ref)}/overrides",
                                               {"gate": gate.value, "reason": reason}))

    def overrides(self, ref: str) -> list[GateOverride]:
        return [parse.override(o) for o in self.client.pages(f"{self._version(ref)}/overrides")]

    # approvals and staging checks ------------------------------------------------------------

    def approve(self, ref: str, *, role: str, evidence: str, risks_accepted: str,
                monitoring_plan: str, rollback_plan: str, next_review: date) -> Approval:
        """Approve as the token's holder (the server signs with that name)."""
        return parse.approval(self.client.post(f"{self._version(ref)}/approvals", {
            "role": role, "evidence": evidence, "risks_accepted": risks_accepted,
            "monitoring_plan": monitoring_plan, "rollback_plan": rollback_plan,
            "next_review": next_review.isoformat()}))

    def approvals(self, ref: str) -> list[Approval]:
        return [parse.approval(a) for a in self.client.pages(f"{self._version(ref)}/approvals")]

    def record_check(self, ref: str, name: str, passed: bool, evidence: str) -> StagingCheck:
        return parse.check(self.client.post(f"{self._version(ref)}/checks",
                                            {"name": name, "passed": passed,
                                             "evidence": evidence}))

    def checks(self, ref: str) -> list[StagingCheck]:
        return [parse.check(c) for c in self.client.pages(f"{self._version(ref)}/checks")]

    # evaluations and comparison --------------------------------------------------------------

    def record_evaluation(self, ref: str, result: EvaluationResult,
                          source: str = "the evaluation") -> Evaluation:
        """``source`` is not sent: the server names the document itself."""
        document: dict[str, object] = {"suite": result.suite,
                                       "dataset_digest": result.dataset_digest,
                                       "metrics": dict(result.metrics),
                                       "latency_ms": dict(result.latency_ms)}
        if result.cost_per_1k_requests is not None:
            document["cost_per_1k_requests"] = result.cost_per_1k_requests
        if result.directions:
            document["directions"] = {k: v.value for k, v in result.directions.items()}
        return parse.evaluation(self.client.post(f"{self._version(ref)}/evaluations", document))

    def evaluations(self, ref: str) -> list[Evaluation]:
        return [parse.evaluation(e)
                for e in self.client.pages(f"{self._version(ref)}/evaluations")]

    def compare(self, candidate: str, against: str = PRODUCTION) -> Comparison:
        return parse.comparison(self.client.get(f"{self._version(candidate)}/comparison",
                                                {"against": against}))

    # monitoring ------------------------------------------------------------------------------

    def record_measurements(self, ref: str, values: Mapping[str, float]) -> MonitorResult:
        data = self.client.post(f"{self._version(ref)}/measurements", {"values": dict(values)})
        return MonitorResult(tuple(data["breaches"]), data["rolled_back_to"] or "",
                             data["rollback_failed"] or "")

    # aliases ---------------------------------------------------------------------------------

    def set_alias(self, ref: str, alias: str, reason: str = "") -> str:
        """Point ``alias`` at ``ref``; the version an exclusive alias left (or ``""``)."""
        model, version = split_ref(ref)
        data = self.client.put(f"{self._model(model)}/aliases/{segment(alias)}",
                               {"version": version, "reason": reason})
        return str(data["previous"] or "")

    def remove_alias(self, ref: str, alias: str) -> None:
        model, version = split_ref(ref)
        self.client.delete(f"{self._model(model)}/aliases/{segment(alias)}", {"version": version})

    def aliases(self, model: str) -> list[AliasAssignment]:
        return [parse.alias(a) for a in self.client.pages(f"{self._model(model)}/aliases")]

    def alias_history(self, model: str, alias: str = "") -> list[AliasAssignment]:
        return [parse.alias(a) for a in self.client.pages(f"{self._model(model)}/alias-history",
                                                          {"alias": alias})]

    def aliases_at(self, model: str, moment: datetime) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for a in self.client.pages(f"{self._model(model)}/aliases",
                                   {"at": moment.isoformat()}):
            found.setdefault(a["alias"], []).append(a["version"])
        return found

    def rollback(self, model: str, alias: str = PRODUCTION, reason: str = "") -> RollbackResult:
        data = self.client.post(f"{self._model(model)}/rollbacks",
                                {"alias": alias, "reason": reason})
        return RollbackResult(data["alias"], data["from_version"], data["to_version"],
                              data.get("blocked_reason") or "")
