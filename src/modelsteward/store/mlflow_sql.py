"""Batched reads of the MLflow mapping: a page of registered models, every version of a model, one
version by number or alias, each with its tags, aliases, number and last event in a few queries
whatever the number of models (instead of several queries per model and per version). Mixed into
``SqlTransaction``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)

from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Version, VersionScheme
from modelsteward.ports import ModelKey, ModelRecord, VersionRecord
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.events_sql import about
from modelsteward.store.rows import to_model, to_version
from modelsteward.store.tables import (
    alias_assignments,
    events,
    model_tags,
    models,
    version_tags,
    versions,
)

_PER_MODEL = 1000  # up to this many models, their events are found model by model
# a model of more versions than this has its last event looked for among the events since its
# newest registration, when they are fewer than its versions (see ``_large_model_span``)
_MANY = 1000


def _like_pattern(pattern: str) -> str:
    """An MLflow LIKE pattern (``%`` and ``_``, no escape character) for SQL's ``LIKE … ESCAPE
    '\\'``: PostgreSQL would otherwise read a backslash as an escape."""
    return pattern.replace("\\", "\\\\")


def _string_condition(column: Any, op: str, value: str) -> ColumnElement[bool] | None:
    """``column op value`` in SQL when it keeps every row that meets it in MLflow's sense:
    exact for ``=`` and ``!=``; for ASCII ``LIKE``/``ILIKE`` patterns a case-insensitive
    match (a superset: the caller checks case exactly). None when SQL cannot help."""
    if op == "=":
        return column == value  # type: ignore[no-any-return]
    if op == "!=":
        return column != value  # type: ignore[no-any-return]
    if op in ("LIKE", "ILIKE") and value.isascii():
        return func.lower(column).like(func.lower(_like_pattern(value)), escape="\\")
    return None


def _model_condition(field: str, op: str, value: str) -> ColumnElement[bool] | None:
    if field == "name":
        return _string_condition(models.c.name, op, value)
    if not field.startswith("tags."):
        return None
    key = field[5:]
    if op == "!=":  # a missing tag differs from every value
        return not_(exists().where(model_tags.c.model_id == models.c.id, model_tags.c.key == key,
                                   model_tags.c.value == value))
    matched = _string_condition(model_tags.c.value, op, value)
    if matched is None:
        return exists().where(model_tags.c.model_id == models.c.id, model_tags.c.key == key)
    return exists().where(model_tags.c.model_id == models.c.id, model_tags.c.key == key, matched)


def _version_select() -> Select[Any]:
    """Versions with their model's name and scheme, their MLflow number (registration position,
    deleted versions counted: the ``number`` column) and the time of the last event about
    them."""
    last_event = (select(events.c.time)
                  .where(events.c.subject == models.c.name + literal("@") + versions.c.version)
                  .order_by(events.c.seq.desc()).limit(1).scalar_subquery())
    return (select(versions, models.c.name.label("model_name"),
                   models.c.versioning.label("model_versioning"),
                   last_event.label("last_event"))
            .join(models, models.c.id == versions.c.model_id))


def _stages() -> Any:
    """Every stage's name as a one-column table (``stage``)."""
    return union_all(*(select(literal(s.value).label("stage")) for s in Stage)).subquery("stages")


class MlflowQueries(SqlConnectionBase):
    """The batched reads of :class:`~modelsteward.ports.MlflowRecords`."""

    # versions -------------------------------------------------------------------------------

    def _version_records(self, rows: Sequence[Any]) -> list[VersionRecord]:
        """Records of version rows from :func:`_version_select`, with their tags and current
        aliases (one query per chunk of versions)."""
        tags: dict[str, dict[str, str]] = defaultdict(dict)
        held: dict[str, list[str]] = defaultdict(list)
        model_of = {str(r.id): str(r.model_id) for r in rows}
        for chunk in chunks(list(model_of)):
            # the models' ids too: the alias index leads with them (there is none by version)
            owners = sorted({model_of[vid] for vid in chunk})
            found = self.c.execute(union_all(
                select(version_tags.c.version_id, literal("t").label("kind"),
                       version_tags.c.key, version_tags.c.value)
                .where(version_tags.c.version_id.in_(chunk)),
                select(alias_assignments.c.version_id, literal("a").label("kind"),
                       alias_assignments.c.alias, literal(""))
                .where(alias_assignments.c.model_id.in_(owners),
                       alias_assignments.c.version_id.in_(chunk),
                       alias_assignments.c.removed_at.is_(None))))
            for r in found:
                if r.kind == "t":
                    tags[str(r.version_id)][str(r.key)] = str(r.value)
                else:
                    held[str(r.version_id)].append(str(r.key))
        records = []
        for r in rows:
            snapshots = r.model_versioning == VersionScheme.SNAPSHOT.value
            version: Version = to_version(r.model_name, snapshots, r)
            records.append(VersionRecord(
                version=version,
                number=int(r.number),
                deleted=r.deleted_at is not None,
                last_event=str(r.last_event) if r.last_event is not None else None,
                tags=dict(sorted(tags[str(r.id)].items())),
                aliases=tuple(sorted(held[str(r.id)]))))
        return records

    def mlflow_versions(self, model: str = "") -> list[VersionRecord]:
        """The live versions of the live model ``model`` (of every live model when empty), by
        model name and number."""
        query = _version_select().where(models.c.deleted_at.is_(None),
                                        versions.c.deleted_at.is_(None))
        if model:
            query = query.where(models.c.name == model)
        rows = self.c.execute(query.order_by(models.c.name, versions.c.number)).all()
        return self._version_records(rows)

    def mlflow_version_page(self, model: str, after: tuple[str, int] | None,
                            limit: int) -> list[VersionRecord]:
        """A keyset page in MLflow's search order (name ascending, number descending) after
        the version numbered ``after[1]`` of the model ``after[0]``: read through the models'
        name index and ``ix_versions_number``, from where the page starts (the numbers are
        stored: nothing is counted)."""
        if limit < 1:
            return []
        query = _version_select().where(models.c.deleted_at.is_(None),
                                        versions.c.deleted_at.is_(None))
        if model:
            # by the model's id, looked up first: so that PostgreSQL plans for that model's
            # share of the versions (through the name, it assumed an average model's and sorted
            # every version of a large one)
            model_id = self.c.execute(select(models.c.id).where(
                models.c.name == model, models.c.deleted_at.is_(None))).scalar()
            if model_id is None:
                return []
            query = query.where(versions.c.model_id == model_id)
        if after is not None:
            # a range on the name first: as one OR, the index scan started at the first
            # model of the registry
            name, number = after
            query = query.where(models.c.name >= name,
                                or_(models.c.name > name, versions.c.number < number))
        # one model's: by number alone (ordered by name too, the planner sorted its versions)
        order = (versions.c.number.desc(),) if model else (models.c.name,
                                                            versions.c.number.desc())
        rows = self.c.execute(query.order_by(*order).limit(limit)).all()
        return self._version_records(rows)

    def mlflow_version(self, model: str, number: int) -> VersionRecord | None:
        """Version ``number`` of the live model ``model``, deleted or not; None when the model
        has fewer versions or is not live."""
        if number < 1:
            return None
        rows = self.c.execute(_version_select()
                              .where(models.c.name == model, models.c.deleted_at.is_(None),
                                     versions.c.number == number)).all()
        return next(iter(self._version_records(rows)), None)

    def mlflow_version_by_alias(self, model: str, alias: str) -> VersionRecord | None:
        """The version (deleted or not) that currently holds ``alias`` of the live model
        ``model`` (the first assigned, when several hold it); None when none does."""
        rows = self.c.execute(
            _version_select()
            # the model's id too: the alias index leads with it (by the version id alone,
            # every assignment of the registry was scanned)
            .join(alias_assignments, and_(alias_assignments.c.version_id == versions.c.id,
                                          alias_assignments.c.model_id == models.c.id))
            .where(models.c.name == model, models.c.deleted_at.is_(None),
                   alias_assignments.c.alias == alias, alias_assignments.c.removed_at.is_(None))
            .order_by(alias_assignments.c.assigned_at).limit(1)).all()
        return next(iter(self._version_records(rows)), None)

    # models ---------------------------------------------------------------------------------

    def mlflow_model_keys(self, conditions: Sequence[tuple[str, str, str]], *,
                          with_tags: bool, with_last_event: bool, after: str = "",
                          limit: int | None = None) -> list[ModelKey]:
        """The live models that may meet ``conditions`` — ``(field, op, value)`` with field
        ``name`` or ``tags.<key>`` and op ``=``, ``!=``, ``LIKE`` or ``ILIKE`` — by name: every
        model that meets them, and possibly more (``LIKE`` is matched without regard to case
        here; others are left out), so the caller checks them exactly. ``with_tags`` and
        ``with_last_event`` fill those fields."""
        query = select(models.c.id, models.c.name, models.c.created_at).where(
            models.c.deleted_at.is_(None))
        for field, op, value in conditions:
            condition = _model_condition(field, op, value)
            if condition is not None:
                query = query.where(condition)
        if after:
            query = query.where(models.c.name > after)
        rows = self.c.execute(query.order_by(models.c.name).limit(limit)).all()
        tags = self._model_tags({str(r.id): str(r.name) for r in rows}) if with_tags else {}
        last = (self._model_events([str(r.name) for r in rows])[0] if with_last_event else {})
        return [ModelKey(r.name, r.created_at, tags.get(r.name, {}), last.get(r.name))
                for r in rows]

    def _model_tags(self, names_by_id: dict[str, str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for chunk in chunks(sorted(names_by_id)):
            rows = self.c.execute(select(model_tags.c.model_id, model_tags.c.key,
                                         model_tags.c.value)
                                  .where(model_tags.c.model_id.in_(chunk))
                                  .order_by(model_tags.c.model_id, model_tags.c.key))
            for r in rows:
                found[names_by_id[str(r.model_id)]][str(r.key)] = str(r.value)
        return found

    def _subject_model(self) -> ColumnElement[str]:
        """The part of an event's subject before its first ``@``: the model of ``model`` and
        ``model@…`` subjects (model names hold no ``@``)."""
        if self.c.dialect.name == "postgresql":
            return func.split_part(events.c.subject, "@", 1)
        return func.substr(events.c.subject, 1,
                           func.instr(events.c.subject + literal("@"), "@") - 1)

    def _large_model_span(self, name: str, model_id: str, count: int
                          ) -> tuple[int, int] | None:
        """(first, last) event about the model ``name`` (of ``count`` versions) or its
        versions, without reading every event about them: the first is its creation, an event
        about the model itself (by equality on the subject index); the last is the newest event
        about it after the later of its own last event and its newest registration (when that
        registration's event is about it), read back from the head of the log. ``None`` when
        those events are more than its versions (then every event about it is read)."""
        own = self.c.execute(select(func.min(events.c.seq), func.max(events.c.seq))
                             .where(events.c.subject == name)).one()
        if own[0] is None:
            return None
        floor = int(own[1])
        registered = self.c.execute(select(versions.c.registered_seq)
                                    .where(versions.c.model_id == model_id)
                                    .order_by(versions.c.number.desc()).limit(1)).scalar()
        if registered is not None and registered > floor:
            subject = self.c.execute(select(events.c.subject)
                                     .where(events.c.seq == registered)).scalar()
            if subject is not None and subject.startswith(name + "@"):
                floor = int(registered)
        head = self.chain_head()[0]
        if head - floor > count:
            return None
        # the events after the floor, newest first (a range of the log's key: as a filter on
        # the subject alone, SQLite would read the model's every event through its index)
        after = (select(events.c.seq, events.c.subject).where(events.c.seq > floor)
                 .order_by(events.c.seq.desc()).limit(head - floor).subquery("after"))
        last = self.c.execute(select(func.max(after.c.seq))
                              .where(about(self.c.dialect.name, name, after.c.subject))).scalar()
        return int(own[0]), int(last) if last is not None else floor

    def _model_events(self, names: Sequence[str],
                      large: Mapping[str, tuple[str, int]] | None = None
                      ) -> tuple[dict[str, str], dict[str, str]]:
        """For each model, the time of its last event and the actor of its first, counting
        events about the model and about any ``model@…`` (as ``last_event_time`` and
        ``events(subject_prefix=…)`` do). One pass over the events (a statement of one shape,
        where a LIKE per model made a long one to compile and plan), then a look-up by key.
        ``large``: the models of very many versions, with their ids and numbers of versions
        (see :meth:`_large_model_span`)."""
        ends: list[tuple[str, int, int]] = []
        if len(names) <= _PER_MODEL:
            # a page of models: each one's events through the subject index (the pass below
            # reads every event of the registry, whatever the number of models asked); "+ 0":
            # as plain min and max, PostgreSQL may read the log's key from either end instead,
            # filtering by subject (600 ms for an early model at 2,000,000 versions)
            for name in names:
                span = (self._large_model_span(name, *large[name])
                        if large and name in large else None) or \
                    self.c.execute(select(func.min(events.c.seq + 0), func.max(events.c.seq + 0))
                                   .where(about(self.c.dialect.name, name))).one()
                if span[0] is not None:
                    ends.append((name, int(span[0]), int(span[1])))
        else:
            model = self._subject_model()
            for chunk in chunks(list(names)):
                ends.extend((str(r[0]), int(r[1]), int(r[2])) for r in self.c.execute(
                    select(model, func.min(events.c.seq), func.max(events.c.seq))
                    .where(model.in_(chunk)).group_by(model)))
        found: dict[int, tuple[str, str]] = {}
        for seqs in chunks(sorted({seq for _, low, high in ends for seq in (low, high)})):
            found.update((int(r.seq), (str(r.time), str(r.actor))) for r in self.c.execute(
                select(events.c.seq, events.c.time, events.c.actor)
                .where(events.c.seq.in_(seqs))))
        return ({name: found[high][0] for name, _, high in ends},
                {name: found[low][1] for name, low, _ in ends})

    def mlflow_models(self, names: Sequence[str]) -> list[ModelRecord]:
        """Records of the live models among ``names``, in the order of ``names``: with their
        tags, current aliases (on live versions), first and last events, and the newest live
        version of each stage. A fixed number of queries per chunk of models."""
        rows: dict[str, Any] = {}
        held = (select(func.max(versions.c.number)).where(versions.c.model_id == models.c.id)
                .scalar_subquery().label("held"))  # how many versions: its newest's number
        for chunk in chunks(list(dict.fromkeys(names))):
            for row in self.c.execute(select(models, held).where(models.c.name.in_(chunk),
                                                                 models.c.deleted_at.is_(None))):
                rows[row.name] = row
        if not rows:
            return []
        ids = {str(r.id): name for name, r in rows.items()}
        # the newest live version of each stage: for each model and stage, one probe of
        # ``ix_versions_model_stage`` from its highest number down (a GROUP BY over the stages
        # read every version of the model)
        stages = _stages()
        newest = (select(versions.c.id)
                  .where(versions.c.model_id == models.c.id,
                         versions.c.stage == stages.c.stage, versions.c.deleted_at.is_(None))
                  .order_by(versions.c.number.desc()).limit(1)
                  .correlate(models, stages).scalar_subquery())
        newest_ids: list[str] = []
        for chunk in chunks(sorted(ids)):
            newest_ids.extend(str(r[0]) for r in self.c.execute(
                select(newest).select_from(models).join(stages, literal(True))
                .where(models.c.id.in_(chunk))) if r[0] is not None)
        latest_rows: list[Any] = []
        for chunk in chunks(newest_ids):
            latest_rows.extend(self.c.execute(_version_select()
                                              .where(versions.c.id.in_(chunk))))
        latest: dict[str, list[VersionRecord]] = defaultdict(list)
        for record, row in zip(self._version_records(latest_rows), latest_rows, strict=True):
            latest[str(row.model_id)].append(record)
        tags = self._model_tags(ids)
        aliases: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for chunk in chunks(sorted(ids)):
            for r in self.c.execute(
                    select(alias_assignments.c.model_id, alias_assignments.c.alias,
                           versions.c.number)
                    .join(versions, versions.c.id == alias_assignments.c.version_id)
                    .where(alias_assignments.c.model_id.in_(chunk),
                           alias_assignments.c.removed_at.is_(None),
                           versions.c.deleted_at.is_(None))):
                aliases[str(r[0])].append((str(r[1]), int(r[2])))
        last, creator = self._model_events(list(rows), {
            name: (str(row.id), int(row.held)) for name, row in rows.items()
            if (row.held or 0) > _MANY})
        return [ModelRecord(
            model=to_model(row), created_at=row.created_at, last_event=last.get(name),
            creator=creator.get(name, ""), tags=tags.get(name, {}),
            aliases=tuple(sorted(aliases[str(row.id)])),
            newest=tuple(sorted(latest[str(row.id)], key=lambda v: v.number)))
            for name, row in ((n, rows[n]) for n in dict.fromkeys(names) if n in rows)]

