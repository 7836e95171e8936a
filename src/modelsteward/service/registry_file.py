"""Import and export of ``model-registry.yaml`` (the Factor 15 shape).

Import is all-or-nothing and idempotent: every entry is checked against the registry first and
all problems are reported together; then everything is written in one transaction; a second
import of the same file changes nothing and says so.

An entry's ``embedding`` (or its older ``dimension`` key) declares the model an embedding model,
as ``steward model create --embedding-dimension`` does: a new model is created with it, an
existing one is updated to it (a ``model:updated`` event); an entry without one leaves an
existing model's declaration as it is.

An entry's ``status`` sets the lifecycle stage of the version it registers
(:data:`~modelsteward.domain.registry_file.STATUS_STAGES`). That stage was reached without the
registry's gates, so it is recorded as such: one stage event per version (the kind a promotion,
rejection, deprecation or retirement to that stage writes) whose payload says ``"imported":
true`` and names the file and the entry, and for ``production`` the ``production`` alias with
its ``model:alias:set`` event.

Export writes each model's eligible current version, chosen by the registry's resolution (never
a rule of its own): the version holding ``production`` when resolution still gives it, else what
the pin ``*`` resolves to. A model without one is written with its newest version but no
``status`` and no ``eval_scores``: nothing of it is current.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from modelsteward.domain import events as ev
from modelsteward.domain.embedding import embedding_of, with_embedding
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, Version, VersionScheme
from modelsteward.domain.payloads import model_payload
from modelsteward.domain.registry_file import (
    RegistryEntry,
    merged_scores,
    stage_of_status,
    status_of_stage,
    unknown_status,
)
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import (
    DocumentInvalid,
    InvalidInput,
    InvalidPin,
    NoMatchingVersion,
    Problem,
)
from modelsteward.ports import Transaction
from modelsteward.results import ImportReport
from modelsteward.service import batches
from modelsteward.service.catalog import Catalog
from modelsteward.service.context import Context
from modelsteward.service.lifecycle import Lifecycle
from modelsteward.service.registration import Registrar, Registration
from modelsteward.service.resolution import Resolver

IMPORT_REASON = "imported from a registry file"
PRODUCTION = "production"  # the alias a version imported into production holds
# The event each stage reached by an import is recorded as: the kind of the command that
# reaches that stage in the registry (promote, reject, deprecate, retire).
_STAGE_EVENTS = {
    Stage.EVALUATED: ev.VERSION_PROMOTED, Stage.REGISTERED: ev.VERSION_PROMOTED,
    Stage.STAGING: ev.VERSION_PROMOTED, Stage.PRODUCTION: ev.VERSION_PROMOTED,
    Stage.DEPRECATED: ev.VERSION_DEPRECATED, Stage.RETIRED: ev.VERSION_RETIRED,
    Stage.REJECTED: ev.VERSION_REJECTED,
}
assert set(_STAGE_EVENTS) == set(Stage) - {Stage.TRAINED}  # registration itself is trained


@dataclass
class _Plan:
    create: list[Model] = field(default_factory=list)
    update: list[Model] = field(default_factory=list)
    register: list[RegistryEntry] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
        if stage_of_status(entry.status) is None:  # parsing refuses it; a caller's own entry
            plan.problems.append(Problem(f"{where}.status", unknown_status(entry.status)))
            continue
        existing = tx.get_model(name)
        if not entry.model.owner_team:
            owner = existing.owner_team if existing is not None else team
            entry = replace(entry, model=replace(entry.model, owner_team=owner))
        updated = False
        if existing is None:
            plan.create.append(entry.model)
        elif existing.versioning != entry.model.versioning:
            plan.problems.append(Problem(where, (
                f"the registry names versions of {name} by {existing.versioning} but the file "
                f"by {entry.model.versioning}; rename the entry or fix provider/model_id")))
            continue
        else:
            # the file's embedding declaration replaces the model's; without one, the model
            # keeps what it has (and its other extra fields, which the file does not carry)
            extra = with_embedding(existing.extra, embedding_of(entry.model))
            if (replace(existing, extra={}) != replace(entry.model, extra={})
                    or extra != dict(existing.extra)):
                plan.update.append(replace(entry.model, extra=extra))
                updated = True
        if not entry.version:
            if existing is not None and not updated:
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
        elif not _same_contents(tx, current, entry):
            plan.problems.append(Problem(where, (
                f"{name}@{entry.version} is already registered with other scores or metadata, "
                "and registered versions are immutable; give the changed model a new version "
                "(model_id, fine_tune_id or version)")))
        elif not _same_stage(current, entry):
            plan.problems.append(Problem(f"{where}.status", (
                f"says {entry.status!r} ({entry.stage.value}) but {current.ref} is "
                f"{current.stage.value} in the registry, and an import only sets the stage of "
                "a version it registers; move it with `steward promote`, `reject`, `deprecate` "
                f"or `retire` (the gates apply), or write status: "
                f"{status_of_stage(current.stage, current.status)}")))
        elif not updated:
            plan.unchanged.append(name)
    return plan


def _names_only(entry: RegistryEntry) -> bool:
    """An entry with neither status nor scores says nothing about its version but its id (an
    export writes a model without a current version so)."""
    return not entry.status.strip() and not entry.metrics


def _same_contents(tx: Transaction, version: Version, entry: RegistryEntry) -> bool:
    metadata = dict(version.metadata)
    metadata.pop("base_model", None)
    if metadata != dict(entry.metadata):
        return False
    if _names_only(entry) or version.metrics == dict(entry.metrics):
        return True
    exported = merged_scores(version.metrics, tx.evaluations(version.model, str(version.id)))
    return exported == dict(entry.metrics)


def _same_stage(version: Version, entry: RegistryEntry) -> bool:
    return (_names_only(entry) or entry.stage is version.stage
            or entry.status == version.status)  # imported so; the lifecycle has moved on since


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


class RegistryFiles:
    """Import and export of registry files (``model-registry.yaml``) over the context's store."""

    def __init__(self, ctx: Context, resolver: Resolver, catalog: Catalog, registrar: Registrar,
                 lifecycle: Lifecycle) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.catalog = catalog
        self.registrar = registrar
        self.lifecycle = lifecycle

    def import_registry(self, entries: list[RegistryEntry],
                            source: str = "model-registry.yaml", team: str = "") -> ImportReport:
        """Bring the registry in line with ``entries``.

        An entry without ``owner`` team creates its model for ``team`` (default: the registry's
        default team) and leaves an existing model's owner team as it is.

        Models are created or their descriptive fields updated; each entry's version is registered
        unless it already exists, and a new version is put in the stage its ``status`` means (with
        the ``production`` alias for production), recorded as imported (see the module docstring).

        An existing version is left as it is when the entry agrees with it: the same metadata,
        scores equal to those it was registered with or to those an export writes, and a status
        that means its current stage or is the one it was imported with (the registry's lifecycle
        may have moved on since); an entry with neither status nor scores only names the version.
        Otherwise it is a problem (versions are immutable, and stages change through the gates),
        reported with every other problem in one :class:`DocumentInvalid` before anything is
        written.
        """
        with self.ctx.store.write() as tx:
            plan = _plan(tx, [_with_scheme(e) for e in entries], team or self.ctx.default_team)
            if plan.problems:
                raise DocumentInvalid(source, plan.problems)
            for model in plan.create:
                self.catalog.create_model_in(tx, model)
            for model in plan.update:
                tx.update_model(model)
                self.ctx.record(tx, NewEvent(ev.MODEL_UPDATED, model.name, model_payload(model)))
            registered: list[str] = []
            stages: list[tuple[str, Stage]] = []
            aliases: list[tuple[str, str]] = []
            for entry in plan.register:
                parent, relation = _lineage(tx, entry)
                metadata = dict(entry.metadata)
                if entry.base_model and not parent:
                    metadata["base_model"] = entry.base_model
                has_versions = bool(tx.latest_release(entry.model.name))
                version, _ = self.registrar.register_recorded(tx, Registration(
                    entry.model.name, entry.version, force=has_versions, reason=IMPORT_REASON,
                    status=entry.status, metadata=metadata, metrics=dict(entry.metrics),
                    parent=parent, relation=relation))
                registered.append(version.ref)
                if entry.stage is not Stage.TRAINED:
                    self._import_stage(tx, version, entry.stage, source,
                                  f"models.{entry.model.name}")
                    stages.append((version.ref, entry.stage))
                    if entry.stage is Stage.PRODUCTION:
                        aliases.append((version.ref, PRODUCTION))
            report = ImportReport(tuple(m.name for m in plan.create),
                                  tuple(m.name for m in plan.update), tuple(registered),
                                  tuple(plan.unchanged), tuple(stages), tuple(aliases))
            if report.changed:
                self.ctx.record(tx, NewEvent(ev.REGISTRY_IMPORTED, "registry", {
                    "source": source, "created_models": list(report.created_models),
                    "updated_models": list(report.updated_models),
                    "registered_versions": list(report.registered_versions),
                    "stages": {ref: stage.value for ref, stage in report.stages}}))
        return report


    def _import_stage(self, tx: Transaction, version: Version, stage: Stage,
                          source: str, entry: str) -> None:
        """Put the just registered ``version`` in ``stage`` as the file says, without the gates,
        and say so in the event; production also takes the ``production`` alias."""
        vid = str(version.id)
        tx.set_stage(version.model, vid, stage)
        self.ctx.record(tx, NewEvent(_STAGE_EVENTS[stage], version.ref, {
            "from": version.stage.value, "to": stage.value, "gates": [], "overridden": [],
            "imported": True, "source": source, "entry": entry,
            "reason": (f"{IMPORT_REASON} ({source}, {entry}): the registry's gates were not "
                       "checked")}))
        if stage is Stage.PRODUCTION:
            self.lifecycle.move_alias_in(tx, version.model, PRODUCTION, vid,
                                             f"{IMPORT_REASON} ({source}, {entry})")

    def export_registry(self) -> list[RegistryEntry]:
        """One entry per model with its eligible current version (:func:`current_version`): its
        status (through the status table, keeping the version's own word when it means the
        version's stage), its scores (:func:`~modelsteward.domain.registry_file.merged_scores`:
        the recorded evaluations over the scores it was registered with), metadata and base model.
        A model without a current version is written with its newest version but no status and no
        scores; a model without versions with its fields alone. An owner team equal to the
        registry's default team is left out, as an import reads it."""
        return list(self.export_entries())

    def export_entries(self) -> Iterator[RegistryEntry]:
        """:meth:`export_registry`'s entries, by model name, an entry at a time: the models are
        read in keyset batches and each entry is made when it is asked for, so a writer that
        streams holds one batch of models, however large the registry."""
        for page in self.catalog.model_pages():
            for model in page:
                yield self._entry(model)

    def _entry(self, model: Model) -> RegistryEntry:
        current = self.current_version(model.name)
        with self.ctx.store.read() as tx:
            if model.owner_team == self.ctx.default_team:
                model = replace(model, owner_team="")
            shown = current
            if shown is None:
                shown = tx.latest_release(model.name)
                if shown is None:
                    shown = _highest(tx, model)
            if shown is None:
                return RegistryEntry(model=model)
            metadata = dict(shown.metadata)
            base = str(metadata.pop("base_model", ""))
            parents = tx.parents(shown.ref)
            if parents and not base:
                base = parents[0].parent
            status, metrics = "", {}
            if current is not None:
                status = status_of_stage(current.stage, current.status)
                metrics = merged_scores(current.metrics,
                                        tx.evaluations(model.name, str(current.id)))
            return RegistryEntry(model=model, version=str(shown.id), status=status,
                                 metrics=metrics, base_model=base, metadata=metadata)


    def current_version(self, model: str) -> Version | None:
        """The eligible current version of ``model``, as the registry's resolution says it: the
        version holding ``production`` if resolving its own id still gives it and it is eligible,
        else the version the pin ``*`` resolves to; ``None`` when that raises
        :class:`NoMatchingVersion` or leads to another model (a deprecation plan's redirect)."""
        with self.ctx.store.read() as tx:
            holders = tx.current_aliases(model, PRODUCTION)
        for holder in holders:
            try:
                resolution = self.resolver.resolution(model, holder.version)
            except (NoMatchingVersion, InvalidPin):
                continue
            found = resolution.version
            if resolution.eligible and found.model == model and str(found.id) == holder.version:
                return found
        try:
            found = self.resolver.resolution(model, "*").version
        except NoMatchingVersion:
            return None
        return found if found.model == model else None


def _highest(tx: Transaction, model: Model) -> Version | None:
    """The highest version of ``model`` (the last :meth:`~modelsteward.ports.Catalog.
    list_versions` lists), read a keyset page at a time; for a snapshot model, which has a
    version only when it has a newest snapshot, None."""
    if model.uses_snapshots:
        return None
    highest: Version | None = None
    after: ModelVersion | None = None
    while page := tx.list_versions_page(model.name, after, batches.BATCH):
        highest = page[-1]
        if len(page) < batches.BATCH or not isinstance(highest.id, ModelVersion):
            break
        after = highest.id
    return highest
