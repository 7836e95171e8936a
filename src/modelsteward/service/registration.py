"""Registering versions: the id the versioning rules give (or refuse), the artefact's files,
the lineage a variant or a named parent adds, the runtime requirements it was tested with, and
the events that record it.

A :class:`Registration` says what to register; :class:`Registrar` registers it, in a
transaction of its own or inside a caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.lineage import Derivation, Relation, validate_purl
from modelsteward.domain.metadata import check_metadata
from modelsteward.domain.model import Model, Version, VersionId
from modelsteward.domain.payloads import version_payload
from modelsteward.domain.provenance import validate_metrics
from modelsteward.domain.refs import split_ref
from modelsteward.domain.requirements import Requirements
from modelsteward.domain.versioning import (
    ChangeKind,
    Level,
    ModelVersion,
    Snapshot,
    check_bump,
    next_version,
    validate_version_id,
)
from modelsteward.errors import (
    BumpRuleViolation,
    DocumentInvalid,
    InvalidInput,
    ModelNotFound,
    VersionExists,
    VersionNotFound,
)
from modelsteward.integrity.manifest import Manifest, check_entries, hash_artifact
from modelsteward.ports import Transaction
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver

_VARIANT_RELATIONS = {
    ChangeKind.QUANTISATION: Relation.QUANTIZED,
    ChangeKind.DISTILLATION: Relation.DISTILLED,
    ChangeKind.EXPORT: Relation.EXPORT,
}


@dataclass(frozen=True)
class Registration:
    """What to register as a new version of ``model``.

    ``version`` is computed from the latest release and ``change`` when ``None`` (semantic
    versioning); hosted models take the provider's snapshot id. ``force`` with a ``reason``
    overrides the bump rule. ``parent`` (``MODEL@VERSION`` or a package URL) with
    ``relation`` records where the version derives from; ``manifest`` holds the artefact's
    files, already hashed. ``requirements``, when given, records what the version was tested
    with (``model:version:requirements-set``) in the registration's own transaction, as
    ``steward version requirements`` would afterwards."""

    model: str
    version: str | None = None
    change: ChangeKind | None = None
    variant: str = ""
    manifest: Manifest | None = None
    force: bool = False
    reason: str = ""
    description: str = ""
    status: str = ""
    metadata: Mapping[str, object] | None = None
    metrics: Mapping[str, object] | None = None
    parent: str = ""
    relation: Relation | None = None
    requirements: Requirements | None = None


class Registrar:
    """Registers versions in the context's store."""

    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def register(self, registration: Registration, *, path: Path | None = None,
                 location: str = "", authorize: Callable[[Model], None] | None = None,
                 ) -> Version:
        """Register ``registration`` in a transaction of its own (the registry's
        ``register_version``).

        Its parent is checked and, with ``path``, the artefact there is hashed before the
        transaction opens; ``location`` (default: ``path``) is recorded as where the weights
        came from. ``authorize`` is called with the model, read in the write transaction,
        before anything is written; it raises to refuse the registration."""
        r = registration
        if r.force and not r.reason.strip():
            raise InvalidInput("--force needs --reason: say why the versioning rule is overridden.")
        if path is not None:
            check_metadata(r.metadata or {})  # before hashing a large artefact
        if r.metrics:
            problems = validate_metrics(dict(r.metrics))
            if problems:
                raise DocumentInvalid("metrics", problems)
        manifest = r.manifest
        r = replace(r, parent=check_parent(r.parent, r.relation))
        if manifest is None and path is not None:
            manifest = hash_artifact(path, workers=self.ctx.workers)
            r = replace(r, manifest=manifest)
        if manifest is not None and path is None:  # given whole: hashing a folder checks names
            problems = check_entries(manifest.files)
            if problems:
                raise DocumentInvalid(f"The files of the new version of {r.model}", problems)
        if path is not None and not location:
            location = str(path.resolve())
        with self.ctx.store.write() as tx:
            model = tx.get_model(r.model)
            if model is None:
                raise ModelNotFound(r.model)
            if authorize is not None:
                authorize(model)
            new, _ = self.register_recorded(tx, r, model=model)
            if location and manifest is not None:
                # where the weights were registered from: retirement archives them from there
                tx.add_location(r.model, str(new.id), "source", location, new.registered_at,
                                manifest.root_digest)
            return new

    def register_recorded(self, tx: Transaction, registration: Registration, *,
                          model: Model | None = None) -> tuple[Version, list[Event]]:
        """Register ``registration`` inside the write transaction ``tx`` (its parent already
        checked); return the version and the events recorded (their times answer "last
        updated" without reading them back). ``model``: the live model when the caller has
        already read it in ``tx``."""
        r = registration
        if model is None:
            model = tx.get_model(r.model)
        if model is None:
            raise ModelNotFound(r.model)
        check_metadata(r.metadata or {})
        vid, explanation = self._next_id(tx, model, r.version, r.change, r.variant)
        validate_version_id(str(vid))
        forced = ""
        if explanation:
            if not r.force:
                raise BumpRuleViolation(r.model, str(vid), explanation)
            forced = r.reason.strip()
        if tx.get_version(r.model, str(vid), include_deleted=True) is not None:
            raise VersionExists(r.model, str(vid))  # a deleted version's number stays taken
        parent, relation = r.parent, r.relation
        if parent and not parent.startswith("pkg:"):
            self.resolver.require_version(tx, parent)
        manifest = r.manifest
        new = Version(
            model=r.model, id=vid, registered_at=self.ctx.clock.now(),
            registered_by=self.ctx.actor, digest=manifest.root_digest if manifest else "",
            files=manifest.files if manifest else (), change=r.change, forced_reason=forced,
            description=r.description, status=r.status, metadata=dict(r.metadata or {}),
            metrics=dict(r.metrics or {}))
        tx.add_version(new)
        if not parent and r.change in _VARIANT_RELATIONS and isinstance(vid, ModelVersion):
            parent, relation = f"{r.model}@{vid.base}", _VARIANT_RELATIONS[r.change]
        recorded = [NewEvent(ev.VERSION_REGISTERED, new.ref, version_payload(new))]
        if parent and relation is not None:
            tx.add_derivation(Derivation(new.ref, parent, relation))
            recorded.append(NewEvent(ev.VERSION_DERIVED, new.ref,
                                     {"parent": parent, "relation": relation.value}))
        if r.requirements is not None:
            recorded.append(NewEvent(ev.REQUIREMENTS_SET, new.ref, r.requirements.as_payload()))
        return new, self.ctx.record(tx, *recorded)

    def _next_id(self, tx: Transaction, model: Model, version: str | None,
                 change: ChangeKind | None, variant: str) -> tuple[VersionId, str]:
        """The id of the version to register and, if it contradicts the rules, why."""
        if model.uses_snapshots:
            if change is not None or variant:
                raise InvalidInput(
                    f"{model.name} is a provider model whose versions are the provider's "
                    "snapshot ids; --change and --variant do not apply to it.")
            if not version:
                raise InvalidInput(
                    f"{model.name} is a provider model: give the provider's snapshot id as the "
                    f"version, e.g. `steward version register {model.name} "
                    f"{model.provider_model or 'model-20250101'}`.")
            return Snapshot.parse(version), ""
        latest = tx.latest_release(model.name)
        latest_id = latest.id if latest and isinstance(latest.id, ModelVersion) else None
        if version is None:
            if change is None:
                raise InvalidInput(
                    "Say what changed with --change (architecture, retrain, config, prompt, "
                    "quantisation, distillation, export) or give the version explicitly.")
            return next_version(latest_id, change, variant), ""
        new = ModelVersion.parse(version)
        if variant:
            new = new.with_variant(variant)
        if change is None:
            if latest_id is None:
                return new, ""
            return new, (f"the model already has versions, so say what changed with --change "
                         f"to check {new} against the versioning rules.")
        if change.level is Level.VARIANT:
            base = new.base
            if new.variant and tx.get_version(model.name, str(base)) is None:
                raise VersionNotFound(model.name, str(base))
            return new, check_bump(base, new, change) or ""
        probe = Version(model.name, new, self.ctx.clock.now(), self.ctx.actor)
        predecessor = tx.predecessor(model.name, probe)
        previous = (predecessor.id if predecessor and isinstance(predecessor.id, ModelVersion)
                    else None)
        return new, check_bump(previous, new, change) or ""


def check_parent(derived_from: str, relation: Relation | None) -> str:
    """``derived_from`` checked as a parent: a version reference or a package URL, and only
    with a ``relation``; ``""`` for none."""
    if not derived_from:
        if relation is not None:
            raise InvalidInput("--relation needs --derived-from: name the parent version.")
        return ""
    if relation is None:
        raise InvalidInput(
            "--derived-from needs --relation (finetune, adapter, merge, quantized, distilled "
            "or export).")
    if derived_from.startswith("pkg:"):
        return validate_purl(derived_from)
    split_ref(derived_from)
    return derived_from
