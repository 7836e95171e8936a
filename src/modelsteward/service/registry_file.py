"""Import and export of ``model-registry.yaml`` (the Factor 15 shape).

Import is all-or-nothing and idempotent: every entry is checked against the registry first and
all problems are reported together; then everything is written in one transaction; a second
import of the same file changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from modelsteward.domain import events as ev
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, Version, VersionScheme
from modelsteward.domain.registry_file import RegistryEntry
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem
from modelsteward.ports import Transaction
from modelsteward.service.registry import Registry, model_payload

IMPORT_REASON = "imported from a registry file"


@dataclass(frozen=True)
class ImportReport:
    created_models: tuple[str, ...] = ()
    updated_models: tuple[str, ...] = ()
    registered_versions: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created_models or self.updated_models or self.registered_versions)


@dataclass
class _Plan:
    create: list[Model] = field(default_factory=list)
    update: list[Model] = field(default_factory=list)
    register: list[RegistryEntry] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def import_registry(registry: Registry, entries: list[RegistryEntry],
                    source: str = "model-registry.yaml", team: str = "") -> ImportReport:
    """Bring the registry in line with ``entries``.

    An entry without ``owner`` team creates its model for ``team`` (default: the registry's
    default team) and leaves an existing model's owner team as it is.

    Models are created or their descriptive fields updated; each entry's version is registered
    unless it already exists with the same status and metrics. A version that exists with
    different contents is a problem (versions are immutable), reported with every other problem
    in one :class:`DocumentInvalid` before anything is written.
    """
    with registry.store.write() as tx:
        plan = _plan(tx, [_with_scheme(e) for e in entries], team or registry.default_team)
        if plan.problems:
            raise DocumentInvalid(source, plan.problems)
        for model in plan.create:
            registry.create_model_in(tx, model)
        for model in plan.update:
            tx.update_model(model)
            registry.record(tx, NewEvent(ev.MODEL_UPDATED, model.name, model_payload(model)))
        registered: list[str] = []
        for entry in plan.register:
            parent, relation = _lineage(tx, entry)
            metadata = dict(entry.metadata)
            if entry.base_model and not parent:
                metadata["base_model"] = entry.base_model
            has_versions = bool(tx.latest_release(entry.model.name))
            version = registry.register_in(
                tx, entry.model.name, entry.version, change=None, variant="", manifest=None,
                force=has_versions, reason=IMPORT_REASON, description="", status=entry.status,
                metadata=metadata, metrics=dict(entry.metrics), parent=parent,
                relation=relation)
            registered.append(version.ref)
        report = ImportReport(tuple(m.name for m in plan.create),
                              tuple(m.name for m in plan.update), tuple(registered),
                              tuple(plan.unchanged))
        if report.changed:
            registry.record(tx, NewEvent(ev.REGISTRY_IMPORTED, "registry", {
                "source": source, "created_models": list(report.created_models),
                "updated_models": list(report.updated_models),
                "registered_versions": list(report.registered_versions)}))
    return report


def _with_scheme(entry: RegistryEntry) -> RegistryEntry:
    """A fine-tune named by a provider's fine-tune id has snapshot versioning."""
    if not entry.version or entry.model.uses_snapshots:
        return entry
    try:
        ModelVersion.parse(entry.version)
    except InvalidInput:
        return replace(entry, model=replace(entry.model, versioning=VersionScheme.SNAPSHOT))
    return entry


def _plan(tx: Transaction, entries: list[RegistryEntry], team: str) -> _Plan:
    plan = _Plan()
    for entry in entries:
        name = entry.model.name
        where = f"models.{name}"
        existing = tx.get_model(name)
        if not entry.model.owner_team:
            owner = existing.owner_team if existing is not None else team
            entry = replace(entry, model=replace(entry.model, owner_team=owner))
        if existing is None:
            plan.create.append(entry.model)
        elif existing.versioning != entry.model.versioning:
            plan.problems.append(Problem(where, (
                f"the registry names versions of {name} by {existing.versioning} but the file "
                f"by {entry.model.versioning}; rename the entry or fix provider/model_id")))
            continue
        elif replace(existing, extra={}) != replace(entry.model, extra={}):
            plan.update.append(replace(entry.model, extra=existing.extra))
        if not entry.version:
            if existing is not None and existing not in plan.update:
                plan.unchanged.append(name)
            continue
        try:
            if entry.model.uses_snapshots:
                Snapshot.parse(entry.version)
            else:
                ModelVersion.parse(entry.version)
        except InvalidInput as exc:
            plan.problems.append(Problem(f"{where}.version", str(exc)))
            continue
        current = tx.get_version(name, entry.version) if existing is not None else None
        if current is None:
            plan.register.append(entry)
        elif _same(current, entry):
            if entry.model not in plan.update:
                plan.unchanged.append(name)
        else:
            plan.problems.append(Problem(where, (
                f"{name}@{entry.version} is already registered with other status, scores or "
                "metadata, and registered versions are immutable; give the changed model a new "
                "version (model_id, fine_tune_id or version)")))
    return plan


def _same(version: Version, entry: RegistryEntry) -> bool:
    metadata = dict(version.metadata)
    metadata.pop("base_model", None)
    return (version.status == entry.status and version.metrics == dict(entry.metrics)
            and metadata == dict(entry.metadata))


def _lineage(tx: Transaction, entry: RegistryEntry) -> tuple[str, Relation | None]:
    """A base model becomes lineage when it is a package URL or a model of this registry."""
    base = entry.base_model
    if not base:
        return "", None
    if base.startswith("pkg:"):
        return base, Relation.FINETUNE
    model_name, _, version = base.partition("@")
    try:
        found = tx.get_model(model_name)
    except InvalidInput:
        found = None
    if found is None:
        return "", None
    if version:
        return (base, Relation.FINETUNE) if tx.get_version(model_name, version) else ("", None)
    latest = tx.latest_release(model_name)
    return (latest.ref, Relation.FINETUNE) if latest is not None else ("", None)


def export_registry(registry: Registry) -> list[RegistryEntry]:
    """One entry per model with its newest version (status, scores, metadata, base model).
    An owner team equal to the registry's default team is left out, as an import reads it."""
    entries: list[RegistryEntry] = []
    with registry.store.read() as tx:
        for model in tx.list_models(limit=1_000_000):
            if model.owner_team == registry.default_team:
                model = replace(model, owner_team="")
            latest = tx.latest_release(model.name)
            if latest is None:
                listed = tx.list_versions(model.name)
                latest = listed[-1] if listed else None
            if latest is None:
                entries.append(RegistryEntry(model=model))
                continue
            metadata = dict(latest.metadata)
            base = str(metadata.pop("base_model", ""))
            parents = tx.parents(latest.ref)
            if parents and not base:
                base = parents[0].parent
            metrics = {k: float(v) for k, v in latest.metrics.items()
                       if isinstance(v, int | float) and not isinstance(v, bool)}
            entries.append(RegistryEntry(model=model, version=str(latest.id),
                                         status=latest.status, metrics=metrics,
                                         base_model=base, metadata=metadata))
    return entries
