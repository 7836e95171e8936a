"""Storage of key-value tags of models and versions (MLflow compatibility). Mixed into
``SqlTransaction``."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.tables import model_tags, version_tags


class TagQueries(SqlConnectionBase):
    """The tags of :class:`~modelsteward.ports.MlflowRecords`."""

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
