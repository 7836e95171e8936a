"""What every query mixin of ``SqlTransaction`` shares: the connection of the unit of work, the
keys it has read so far, and the event chain's head under the write lock."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_

from modelsteward.domain.events import GENESIS
from modelsteward.domain.model import VersionScheme
from modelsteward.errors import ModelNotFound, VersionNotFound
from modelsteward.store.batches import chunks
from modelsteward.store.tables import chain_head, models, versions

_MODEL_KEY = select(models.c.id, models.c.versioning).where(models.c.name == bindparam("name"))
_VERSION_PK = select(versions.c.id).where(versions.c.model_id == bindparam("model_id"),
                                          versions.c.version == bindparam("version"))
# the keys of a few models, then of a few versions, which the unique index on (model key,
# number) finds pair by pair: on SQLite as the cross product of their model keys and numbers
# (filtered after; a row-value IN list has SQLite scan the table), on PostgreSQL as a list of
# pairs (the cross product's generic plan, once prepared, reads a large model's every version)
_MODEL_KEYS = select(models.c.id, models.c.name, models.c.versioning).where(
    models.c.name.in_(bindparam("names", expanding=True)))
VERSION_KEYS_IN = (versions.c.model_id.in_(bindparam("ids", expanding=True)),
                   versions.c.version.in_(bindparam("numbers", expanding=True)))
VERSION_PAIRS_IN = tuple_(versions.c.model_id, versions.c.version).in_(
    bindparam("pairs", expanding=True))
_VERSION_PKS = (
    select(versions.c.id, versions.c.model_id, versions.c.version).where(*VERSION_KEYS_IN),
    select(versions.c.id, versions.c.model_id, versions.c.version).where(VERSION_PAIRS_IN))
HEAD = select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)
HEAD_FOR_UPDATE = HEAD.with_for_update()


class SqlConnectionBase:
    """One open connection (``c``) in a transaction, and what it has looked up.

    ``writing``: the transaction holds the database's write lock, so nothing but itself moves
    the event chain's head; it is then read once (or given as ``head``) and kept."""

    def __init__(self, connection: Connection, *, writing: bool = False,
                 head: tuple[int, str] | None = None) -> None:
        self.c = connection
        # model name -> (id, uses snapshots); (model, version) -> primary key: kept for the
        # transaction, as names and keys do not change within one
        self._model_ids: dict[str, tuple[str, bool]] = {}
        self._version_pks: dict[tuple[str, str], str] = {}
        self._writing = writing
        self._head = head if writing else None

    def _remember_model(self, name: str, model_id: str, versioning: str) -> None:
        self._model_ids[name] = (model_id, versioning == VersionScheme.SNAPSHOT.value)

    def _model_key(self, name: str) -> tuple[str, bool]:
        """(id, uses_snapshots) of a model, deleted or not; raises ModelNotFound."""
        if name not in self._model_ids:
            row = self.c.execute(_MODEL_KEY, {"name": name}).first()
            if row is None:
                raise ModelNotFound(name)
            self._remember_model(name, row.id, row.versioning)
        return self._model_ids[name]

    def _version_pk(self, model: str, version: str) -> str:
        """The primary key of ``model@version`` (deleted or not); raises VersionNotFound."""
        pk = self._version_pks.get((model, version))
        if pk is None:
            model_id, _ = self._model_key(model)
            found = self.c.execute(_VERSION_PK, {"model_id": model_id,
                                                 "version": version}).scalar()
            if found is None:
                raise VersionNotFound(model, version)
            pk = self._version_pks[(model, version)] = str(found)
        return pk

    def _model_keys_for(self, names: Collection[str]) -> None:
        """Look up the keys of those of ``names`` (deleted or not) not looked up before, in one
        read per batch; unknown names stay unknown."""
        missing = sorted({name for name in names if name not in self._model_ids})
        for chunk in chunks(missing):
            for row in self.c.execute(_MODEL_KEYS, {"names": list(chunk)}):
                self._remember_model(str(row.name), row.id, row.versioning)

    def _version_rows(self, statements: tuple[Any, Any], refs: Collection[tuple[str, str]]
                      ) -> Iterator[tuple[tuple[str, str], Any]]:
        """((model, version), row) of the rows of ``statements`` (selecting ``versions``
        columns, under :data:`VERSION_KEYS_IN` and under :data:`VERSION_PAIRS_IN`) for those of
        ``refs`` whose model and version exist. On SQLite the index is probed for every pair of
        the cross product: fine for a page's worth of refs (tens), not for thousands at once."""
        self._model_keys_for({name for name, _ in refs})
        wanted = {(self._model_ids[name][0], number): (name, number) for name, number in refs
                  if name in self._model_ids}
        batches: list[tuple[Any, dict[str, object]]]
        if self.c.dialect.name == "sqlite":
            by_model: dict[str, set[str]] = {}
            for key, number in wanted:
                by_model.setdefault(key, set()).add(number)
            batches = [(statements[0], {"ids": list(chunk), "numbers": sorted(
                {number for key in chunk for number in by_model[key]})})
                for chunk in chunks(sorted(by_model))]
        else:
            batches = [(statements[1], {"pairs": list(chunk)})
                       for chunk in chunks(sorted(wanted))]
        for statement, values in batches:
            for row in self.c.execute(statement, values):
                ref = wanted.get((str(row.model_id), str(row.version)))
                if ref is not None:
                    yield ref, row

    def _version_pks_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Primary key -> ``model@version`` of those of ``refs`` that exist (deleted or not), in
        a read or two per batch for the keys not looked up before."""
        wanted = dict.fromkeys(refs)
        missing = [ref for ref in wanted if ref not in self._version_pks]
        for ref, row in self._version_rows(_VERSION_PKS, missing):
            self._version_pks[ref] = str(row.id)
        return {self._version_pks[ref]: f"{ref[0]}@{ref[1]}" for ref in wanted
                if ref in self._version_pks}

    def written_head(self) -> int | None:
        """The chain head's sequence number as this writing transaction left it, when known
        without a query (always on PostgreSQL); ``None`` otherwise."""
        return self._head[0] if self._head is not None else None

    def chain_head(self) -> tuple[int, str]:
        """(number, hash) of the last event; ``(0, GENESIS)`` for an empty log."""
        if self._head is not None:
            return self._head
        row = self.c.execute(HEAD).first()
        head = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS)
        if self._writing:
            self._head = head
        return head
