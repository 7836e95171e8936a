"""The MLflow Model Registry's view of modelsteward: registered models are models, model versions
are versions numbered 1, 2, 3… in registration order, aliases are exclusive aliases, tags are
key-value tags kept beside the (immutable) versions.

The API (``api/mlflow``) and ``steward import mlflow`` call :class:`MlflowRegistry`; each
method is one unit of work. See ``docs/mlflow.md`` for the mapping decisions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from modelsteward.domain import events as ev
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import UNRESOLVABLE, AliasAssignment, Stage
from modelsteward.domain.mlflow_stages import METADATA_KEY, MlflowStage, mlflow_stage
from modelsteward.domain.model import Model, Version
from modelsteward.domain.names import validate_alias
from modelsteward.domain.payloads import model_payload
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import Conflict, InvalidInput, ModelNotFound, NotFound, VersionNotFound
from modelsteward.ports import ModelRecord, Transaction, VersionRecord
from modelsteward.results import ModelSummary, ModelView, VersionView
from modelsteward.service.catalog import Catalog
from modelsteward.service.context import Context
from modelsteward.service.deletion import Deletions
from modelsteward.service.lifecycle import Lifecycle
from modelsteward.service.registration import Registrar, Registration

# event kinds of the changes only MLflow makes (tags, later descriptions)
MODEL_TAG_SET = "model:tag:set"
MODEL_TAG_REMOVED = "model:tag:removed"
VERSION_TAG_SET = "model:version:tag:set"
VERSION_TAG_REMOVED = "model:version:tag:removed"
VERSION_DESCRIBED = "model:version:described"

RESERVED_PREFIX = "modelsteward."
VERSION_TAG = "modelsteward.version"  # shown on every version: its modelsteward version
_DESCRIPTION_TAG = "modelsteward.description"  # a description edited after registration
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000
# MLflow reserves these alias forms: they name versions ("latest", "v3", "version3")
_RESERVED_ALIAS = re.compile(r"latest|v\d+|version\d+")


# the promotion path of a version's stages, and how far along it each MLflow stage is
_PROMOTION_PATH = (Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING,
                   Stage.PRODUCTION)
_FORWARD = {MlflowStage.NONE: 0, MlflowStage.STAGING: 1, MlflowStage.PRODUCTION: 2,
            MlflowStage.ARCHIVED: 3}


def canonical_stage(value: str) -> str:
    """``value`` as one of MLflow's stages, matched case-insensitively; raises
    :class:`InvalidInput` naming the accepted ones."""
    for stage in MlflowStage.ALL:
        if value.strip().lower() == stage.lower():
            return stage
    raise InvalidInput(f"{value!r} is not an MLflow stage: use one of "
                       f"{', '.join(MlflowStage.ALL)}.")


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _event_millis(stamp: str | None, default: datetime) -> int:
    if stamp is None:
        return millis(default)
    # as stored by format_time: "%Y-%m-%dT%H:%M:%S.%fZ" (fromisoformat is ~10x strptime)
    return millis(datetime.fromisoformat(stamp).astimezone(UTC))


def check_tag(key: str, value: str) -> None:
    """Refuse tag keys MLflow refuses (empty, too long) and the reserved ``modelsteward.``
    prefix; raises :class:`InvalidInput`."""
    if not key.strip():
        raise InvalidInput("A tag needs a non-empty key.")
    if len(key) > MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
        raise InvalidInput(f"Tag {key[:40]!r} is too long: keys may have {MAX_TAG_KEY} "
                           f"characters and values {MAX_TAG_VALUE}.")
    if key.startswith(RESERVED_PREFIX):
        raise InvalidInput(f"Tag keys starting with {RESERVED_PREFIX!r} are set by modelsteward; "
                           "choose another key.")


def check_alias(alias: str) -> None:
    """modelsteward's alias names, and MLflow's rule that ``latest``, ``v<N>`` and
    ``version<N>`` are not aliases; raises :class:`InvalidInput`."""
    validate_alias(alias)
    if _RESERVED_ALIAS.fullmatch(alias):
        raise InvalidInput(f"{alias!r} is reserved by MLflow for naming versions; choose another "
                           "alias name, e.g. 'champion'.")


def parse_number(value: str) -> int:
    """An MLflow version number (a positive integer); raises :class:`InvalidInput`."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise InvalidInput(f"MLflow version numbers are positive integers, not {value!r}; list "
                           "the versions with `mlflow.MlflowClient().search_model_versions()`.")
    return int(text)


class MlflowRegistry:
    """The MLflow Model Registry operations over the context's store (acting as its actor).

    ``authorize``, when given, is called with the model a write changes, read inside the
    write's own transaction, before anything is changed; it raises to refuse the write (the
    API's permission check, so that the model is not read once more in a transaction of its
    own). Only :meth:`create_version`, :meth:`set_alias` and :meth:`set_model_tag` call it."""

    def __init__(self, ctx: Context, catalog: Catalog, registrar: Registrar,
                 lifecycle: Lifecycle, deletions: Deletions,
                 authorize: Callable[[Model], None] | None = None) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.registrar = registrar
        self.lifecycle = lifecycle
        self.deletions = deletions
        self._authorize = authorize

    def _writable_model(self, tx: Transaction, name: str) -> Model:
        """The live model ``name`` read in the write transaction ``tx``, once ``authorize``
        accepts it; raises :class:`ModelNotFound`."""
        model = self._model(tx, name)
        if self._authorize is not None:
            self._authorize(model)
        return model

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    def _record(self, tx: Transaction, *events: NewEvent) -> None:
        self.ctx.record(tx, *events)

    # reading --------------------------------------------------------------------------------

    @staticmethod
    def _model(tx: Transaction, name: str) -> Model:
        model = tx.get_model(name)
        if model is None:
            raise ModelNotFound(name)
        return model

    @staticmethod
    def _resolve(tx: Transaction, name: str, number: int) -> Version:
        found = tx.version_at(name, number)
        if found is None:  # fewer versions, or deleted
            raise VersionNotFound(name, str(number))
        return found

    @staticmethod
    def _view(tx: Transaction, version: Version, order: Sequence[str],
              held: Sequence[AliasAssignment]) -> VersionView:
        vid = str(version.id)
        stored = tx.version_tags(version.model, vid)
        description = stored.pop(_DESCRIPTION_TAG, version.description)
        tags = {k: v for k, v in stored.items() if not k.startswith(RESERVED_PREFIX)}
        tags[VERSION_TAG] = vid
        return VersionView(
            version=version, number=order.index(vid) + 1,
            created_ms=millis(version.registered_at),
            updated_ms=_event_millis(tx.last_event_time(version.ref), version.registered_at),
            description=description, tags=dict(sorted(tags.items())),
            aliases=tuple(sorted(a.alias for a in held if a.version == vid)))

    @staticmethod
    def _record_view(record: VersionRecord) -> VersionView:
        version = record.version
        vid = str(version.id)
        stored = dict(record.tags)
        description = stored.pop(_DESCRIPTION_TAG, version.description)
        tags = {k: v for k, v in stored.items() if not k.startswith(RESERVED_PREFIX)}
        tags[VERSION_TAG] = vid
        return VersionView(
            version=version, number=record.number, created_ms=millis(version.registered_at),
            updated_ms=_event_millis(record.last_event, version.registered_at),
            description=description, tags=dict(sorted(tags.items())), aliases=record.aliases)

    def _model_view(self, record: ModelRecord) -> ModelView:
        latest: dict[str, VersionView] = {}
        for version in sorted(record.newest, key=lambda v: v.number):  # the last of each wins
            view = self._record_view(version)
            latest[view.stage] = view
        return ModelView(
            model=record.model, created_ms=millis(record.created_at),
            updated_ms=_event_millis(record.last_event, record.created_at),
            creator=record.creator, tags=record.tags, aliases=record.aliases,
            latest=tuple(latest[s] for s in MlflowStage.ALL if s in latest))

    def _model_views(self, tx: Transaction, names: Sequence[str]) -> list[ModelView]:
        return [self._model_view(r) for r in tx.mlflow_models(names)]

    def get_model(self, name: str) -> ModelView:
        """Raises :class:`ModelNotFound`."""
        with self.ctx.store.read() as tx:
            found = self._model_views(tx, [name])
            if not found:
                raise ModelNotFound(name)  # inside: the store adds the nearest names
        return found[0]

    def models(self) -> list[ModelView]:
        """Every model (not deleted), by name."""
        return self.search_models((), lambda found: [m.name for m in found])

    def search_models(self, conditions: Sequence[tuple[str, str, str]],
                      choose: Callable[[list[ModelSummary]], Sequence[str]], *,
                      with_tags: bool = False, with_updated: bool = False) -> list[ModelView]:
        """The views of the models ``choose`` picks, in its order, in one transaction.
        ``choose`` gets summaries of the models that may meet ``conditions`` (``(field, op,
        value)`` over ``name`` and ``tags.<key>``; possibly more than meet them, so it checks
        them itself), by name; their tags only ``with_tags`` and their ``updated_ms`` only
        ``with_updated`` (else 0). Only the picked models' views are built."""
        with self.ctx.store.read() as tx:
            keys = tx.mlflow_model_keys(conditions, with_tags=with_tags,
                                        with_last_event=with_updated)
            summaries = [ModelSummary(
                k.name, millis(k.created_at),
                _event_millis(k.last_event, k.created_at) if with_updated else 0, k.tags)
                for k in keys]
            return self._model_views(tx, choose(summaries))

    def model_page(self, conditions: Sequence[tuple[str, str, str]],
                   wanted: Callable[[ModelSummary], bool], limit: int, after: str = "", *,
                   with_tags: bool = False) -> tuple[list[ModelView], bool]:
        """The views of the first ``limit`` models by name after ``after`` that ``wanted``
        accepts, among those that may meet ``conditions`` (as :meth:`search_models`), and
        whether more follow; ``updated_ms`` of the summaries is 0. Read in keyset pages of the
        store, so a page costs what it shows and skips, not what the registry holds."""
        chosen: list[str] = []
        size = max(limit + 1, 100)
        with self.ctx.store.read() as tx:
            cursor = after
            while True:
                keys = tx.mlflow_model_keys(conditions, with_tags=with_tags,
                                            with_last_event=False, after=cursor, limit=size)
                chosen.extend(k.name for k in keys
                              if wanted(ModelSummary(k.name, millis(k.created_at), 0, k.tags)))
                if len(chosen) > limit or len(keys) < size:
                    break
                cursor = keys[-1].name
            return self._model_views(tx, chosen[:limit]), len(chosen) > limit

    @staticmethod
    def _missing_version(tx: Transaction, name: str, number: int) -> NotFound:
        if tx.get_model(name) is None:
            return ModelNotFound(name)
        return VersionNotFound(name, str(number))

    def get_version(self, name: str, number: int) -> VersionView:
        """Raises :class:`ModelNotFound` or :class:`VersionNotFound` (also for deleted)."""
        with self.ctx.store.read() as tx:
            record = tx.mlflow_version(name, number)
            if record is None:
                raise self._missing_version(tx, name, number)
        if record.deleted:
            raise VersionNotFound(name, str(number))
        return self._record_view(record)

    def versions(self, name: str = "") -> list[VersionView]:
        """The versions of ``name`` (of every model when empty), by model and number."""
        with self.ctx.store.read() as tx:
            records = tx.mlflow_versions(name)
            if name and not records:
                self._model(tx, name)
        return [self._record_view(r) for r in records]

    def version_page(self, name: str, wanted: Callable[[VersionView], bool], limit: int,
                     after: tuple[str, int] | None = None) -> tuple[list[VersionView], bool]:
        """The first ``limit`` versions ``wanted`` accepts, of ``name`` (of every model when
        empty), in MLflow's search order (model name ascending, number descending) after
        ``after`` (a model name and number), and whether more follow. Read in keyset pages of
        the store, so a page costs what it shows and skips, not what the registry holds.
        Raises :class:`ModelNotFound` for an unknown ``name``."""
        found: list[VersionView] = []
        size = max(limit + 1, 100)
        cursor = after
        with self.ctx.store.read() as tx:
            if name and tx.get_model(name) is None:
                raise ModelNotFound(name)
            while True:
                records = tx.mlflow_version_page(name, cursor, size)
                for record in records:
                    view = self._record_view(record)
                    if wanted(view):
                        found.append(view)
                        if len(found) > limit:
                            return found[:limit], True
                if len(records) < size:
                    return found, False
                cursor = (records[-1].version.model, records[-1].number)

    def latest_versions(self, name: str, stages: Sequence[str] = ()) -> list[VersionView]:
        """The newest version of each of ``stages`` (every stage when empty)."""
        wanted = {canonical_stage(s) for s in stages}
        return [v for v in self.get_model(name).latest if not wanted or v.stage in wanted]

    def version_by_alias(self, name: str, alias: str) -> VersionView:
        """Raises :class:`NotFound` when no version holds ``alias``."""
        with self.ctx.store.read() as tx:
            record = tx.mlflow_version_by_alias(name, alias)
            if record is None:
                self._model(tx, name)
                raise NotFound(f"Registered model {name!r} has no alias {alias!r}; set it with "
                               "`MlflowClient().set_registered_model_alias()`.")
        if record.deleted:
            raise NotFound(f"The alias {alias!r} of {name!r} points at a deleted version.")
        return self._record_view(record)

    # registered models ----------------------------------------------------------------------

    def create_model(self, name: str, *, description: str = "", owner_team: str = "",
                     tags: Mapping[str, str] | None = None) -> ModelView:
        """Create a model (model semver) with ``tags``. Raises :class:`ModelExists`, also for
        the name of a deleted model, and :class:`InvalidInput` for a bad name or tag."""
        for key, value in (tags or {}).items():
            check_tag(key, value)
        model = self.catalog.owned(Model(name, description=description, owner_team=owner_team))
        with self.ctx.store.write() as tx:
            created, recorded = self.catalog.create_model_in(tx, model)
            for key, value in (tags or {}).items():
                tx.set_model_tag(name, key, value)
                recorded = self.ctx.record(
                    tx, NewEvent(MODEL_TAG_SET, name, {"key": key, "value": value}))
        # what _model_views would read, built from what was written: a new model has no
        # version or alias, its creator is this actor, its last event is the last one recorded
        return ModelView(
            model=model, created_ms=millis(created),
            updated_ms=_event_millis(recorded[-1].time, created),
            creator=self.ctx.actor, tags=dict(sorted((tags or {}).items())),
            aliases=(), latest=())

    def update_model(self, name: str, description: str) -> ModelView:
        """Replace the description of ``name``."""
        with self.ctx.store.write() as tx:
            model = self._model(tx, name)
            if model.description != description:
                model = replace(model, description=description)
                tx.update_model(model)
                self._record(tx, NewEvent(ev.MODEL_UPDATED, name, model_payload(model)))
            return self._model_views(tx, [name])[0]

    def delete_model(self, name: str) -> None:
        """Delete ``name`` (a tombstone: its name stays taken; consumer pins are cleared)."""
        self.deletions.delete(name, reason=f"deleted through the MLflow API by "
                                                    f"{self.ctx.actor}")

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        check_tag(key, value)
        with self.ctx.store.write() as tx:
            self._writable_model(tx, name)
            tx.set_model_tag(name, key, value)
            self._record(tx, NewEvent(MODEL_TAG_SET, name, {"key": key, "value": value}))

    def delete_model_tag(self, name: str, key: str) -> None:
        """Raises :class:`NotFound` when ``name`` has no tag ``key``."""
        with self.ctx.store.write() as tx:
            self._model(tx, name)
            if not tx.delete_model_tag(name, key):
                raise NotFound(f"Registered model {name!r} has no tag {key!r}.")
            self._record(tx, NewEvent(MODEL_TAG_REMOVED, name, {"key": key}))

    # versions -------------------------------------------------------------------------------

    def create_version(self, name: str, *, source: str = "", run_id: str = "",
                       run_link: str = "", description: str = "",
                       tags: Mapping[str, str] | None = None,
                       extra: Mapping[str, object] | None = None) -> VersionView:
        """Register the next version of ``name``: ``1.0.0`` first, then a minor bump (a
        retraining) each time; ``source``, ``run_id``, ``run_link`` (and ``extra``) are kept in
        the version's metadata under ``mlflow``. Raises :class:`InvalidInput` for provider
        models, whose versions are snapshot ids. A ``modelsteward.version`` tag is ignored: the
        server shows that tag on every version and sets it itself, and MLflow's
        ``copy_model_version`` sends the source version's tags back on create."""
        tags = {k: v for k, v in (tags or {}).items() if k != VERSION_TAG}
        for key, value in tags.items():
            check_tag(key, value)
        meta: dict[str, object] = {k: v for k, v in {"source": source, "run_id": run_id,
                                  "run_link": run_link}.items() if v}
        meta.update(extra or {})
        with self.ctx.store.write() as tx:
            model = self._writable_model(tx, name)
            if model.uses_snapshots:
                raise InvalidInput(f"{name} is a provider model whose versions are snapshot "
                                   "ids; register them with `steward version register`, not "
                                   "MLflow.")
            version, recorded = self.registrar.register_recorded(tx, Registration(
                name, change=ChangeKind.RETRAIN, description=description,
                metadata={METADATA_KEY: meta} if meta else {}), model=model)
            vid = str(version.id)
            for key, value in (tags or {}).items():
                tx.set_version_tag(name, vid, key, value)
                recorded = self.ctx.record(tx, NewEvent(VERSION_TAG_SET, version.ref,
                                                             {"key": key, "value": value}))
            # the newest registration: its number is the count of the model's versions
            number = tx.version_count(name)
        # what _view would read, built from what was written: the tags just set, no alias
        shown = dict(tags or {})
        shown[VERSION_TAG] = vid
        return VersionView(
            version=version, number=number, created_ms=millis(version.registered_at),
            updated_ms=_event_millis(recorded[-1].time, version.registered_at),
            description=description,
            tags=dict(sorted(shown.items())), aliases=())

    def update_version(self, name: str, number: int, description: str) -> VersionView:
        """Record a new description of a version (beside it: versions are immutable)."""
        with self.ctx.store.write() as tx:
            version = self._resolve(tx, name, number)
            tx.set_version_tag(name, str(version.id), _DESCRIPTION_TAG, description)
            self._record(tx, NewEvent(VERSION_DESCRIBED, version.ref,
                                      {"description": description}))
            return self._view(tx, version, tx.registration_order(name), tx.current_aliases(name))

    def delete_version(self, name: str, number: int) -> None:
        """Delete version ``number`` (a tombstone: its number is never reused)."""
        with self.ctx.store.read() as tx:
            self._model(tx, name)
            version = self._resolve(tx, name, number)
        self.deletions.delete(version.ref, reason=f"deleted through the MLflow API by "
                                                           f"{self.ctx.actor}")

    def set_version_tag(self, name: str, number: int, key: str, value: str) -> None:
        check_tag(key, value)
        with self.ctx.store.write() as tx:
            version = self._resolve(tx, name, number)
            tx.set_version_tag(name, str(version.id), key, value)
            self._record(tx, NewEvent(VERSION_TAG_SET, version.ref, {"key": key, "value": value}))

    def delete_version_tag(self, name: str, number: int, key: str) -> None:
        """Raises :class:`NotFound` when the version has no tag ``key``."""
        if key.startswith(RESERVED_PREFIX):
            raise InvalidInput(f"Tags starting with {RESERVED_PREFIX!r} are kept by modelsteward "
                               "and cannot be deleted.")
        with self.ctx.store.write() as tx:
            version = self._resolve(tx, name, number)
            if not tx.delete_version_tag(name, str(version.id), key):
                raise NotFound(f"Version {number} of {name!r} has no tag {key!r}.")
            self._record(tx, NewEvent(VERSION_TAG_REMOVED, version.ref, {"key": key}))

    def transition_stage(self, name: str, number: int, stage: str, *,
                         archive_existing: bool = False) -> VersionView:
        """Move a version to the MLflow ``stage`` by the lifecycle (docs/mlflow.md has the
        table). The version's own stage is always accepted and changes nothing. ``Staging`` and
        ``Production`` promote forward one stage at a time, each through its gates; when a gate
        is unmet the version stays at the last stage reached and :class:`GateRefused` lists
        what is missing (the same call continues from there once it is done). ``Archived``
        rejects a version not yet registered (trained, evaluated) and deprecates the others.
        Lifecycle stages record decisions and never go back, so moving back (to ``None``, or
        from Production to Staging, or out of Archived) raises :class:`Conflict` naming the way
        forward: ``Archived``, or a new version with ``copy_model_version``.

        ``archive_existing`` (MLflow's ``archive_existing_versions``, only with ``Staging`` or
        ``Production``): once the version is there, the model's other versions in that stage
        are archived (deprecated)."""
        target = canonical_stage(stage)
        if archive_existing and target not in (MlflowStage.STAGING, MlflowStage.PRODUCTION):
            raise InvalidInput(f"archive_existing_versions works with a transition to Staging or "
                               f"Production, not {target}: leave it out.")
        with self.ctx.store.read() as tx:
            version = self._resolve(tx, name, number)
        current = mlflow_stage(version.stage)
        lifecycle = self.lifecycle
        reason = f"archived through the MLflow API by {self.ctx.actor}"
        if target == current:
            pass  # already there: nothing to move
        elif target == MlflowStage.ARCHIVED:
            if version.stage in (Stage.TRAINED, Stage.EVALUATED):
                lifecycle.reject(version.ref, reason)
            else:
                lifecycle.deprecate(version.ref, reason)
        elif target in (MlflowStage.STAGING, MlflowStage.PRODUCTION) and _FORWARD[current] < \
                _FORWARD[target]:
            goal = Stage.STAGING if target == MlflowStage.STAGING else Stage.PRODUCTION
            for step in _PROMOTION_PATH[_PROMOTION_PATH.index(version.stage) + 1:]:
                lifecycle.promote(version.ref, step)
                if step is goal:
                    break
        else:
            raise Conflict(
                f"Version {number} of {name!r} is {current} ({version.stage.value} in "
                f"modelsteward) and cannot move back to {target}: lifecycle stages record "
                "decisions and only move forward. Transition it to Archived to take it out of "
                "use, or copy it into a new version (MlflowClient().copy_model_version) to "
                "start again from None.")
        if archive_existing:
            for other in self.versions(name):
                if other.number != number and other.stage == target:
                    lifecycle.deprecate(other.version.ref, f"{reason}: version {number} moved "
                                                           f"to {target}")
        return self.get_version(name, number)

    # aliases --------------------------------------------------------------------------------

    def set_alias(self, name: str, alias: str, number: int) -> None:
        """Point ``alias`` at version ``number`` and at no other (MLflow aliases are exclusive).
        ``production`` only points at a version in production."""
        check_alias(alias)
        with self.ctx.store.write() as tx:
            self._writable_model(tx, name)
            version = self._resolve(tx, name, number)
            vid = str(version.id)
            if version.stage in UNRESOLVABLE:
                raise Conflict(f"{version.ref} is {version.stage.value}; no alias may point at it.")
            if alias == "production" and version.stage is not Stage.PRODUCTION:
                raise Conflict(f"{version.ref} is in {version.stage.value}; the production alias "
                               "only points at versions promoted to production.")
            holders = tx.current_aliases(name, alias)
            if any(h.version == vid for h in holders):
                return
            now = self._now()
            previous = ""
            for holder in holders:
                tx.end_assignment(holder, now)
                previous = holder.version
            tx.assign_alias(name, alias, vid, exclusive=True, at=now, by=self.ctx.actor,
                            reason=f"set through the MLflow API by {self.ctx.actor}")
            self._record(tx, NewEvent(ev.ALIAS_SET, version.ref,
                                      {"alias": alias, "previous": previous or None,
                                       "reason": "set through the MLflow API"}))

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` from whichever version holds it (nothing when none does, as in
        MLflow)."""
        with self.ctx.store.write() as tx:
            self._model(tx, name)
            now = self._now()
            for holder in tx.current_aliases(name, alias):
                tx.end_assignment(holder, now)
                self._record(tx, NewEvent(ev.ALIAS_REMOVED, f"{name}@{holder.version}",
                                          {"alias": alias}))

    def download_uri(self, name: str, number: int) -> str:
        """Where the version's files are: the MLflow ``source`` it was created with, else the
        location modelsteward registered it from. Raises :class:`NotFound` when neither."""
        with self.ctx.store.read() as tx:
            version = self._resolve(tx, name, number)
            view = self._view(tx, version, tx.registration_order(name), [])
            if view.source:
                return view.source
            for kind, uri, _, _ in tx.locations(name, str(version.id)):
                if kind in ("source", "restored") and uri:
                    return uri
        raise NotFound(f"Version {number} of {name!r} has no recorded location: it was "
                       "registered without a source or path.")
