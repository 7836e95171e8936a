"""The remote counterparts of the registry's sub-services the CLI uses: consumers, deprecation
plans and notices, deletions, provider schedules, advisories, lock files, audits and
retirements — each over its ``/api/v1`` routes, each returning the local service's values.

Documents travel as the server expects them: a lock as its text, a ``models.toml`` rendered
again from the parsed manifest, an ignore file from the parsed ignores, a provider schedule as
a shutdown table. What a server cannot do for a client (write into a folder on the client's
machine, read its weights) is refused with :class:`~modelsteward.errors.InvalidInput` naming
the alternative."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import tomlkit

from modelsteward.domain.advisory import Advisory, load_advisory
from modelsteward.domain.app_manifest import AppManifest
from modelsteward.domain.audit import (
    AuditedModel,
    AuditReport,
    FailOn,
    Finding,
    FindingKind,
    parse_fail_on,
)
from modelsteward.domain.consumers import (
    Affected,
    Consumer,
    ConsumerKind,
    ConsumerPin,
    ConsumerStatus,
    Impact,
    PinStatus,
    parse_uses,
)
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason, Phase
from modelsteward.domain.embedding import ReembeddingPlan, ReembeddingRecord
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.lockfile import Lock, render_lock
from modelsteward.domain.notices import Notice
from modelsteward.domain.osv_match import Match
from modelsteward.domain.provider_schedules import Shutdown
from modelsteward.domain.severity import Level
from modelsteward.errors import InvalidInput, Problem, ServerUnreachable
from modelsteward.files import write_atomically
from modelsteward.integrity.lock_check import read_lock
from modelsteward.remote import parse
from modelsteward.remote.client import Json, segment
from modelsteward.remote.part import RemotePart
from modelsteward.results import (
    DeletionReport,
    Fixed,
    Found,
    Locked,
    Outdated,
    Overdue,
    PinChange,
    PinKept,
    ProviderImport,
    Published,
    Reported,
    RetirementResult,
    SkippedShutdown,
    TickReport,
    Upcoming,
)


def local_only(what: str, instead: str) -> InvalidInput:
    return InvalidInput(f"{what} works on a local database, not through a server: {instead}")


class _Remote:
    def __init__(self, registry: RemotePart) -> None:
        self.registry = registry
        self.client = registry.client


# consumers and deletions ----------------------------------------------------------------------


class RemoteConsumers(_Remote):
    def add(self, consumer: Consumer) -> Consumer:
        return parse.consumer(self.client.post("/consumers", {
            "name": consumer.name, "kind": consumer.kind.value, "team": consumer.team,
            "contact": consumer.contact, "environment": consumer.environment,
            "uses": [{"model": p.model, "pin": p.pin} for p in consumer.pins]}))

    def pin(self, name: str, pin: ConsumerPin) -> PinStatus:
        data = self.client.put(f"/consumers/{segment(name)}/pins/"
                               f"{segment(pin.model, slashes=True)}", {"pin": pin.pin})
        return PinStatus(str(data["resolves_to"]), data.get("ineligible") or "")

    def unpin(self, name: str, model: str) -> None:
        self.client.delete(f"/consumers/{segment(name)}/pins/{segment(model, slashes=True)}")

    def remove(self, name: str, reason: str) -> None:
        self.client.delete(f"/consumers/{segment(name)}", {"reason": reason})

    def get(self, name: str) -> Consumer:
        return parse.consumer(self.client.get(f"/consumers/{segment(name)}"))

    def show(self, name: str) -> ConsumerStatus:
        data = self.client.get(f"/consumers/{segment(name)}")
        found = parse.consumer(data)
        resolves_to, ineligible = data.get("resolves_to") or {}, data.get("ineligible") or {}
        unresolvable = data.get("unresolvable") or {}
        return ConsumerStatus(found, tuple(
            (p, PinStatus(resolves_to.get(p.model) or "", ineligible.get(p.model) or "",
                          parse.unresolvable(unresolvable.get(p.model))))
            for p in found.pins))

    def list(self, model: str = "") -> list[Consumer]:
        return [parse.consumer(c) for c in self.client.pages("/consumers", {"model": model})]

    def impact(self, target: str) -> Impact:
        data = self.client.get("/impact", {"target": target})
        return Impact(data["target"], tuple(
            Affected(Consumer(a["consumer"], ConsumerKind(a["kind"]), a["team"], "",
                              a["environment"] or ""),
                     parse_uses(f"{_model_of(data['target'])} {a['pin']}"),
                     a["resolves_to"] or "", a.get("ineligible") or "",
                     parse.unresolvable(a.get("unresolvable")))
            for a in data["affected"]))


def _model_of(target: str) -> str:
    return target.partition("@")[0]


class RemoteDeletions(_Remote):
    def delete(self, target: str, *, reason: str, replacement: str = "",
               dry_run: bool = False) -> DeletionReport:
        data = self.client.post("/deletions", {"target": target, "reason": reason,
                                               "replacement": replacement, "dry_run": dry_run})
        return DeletionReport(
            target=data["target"], replacement=data["replacement"] or "",
            changes=tuple(PinChange(c["consumer"], c["team"], parse_uses(_pin_text(c["before"])),
                                    parse_uses(_pin_text(c["after"])) if c["after"] else None)
                          for c in data["changes"]),
            aliases_removed=tuple(data["aliases_removed"]), dry_run=data["dry_run"],
            unchanged=tuple(PinKept(k["consumer"], k["team"], parse_uses(_pin_text(k["pin"])),
                                    k["resolves_to"]) for k in data.get("unchanged", ())))


def _reembedding_body(plan: ReembeddingPlan) -> dict[str, object]:
    return {"documents": plan.documents, "cost": plan.cost, "hours": plan.hours,
            "index": plan.index}


def _pin_text(text: str) -> str:
    """``ConsumerPin.__str__`` (``model pin``) is what the API sends; accept ``model@pin``."""
    return text if " " in text else text.replace("@", " ", 1)


# deprecations and providers -------------------------------------------------------------------


class RemoteDeprecations(_Remote):
    def plan(self, target: str, *, reason: DeprecationReason, replacement: str,
             announced: date, soft_deadline: date, hard_deadline: date,
             migration_steps: tuple[str, ...] = (), support_window: str = "",
             redirect: bool = False,
             reembedding: ReembeddingPlan | None = None) -> DeprecationPlan:
        return parse.plan(self.client.post("/deprecations", {
            "target": target, "reason": reason.value, "replacement": replacement,
            "announced": announced.isoformat(), "soft_deadline": soft_deadline.isoformat(),
            "hard_deadline": hard_deadline.isoformat(),
            "migration_steps": list(migration_steps), "support_window": support_window,
            "redirect": redirect,
            **({"reembedding": _reembedding_body(reembedding)} if reembedding else {})}))

    def record_reembedding(self, source: str, plan: ReembeddingPlan, *, target: str = "",
                           consumer: str = "") -> ReembeddingRecord:
        data = self.client.post("/reembeddings", {
            "source": source, "target": target, "consumer": consumer,
            "plan": _reembedding_body(plan)})
        recorded = ReembeddingRecord.from_event(
            {**data, "from": data.get("source"), "to": data.get("target"),
             "plan": data.get("deprecation_plan"), "reembedding": data.get("plan")},
            int(data.get("seq") or 0))
        if recorded is None:
            raise ServerUnreachable("The server's answer to a re-embedding plan was not one.")
        return recorded

    def plans(self, model: str) -> list[DeprecationPlan]:
        self.registry.get_model(model)  # an unknown model is "not found", as locally
        return [parse.plan(p) for p in self.client.pages("/deprecations", {"model": model})]

    def missing(self) -> list[str]:
        return [str(name) for name in self.client.pages("/deprecations/missing")]

    def notices(self, team: str = "") -> list[Notice]:
        return [parse.notice(n) for n in self.client.pages("/notices", {"team": team})]

    def tick(self, archive: str = "", **_options: object) -> TickReport:
        """The server's tick (administrators): it archives into the server's STEWARD_ARCHIVE
        and reminds by the server's STEWARD_REMINDER_DAYS, whatever ``archive`` and the
        options say here."""
        data = self.client.post("/deprecations/tick")
        return TickReport(tuple(data["retired"]), int(data["notices"]),
                          tuple(data["failures"]), int(data["reminders"]),
                          tuple(Overdue(str(o["ref"]), str(o["plan"]), str(o["why"]))
                                for o in data.get("overdue", [])),
                          data.get("compliance"))


class RemoteProviders(_Remote):
    def import_shutdowns(self, shutdowns: list[Shutdown], *,
                         soft_days: int = 30) -> ProviderImport:
        table = {"shutdowns": [{
            "provider": s.provider, "model": s.model, "shutdown": s.shutdown.isoformat(),
            **({"replacement": s.replacement} if s.replacement else {}),
            **({"announced": s.announced.isoformat()} if s.announced else {}),
            **({"source": s.source} if s.source else {})} for s in shutdowns]}
        data = self.client.post("/providers/shutdowns", table, {"soft_days": soft_days})
        # the server numbers the rows of the table it was sent, which are ``shutdowns`` in
        # order: point each skipped row back at the file and row it was read from
        skipped = []
        for s in data.get("skipped", []):
            row = int(s["row"])
            read = shutdowns[row - 1] if 0 < row <= len(shutdowns) else None
            skipped.append(SkippedShutdown(
                read.file if read else s["file"], read.row if read else row, s["ref"],
                s["reason"], s["fix"] or "", s["replacement"] or ""))
        return ProviderImport(tuple(data["planned"]), tuple(data["unchanged"]),
                              data["unmatched"], tuple(skipped))

    def upcoming(self, within_days: int) -> list[Upcoming]:
        return [Upcoming(u["ref"], date.fromisoformat(u["hard_deadline"]), u["phase"],
                         u["reason"], u["replacement"] or "", u["consumers"], u["teams"])
                for u in self.client.pages("/providers/upcoming",
                                           {"within_days": within_days})]


# advisories ----------------------------------------------------------------------------------


def _published(data: Json) -> Published:
    return Published(load_advisory(data["advisory"]), data["new"], tuple(data["affected"]),
                     tuple(data["inherited"]), data["notices"],
                     tuple(Problem(w["location"], w["message"]) for w in data["warnings"]))


class RemoteAdvisories(_Remote):
    def create(self, draft: Advisory) -> Published:
        record = draft.to_osv()
        if not draft.id:
            record.pop("id", None)
        return _published(self.client.post("/advisories/drafts", record))

    def import_documents(self, documents: Sequence[tuple[str, object]]) -> list[Published]:
        """Import OSV records. The server names problems by position (``records[2]``); the
        file each came from is in the same position of ``documents``."""
        return [_published(p) for p in self.client.post("/advisories/imports",
                                                         [d for _, d in documents])]

    def report(self, draft: Advisory) -> Reported:
        record = draft.to_osv()
        for key in ("id", "modified", "published"):
            record.pop(key, None)
        data = self.client.post("/advisories/reports", record)
        return Reported(tuple(data["teams"]), tuple(data["models"]), data["notices"])

    def withdraw(self, advisory_id: str, reason: str) -> Advisory:
        return load_advisory(self.client.post(f"/advisories/{segment(advisory_id)}/withdrawal",
                                              {"reason": reason}))

    def get(self, advisory_id: str) -> Advisory:
        return load_advisory(self.client.get(f"/advisories/{segment(advisory_id)}"))

    def all(self, *, model: str = "", include_withdrawn: bool = False) -> list[Advisory]:
        return [load_advisory(a) for a in self.client.pages(
            "/advisories", {"model": model, "withdrawn": include_withdrawn})]

    def affecting(self, ref: str) -> list[Found]:
        found: list[Found] = []
        for hit in self.client.get(f"{self.registry.version_path(ref)}/advisories"):
            advisory = load_advisory(hit["advisory"])
            match = Match(advisory, advisory.affected[hit["affected_index"]], hit["matched_by"])
            found.append(Found(match, hit["inherited_from"] or ""))
        return found

    def export(self, directory: Path) -> list[Path]:
        """Write every advisory of the server, withdrawn ones included, as ``<id>.json`` here."""
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for record in self.client.pages("/advisories", {"withdrawn": True}):
            advisory = load_advisory(record)
            target = directory / f"{advisory.id}.json"
            write_atomically(target, json.dumps(advisory.to_osv(), indent=2,
                                                ensure_ascii=False) + "\n")
            written.append(target)
        return written


# lock files and audits ------------------------------------------------------------------------


def manifest_text(manifest: AppManifest) -> str:
    """``models.toml`` again, from its parsed value (the server parses it back)."""
    document = tomlkit.document()
    application = tomlkit.table()
    application["name"] = manifest.application
    application["team"] = manifest.team
    if manifest.environment:
        application["environment"] = manifest.environment
    if manifest.registry:
        application["registry"] = manifest.registry
    if manifest.candidates:
        application["candidates"] = True
    document["application"] = application
    models = tomlkit.table()
    for r in manifest.requirements:
        entry: dict[str, str | bool] = {
            "pin": r.pin, **({"variant": r.variant} if r.variant else {}),
            **({"registry": r.registry} if r.registry else {}),
            **({"candidates": True} if r.candidates else {})}
        models[r.model] = entry if len(entry) > 1 else r.pin
    document["models"] = models
    return tomlkit.dumps(document)


class RemoteLocking(_Remote):
    def lock(self, manifest: AppManifest, previous: Lock | None = None, *,
             upgrade: Collection[str] | bool = False, candidates: bool = False) -> Locked:
        data = self.client.post("/locks", {
            "manifest": manifest_text(manifest),
            "lock": render_lock(previous) if previous is not None else None,
            "upgrade": upgrade if isinstance(upgrade, bool) else sorted(upgrade),
            "candidates": candidates})
        return Locked(read_lock(data["lock"], "models.lock (from the server)"), data["lock"],
                      tuple(data["changes"]),
                      tuple(w for w in data["warnings"] if not w.startswith("models.lock: ")))

    def outdated(self, lock: Lock) -> list[Outdated]:
        data = self.client.post("/locks/outdated", {"lock": render_lock(lock)}, computes=True)
        return [Outdated(o["model"], o["locked"], o["wanted"], o["latest"])
                for o in data["items"]]


def _ignore_file(ignores: Iterable[Ignore]) -> str:
    document = tomlkit.document()
    entries = tomlkit.aot()
    for i in ignores:
        if i.expires is None:
            continue
        entry = tomlkit.table()
        entry["id"] = i.id
        entry["reason"] = i.reason
        entry["expires"] = i.expires
        if i.model:
            entry["model"] = i.model
        entries.append(entry)
    if entries:
        document["ignore"] = entries
    return tomlkit.dumps(document)


def _finding(data: Json) -> Finding:
    return Finding(
        kind=FindingKind(data["kind"]), model=data["model"], version=data["version"],
        id=data["id"], title=data["title"], detail=data["detail"],
        level=Level(data["level"]) if data["level"] else None,
        phase=Phase(data["phase"]) if data["phase"] else None,
        inherited_from=data["inherited_from"], fixed_in=tuple(data["fixed_in"]),
        replacement=data["replacement"], dates=dict(data["dates"]),
        aliases=tuple(data["aliases"]), references=tuple(data["references"]),
        atlas=tuple(data["atlas"]), avid=tuple(data["avid"]), fix=data["fix"],
        ignored_reason=data["ignored_reason"])


def audit_report(data: Json) -> AuditReport:
    """The JSON report (``reports/json_report.py``) read back into the report it renders."""
    models: list[dict[str, Any]] = data["models"]
    return AuditReport(
        application=data["application"], source=data["source"],
        audited=tuple(AuditedModel(m["name"], m["version"], m["purl"], m["root_digest"] or "",
                                   m["pin"] or "", bool(m.get("candidates")))
                      for m in models),
        findings=tuple(_finding(f) for m in models for f in m["findings"]),
        fail_on=parse_fail_on(data["fail_on"]))


class RemoteAudits(_Remote):
    def audit(self, lock: Lock, *, fail_on: FailOn, ignores: Iterable[Ignore] = (),
              source: str = "") -> AuditReport:
        listed = list(ignores)
        return audit_report(self.client.post("/audits", {
            "lock": render_lock(lock), "fail_on": str(fail_on),
            "ignore_file": _ignore_file(listed),
            "ignore": [i.id for i in listed if i.expires is None]}, computes=True))

    def fix(self, manifest_text: str, lock: Lock, report: AuditReport) -> Fixed:
        raise local_only("`steward audit --fix`", "run the audit without --fix, then "
                                                  "`steward lock --upgrade MODEL` for what "
                                                  "fails (or unset STEWARD_URL).")


class RemoteRetirements(_Remote):
    def retire(self, ref: str, archive: str, *, reason: str, source: Path | None = None,
               interview: dict[str, str] | None = None) -> RetirementResult:
        raise local_only("`steward retire` of a version with weights",
                         "the server archives into its own STEWARD_ARCHIVE, so run it where "
                         "the server runs, or unset STEWARD_URL.")

    def restore(self, ref: str, destination: Path) -> Path:
        raise local_only("`steward restore`", "the weights would be restored onto the "
                                              "server's disk; run it there, or unset "
                                              "STEWARD_URL.")
