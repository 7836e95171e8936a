"""Models, versions, attestations, lineage and the event chain, in memory. Orderings and filters
follow the SQL statements of ``store/sql.py`` (not only their docstrings)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import groupby

from modelsteward.domain.events import Event, NewEvent, extend_chain
from modelsteward.domain.lifecycle import UNRESOLVABLE, Stage
from modelsteward.domain.lineage import Derivation
from modelsteward.domain.mentions import MENTIONING_KINDS, mentioned_models
from modelsteward.domain.model import Model, Version, VersionScheme
from modelsteward.domain.names import close_name_lengths, close_names
from modelsteward.domain.pins import Bounds
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import StorageError
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import (
    AttestationRow,
    ModelRow,
    VersionRow,
    as_json,
    fresh,
    stored,
    utc,
)

_NEAR_NAMES_READ = 10_000  # as many names as the SQL store reads to suggest one


def _core(row: VersionRow) -> tuple[int, int, int]:
    vid = row.version.id
    assert isinstance(vid, ModelVersion)
    return (vid.major, vid.minor, vid.patch)


def _snapshot_key(row: VersionRow) -> tuple[str, int]:
    vid = row.version.id
    return (vid.date if isinstance(vid, Snapshot) else "", row.seq)


def _bare(row: VersionRow) -> Version:
    """The version as the SQL store's listings give it: without its files."""
    return fresh(replace(row.version, files=()))


class CatalogQueries(TransactionBase):
    # models ---------------------------------------------------------------------------------

    def close_model_names(self, name: str) -> list[str]:
        """The live models' names nearest to ``name`` (as ``SqlTransaction.close_model_names``)."""
        low, high = close_name_lengths(name)
        names = sorted(n for n, row in self.t.models.items()
                       if row.deleted_at is None and low <= len(n) <= high)
        return close_names(name, names[:_NEAR_NAMES_READ])

    def get_model(self, name: str, include_deleted: bool = False) -> Model | None:
        row = self.t.models.get(name)
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return fresh(row.model)

    def is_deleted(self, model: str, version: str = "") -> bool:
        if not version:
            row = self.t.models.get(model)
            return row is not None and row.deleted_at is not None
        self._model_row(model)
        found = self.t.versions.get((model, version))
        return found is not None and found.deleted_at is not None

    def mark_deleted(self, model: str, version: str, at: datetime) -> None:
        self._model_row(model)
        t = self._write()
        if version:
            found = t.versions.get((model, version))
            if found is not None:
                t.versions[(model, version)] = replace(found, deleted_at=utc(at))
        else:
            t.models[model] = replace(t.models[model], deleted_at=utc(at))

    def list_models(self, *, after: str = "", limit: int = 1000) -> list[Model]:
        names = sorted(n for n, row in self.t.models.items()
                       if n > after and row.deleted_at is None)
        return [fresh(self.t.models[n].model) for n in names[:max(limit, 0)]]

    def models_with_stage(self, names: Collection[str], stage: Stage) -> set[str]:
        return {name for (name, _), row in self.t.versions.items()
                if name in names and row.version.stage is stage and row.deleted_at is None
                and self.t.models[name].deleted_at is None}

    def add_model(self, model: Model, created_at: datetime) -> None:
        t = self._write()
        if model.name in t.models:
            raise StorageError(f"A model named {model.name!r} is stored already.")
        t.models[model.name] = ModelRow(_stored_model(model), utc(created_at))

    def update_model(self, model: Model) -> None:
        t = self._write()
        found = t.models.get(model.name)
        if found is not None:
            t.models[model.name] = replace(found, model=_stored_model(model))

    # versions -------------------------------------------------------------------------------

    def _uses_snapshots(self, model: str) -> bool:
        return self._model_row(model).model.versioning is VersionScheme.SNAPSHOT

    def _rows(self, model: str) -> list[VersionRow]:
        """Every version of ``model``, deleted ones too, in registration order; raises
        ModelNotFound."""
        self._model_row(model)
        return [self.t.versions[(model, v)] for v in self.t.registered.get(model, ())]

    def get_version(self, model: str, version: str,
                    include_deleted: bool = False) -> Version | None:
        self._model_row(model)
        row = self.t.versions.get((model, version))
        if row is None or (row.deleted_at is not None and not include_deleted):
            return None
        return fresh(row.version)

    def get_models(self, names: Collection[str]) -> dict[str, Model]:
        return {name: fresh(row.model) for name in set(names)
                if (row := self.t.models.get(name)) is not None and row.deleted_at is None}

    def get_versions(self, refs: Sequence[tuple[str, str]]) -> dict[str, Version]:
        return {f"{m}@{v}": fresh(row.version) for m, v in set(refs)
                if (row := self.t.versions.get((m, v))) is not None and row.deleted_at is None}

    def version_at(self, model: str, number: int) -> Version | None:
        self._model_row(model)
        order = self.t.registered.get(model, ())
        if number < 1 or number > len(order):
            return None
        row = self.t.versions[(model, order[number - 1])]
        return fresh(row.version) if row.deleted_at is None else None

    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        found = [_bare(r) for r in self._rows(model) if include_deleted or r.deleted_at is None]
        return sorted(found, key=lambda v: v.id)

    def list_versions_page(self, model: str, after: ModelVersion | None, limit: int,
                           include_deleted: bool = False) -> list[Version]:
        found = self.list_versions(model, include_deleted)
        return [v for v in found if after is None or after < v.id][:max(limit, 0)]

    def latest_release(self, model: str) -> Version | None:
        rows = self._rows(model)
        if self._uses_snapshots(model):
            best = max(rows, key=_snapshot_key, default=None)
        else:
            best = max((r for r in rows if _is_release(r)), key=_core, default=None)
        return _bare(best) if best is not None else None

    def predecessor(self, model: str, version: Version) -> Version | None:
        rows = self._rows(model)
        if not isinstance(version.id, ModelVersion):
            return None
        core = version.id.core
        best = max((r for r in rows if _is_release(r) and _core(r) < core), key=_core,
                   default=None)
        return _bare(best) if best is not None else None

    def add_version(self, version: Version) -> None:
        self._model_row(version.model)
        t = self._write()
        key = (version.model, str(version.id))
        if key in t.versions:
            raise StorageError(f"{version.model}@{version.id} is stored already.")
        seq, _ = self.chain_head()  # under the write lock: grows with every registration
        files = tuple(sorted(version.files, key=lambda f: f.path))
        kept = stored(replace(version, files=files, metadata=as_json(dict(version.metadata)),
                              metrics=as_json(dict(version.metrics)), stage=Stage.TRAINED,
                              blocked_reason=""))
        t.versions[key] = VersionRow(kept, seq + 1)
        t.registered[version.model] = (*t.registered.get(version.model, ()), key[1])

    def candidates(self, model: str, bounds: Bounds, variant: str,
                   allow_prerelease: bool, *, stages: Collection[Stage] | None = None,
                   unblocked: bool = False, include_deleted: bool = False) -> Iterator[Version]:
        snapshots = self._uses_snapshots(model)

        def admitted(row: VersionRow) -> bool:
            v = row.version
            stage_ok = (v.stage not in UNRESOLVABLE if stages is None
                        else v.stage in set(stages))
            return (stage_ok and (not unblocked or v.blocked_reason == "")
                    and (include_deleted or row.deleted_at is None))

        rows = [r for r in self._rows(model) if admitted(r)]
        if snapshots:
            for row in sorted(rows, key=_snapshot_key, reverse=True):
                yield _bare(row)
            return
        chosen = []
        for row in rows:
            vid = row.version.id
            if not isinstance(vid, ModelVersion) or vid.variant != variant:
                continue
            if not allow_prerelease and vid.prerelease:
                continue
            core = _core(row)
            if (bounds.lower is not None and core < tuple(bounds.lower)) or (
                    bounds.upper is not None and core > tuple(bounds.upper)):
                continue
            chosen.append(row)
        chosen.sort(key=_core, reverse=True)
        for _, group in groupby(chosen, key=_core):
            yield from sorted((_bare(r) for r in group), key=lambda v: v.id, reverse=True)

    # provenance and lineage -----------------------------------------------------------------

    def add_attestation(self, model: str, version: str, statement: dict[str, object],
                        metrics: dict[str, object], attached_at: datetime, actor: str) -> None:
        ref = self._ref(model, version)
        t = self._write()
        row = AttestationRow(as_json(statement), as_json(metrics), utc(attached_at), actor)
        t.attestations[ref] = (*t.attestations.get(ref, ()), row)

    def attestations(self, model: str, version: str) -> list[dict[str, object]]:
        rows = sorted(self.t.attestations.get(self._ref(model, version), ()),
                      key=lambda r: r.attached_at)
        return [{"statement": as_json(r.statement), "metrics": as_json(r.metrics),
                 "attached_at": r.attached_at.isoformat(), "attached_by": r.attached_by}
                for r in rows]

    def attested(self, refs: Sequence[tuple[str, str]]) -> set[str]:
        return {f"{m}@{v}" for m, v in refs if self.t.attestations.get((m, v))}

    def add_derivation(self, derivation: Derivation) -> None:
        t = self._write()
        key = (derivation.child, derivation.parent)
        if key in t.lineage:
            raise StorageError(f"{derivation.child} is recorded as derived from "
                               f"{derivation.parent} already.")
        t.lineage[key] = derivation

    def parents(self, ref: str) -> list[Derivation]:
        return sorted((d for d in self.t.lineage.values() if d.child == ref),
                      key=lambda d: d.parent)

    def parents_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        found: dict[str, list[Derivation]] = {ref: [] for ref in refs}
        for d in sorted(self.t.lineage.values(), key=lambda d: d.parent):
            if d.child in found:
                found[d.child].append(d)
        return found

    def children(self, ref: str) -> list[Derivation]:
        return sorted((d for d in self.t.lineage.values() if d.parent == ref),
                      key=lambda d: d.child)

    def children_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        found: dict[str, list[Derivation]] = {ref: [] for ref in refs}
        for d in sorted(self.t.lineage.values(), key=lambda d: d.child):
            if d.parent in found:
                found[d.parent].append(d)
        return found

    def upstream_children(self, purl: str) -> list[Derivation]:
        return sorted((d for d in self.t.lineage.values()
                       if d.parent == purl or d.parent.startswith(purl + "@")),
                      key=lambda d: d.child)

    # events ---------------------------------------------------------------------------------

    def _events(self) -> list[Event]:
        return self.t.events[:self.t.event_count]

    def chain_head(self) -> tuple[int, str]:
        return self.t.head

    def append_events(self, actor: str, time: datetime, new: Sequence[NewEvent]) -> list[Event]:
        t = self._write()
        written = extend_chain(t.head, time, actor, new)
        if written:
            del t.events[t.event_count:]  # what an earlier, rolled back writer left
            t.events.extend(written)
            t.event_count = len(t.events)
            t.head = (written[-1].seq, written[-1].hash)
        return written

    def events(self, *, subject_prefix: str = "", after_seq: int = 0,
               limit: int | None = None, kinds: Collection[str] = ()) -> list[Event]:
        found = [e for e in self._events()[max(after_seq, 0):]
                 if e.seq > after_seq and _about(e, subject_prefix)
                 and (not kinds or e.kind in kinds)]
        return found[:limit] if limit is not None else found

    def events_about(self, subject: str, *, kinds: Collection[str] = (), until: str = "",
                     after_seq: int = 0, limit: int | None = None) -> list[Event]:
        found = [e for e in self._events()[max(after_seq, 0):]
                 if e.seq > after_seq and (not until or e.time <= until)
                 and _about(e, subject) and (not kinds or e.kind in kinds)]
        return found[:limit] if limit is not None else found

    def subjects_mentioning(self, models: Collection[str]) -> list[str]:
        wanted = set(models)
        return sorted({e.subject for e in self._events() if e.kind in MENTIONING_KINDS
                       and wanted & mentioned_models(e.kind, e.payload)})

    def events_of(self, subjects: Collection[str], *, kinds: Collection[str] = (),
                  until: str = "") -> list[Event]:
        wanted = set(subjects)
        return [e for e in self._events() if e.subject in wanted
                and (not kinds or e.kind in kinds) and (not until or e.time <= until)]

    def events_of_models(self, models: Collection[str], *,
                         kinds: Collection[str] = ()) -> list[Event]:
        wanted = set(models)
        return [e for e in self._events() if e.subject.partition("@")[0] in wanted
                and (not kinds or e.kind in kinds)]

    def events_before(self, *, subject_prefix: str = "", before_seq: int = 0,
                      limit: int) -> list[Event]:
        """The newest ``limit`` events (whose subject is ``subject_prefix`` or one of its
        versions), before ``before_seq`` when it is not 0; oldest first."""
        found: list[Event] = []
        for event in reversed(self._events()):
            if len(found) >= limit:
                break
            if (not before_seq or event.seq < before_seq) and _about(event, subject_prefix):
                found.append(event)
        return found[::-1]

    def last_event_time(self, subject: str, *, with_versions: bool = False) -> str | None:
        for event in reversed(self._events()):
            if event.subject == subject or (with_versions
                                            and event.subject.startswith(subject + "@")):
                return event.time
        return None


def _about(event: Event, prefix: str) -> bool:
    return not prefix or event.subject == prefix or event.subject.startswith(prefix + "@")


def _is_release(row: VersionRow) -> bool:
    vid = row.version.id
    return isinstance(vid, ModelVersion) and not vid.variant and not vid.prerelease


def _stored_model(model: Model) -> Model:
    return replace(model, versioning=model.versioning or VersionScheme.SEMVER,
                   tags=tuple(model.tags), extra=as_json(dict(model.extra)))
