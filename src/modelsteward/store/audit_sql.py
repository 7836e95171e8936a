"""Batched reads for auditing many locked versions at once: their digest and stage, and the gate
overrides they were promoted with. One query per few hundred versions instead of several per
version. Mixed into ``SqlTransaction``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Select, String, and_, bindparam, func, select

from modelsteward.domain.lifecycle import Gate, GateOverride, Stage
from modelsteward.domain.model import SupportPolicy
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import CHUNK, chunks
from modelsteward.store.tables import gate_overrides, models, versions

# On PostgreSQL, the versions of (model id, version) pairs given as two arrays, read pair by
# pair through ``uq_versions_model_version``: a filter on the model names alone let the planner
# guess how many versions each model has — beside a model of 1,000,000 versions, enough to
# scan the whole table — and a row-value IN list of a thousand pairs took longer to plan
_WANTED = (func.unnest(bindparam("ids", type_=ARRAY(String)),
                       bindparam("numbers", type_=ARRAY(String)))
           .table_valued("model_id", "version").render_derived(name="wanted"))


def _of_pairs(*columns: Any) -> Select[Any]:
    return (select(versions.c.model_id, versions.c.version, *columns).select_from(_WANTED)
            .join(versions, and_(versions.c.model_id == _WANTED.c.model_id,
                                 versions.c.version == _WANTED.c.version))
            .join(models, models.c.id == versions.c.model_id)
            .where(models.c.deleted_at.is_(None), versions.c.deleted_at.is_(None)))


_STATES = _of_pairs(versions.c.digest, versions.c.stage, versions.c.blocked_reason)
_REGISTERED = _of_pairs(versions.c.registered_at)
# the models, by name, that declare active months (few: their versions are read after)
_SUPPORTED = (select(models.c.name, models.c.support_months, models.c.support_after)
              .where(models.c.name.in_(bindparam("names", expanding=True)),
                     models.c.support_months.is_not(None), models.c.deleted_at.is_(None)))


class AuditQueries(SqlConnectionBase):
    """``version_states`` of :class:`~modelsteward.ports.Catalog` and ``overrides_for`` of
    :class:`~modelsteward.ports.LifecycleRecords`: the batched reads of audits."""

    def version_states(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str],
                                                                        tuple[str, Stage, str]]:
        """(model, version) → (root digest, stage, blocked reason) for the refs that exist and
        are not deleted."""
        found: dict[tuple[str, str], tuple[str, Stage, str]] = {}
        wanted = set(refs)
        names = sorted({name for name, _ in wanted})
        every = len(names) > CHUNK and 2 * len(names) >= self._live_models()
        if self.c.dialect.name == "postgresql" and not every:
            for ref, row in self._pairs(_STATES, refs):
                found[ref] = (str(row.digest), Stage(str(row.stage)),
                              str(row.blocked_reason or ""))
            return found
        query = (select(models.c.name, versions.c.version, versions.c.digest, versions.c.stage,
                        versions.c.blocked_reason)
                 .join(models, models.c.id == versions.c.model_id)
                 .where(models.c.deleted_at.is_(None), versions.c.deleted_at.is_(None)))
        # on SQLite by model name (a unique index), keeping the wanted versions: row-value IN
        # lists are slow there. When more names than one list holds are asked for and they are at
        # least half the live models (a report on all of them), one query reads every live
        # version: cheaper than sending and planning IN lists of thousands of names.
        if every:
            batches = [query]
        else:
            batches = [query.where(models.c.name.in_(chunk)) for chunk in chunks(names)]
        for batch in batches:
            for name, version, digest, stage, blocked in self.c.execute(batch).all():
                key = (str(name), str(version))
                if key in wanted:
                    found[key] = (str(digest), Stage(str(stage)), str(blocked or ""))
        return found

    def _pairs(self, statement: Select[Any], refs: Sequence[tuple[str, str]]
               ) -> Iterator[tuple[tuple[str, str], Any]]:
        """((model, version), row) of ``statement`` (PostgreSQL: :func:`_of_pairs`) for those
        of ``refs`` whose model and version exist."""
        self._model_keys_for({name for name, _ in refs})
        wanted = {(self._model_ids[name][0], number): (name, number) for name, number in refs
                  if name in self._model_ids}
        for chunk in chunks(sorted(wanted)):
            for row in self.c.execute(statement, {"ids": [key for key, _ in chunk],
                                                  "numbers": [number for _, number in chunk]}):
                yield wanted[(str(row.model_id), str(row.version))], row

    def _live_models(self) -> int:
        return int(self.c.execute(select(func.count()).select_from(models)
                                  .where(models.c.deleted_at.is_(None))).scalar_one())

    def support_terms(self, refs: Sequence[tuple[str, str]]
                      ) -> dict[tuple[str, str], tuple[datetime, SupportPolicy]]:
        """(model, version) → (registration time, support policy) for the refs that exist, are
        not deleted and whose model declares active months."""
        found: dict[tuple[str, str], tuple[datetime, SupportPolicy]] = {}
        if self.c.dialect.name == "postgresql":
            policies: dict[str, SupportPolicy] = {}
            for chunk in chunks(sorted({name for name, _ in refs})):
                policies.update((str(r.name), SupportPolicy(r.support_months,
                                                            str(r.support_after or "")))
                                for r in self.c.execute(_SUPPORTED, {"names": list(chunk)}))
            for ref, row in self._pairs(_REGISTERED, [r for r in refs if r[0] in policies]):
                found[ref] = (row.registered_at, policies[ref[0]])
            return found
        wanted = set(refs)
        for chunk in chunks(sorted({name for name, _ in wanted})):
            rows = self.c.execute(
                select(models.c.name, versions.c.version, versions.c.registered_at,
                       models.c.support_months, models.c.support_after)
                .join(models, models.c.id == versions.c.model_id)
                .where(models.c.name.in_(chunk), models.c.support_months.is_not(None),
                       models.c.deleted_at.is_(None), versions.c.deleted_at.is_(None)))
            for row in rows:
                key = (str(row.name), str(row.version))
                if key in wanted:
                    found[key] = (row.registered_at, SupportPolicy(row.support_months,
                                                                   str(row.support_after or "")))
        return found

    def overrides_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[GateOverride]]:
        """``model@version`` → its gate overrides, oldest first (only refs that have some)."""
        found: dict[str, list[GateOverride]] = defaultdict(list)
        wanted = {f"{name}@{version}" for name, version in refs}
        for chunk in chunks(sorted({name for name, _ in refs})):
            rows = self.c.execute(
                select(models.c.name, versions.c.version, gate_overrides)
                .join(versions, versions.c.id == gate_overrides.c.version_id)
                .join(models, models.c.id == versions.c.model_id)
                .where(models.c.name.in_(chunk))
                .order_by(gate_overrides.c.at))
            for r in rows:
                ref = f"{r.name}@{r.version}"
                if ref in wanted:
                    found[ref].append(GateOverride(ref, Gate(r.gate), r.reason, r.actor, r.at))
        return dict(found)
