"""Storage of the catalog: models, versions (with their files), attestations and lineage.
Mixed into ``SqlTransaction``."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)

from modelsteward.domain.lifecycle import UNRESOLVABLE, Stage
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import FileDigest, Model, Version, VersionScheme
from modelsteward.domain.names import close_name_lengths, close_names
from modelsteward.domain.pins import Bounds, core_below
from modelsteward.domain.versioning import ModelVersion
from modelsteward.store.base import VERSION_KEYS_IN, VERSION_PAIRS_IN, SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.prepared import hot_rows
from modelsteward.store.rows import (
    model_values,
    new_id,
    sorted_desc,
    to_model,
    to_version,
    version_order,
)
from modelsteward.store.tables import attestations, lineage, models, version_files, versions

_FIRST_PAGE = 8
# statements of every write, built once: building one costs more than running it on SQLite
_MODEL_ANY = select(models).where(models.c.name == bindparam("name"))
_MODEL_LIVE = _MODEL_ANY.where(models.c.deleted_at.is_(None))
_NEAR_NAMES_READ = 10_000  # the most model names read to suggest one for a name not found
_NAMES_OF_LENGTH = (select(models.c.name)
                    .where(models.c.deleted_at.is_(None),
                           func.length(models.c.name).between(bindparam("low"),
                                                              bindparam("high")))
                    .order_by(models.c.name).limit(_NEAR_NAMES_READ))
_INSERT_MODEL = insert(models)
_INSERT_VERSION = insert(versions)
_INSERT_FILES = insert(version_files)
_VERSION_ANY = select(versions).where(versions.c.model_id == bindparam("model_id"),
                                      versions.c.version == bindparam("version"))
_VERSION_LIVE = _VERSION_ANY.where(versions.c.deleted_at.is_(None))
# the version with a given MLflow number (its 1-based place in registration order)
_VERSION_AT = select(versions).where(versions.c.model_id == bindparam("model_id"),
                                     versions.c.number == bindparam("number"))
_VERSION_FILES = (select(version_files).where(version_files.c.version_id == bindparam("pk"))
                  .order_by(version_files.c.path))
# the number of the model's newest version: how many it has (``ix_versions_number``)
_VERSION_COUNT = (select(func.coalesce(func.max(versions.c.number), 0))
                  .where(versions.c.model_id == bindparam("model_id")))
_LATEST_SNAPSHOT = (select(versions).where(versions.c.model_id == bindparam("model_id"))
                    .order_by(versions.c.snapshot_date.desc(), versions.c.registered_seq.desc())
                    .limit(1))
_LATEST_RELEASE = (select(versions).where(versions.c.model_id == bindparam("model_id"),
                                          versions.c.variant == "", versions.c.prerelease == "")
                   .order_by(versions.c.major.desc(), versions.c.minor.desc(),
                             versions.c.patch.desc()).limit(1))
_UNRESOLVABLE = [s.value for s in UNRESOLVABLE]
_PARENTS = select(lineage).where(lineage.c.child == bindparam("ref")).order_by(lineage.c.parent)
_PAGE = 512
# a few models, and a few versions with their files, at once (the versions as the cross product of
# their models and numbers, filtered after)
_MODELS_LIVE = select(models).where(models.c.name.in_(bindparam("names", expanding=True)),
                                    models.c.deleted_at.is_(None))
_VERSIONS_LIVE_OF = (select(versions).where(*VERSION_KEYS_IN, versions.c.deleted_at.is_(None)),
                     select(versions).where(VERSION_PAIRS_IN, versions.c.deleted_at.is_(None)))
_FILES_OF = (select(version_files)
             .where(version_files.c.version_id.in_(bindparam("ids", expanding=True)))
             .order_by(version_files.c.version_id, version_files.c.path))
# the parents of a few refs at once, in the order of one ref's
_PARENTS_OF = (select(lineage).where(lineage.c.child.in_(bindparam("refs", expanding=True)))
               .order_by(lineage.c.child, lineage.c.parent))
_CHILDREN_OF = (select(lineage).where(lineage.c.parent.in_(bindparam("refs", expanding=True)))
                .order_by(lineage.c.parent, lineage.c.child))
# which of a few versions (by primary key) have an attestation
_ATTESTED = (select(attestations.c.version_id).distinct()
             .where(attestations.c.version_id.in_(bindparam("ids", expanding=True))))


class CatalogQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.Catalog` (with ``AuditQueries``'
    ``version_states``)."""

    # models ---------------------------------------------------------------------------------

    def close_model_names(self, name: str) -> list[str]:
        """The live models' names nearest to ``name``
        (:func:`~modelsteward.domain.names.close_names`),
        read among at most 10,000 names of a length that can be close."""
        low, high = close_name_lengths(name)
        rows = self.c.execute(_NAMES_OF_LENGTH, {"low": low, "high": high})
        return close_names(name, (str(row.name) for row in rows))

    def _model_row(self, name: str, include_deleted: bool = False) -> Any:
        query = _MODEL_ANY if include_deleted else _MODEL_LIVE
        found = hot_rows(self.c, query, {"name": name})
        row = found[0] if found else None
        if row is not None:  # what _model_key would read next
            self._remember_model(name, row.id, row.versioning)
        return row

    def get_model(self, name: str, include_deleted: bool = False) -> Model | None:
        row = self._model_row(name, include_deleted)
        return to_model(row) if row is not None else None

    def is_deleted(self, model: str, version: str = "") -> bool:
        """Whether ``model`` (or ``model@version``) is a tombstone."""
        if not version:
            row = self._model_row(model, include_deleted=True)
            return row is not None and row.deleted_at is not None
        model_id, _ = self._model_key(model)
        deleted = self.c.execute(select(versions.c.deleted_at).where(
            versions.c.model_id == model_id, versions.c.version == version)).first()
        return deleted is not None and deleted[0] is not None

    def mark_deleted(self, model: str, version: str, at: datetime) -> None:
        """Make ``model`` (or one version of it) a tombstone."""
        model_id, _ = self._model_key(model)
        if version:
            self.c.execute(update(versions).where(versions.c.model_id == model_id,
                                                  versions.c.version == version)
                           .values(deleted_at=at))
        else:
            self.c.execute(update(models).where(models.c.id == model_id).values(deleted_at=at))

    def list_models(self, *, after: str = "", limit: int = 1000) -> list[Model]:
        rows = self.c.execute(select(models).where(models.c.name > after,
                                                   models.c.deleted_at.is_(None))
                              .order_by(models.c.name).limit(limit))
        return [to_model(r) for r in rows]

    def add_model(self, model: Model, created_at: datetime) -> None:
        self.c.execute(_INSERT_MODEL, {"id": new_id(), "created_at": created_at,
                                       **model_values(model)})

    def update_model(self, model: Model) -> None:
        self.c.execute(update(models).where(models.c.name == model.name)
                       .values(**model_values(model)))

    # versions -------------------------------------------------------------------------------

    def get_version(self, model: str, version: str,
                    include_deleted: bool = False) -> Version | None:
        model_id, snapshots = self._model_key(model)
        row = self.c.execute(_VERSION_ANY if include_deleted else _VERSION_LIVE,
                             {"model_id": model_id, "version": version}).first()
        return self._with_files(model, snapshots, row) if row is not None else None

    def get_models(self, names: Collection[str]) -> dict[str, Model]:
        found: dict[str, Model] = {}
        for chunk in chunks(sorted(set(names))):
            for row in self.c.execute(_MODELS_LIVE, {"names": list(chunk)}):
                self._remember_model(str(row.name), row.id, row.versioning)
                found[str(row.name)] = to_model(row)
        return found

    def get_versions(self, refs: Sequence[tuple[str, str]]) -> dict[str, Version]:
        rows = list(self._version_rows(_VERSIONS_LIVE_OF, set(refs)))
        files: dict[str, list[FileDigest]] = {}
        for ids in chunks(sorted(str(row.id) for _, row in rows)):
            for f in self.c.execute(_FILES_OF, {"ids": list(ids)}):
                files.setdefault(str(f.version_id), []).append(FileDigest(f.path, f.sha256,
                                                                          f.size))
        found: dict[str, Version] = {}
        for (model, number), row in rows:
            self._version_pks[(model, number)] = row.id
            version = to_version(model, self._model_ids[model][1], row,
                                 tuple(files.get(str(row.id), ())))
            found[version.ref] = version
        return found

    def version_at(self, model: str, number: int) -> Version | None:
        """The live version with MLflow number ``number`` (its 1-based place in the
        registration order of ``model``, deleted versions included); None when ``model`` has
        fewer or that version is deleted. Raises ModelNotFound."""
        model_id, snapshots = self._model_key(model)
        if number < 1:
            return None
        row = self.c.execute(_VERSION_AT, {"model_id": model_id, "number": number}).first()
        if row is None or row.deleted_at is not None:
            return None
        return self._with_files(model, snapshots, row)

    def _with_files(self, model: str, snapshots: bool, row: Any) -> Version:
        """The version of ``row`` with its files; its key is kept for the updates that follow."""
        self._version_pks[(model, row.version)] = row.id
        files = self.c.execute(_VERSION_FILES, {"pk": row.id})
        return to_version(model, snapshots, row,
                           tuple(FileDigest(f.path, f.sha256, f.size) for f in files))

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        model_id, snapshots = self._model_key(model)
        query = select(versions).where(versions.c.model_id == model_id)
        if not include_deleted:
            query = query.where(versions.c.deleted_at.is_(None))
        rows = self.c.execute(query.order_by(versions.c.registered_seq))
        found = [to_version(model, snapshots, r) for r in rows]
        return sorted(found, key=version_order)

    def list_versions_page(self, model: str, after: ModelVersion | None, limit: int,
                           include_deleted: bool = False) -> list[Version]:
        """Read by cores (``major, minor, patch``), which lead the version order: a batch in
        core order, its last core read whole (the pre-releases and variants of one core are
        ordered here, in Python), until ``limit`` versions above ``after`` are found."""
        model_id, snapshots = self._model_key(model)
        core = tuple_(versions.c.major, versions.c.minor, versions.c.patch)
        base = select(versions).where(versions.c.model_id == model_id)
        if not include_deleted:
            base = base.where(versions.c.deleted_at.is_(None))
        found: list[Version] = []
        lower: tuple[int, int, int] | None = after.core if after is not None else None
        inclusive = True  # the first batch includes the core of ``after``
        batch = max(limit + 1, 100)
        while len(found) < limit:
            query = base
            if lower is not None:
                query = query.where(core >= tuple_(*lower) if inclusive
                                    else core > tuple_(*lower))
            rows = self.c.execute(query.order_by(versions.c.major, versions.c.minor,
                                                 versions.c.patch).limit(batch)).all()
            if len(rows) == batch:  # the last core may go on: read it whole
                last = (rows[-1].major, rows[-1].minor, rows[-1].patch)
                rows = [r for r in rows if (r.major, r.minor, r.patch) != last]
                rows.extend(self.c.execute(base.where(core == tuple_(*last))).all())
                lower, inclusive = last, False
            else:
                lower = None
            page = sorted((to_version(model, snapshots, r) for r in rows), key=version_order)
            found.extend(v for v in page if after is None or after < v.id)
            if lower is None:
                break
        return found[:limit]

    def latest_release(self, model: str) -> Version | None:
        model_id, snapshots = self._model_key(model)
        row = self.c.execute(_LATEST_SNAPSHOT if snapshots else _LATEST_RELEASE,
                             {"model_id": model_id}).first()
        return to_version(model, snapshots, row) if row is not None else None

    def predecessor(self, model: str, version: Version) -> Version | None:
        model_id, snapshots = self._model_key(model)
        if not isinstance(version.id, ModelVersion):
            return None
        core = version.id.core
        row = self.c.execute(
            select(versions).where(
                versions.c.model_id == model_id, versions.c.variant == "",
                versions.c.prerelease == "",
                tuple_(versions.c.major, versions.c.minor, versions.c.patch) < tuple_(*core))
            .order_by(versions.c.major.desc(), versions.c.minor.desc(), versions.c.patch.desc())
            .limit(1)).first()
        return to_version(model, snapshots, row) if row is not None else None

    def add_version(self, version: Version) -> None:
        model_id, _ = self._model_key(version.model)
        version_id = new_id()
        semver_parts: dict[str, object]
        if isinstance(version.id, ModelVersion):
            v = version.id
            semver_parts = {"major": v.major, "minor": v.minor, "patch": v.patch,
                            "prerelease": v.prerelease, "variant": v.variant, "snapshot_date": ""}
        else:
            semver_parts = {"major": None, "minor": None, "patch": None, "prerelease": "",
                            "variant": "", "snapshot_date": version.id.date}
        seq, _ = self.chain_head()  # under the write lock: grows with every registration
        number = self.c.execute(_VERSION_COUNT, {"model_id": model_id}).scalar_one() + 1
        self.c.execute(_INSERT_VERSION, {
            "id": version_id, "model_id": model_id, "version": str(version.id),
            "registered_seq": seq + 1, "number": number, "digest": version.digest,
            "change": version.change.value if version.change else None,
            "forced_reason": version.forced_reason, "description": version.description,
            "status": version.status, "meta": dict(version.metadata),
            "metrics": dict(version.metrics), "registered_at": version.registered_at,
            "registered_by": version.registered_by, **semver_parts})
        if version.files:
            self.c.execute(_INSERT_FILES, [
                {"version_id": version_id, "path": f.path, "sha256": f.sha256, "size": f.size}
                for f in version.files])

    def candidates(self, model: str, bounds: Bounds, variant: str,
                   allow_prerelease: bool, *, stages: Collection[Stage] | None = None,
                   unblocked: bool = False, include_deleted: bool = False) -> Iterator[Version]:
        model_id, snapshots = self._model_key(model)
        admitted = None if stages is None else tuple(sorted(s.value for s in stages))
        if snapshots:
            newest_first = self.c.execute(
                _snapshot_candidates(admitted, unblocked, include_deleted),
                {"model_id": model_id})
            for row in newest_first:
                yield to_version(model, snapshots, row)
            return
        shape = (admitted, unblocked, include_deleted, allow_prerelease)
        conditions = _semver_conditions(*shape)
        values: dict[str, object] = {"model_id": model_id, "variant": variant}
        if bounds.lower is not None:
            values.update(zip(_LOWER, bounds.lower, strict=True))
        upper = bounds.upper
        page = _FIRST_PAGE  # most pins match the first candidate: start small, then grow
        while True:
            if upper is not None:
                values.update(zip(_UPPER, upper, strict=True))
            exact = bounds.lower is not None and upper == bounds.lower
            rows = hot_rows(self.c, _semver_page(*shape, bounds.lower is not None,
                                                 upper is not None, page, exact), values)
            groups = [list(g) for _, g in groupby(rows, key=lambda r: (r.major, r.minor, r.patch))]
            if len(rows) < page:
                for group in groups:
                    yield from sorted_desc(model, group)
                return
            last = groups.pop()  # may continue beyond this page
            for group in groups:
                yield from sorted_desc(model, group)
            core_of_last = (last[0].major, last[0].minor, last[0].patch)
            if groups:
                upper = core_of_last  # fetch the last core again, whole, with what follows
            else:
                # one core with more than a page of pre-releases: take it whole
                core = tuple_(versions.c.major, versions.c.minor, versions.c.patch)
                lower = [core >= _lower_bound()] if bounds.lower is not None else []
                whole = self.c.execute(select(versions).where(
                    and_(*conditions, *lower), core == tuple_(*core_of_last)), values).all()
                yield from sorted_desc(model, whole)
                upper = core_below(core_of_last)
                if upper is None:
                    return
            page = min(page * 4, _PAGE)

    # registration order -------------------------------------------------------------------

    def registration_order(self, model: str) -> list[str]:
        """Every version of ``model``, deleted ones included, in the order they were
        registered: the 1-based position is the version's MLflow number."""
        model_id, _ = self._model_key(model)
        rows = self.c.execute(select(versions.c.version).where(versions.c.model_id == model_id)
                              .order_by(versions.c.registered_seq))
        return [str(r.version) for r in rows]

    def versions_in_stage(self, stage: Stage, *, limit: int = 100) -> list[Version]:
        rows = self.c.execute(
            select(versions, models.c.name.label("model_name"),
                   models.c.versioning.label("model_versioning"))
            .join(models, models.c.id == versions.c.model_id)
            .where(versions.c.stage == stage.value, versions.c.deleted_at.is_(None),
                   models.c.deleted_at.is_(None))
            .order_by(versions.c.registered_at, versions.c.id).limit(max(limit, 0)))
        return [to_version(r.model_name, r.model_versioning == VersionScheme.SNAPSHOT.value, r)
                for r in rows]

    def models_with_stage(self, names: Collection[str], stage: Stage) -> set[str]:
        """Through ``ix_versions_model_stage`` (revision 0020): a probe per model, however
        many versions it has."""
        found: set[str] = set()
        ordered = sorted(set(names))
        for start in range(0, len(ordered), _PAGE):
            rows = self.c.execute(
                select(models.c.name).where(
                    models.c.name.in_(ordered[start:start + _PAGE]),
                    models.c.deleted_at.is_(None),
                    select(versions.c.id).where(versions.c.model_id == models.c.id,
                                                versions.c.stage == stage.value,
                                                versions.c.deleted_at.is_(None))
                    .exists()))
            found.update(str(r.name) for r in rows)
        return found

    def newest_registrations(self, model: str, *, limit: int) -> list[str]:
        """Through ``ix_versions_number`` (revision 0021): numbers follow registration."""
        model_id, _ = self._model_key(model)
        rows = self.c.execute(select(versions.c.version).where(versions.c.model_id == model_id)
                              .order_by(versions.c.number.desc()).limit(max(limit, 0)))
        return [str(r.version) for r in rows]

    def version_count(self, model: str) -> int:
        """How many versions ``model`` has, deleted ones included: the MLflow number of its
        newest registration (read as the largest number: versions are never removed)."""
        model_id, _ = self._model_key(model)
        count: int = self.c.execute(_VERSION_COUNT, {"model_id": model_id}).scalar_one()
        return count

    def model_created_at(self, model: str) -> datetime:
        """When ``model`` was created (deleted models included)."""
        created: datetime = self.c.execute(select(models.c.created_at)
                                           .where(models.c.name == model)).scalar_one()
        return created

    # provenance -----------------------------------------------------------------------------

    def add_attestation(self, model: str, version: str, statement: dict[str, object],
                        metrics: dict[str, object], attached_at: datetime, actor: str) -> None:
        self.c.execute(insert(attestations).values(
            id=new_id(), version_id=self._version_pk(model, version), statement=statement,
            metrics=metrics, attached_at=attached_at, attached_by=actor))

    def attestations(self, model: str, version: str) -> list[dict[str, object]]:
        rows = self.c.execute(select(attestations).where(
            attestations.c.version_id == self._version_pk(model, version))
            .order_by(attestations.c.attached_at))
        return [{"statement": r.statement, "metrics": r.metrics,
                 "attached_at": r.attached_at.isoformat(), "attached_by": r.attached_by}
                for r in rows]

    def attested(self, refs: Sequence[tuple[str, str]]) -> set[str]:
        keys = self._version_pks_for(refs)
        found: set[str] = set()
        for chunk in chunks(sorted(keys)):
            found.update(keys[str(row.version_id)]
                         for row in self.c.execute(_ATTESTED, {"ids": list(chunk)}))
        return found

    # lineage --------------------------------------------------------------------------------

    def add_derivation(self, derivation: Derivation) -> None:
        self.c.execute(insert(lineage).values(id=new_id(), child=derivation.child,
                                              parent=derivation.parent,
                                              relation=derivation.relation.value))

    def parents(self, ref: str) -> list[Derivation]:
        rows = hot_rows(self.c, _PARENTS, {"ref": ref})
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]

    def parents_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        found: dict[str, list[Derivation]] = {ref: [] for ref in refs}
        for chunk in chunks(sorted(found)):
            for r in self.c.execute(_PARENTS_OF, {"refs": list(chunk)}):
                found[str(r.child)].append(Derivation(r.child, r.parent, Relation(r.relation)))
        return found

    def children_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        found: dict[str, list[Derivation]] = {ref: [] for ref in refs}
        for chunk in chunks(sorted(found)):
            for r in self.c.execute(_CHILDREN_OF, {"refs": list(chunk)}):
                found[str(r.parent)].append(Derivation(r.child, r.parent, Relation(r.relation)))
        return found

    def upstream_children(self, purl: str) -> list[Derivation]:
        """Derivations from ``purl`` or, when it names no revision, from any revision of it."""
        rows = self.c.execute(select(lineage).where(or_(
            lineage.c.parent == purl, lineage.c.parent.startswith(purl + "@")))
            .order_by(lineage.c.child))
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]

    def children(self, ref: str) -> list[Derivation]:
        rows = self.c.execute(select(lineage).where(lineage.c.parent == ref)
                              .order_by(lineage.c.child))
        return [Derivation(r.child, r.parent, Relation(r.relation)) for r in rows]


# The candidates' statements, built once per shape (which stages, blocked versions, deleted
# ones, pre-releases, which bounds, the page size) with the values bound at execution: building
# a statement cost more than running it, on every resolution.
_LOWER = ("lower_major", "lower_minor", "lower_patch")
_UPPER = ("upper_major", "upper_minor", "upper_patch")


def _admitted(stages: tuple[str, ...] | None, unblocked: bool,
              include_deleted: bool) -> list[ColumnElement[bool]]:
    # the stages as one bound value each: a list would be an expanding parameter, which
    # SQLAlchemy turns into SQL again at every execution
    found: list[ColumnElement[bool]] = [
        versions.c.model_id == bindparam("model_id"),
        versions.c.stage.not_in([literal(s) for s in _UNRESOLVABLE]) if stages is None
        else versions.c.stage.in_([literal(s) for s in stages])]
    if unblocked:
        found.append(versions.c.blocked_reason == "")
    if not include_deleted:
        found.append(versions.c.deleted_at.is_(None))
    return found


@functools.cache
def _snapshot_candidates(stages: tuple[str, ...] | None, unblocked: bool,
                         include_deleted: bool) -> Select[Any]:
    return (select(versions).where(*_admitted(stages, unblocked, include_deleted))
            .order_by(versions.c.snapshot_date.desc(), versions.c.registered_seq.desc()))


def _lower_bound() -> ColumnElement[Any]:
    return tuple_(*(bindparam(name) for name in _LOWER))


@functools.cache
def _semver_conditions(stages: tuple[str, ...] | None, unblocked: bool, include_deleted: bool,
                       allow_prerelease: bool) -> tuple[ColumnElement[bool], ...]:
    """What a candidate of a semantic-version pin satisfies, the bounds aside."""
    found = [*_admitted(stages, unblocked, include_deleted),
             versions.c.variant == bindparam("variant"), versions.c.major.is_not(None)]
    if not allow_prerelease:
        found.append(versions.c.prerelease == "")
    return tuple(found)


@functools.cache
def _semver_page(stages: tuple[str, ...] | None, unblocked: bool, include_deleted: bool,
                 allow_prerelease: bool, lower: bool, upper: bool, page: int,
                 exact: bool = False) -> Select[Any]:
    """One page of candidates, newest core first, within the bound ``lower``/``upper``: the
    newest ``page`` of each admitted stage (each a range of ``ix_versions_stage_core``, read
    from its top and stopping after ``page``), then the newest ``page`` of those. The same
    cores as one scan over the model's versions filtered by stage, which read every version of
    a large model whose few admitted ones were more than a page down or fewer than a page.
    ``exact``: the bounds are one core (PostgreSQL read a range of row values from one end)."""
    core = tuple_(versions.c.major, versions.c.minor, versions.c.patch)
    admitted = stages if stages is not None else tuple(
        s.value for s in Stage if s.value not in _UNRESOLVABLE)
    # all but the model and the stages, which each arm names
    bounded = [*_semver_conditions(admitted, unblocked, include_deleted, allow_prerelease)[2:]]
    if exact:  # one core (an exact pin): equalities, which every arm's index seeks to
        bounded.extend(column == bindparam(name) for column, name in zip(
            (versions.c.major, versions.c.minor, versions.c.patch), _LOWER, strict=True))
    else:
        if lower:
            bounded.append(core >= _lower_bound())
        if upper:
            bounded.append(core <= tuple_(*(bindparam(name) for name in _UPPER)))
    newest_first = (versions.c.major.desc(), versions.c.minor.desc(), versions.c.patch.desc())
    arms = [select(versions).where(versions.c.model_id == bindparam("model_id"),
                                   versions.c.stage == stage, *bounded)
            .order_by(*newest_first).limit(page).subquery() for stage in admitted or ("",)]
    merged = union_all(*(select(arm) for arm in arms)).subquery("admitted")
    return (select(merged).order_by(merged.c.major.desc(), merged.c.minor.desc(),
                                    merged.c.patch.desc()).limit(page))
