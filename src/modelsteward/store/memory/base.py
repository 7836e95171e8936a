"""What every part of :class:`~modelsteward.store.memory.MemoryTransaction` shares: the tables it
reads (and, writing, changes) and the look-ups that raise as the SQL store's do."""

from __future__ import annotations

from modelsteward.errors import ModelNotFound, StorageError, VersionNotFound
from modelsteward.store.memory.tables import ModelRow, Ref, Tables, VersionRow


class TransactionBase:
    """``t``: the tables this transaction sees (its own copy when ``writing``)."""

    def __init__(self, tables: Tables, *, writing: bool = False) -> None:
        self.t = tables
        self._writing = writing

    def _write(self) -> Tables:
        if not self._writing:
            raise StorageError("This transaction only reads; open one with store.write().")
        return self.t

    def _model_row(self, name: str) -> ModelRow:
        """The model ``name``, deleted or not; raises ModelNotFound."""
        row = self.t.models.get(name)
        if row is None:
            raise ModelNotFound(name)
        return row

    def _version_row(self, model: str, version: str) -> VersionRow:
        """``model@version``, deleted or not; raises ModelNotFound, VersionNotFound."""
        self._model_row(model)
        row = self.t.versions.get((model, version))
        if row is None:
            raise VersionNotFound(model, version)
        return row

    def _ref(self, model: str, version: str) -> Ref:
        """The key of an existing ``model@version`` (as :meth:`_version_row`)."""
        self._version_row(model, version)
        return (model, version)
