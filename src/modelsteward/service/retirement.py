"""Retirement with preserved weights: copy to an archive, verify the copy against the recorded
digests, and only then mark the version retired; restore copies back and verifies again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import fsspec

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.incident import Incident
from modelsteward.domain.lifecycle import Stage, check_transition
from modelsteward.domain.refs import split_ref
from modelsteward.domain.retirement_report import INTERVIEW_QUESTIONS, RetirementReport
from modelsteward.errors import ArchiveMismatch, Conflict, InvalidInput
from modelsteward.integrity.archive import (
    copy_from_archive,
    copy_to_archive,
    hash_archive,
    inside,
    move_into_place,
    staged_restore,
)
from modelsteward.integrity.compare import compare_manifest
from modelsteward.integrity.manifest import hash_plan, plan_artifact
from modelsteward.ports import Transaction
from modelsteward.results import RetirementResult
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver


class Retirements:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def retire(self, ref: str, archive: str, *, reason: str, source: Path | None = None,
               interview: Mapping[str, str] | None = None,
               by_plan: bool = False) -> RetirementResult:
        """Archive and verify the weights of ``ref``, then retire it (a deprecated or rejected
        version, or one under an announced deprecation plan, that holds no alias; ``by_plan``:
        any stage, because the hard deadline of its plan has come). Nothing changes in the
        registry when the copy fails or does not verify."""
        if not reason.strip():
            raise InvalidInput("--reason is required: say why the version retires.")
        unknown = set(interview or {}) - {q for q, _ in INTERVIEW_QUESTIONS}
        if unknown:
            raise InvalidInput(f"Unknown interview question(s): {', '.join(sorted(unknown))}; "
                               f"use {', '.join(q for q, _ in INTERVIEW_QUESTIONS)}.")
        model_name, version_text = split_ref(ref)
        # before anything is read or written: a version id stored before ids were checked
        # may hold '/' or '..'
        target = inside(archive.rstrip("/"), f"{model_name}/{version_text}")
        with self.ctx.store.read() as tx:
            version = self.resolver.require_version(tx, ref)
            today = self.ctx.clock.now().date()
            # a deprecation plan that has been announced makes any stage retirable
            by_plan = by_plan or self.resolver.own_plan(tx, version.ref, today) is not None
            if not by_plan:
                check_transition(version.ref, version.stage, Stage.RETIRED)
            self._refuse_aliased(tx, model_name, version_text, version.ref)
            if not version.digest:
                raise InvalidInput(f"{version.ref} has no artefact digest, so there are no weights "
                                   "to archive; retire it with `steward retire` instead.")
            known = [uri for kind, uri, _, _ in tx.locations(model_name, version_text)
                     if kind in ("source", "restored")]
        origin = source or (Path(known[-1]) if known else None)
        if origin is None:
            raise InvalidInput(f"No location of {version.ref}'s weights is recorded; pass "
                               "--source PATH.")
        plan = plan_artifact(origin)
        local = hash_plan(plan, workers=self.ctx.workers)
        if local.root_digest != version.digest:
            raise ArchiveMismatch(version.ref, str(origin), "the source itself differs")
        copy_to_archive(plan, target)
        copied = hash_archive(target)
        diff = compare_manifest(version.files, copied)
        if copied.root_digest != version.digest or not diff.clean:
            raise ArchiveMismatch(version.ref, target, f"changed {list(diff.changed)}, missing "
                                  f"{list(diff.missing)}, extra {list(diff.extra)}")
        with self.ctx.store.write() as tx:
            current = self.resolver.require_version(tx, ref)
            if not by_plan:
                check_transition(current.ref, current.stage, Stage.RETIRED)
            elif current.stage is Stage.RETIRED:
                raise Conflict(f"{current.ref} is already retired.")
            self._refuse_aliased(tx, model_name, version_text, current.ref)
            now = self.ctx.clock.now()
            tx.set_stage(model_name, version_text, Stage.RETIRED)
            tx.add_location(model_name, version_text, "archive", target, now, copied.root_digest)
            self.ctx.record(tx, NewEvent(ev.VERSION_RETIRED, current.ref, {
                "from": current.stage.value, "to": Stage.RETIRED.value, "reason": reason,
                "archive": target, "digest": copied.root_digest}))
            report = self._report(tx, current.ref, reason, now.isoformat(), copied.root_digest,
                                  target, dict(interview or {}))
        markdown, data = report.to_markdown(), json.dumps(report.to_json(), indent=2,
                                                         sort_keys=True, ensure_ascii=False)
        copy_report(f"{target}.retirement-report", markdown, data)
        return RetirementResult(current.ref, target, markdown, data)

    def restore(self, ref: str, destination: Path) -> Path:
        """Copy the archived weights of ``ref`` into ``destination`` and verify them: the copy
        goes to a temporary folder beside ``destination`` and is moved into place only when
        every file's digest matches the registered ones. On any refusal (raising
        :class:`ArchiveMismatch`, or :class:`~modelsteward.errors.ArchiveUnreadable`
        / ``ArchiveUnwritable``) nothing is left at ``destination`` and nothing is recorded."""
        model_name, version_text = split_ref(ref)
        with self.ctx.store.read() as tx:
            version = self.resolver.require_version(tx, ref)
            archives = [uri for kind, uri, _, _ in tx.locations(model_name, version_text)
                        if kind == "archive"]
        if not archives:
            raise InvalidInput(f"{version.ref} has no archive to restore from; it was not "
                               "retired with --archive.")
        with staged_restore(destination) as staging:
            copy_from_archive(archives[-1], staging)
            restored = hash_plan(plan_artifact(staging), workers=self.ctx.workers)
            diff = compare_manifest(version.files, restored)
            if restored.root_digest != version.digest or not diff.clean:
                raise ArchiveMismatch(version.ref, archives[-1], "the restored copy differs: "
                                      f"changed {list(diff.changed)}, missing "
                                      f"{list(diff.missing)}, extra {list(diff.extra)}; "
                                      f"nothing was written to {destination}")
            move_into_place(staging, destination)
        with self.ctx.store.write() as tx:
            tx.add_location(model_name, version_text, "restored", str(destination.resolve()),
                            self.ctx.clock.now(), restored.root_digest)
            self.ctx.record(tx, NewEvent(ev.VERSION_RESTORED, version.ref, {
                "from": archives[-1], "to": str(destination.resolve()),
                "digest": restored.root_digest}))
        return destination

    def _refuse_aliased(self, tx: Transaction, model: str, version: str, ref: str) -> None:
        held = [a.alias for a in tx.current_aliases(model) if a.version == version]
        if held:
            raise Conflict(f"{ref} still holds the alias(es) {', '.join(held)}; move them first "
                           f"(`steward rollback {model}` or `steward alias set`).")

    def _report(self, tx: Transaction, ref: str, reason: str, retired_at: str, digest: str,
                archive: str, interview: dict[str, str]) -> RetirementReport:
        model_name, version_text = split_ref(ref)
        model = tx.get_model(model_name)
        history = [e for e in tx.events_about(ref) if e.subject == ref]
        evaluations = [{"suite": e.suite, "metrics": e.metrics,
                        "recorded_at": e.recorded_at.isoformat()}
                       for e in tx.evaluations(model_name, version_text)]
        approvals = [{"role": a.role, "approver": a.approver,
                      "approved_at": a.approved_at.isoformat()}
                     for a in tx.approvals(model_name, version_text)]
        incidents = _incidents(history)
        consumers = []
        pins = tx.events_of(tx.subjects_mentioning([model_name]), kinds=(ev.CONSUMER_PINNED,))
        for event in pins:
            payload = event.payload
            if payload.get("model") == model_name and payload.get("from") is not None:
                consumers.append({"consumer": event.subject.removeprefix("consumer:"),
                                  "team": "", "change": f"{payload.get('from')} → "
                                                        f"{payload.get('to') or 'cleared'}"})
        consumers.extend({"consumer": consumer.name, "team": consumer.team,
                          "change": "still pins " + ", ".join(
                              str(p) for p in consumer.pins if p.model == model_name)}
                         for consumer in tx.list_consumers(model_name))
        conversational = model is not None and "conversational" in model.tags
        return RetirementReport(ref, reason, retired_at, digest, archive, history, evaluations,
                                approvals, incidents, consumers, conversational, interview)


def copy_report(base: str, markdown: str, data: str) -> None:
    """Write the report beside the archived weights (``…/VERSION.retirement-report.md|json``)."""
    for suffix, text in ((".md", markdown), (".json", data)):
        with fsspec.open(base + suffix, "w", encoding="utf-8") as stream:
            stream.write(text)


def _incidents(history: list[Event]) -> list[str]:
    """The version's incidents, oldest first: monitoring's degradations (their breaches) and
    the incidents recorded against it (``version incident``), each with whether it was
    resolved."""
    resolved = {e.payload.get("incident"): str(e.payload.get("resolved") or e.time[:10])
                for e in history if e.kind == ev.INCIDENT_RESOLVED}
    found = []
    for event in history:
        if event.kind == ev.VERSION_DEGRADED:
            breaches = event.payload.get("breaches")
            found.append(", ".join(str(b) for b in breaches) if isinstance(breaches, list)
                         else "degraded")
        elif event.kind == ev.INCIDENT_RECORDED:
            incident = Incident.from_payload(event.payload)
            until = incident.resolved or resolved.get(event.seq, "")
            found.append(f"incident {event.seq} ({incident.severity.value}): {incident.summary}, "
                         f"started {incident.started}, "
                         + (f"resolved {until}" if until else "still open")
                         + (f" — {incident.link}" if incident.link else ""))
    return found
