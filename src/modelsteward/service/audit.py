"""The audit of an application's lock: gather what the registry (or an exported advisory
folder) knows about every locked model in a few batched queries, turn it into findings, apply
the ignore entries, and — with ``fix`` — move what fails to the replacement or to the first
version that passes."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from modelsteward.domain.advisory import ECOSYSTEM, Advisory
from modelsteward.domain.app_manifest import (
    AppManifest,
    Requirement,
    parse_manifest,
    update_manifest,
)
from modelsteward.domain.audit import (
    AuditedModel,
    AuditReport,
    FailOn,
    Finding,
    FindingKind,
    apply_ignores,
    fails,
)
from modelsteward.domain.audit_rules import AdvisoryHit, EntryFacts, RegistryState, findings
from modelsteward.domain.deprecation import Coverage, DeprecationPlan, Phase
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.lifecycle import UNRESOLVABLE, Stage
from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.domain.model import Model, Version
from modelsteward.domain.osv_match import AdvisoryIndex, Subject
from modelsteward.domain.support import SupportWindow, support_window_of
from modelsteward.domain.versioning import ModelVersion
from modelsteward.ports import Transaction
from modelsteward.results import Fixed, Found
from modelsteward.service.advisories import find_matches, match_subjects, ref_subject
from modelsteward.service.context import Context
from modelsteward.service.locking import Locking
from modelsteward.service.reembedding import Move
from modelsteward.service.resolution import Resolver

_FIXABLE_BY_UPGRADE = (FindingKind.ADVISORY, FindingKind.DEPRECATION, FindingKind.RETIRED,
                       FindingKind.INELIGIBLE, FindingKind.GATE_OVERRIDE,
                       FindingKind.NOT_IN_REGISTRY, FindingKind.END_OF_SUPPORT)


@contextmanager
def batch_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while an audit builds tens of thousands of small,
    acyclic objects (decoded records, advisories, findings): its repeated passes over them
    otherwise cost as much as the audit itself. Restored afterwards, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def entry_subjects(entry: LockedModel) -> list[tuple[Subject, str]]:
    """The locked version itself (with its digests), then what it derives from."""
    digests = {f"sha256:{f.sha256}" for f in entry.files}
    if entry.root_digest:
        digests.add(f"sha256:{entry.root_digest}")
    subjects: list[tuple[Subject, str]] = [
        (Subject(ECOSYSTEM, entry.name, entry.version, frozenset(digests)), "")]
    for ancestor in entry.derived_from:
        subject = ref_subject(ancestor)
        if subject is not None:
            subjects.append((subject, ancestor))
    return subjects


def _hits(found: list[Found]) -> tuple[AdvisoryHit, ...]:
    return tuple(AdvisoryHit(f.match, f.inherited_from) for f in found)


def build_report(application: str, source: str, entries: Sequence[LockedModel],
                 facts: Sequence[EntryFacts], *, fail_on: FailOn, ignores: Iterable[Ignore],
                 today: date) -> AuditReport:
    raw = [finding for fact in facts for finding in findings(fact, today)]
    return AuditReport(
        application, source,
        tuple(AuditedModel(e.name, e.version, e.purl, e.root_digest, e.pin, e.candidates)
              for e in entries),
        apply_ignores(raw, ignores, today), fail_on)


def audit_offline(lock: Lock, advisories: Iterable[Advisory], *, source: str, fail_on: FailOn,
                  ignores: Iterable[Ignore], today: date) -> AuditReport:
    """Audit against advisories alone (an exported folder): advisories, direct and inherited
    through the ancestors the lock records; no registry facts."""
    with batch_allocation():
        index = AdvisoryIndex(advisories)
        hits = match_subjects(index, {i: entry_subjects(e) for i, e in enumerate(lock.models)})
        facts = [EntryFacts(e, _hits(hits[i]), offline=True) for i, e in enumerate(lock.models)]
        return build_report(lock.application, source, lock.models, facts, fail_on=fail_on,
                            ignores=ignores, today=today)


class Audits:
    def __init__(self, ctx: Context, resolver: Resolver, locking: Locking) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.locking = locking

    def _today(self) -> date:
        return self.ctx.clock.now().date()

    def audit(self, lock: Lock, *, fail_on: FailOn, ignores: Iterable[Ignore] = (),
              source: str = "") -> AuditReport:
        """Audit every model of ``lock`` against the registry."""
        with batch_allocation():
            facts = self.facts(lock.models)
            return build_report(lock.application, source or "registry", lock.models, facts,
                                fail_on=fail_on, ignores=ignores, today=self._today())

    def facts(self, entries: Sequence[LockedModel]) -> list[EntryFacts]:
        """Registry facts for every entry, in a constant number of batched queries per few
        hundred entries (plus one per model that has deprecation plans, and one per deprecated
        entry when the policy's minimum stage is above ``registered``). Whether a locked
        version is eligible is the policy's rule, with the entry's candidates choice."""
        today = self._today()
        refs = [(e.name, e.version) for e in entries]
        with self.ctx.store.read() as tx:
            states = tx.version_states(refs)
            overrides = tx.overrides_for(refs)
            # the plans of the locked models and of their registered ancestors only
            named = {e.name for e in entries} | {
                a.partition("@")[0] for e in entries for a in e.derived_from
                if not a.startswith("pkg:")}
            plans = {name: found for name, found in tx.plans_of(named).items() if found}
            upstream = tx.upstream_plans() if any(
                a.startswith("pkg:") for e in entries for a in e.derived_from) else []
            models: dict[str, Model | None] = {}
            hits = find_matches(tx, {i: entry_subjects(e) for i, e in enumerate(entries)})

            def covering(model_name: str, version: str) -> DeprecationPlan | None:
                if model_name not in plans:
                    return None
                if model_name not in models:
                    models[model_name] = tx.get_model(model_name)
                model = models[model_name]
                if model is None:
                    return None
                return Coverage.of(model, plans[model_name]).newest(version)

            def inherited(entry: LockedModel) -> tuple[str, DeprecationPlan] | None:
                for ancestor in entry.derived_from:
                    if ancestor.startswith("pkg:"):
                        hit = next((p for p in reversed(upstream) if p.covers_purl(ancestor)
                                    and p.phase(today) is not Phase.ACTIVE), None)
                    else:
                        name, _, version = ancestor.partition("@")
                        hit = covering(name, version)
                        if hit is not None and hit.phase(today) is Phase.ACTIVE:
                            hit = None
                    if hit is not None:
                        return ancestor, hit
                return None

            terms = tx.support_terms(refs)

            def support(entry: LockedModel) -> SupportWindow | None:
                found = terms.get((entry.name, entry.version))
                if found is None:
                    return None
                registered_at, policy = found
                return support_window_of(entry.ref, registered_at, policy)

            def ineligible(entry: LockedModel, state: RegistryState) -> str:
                return self.resolver.why_not_in(tx, entry.ref, state.stage,
                                                state.blocked_reason,
                                                candidates=entry.candidates)

            facts = []
            for i, entry in enumerate(entries):
                found = states.get((entry.name, entry.version))
                state = RegistryState(*found) if found is not None else None
                facts.append(EntryFacts(
                    entry, _hits(hits[i]),
                    state=state,
                    ineligible=ineligible(entry, state) if state is not None else "",
                    plan=covering(entry.name, entry.version) if state is not None else None,
                    inherited_plan=inherited(entry) if state is not None else None,
                    support=support(entry) if state is not None else None,
                    overrides=tuple(overrides.get(f"{entry.name}@{entry.version}", ()))))
        return facts

    # fixing ---------------------------------------------------------------------------------

    def fix(self, manifest_text: str, lock: Lock, report: AuditReport) -> Fixed:
        """Move every model with failing findings to its deprecation plan's replacement, or
        else to the lowest newer eligible version of the same model that passes the audit
        (widening the pin in ``models.toml`` when that version is outside it), or else to the
        best eligible version its pin gives when that passes. Never onto a version the
        policy's eligibility rule does not admit (an entry locked with candidates admits
        them), and never an embedding model's entry without a re-embedding plan covering the
        move (:class:`ReembeddingRequired`: nothing is changed). Returns the new manifest text
        and lock, what was fixed and what could not be."""
        manifest = parse_manifest(manifest_text)
        failing: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.failing:
            failing[finding.model].append(finding)
        changes: dict[str, Requirement | None] = {}
        forced: list[LockedModel] = []
        fixed: list[str] = []
        unfixed: list[str] = []
        moves: list[Move] = []  # checked for re-embedding plans before anything is written
        for name in sorted(failing):
            items = failing[name]
            requirement = manifest.get(name)
            entry = lock.get(name)
            unfixed.extend(f"{finding.title}: renew its expiry or remove it from the ignore file"
                           for finding in items if finding.kind is FindingKind.EXPIRED_IGNORE)
            if requirement is None or entry is None:
                continue
            replacement = next((f.replacement for f in items if f.replacement
                                and f.kind in (FindingKind.DEPRECATION, FindingKind.RETIRED)
                                and not f.inherited_from), "")
            if replacement:
                target, _, pin = replacement.partition("@")
                changes[name] = None
                moves.append(Move(name, entry.version, target, target_pin=pin))
                if manifest.get(target) is None:
                    changes[target] = Requirement(target, pin, registry=requirement.registry,
                                                  candidates=requirement.candidates)
                fixed.append(f"{name}: replaced by {target} {pin} (its deprecation plan's "
                             "replacement)")
                continue
            if any(f.kind is FindingKind.DIGEST_MISMATCH for f in items) and all(
                    f.kind in (FindingKind.DIGEST_MISMATCH, FindingKind.EXPIRED_IGNORE)
                    for f in items):
                forced.append(replace(entry, version="", root_digest=""))  # re-lock below
                fixed.append(f"{name}: locked again from the registry (its digests differed)")
                continue
            if not any(f.kind in _FIXABLE_BY_UPGRADE for f in items):
                continue
            candidate = self._first_passing(manifest, requirement, entry, report.fail_on)
            if candidate is None:
                unfixed.append(f"{entry.ref}: no eligible version of {name} newer than it, "
                               f"nor the one its pin gives, passes the audit "
                               f"({', '.join(sorted({f.id for f in items}))})")
                continue
            version, pin = candidate
            if pin != requirement.pin:
                changes[name] = replace(requirement, pin=pin)
                fixed.append(f"{name}: {entry.version} → {version.id} (pin widened from "
                             f"{requirement.pin!r} to {pin!r})")
            else:
                fixed.append(f"{name}: {entry.version} → {version.id}")
            forced.append(replace(entry, version=str(version.id), pin=pin))
            moves.append(Move(name, entry.version, name, str(version.id)))
        with self.ctx.store.read() as tx:
            self.locking.reembeddings.check_moves(tx, moves, consumer=lock.application)
        new_text = update_manifest(manifest_text, changes) if changes else manifest_text
        new_manifest = parse_manifest(new_text)
        previous = lock
        for entry in forced:
            previous = _without(previous, entry.name) if not entry.version else \
                previous.replace(entry)
        for name, change in changes.items():
            if change is None:
                previous = _without(previous, name)
        locked = self.locking.lock(new_manifest, previous)
        return Fixed(new_text, locked, tuple(fixed), tuple(unfixed))

    def _first_passing(self, manifest: AppManifest, requirement: Requirement,
                       entry: LockedModel, fail_on: FailOn) -> tuple[Version, str] | None:
        locking = self.locking
        with self.ctx.store.read() as tx:
            model = tx.get_model(requirement.model)
            if model is None:
                return None
            candidates = [v for v in _newer(tx, model, entry)
                          if not self.resolver.ineligible_in(tx, v,
                                                             candidates=entry.candidates)]
            # then the best eligible version the pin gives now, which may be older than the
            # locked one (production rolled back from it, say)
            pin_text = (f"{requirement.pin}+{requirement.variant}" if requirement.variant
                        else requirement.pin)
            best = self.resolver.resolve_in(tx, model, self.resolver.parse_pin(model, pin_text),
                                            candidates=entry.candidates)
            if best is not None and not best.redirected_from and str(best.version.id) not in {
                    entry.version, *(str(v.id) for v in candidates)}:
                candidates.append(best.version)
            entries = [locking.entry(tx, requirement, v, entry.registry,
                                     candidates=entry.candidates) for v in candidates]
        if not entries:
            return None
        today = self._today()
        for version, facts in zip(candidates, self.facts(entries), strict=True):
            found = apply_ignores(findings(facts, today), (), today)
            if any(fails(f, fail_on) for f in found):
                continue
            pin = requirement.pin
            pin_text = f"{pin}+{requirement.variant}" if requirement.variant else pin
            if not self.resolver.parse_pin(model, pin_text).matches(version.id):  # type: ignore[arg-type]
                pin = _pin_for(version)
            return version, pin
        return None


def _newer(tx: Transaction, model: Model, entry: LockedModel) -> list[Version]:
    """Versions after the locked one that could be locked, lowest first."""
    try:
        current: object = ModelVersion.parse(entry.version)
    except Exception:  # a snapshot id: compare by registration order below
        current = None
    found = []
    seen_current = False
    for version in tx.list_versions(model.name):
        if isinstance(version.id, ModelVersion) and isinstance(current, ModelVersion):
            newer = current < version.id and version.id.variant == current.variant \
                and not version.id.prerelease
        else:
            newer = seen_current
            seen_current = seen_current or str(version.id) == entry.version
        if newer and version.stage not in UNRESOLVABLE and version.stage is not Stage.DEPRECATED:
            found.append(version)
    return found


def _pin_for(version: Version) -> str:
    if isinstance(version.id, ModelVersion):
        return f"^{version.id.major}.{version.id.minor}.{version.id.patch}"
    return str(version.id)


def _without(lock: Lock, name: str) -> Lock:
    return replace(lock, models=tuple(m for m in lock.models if m.name != name))
