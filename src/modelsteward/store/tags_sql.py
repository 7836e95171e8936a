"""Storage of key-value tags of models and versions (MLflow compatibility), and the few facts
the MLflow mapping reads: registration order and the time of the last event. Mixed into
``SqlTransaction``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select

from modelsteward.store.tables import events, model_tags, models, version_tags, versions

_VERSION_COUNT = (select(func.count()).select_from(versions)
                  .where(versions.c.model_id == bindparam("model_id")))


class TagQueries:
    c: Connection

    def _model_key(self, name: str) -> tuple[str, bool]:
        raise NotImplementedError  # provided by SqlTransaction

    def _version_pk(self, model: str, version: str) -> str:
        raise NotImplementedError  # provided by LifecycleQueries, through SqlTransaction

    # model tags -----------------------------------------------------------------------------

    def model_tags(self, model: str) -> dict[str, str]:
        """The tags of ``model``, by key (sorted)."""
        model_id, _ = self._model_key(model)
        rows = self.c.execute(select(model_tags.c.key, model_tags.c.value)
                              .where(model_tags.c.model_id == model_id).order_by(model_tags.c.key))
        return {r.key: r.value for r in rows}

    def set_model_tag(self, model: str, key: str, value: str) -> None:
        """Set (insert or replace) the tag ``key`` of ``model``."""
        model_id, _ = self._model_key(model)
        self.c.execute(delete(model_tags).where(model_tags.c.model_id == model_id,
                                                model_tags.c.key == key))
        self.c.execute(insert(model_tags).values(model_id=model_id, key=key, value=value))

    def delete_model_tag(self, model: str, key: str) -> bool:
        """Remove the tag ``key`` of ``model``; False when there was none."""
        model_id, _ = self._model_key(model)
        result = self.c.execute(delete(model_tags).where(model_tags.c.model_id == model_id,
                                                         model_tags.c.key == key))
        return bool(result.rowcount)

    # version tags ---------------------------------------------------------------------------

    def version_tags(self, model: str, version: str) -> dict[str, str]:
        """The tags of ``model@version``, by key (sorted). Raises VersionNotFound."""
        pk = self._version_pk(model, version)
        rows = self.c.execute(select(version_tags.c.key, version_tags.c.value)
                              .where(version_tags.c.version_id == pk)
                              .order_by(version_tags.c.key))
        return {r.key: r.value for r in rows}

    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None:
        """Set (insert or replace) the tag ``key`` of ``model@version``."""
        pk = self._version_pk(model, version)
        self.c.execute(delete(version_tags).where(version_tags.c.version_id == pk,
                                                  version_tags.c.key == key))
        self.c.execute(insert(version_tags).values(version_id=pk, key=key, value=value))

    def delete_version_tag(self, model: str, version: str, key: str) -> bool:
        """Remove the tag ``key`` of ``model@version``; False when there was none."""
        pk = self._version_pk(model, version)
        result = self.c.execute(delete(version_tags).where(version_tags.c.version_id == pk,
                                                           version_tags.c.key == key))
        return bool(result.rowcount)

    # facts for the mapping ------------------------------------------------------------------

    def registration_order(self, model: str) -> list[str]:
        """Every version of ``model``, deleted ones included, in the order they were
        registered: the 1-based position is the version's MLflow number."""
        model_id, _ = self._model_key(model)
        rows = self.c.execute(select(versions.c.version).where(versions.c.model_id == model_id)
                              .order_by(versions.c.registered_seq))
        return [str(r.version) for r in rows]

    def version_count(self, model: str) -> int:
        """How many versions ``model`` has, deleted ones included: the MLflow number of its
        newest registration."""
        model_id, _ = self._model_key(model)
        count: int = self.c.execute(_VERSION_COUNT, {"model_id": model_id}).scalar_one()
        return count

    def model_created_at(self, model: str) -> datetime:
        """When ``model`` was created (deleted models included)."""
        created: datetime = self.c.execute(select(models.c.created_at)
                                           .where(models.c.name == model)).scalar_one()
        return created

    def last_event_time(self, subject: str, *, with_versions: bool = False) -> str | None:
        """The time (as stored: ISO 8601 UTC) of the last event about ``subject`` — and, with
        ``with_versions``, about any ``subject@version`` — or None when there is none."""
        condition = (or_(events.c.subject == subject,
                         events.c.subject.startswith(subject + "@", autoescape=True))
                     if with_versions else events.c.subject == subject)
        found = self.c.execute(select(events.c.time).where(condition)
                               .order_by(events.c.seq.desc()).limit(1)).scalar()
        return str(found) if found is not None else None
