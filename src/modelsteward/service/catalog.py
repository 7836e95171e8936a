"""Models and their versions as stored: create, transfer, read and list them, attach
attestations, walk lineage and check artefacts against the registered files."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.lineage import walk_lineage_many
from modelsteward.domain.model import Model, Version
from modelsteward.domain.payloads import model_payload
from modelsteward.domain.provenance import parse_attestation, validate_metrics
from modelsteward.domain.refs import split_ref
from modelsteward.domain.versioning import ModelVersion
from modelsteward.errors import (
    AttestationMismatch,
    DocumentInvalid,
    InvalidInput,
    ModelExists,
    ModelNotFound,
)
from modelsteward.integrity.compare import compare_manifest
from modelsteward.integrity.manifest import Manifest, hash_artifact
from modelsteward.ports import Transaction
from modelsteward.results import Lineage, VerifyResult
from modelsteward.service import batches
from modelsteward.service.context import Context
from modelsteward.service.generations import Generations
from modelsteward.service.resolution import Resolver


class Catalog:
    """The models and versions of the context's store."""

    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def create_model(self, model: Model) -> Model:
        """Add ``model`` (owned by :attr:`default_team` when it names no team); raises
        :class:`ModelExists` if the name is taken."""
        model = self.owned(model)
        with self.ctx.store.write() as tx:
            self.create_model_in(tx, model)
        return model

    def owned(self, model: Model) -> Model:
        """``model`` with an owner team: its own, else :attr:`default_team`."""
        return model if model.owner_team else replace(model, owner_team=self.ctx.default_team)

    def transfer_model(self, name: str, team: str, reason: str) -> Model:
        """Give the model ``name`` to ``team`` (an administrator's decision: the caller
        checks), recording who, why and the previous team. Raises :class:`InvalidInput` for
        an empty team or reason and :class:`ModelNotFound`."""
        team = team.strip()
        if not team or len(team) > 200 or not team.isprintable():
            raise InvalidInput(f"The team {team!r} is not a team name; give 1–200 printable "
                               "characters, e.g. --team support.")
        if not reason.strip():
            raise InvalidInput("Say why the model changes owner with --reason.")
        with self.ctx.store.write() as tx:
            model = tx.get_model(name)
            if model is None:
                raise ModelNotFound(name)
            if model.owner_team == team:
                return model
            moved = replace(model, owner_team=team)
            tx.update_model(moved)
            self.ctx.record(tx, NewEvent(ev.MODEL_UPDATED, name, {
                **model_payload(moved), "owner_team_before": model.owner_team,
                "reason": reason.strip()}))
        return moved

    def create_model_in(self, tx: Transaction, model: Model) -> tuple[datetime, list[Event]]:
        """:meth:`create_model` inside the write transaction ``tx``; returns when the model
        was created (as stored) and the events recorded, so that a caller can answer with
        them without reading them back."""
        model = self.owned(model)
        if tx.get_model(model.name, include_deleted=True) is not None:
            raise ModelExists(model.name)  # a deleted model's name stays taken (tombstone)
        created = self.ctx.clock.now()
        tx.add_model(model, created)
        return created, self.ctx.record(tx, NewEvent(ev.MODEL_CREATED, model.name,
                                                 model_payload(model)))

    def get_model(self, name: str, include_deleted: bool = False) -> Model:
        with self.ctx.store.read() as tx:
            model = tx.get_model(name, include_deleted)
            if model is None:
                raise ModelNotFound(name)  # inside: the store adds the nearest names
        return model

    def list_models(self) -> list[Model]:
        with self.ctx.store.read() as tx:
            return _all_models(tx)

    def model_pages(self) -> Iterator[list[Model]]:
        """Every live model by name (as :meth:`list_models`), a keyset batch of
        :data:`~modelsteward.service.batches.BATCH` at a time, each read in a unit of work
        of its own: a caller writes a batch out before the next is read, and holds no
        transaction meanwhile. No empty batch."""
        size, after = batches.BATCH, ""
        while True:
            with self.ctx.store.read() as tx:
                page = tx.list_models(after=after, limit=size)
            if page:
                yield page
            if len(page) < size:
                return
            after = page[-1].name

    def get_version(self, model: str, version: str, include_deleted: bool = False) -> Version:
        with self.ctx.store.read() as tx:
            if include_deleted and tx.get_model(model, include_deleted=True) is not None:
                found = tx.get_version(model, version, include_deleted=True)
                if found is not None:
                    return found
            return self.resolver.require_version(tx, f"{model}@{version}")

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        with self.ctx.store.read() as tx:
            if tx.get_model(model, include_deleted) is None:
                raise ModelNotFound(model)
            return tx.list_versions(model, include_deleted)

    def version_page(self, model: str, after: str, limit: int,
                     include_deleted: bool = False) -> list[Version] | None:
        """The first ``limit`` versions of ``model`` after the version ``after`` ("": from the
        first) in version order, read as a keyset page; None when that page cannot be read so
        (a snapshot model, or ``after`` not among the versions listed: the caller then lists
        them all). Raises :class:`ModelNotFound`."""
        with self.ctx.store.read() as tx:
            found = tx.get_model(model, include_deleted)
            if found is None:
                raise ModelNotFound(model)
            if found.uses_snapshots:
                return None
            start: ModelVersion | None = None
            if after:
                listed = tx.get_version(model, after, include_deleted)
                if listed is None or not isinstance(listed.id, ModelVersion) \
                        or str(listed.id) != after:
                    return None
                start = listed.id
            return tx.list_versions_page(model, start, limit, include_deleted)

    def is_deleted(self, model: str, version: str = "") -> bool:
        with self.ctx.store.read() as tx:
            return tx.is_deleted(model, version)

    def attest(self, ref: str, statement: object, metrics: object | None = None) -> None:
        """Attach a training attestation (in-toto Statement v1, SLSA Provenance v1) and its
        metrics to a version. Raises :class:`DocumentInvalid` for a malformed statement or metrics
        and :class:`AttestationMismatch` when no subject digest equals the version's root digest."""
        attestation, problems = parse_attestation(statement)
        if metrics is not None:
            problems += validate_metrics(metrics)
        if attestation is None or problems:
            raise DocumentInvalid("attestation", problems)
        with self.ctx.store.write() as tx:
            version = self.resolver.require_version(tx, ref)
            if not version.digest:
                raise InvalidInput(
                    f"{ref} has no artefact digest, so an attestation cannot be checked against "
                    "it. Register the version with --path.")
            if version.digest not in attestation.subject_digests:
                raise AttestationMismatch(version.model, str(version.id), version.digest,
                                          ", ".join(attestation.subject_digests))
            metric_values = dict(metrics) if isinstance(metrics, Mapping) else {}
            tx.add_attestation(version.model, str(version.id), attestation.statement,
                               metric_values, self.ctx.clock.now(), self.ctx.actor)
            self.ctx.record(tx, NewEvent(ev.VERSION_ATTESTED, version.ref, {
                "builder": attestation.builder_id, "build_type": attestation.build_type,
                "metrics": sorted(metric_values)}))

    def attestations(self, ref: str) -> list[dict[str, object]]:
        model, version = split_ref(ref)
        with self.ctx.store.read() as tx:
            self.resolver.require_version(tx, ref)
            return tx.attestations(model, version)

    def lineage(self, ref: str) -> Lineage:
        """Ancestors and descendants of ``model@version`` (or of every version of ``model``),
        transitively, each with its depth."""
        return self.lineages([ref])[ref]

    def lineages(self, refs: Sequence[str]) -> dict[str, Lineage]:
        """:meth:`lineage` of each of ``refs``, in one read transaction; the first generation
        of each side is read for all of them at once."""
        found: dict[str, Lineage] = {}
        with self.ctx.store.read() as tx:
            keys = [split_ref(ref, version_required=False) for ref in refs]
            models = tx.get_models({model for model, _ in keys})
            versions = tx.get_versions([(m, v) for m, v in keys if v and m in models])
            roots: dict[str, list[str]] = {}
            for ref, (model, version) in zip(refs, keys, strict=True):
                if model not in models:
                    raise ModelNotFound(model)
                if version:
                    known = versions.get(f"{model}@{version}")
                    roots[ref] = [(known or self.resolver.require_version(tx, ref)).ref]
                else:
                    roots[ref] = [v.ref for v in tx.list_versions(model)]
            parents, children = Generations(tx.parents_of), Generations(tx.children_of)
            every = [root for found_roots in roots.values() for root in found_roots]
            parents(every)
            children(every)
            for ref, start in roots.items():
                found[ref] = Lineage(
                    ref, tuple(walk_lineage_many(start, parents, lambda d: d.parent)),
                    tuple(walk_lineage_many(start, children, lambda d: d.child)))
        return found

    def verify(self, ref: str, path: Path, *,
               progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Hash ``path`` and compare it with the registered files of ``ref``."""
        self._verifiable(ref)
        return self.compare(ref, hash_artifact(path, workers=self.ctx.workers, progress=progress))

    def compare(self, ref: str, manifest: Manifest) -> VerifyResult:
        """Compare an already computed manifest with the registered files of ``ref``."""
        version = self._verifiable(ref)
        return VerifyResult(version, manifest, compare_manifest(version.files, manifest))

    def _verifiable(self, ref: str) -> Version:
        version = self.get_version(*split_ref(ref))
        if not version.digest:
            raise InvalidInput(f"{ref} was registered without an artefact; there is nothing to "
                               "verify against.")
        return version


def _all_models(tx: Transaction) -> list[Model]:
    found: list[Model] = []
    after = ""
    while True:
        page = tx.list_models(after=after, limit=500)
        found.extend(page)
        if len(page) < 500:
            return found
        after = page[-1].name
