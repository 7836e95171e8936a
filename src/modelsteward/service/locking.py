"""Lock files for applications: resolve ``models.toml`` into ``models.lock`` (exact versions,
digests, what the artefact was built with and what it was tested with), move pins forward, list
newer versions, and check artefacts on disk against the lock. Locking records the application
as a consumer, so impact counts include it."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath

from modelsteward.domain import events as ev
from modelsteward.domain.app_manifest import AppManifest, Requirement
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import UNRESOLVABLE
from modelsteward.domain.lineage import model_purl, walk_lineage
from modelsteward.domain.lockfile import Lock, LockedFile, LockedModel, render_lock
from modelsteward.domain.model import Model, Version
from modelsteward.domain.pins import Pin
from modelsteward.domain.requirements import latest_recorded
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem
from modelsteward.integrity.compare import compare_manifest
from modelsteward.integrity.lock_check import lock_files
from modelsteward.integrity.manifest import Manifest
from modelsteward.ports import Transaction
from modelsteward.results import Locked, LockVerify, Outdated
from modelsteward.service.context import Context
from modelsteward.service.reembedding import Move, Reembeddings
from modelsteward.service.resolution import Resolver

_CONFIG_FILES = ("config.json",)
_HEX = re.compile(r"[0-9a-f]{64}")
_TEMPLATE_PREFIXES = ("prompt_template", "chat_template")


class Locking:
    def __init__(self, ctx: Context, resolver: Resolver, *, location: str = "") -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.location = location  # names the registry in lock files (a URL without credentials)
        self.reembeddings = Reembeddings(ctx, resolver)

    def lock(self, manifest: AppManifest, previous: Lock | None = None, *,
             upgrade: Collection[str] | bool = False, registry_name: str = "",
             candidates: bool = False,
             authorize: Callable[[Consumer | None], str] | None = None) -> Locked:
        """Resolve every requirement of ``manifest`` to the best version the policy calls
        eligible (:meth:`Resolver.resolve_in`). A model already in ``previous`` at the same pin
        keeps its locked version (if it still exists and is still eligible) unless it is named
        in ``upgrade`` (or ``upgrade`` is True): then its pin is resolved afresh, moving it
        forward within its range. Unknown models and pins that match no eligible version are
        reported together, each saying why; nothing is written then. Moving an embedding
        model's entry to another version without a re-embedding plan that covers the move is
        refused (:class:`ReembeddingRequired`, nothing written). Each entry records where
        it was resolved: the requirement's or the manifest's ``registry``, else
        ``registry_name`` (a server's URL), else the database URL without its password.

        Candidates (versions below the policy's ``eligibility.minimum_stage``) are admitted
        for a model when ``candidates`` is True, when the manifest asks for them (globally or
        for that model), or when ``previous`` locked the model with them and it is not being
        upgraded; the entry records it (``candidates = true``).

        ``authorize``, when given, is called in the write transaction, before anything is
        written, with the application's consumer as stored (``None`` when it is new); it
        raises when the caller may not lock the application and returns the team a new
        consumer belongs to. Without it a new consumer belongs to the manifest's team. A
        manifest naming another team than the recorded application's is refused
        (:class:`InvalidInput`)."""
        if not isinstance(upgrade, bool):
            unknown = sorted(set(upgrade) - {r.model for r in manifest.requirements})
            if unknown:
                raise InvalidInput(f"--upgrade names {', '.join(unknown)}, which models.toml does "
                                   "not declare.")
        problems: list[Problem] = []
        warnings: list[str] = []
        chosen: list[tuple[Requirement, Version, bool]] = []
        default_registry = (manifest.registry or registry_name
                            or self.location)
        with self.ctx.store.write() as tx:
            existing = tx.get_consumer(manifest.application)
            team = authorize(existing) if authorize is not None else manifest.team
            if existing is not None and existing.team and existing.team != manifest.team:
                raise InvalidInput(
                    f"The application {manifest.application} is recorded for team "
                    f"{existing.team!r}, but models.toml names team {manifest.team!r}; nothing "
                    f"was written. Set `team = \"{existing.team}\"` under [application], or "
                    "give the application another name.")
            for req in manifest.requirements:
                where = f"models.{req.model}"
                model = tx.get_model(req.model)
                if model is None:
                    problems.append(Problem(where, f"the model {req.model!r} is not in the "
                                                   "registry; check the name with "
                                                   "`steward model list`"))
                    continue
                try:
                    pin = self.resolver.parse_pin(model, _pin_text(req))
                except InvalidInput as exc:
                    problems.append(Problem(f"{where}.pin", str(exc)))
                    continue
                upgrading = _upgrading(req.model, upgrade)
                admit = candidates or manifest.candidates or req.candidates or (
                    not upgrading and _locked_with_candidates(previous, req))
                kept = None if upgrading else self._kept(tx, model, req, pin, previous, admit)
                if kept is not None:
                    chosen.append((req, kept, admit))
                    continue
                found = self.resolver.resolve_in(tx, model, pin, candidates=admit)
                if found is None:
                    problems.append(Problem(f"{where}.pin", self._unresolved(tx, model, req, pin,
                                                                             admit)))
                    continue
                if found.redirected_from:
                    problems.append(Problem(f"{where}.pin", f"{found.redirected_from} reached its "
                                            f"hard deadline and now redirects to "
                                            f"{found.version.ref}; declare that model instead "
                                            "(`steward audit --fix` does it)"))
                    continue
                if found.warning:
                    warnings.append(f"{found.version.ref}: {found.warning}")
                why = self.resolver.ineligible_in(tx, found.version, candidates=admit)
                if why:  # an exact pin: not a choice, so it is locked, but said loudly
                    warnings.append(f"{found.version.ref} is not eligible for applications "
                                    f"because {why}; the exact pin {req.pin!r} locks it anyway "
                                    "and `steward audit` reports it")
                chosen.append((req, found.version, admit))
            if problems:
                raise DocumentInvalid("models.toml", problems)
            # moving an embedding pin is a data migration: refused without a re-embedding plan
            self.reembeddings.check_moves(tx, [
                Move(req.model, entry.version, req.model, str(version.id))
                for req, version, _ in chosen
                if (entry := previous.get(req.model) if previous is not None else None)
                is not None and entry.version and entry.version != str(version.id)],
                consumer=manifest.application)
            lock = Lock(manifest.application, tuple(sorted(
                (self.entry(tx, req, version, default_registry, candidates=admit)
                 for req, version, admit in chosen),
                key=lambda m: m.name)))
            changes = _changes(previous, lock)
            if self._record_consumer(tx, manifest, existing, team) or changes:
                self.ctx.record(tx, NewEvent(ev.APPLICATION_LOCKED, manifest.application, {
                    "models": {m.name: m.version for m in lock.models},
                    "changes": list(changes),
                    # the consumer's pins after the lock, so that the log determines them
                    "pins": {r.model: _pin_text(r) for r in manifest.requirements}}))
        return Locked(lock, render_lock(lock), changes, tuple(warnings))

    def _kept(self, tx: Transaction, model: Model, req: Requirement, pin: Pin,
              previous: Lock | None, candidates: bool) -> Version | None:
        """The version ``previous`` locked for ``req`` when it still exists, matches the pin
        and is still eligible (with ``candidates`` admitted or not)."""
        entry = previous.get(req.model) if previous is not None else None
        if entry is None or entry.pin != req.pin:
            return None
        version = tx.get_version(req.model, entry.version)
        if version is None or version.stage in UNRESOLVABLE:
            return None
        if not pin.matches(version.id):  # type: ignore[arg-type]  # same scheme as the model
            return None
        if self.resolver.ineligible_in(tx, version, candidates=candidates):
            return None
        return version

    def _unresolved(self, tx: Transaction, model: Model, req: Requirement, pin: Pin,
                    candidates: bool) -> str:
        """Why ``req`` resolves to nothing, and what to do."""
        why = self.resolver.unresolvable_in(tx, model, pin, candidates=candidates)
        if why is None:
            return (f"no version of {req.model} matches {_pin_text(req)!r}; list them with "
                    f"`steward version list {req.model}`")
        if why.state == "ineligible":
            fix = ("move a version through the gates (`steward promote`)" if candidates else
                   "move a version through the gates (`steward promote`), or, for a staging "
                   "environment, lock with --candidates")
            return (f"no eligible version of {req.model} matches {_pin_text(req)!r}: the best "
                    f"match, {why.version}, is not eligible because {why.reason}; {fix}")
        when = f" on {why.since}" if why.since else ""
        instead = (f"; its replacement is {why.replacement}" if why.replacement else
                   f"; choose another version (`steward version list {req.model}`)")
        return (f"no version of {req.model} that {_pin_text(req)!r} matches can be locked: "
                f"{why.version} was {why.state}{when} ({why.reason}){instead}")

    def entry(self, tx: Transaction, req: Requirement, version: Version,
              default_registry: str, *, candidates: bool = False) -> LockedModel:
        """The lock entry of ``version`` for requirement ``req``, read in ``tx``: its files,
        ancestry, builder and digests, the runtime requirements recorded for it (the newest
        ``model:version:requirements-set``), and whether it was resolved with ``candidates``
        (used by :meth:`lock` and by the audit's fixes)."""
        version = tx.get_version(version.model, str(version.id)) or version  # with its files
        metadata = version.metadata
        ancestors: list[str] = []
        for node in walk_lineage([version.ref], tx.parents, lambda d: d.parent):
            if node.derivation.parent not in ancestors:
                ancestors.append(node.derivation.parent)
        builder = ""
        for attestation in tx.attestations(version.model, str(version.id)):
            builder = _builder(attestation.get("statement")) or builder
        files = tuple(LockedFile(f.path, f.sha256, f.size)
                      for f in sorted(version.files, key=lambda f: f.path))
        return LockedModel(
            name=version.model, version=str(version.id), pin=req.pin,
            purl=model_purl(version.model, str(version.id)),
            registry=req.registry or default_registry,
            variant=version.id.variant if hasattr(version.id, "variant") else "",
            root_digest=version.digest, files=files,
            tokenizer=_text(metadata.get("tokenizer")),
            framework=_text(metadata.get("framework")),
            config_digest=_digest(metadata.get("config_digest")) or _file_digest(
                version, lambda name: name in _CONFIG_FILES),
            prompt_template_digest=_digest(metadata.get("prompt_template_digest")) or _file_digest(
                version, lambda name: name.startswith(_TEMPLATE_PREFIXES)),
            derived_from=tuple(ancestors),
            attestation_builder=builder,
            attestation_identity=_text(metadata.get("signer")),
            candidates=candidates,
            requirements=latest_recorded(tx.events(subject_prefix=version.ref), version.ref))

    def _record_consumer(self, tx: Transaction, manifest: AppManifest,
                         existing: Consumer | None, team: str) -> bool:
        """Make the application a consumer (of ``team`` when new) with the manifest's pins;
        True when anything changed."""
        pins = tuple(ConsumerPin(r.model, _pin_text(r)) for r in manifest.requirements)
        if existing is None:
            tx.add_consumer(Consumer(manifest.application, ConsumerKind.APPLICATION,
                                     team, environment=manifest.environment, pins=pins),
                            self.ctx.clock.now())
            return True
        changed = False
        current = {p.model: p.pin for p in existing.pins}
        for pin in pins:
            if current.get(pin.model) != pin.pin:
                tx.set_consumer_pin(manifest.application, pin)
                changed = True
        for model in sorted(set(current) - {p.model for p in pins}):
            tx.remove_consumer_pin(manifest.application, model)
            changed = True
        return changed

    def outdated(self, lock: Lock) -> list[Outdated]:
        """Locked models with a newer eligible version their pin accepts now, or a newer
        eligible one outside it; an entry locked with candidates admits them here too."""
        rows: list[Outdated] = []
        with self.ctx.store.read() as tx:
            for entry in lock.models:
                model = tx.get_model(entry.name)
                if model is None:
                    continue
                pin_text = entry.pin + (f"+{entry.variant}" if entry.variant
                                        and "+" not in entry.pin else "")
                found = self.resolver.resolve_in(tx, model, self.resolver.parse_pin(
                    model, pin_text), candidates=entry.candidates)
                wanted = str(found.version.id) if found is not None else ""
                latest = self._latest(tx, model, entry.variant, entry.candidates)
                if (wanted and wanted != entry.version) or (latest and latest != entry.version):
                    rows.append(Outdated(entry.name, entry.version, wanted or "-",
                                         latest or "-"))
        return rows

    def _latest(self, tx: Transaction, model: Model, variant: str, candidates: bool) -> str:
        """The newest eligible release of ``model`` in ``variant``, whatever the pin."""
        best: Version | None = None
        for version in tx.list_versions(model.name):
            if getattr(version.id, "variant", "") != variant:
                continue
            if getattr(version.id, "prerelease", ""):
                continue
            if best is not None and not best.id < version.id:
                continue
            if self.resolver.ineligible_in(tx, version, candidates=candidates):
                continue
            best = version
        return str(best.id) if best is not None else ""


def verify_lock_entry(lock: Lock, name: str, manifest: Manifest) -> LockVerify:
    """Compare hashed files with what the lock says ``name`` is made of (no registry needed)."""
    entry = lock.get(name)
    if entry is None:
        raise InvalidInput(f"The lock has no model {name!r}; it locks "
                           f"{', '.join(m.name for m in lock.models) or 'nothing'}.")
    if not entry.files:
        raise InvalidInput(f"{entry.ref} is a hosted model with no files in the lock; there "
                           "is nothing on disk to verify.")
    return LockVerify(entry, manifest, compare_manifest(lock_files(entry.files), manifest))


def entry_for_path(lock: Lock, path: Path, explicit: str = "") -> str:
    """Which locked model a folder holds: ``explicit`` when given, else the model named like
    the folder, else the only model of a one-model lock."""
    if explicit:
        return explicit
    if lock.get(path.resolve().name) is not None:
        return path.resolve().name
    if len(lock.models) == 1:
        return lock.models[0].name
    raise InvalidInput(f"Cannot tell which locked model {path} holds: write MODEL=PATH, e.g. "
                       f"{lock.models[0].name}={path}." if lock.models else
                       "The lock is empty; run `steward lock` first.")


def _pin_text(req: Requirement) -> str:
    return f"{req.pin}+{req.variant}" if req.variant and "+" not in req.pin else req.pin


def _upgrading(model: str, upgrade: Collection[str] | bool) -> bool:
    return upgrade is True or (not isinstance(upgrade, bool) and model in upgrade)


def _locked_with_candidates(previous: Lock | None, req: Requirement) -> bool:
    """Whether ``previous`` locked ``req``'s model, at the same pin, with candidates."""
    entry = previous.get(req.model) if previous is not None else None
    return entry is not None and entry.pin == req.pin and entry.candidates


def _changes(previous: Lock | None, lock: Lock) -> tuple[str, ...]:
    before = {m.name: m.version for m in previous.models} if previous else {}
    after = {m.name: m.version for m in lock.models}
    changes = [f"{name} {before[name]} → {after[name]}" if name in before
               else f"{name} {after[name]} (new)"
               for name in sorted(after) if before.get(name) != after[name]]
    changes += [f"{name} {before[name]} (removed)" for name in sorted(set(before) - set(after))]
    return tuple(changes)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _digest(value: object) -> str:
    """A digest recorded in metadata as ``sha256:<hex>`` or bare hex; anything else is not one
    (and the lock falls back to hashing the file it names)."""
    text = _text(value).lower().removeprefix("sha256:")
    return f"sha256:{text}" if _HEX.fullmatch(text) else ""


def _file_digest(version: Version, wanted: Callable[[str], bool]) -> str:
    for f in sorted(version.files, key=lambda f: f.path):
        if wanted(PurePosixPath(f.path).name):
            return f"sha256:{f.sha256}"
    return ""


def _builder(statement: object) -> str:
    """The SLSA builder id of an in-toto statement, if it has one."""
    if not isinstance(statement, dict):
        return ""
    run = statement.get("predicate", {})
    run = run.get("runDetails", {}) if isinstance(run, dict) else {}
    builder = run.get("builder", {}) if isinstance(run, dict) else {}
    found = builder.get("id", "") if isinstance(builder, dict) else ""
    return found if isinstance(found, str) else ""

