"""Storage of experiments and of their outcomes' sufficient statistics. Mixed into
``SqlTransaction``."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from modelsteward.domain.events import canonical_json
from modelsteward.domain.experiment import Experiment
from modelsteward.domain.experiment_record import from_record, to_record
from modelsteward.domain.outcomes import MomentKey, Moments
from modelsteward.errors import ExperimentExists
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.tables import experiment_moments, experiments

_RECORD = select(experiments.c.record).where(experiments.c.name == bindparam("name"))


@functools.lru_cache(maxsize=256)
def _experiment(record: str) -> Experiment:
    """The experiment a stored record holds: decoded once per record text (routing reads the
    same record on every request; the value is frozen, so it may be shared)."""
    return from_record(json.loads(record))


class ExperimentQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.ExperimentRecords`."""

    def add_experiment(self, experiment: Experiment) -> None:
        exists = self.c.execute(select(experiments.c.name)
                                .where(experiments.c.name == experiment.name)).first()
        if exists is not None:
            raise ExperimentExists(experiment.name)
        try:
            with self.c.begin_nested():
                self.c.execute(insert(experiments).values(
                    name=experiment.name, model=experiment.model, kind=experiment.kind.value,
                    status=experiment.status.value,
                    record=canonical_json(to_record(experiment)),
                    created_at=experiment.created_at))
        except IntegrityError:
            raise ExperimentExists(experiment.name) from None

    def save_experiment(self, experiment: Experiment) -> None:
        self.c.execute(update(experiments).where(experiments.c.name == experiment.name).values(
            status=experiment.status.value, record=canonical_json(to_record(experiment))))

    def experiment(self, name: str) -> Experiment | None:
        found = self.c.execute(_RECORD, {"name": name}).scalar()
        return _experiment(str(found)) if found is not None else None

    def experiments(self, model: str = "", *, running: bool = False, ended: bool = False,
                    after: str = "", limit: int | None = None) -> list[Experiment]:
        query = select(experiments.c.record).order_by(experiments.c.name)
        if model:
            query = query.where(experiments.c.model == model)
        if running:
            query = query.where(experiments.c.status == "running")
        if ended:
            query = query.where(experiments.c.status != "running")
        if after:
            query = query.where(experiments.c.name > after)
        if limit is not None:
            query = query.limit(max(limit, 0))
        return [_experiment(str(row[0])) for row in self.c.execute(query)]

    def experiments_of(self, models: Collection[str]) -> dict[str, list[Experiment]]:
        found: dict[str, list[Experiment]] = {}
        for chunk in chunks(sorted(set(models))):
            query = (select(experiments.c.record).where(experiments.c.model.in_(chunk))
                     .order_by(experiments.c.name))
            for row in self.c.execute(query):
                experiment = _experiment(str(row[0]))
                found.setdefault(experiment.model, []).append(experiment)
        for listed in found.values():
            listed.sort(key=lambda e: e.name)
        return found

    def add_moments(self, name: str, moments: Mapping[MomentKey, Moments]) -> None:
        """One upsert per few hundred keys: the database adds to the row a key has."""
        rows = [{"experiment": name, "arm": arm, "metric": metric, "day": day,
                 "count": m.count, "total": m.total, "total_sq": m.total_sq}
                for (arm, metric, day), m in sorted(moments.items())]
        dialect = postgresql if self.c.dialect.name == "postgresql" else sqlite
        table = experiment_moments
        for chunk in chunks(rows):
            statement = dialect.insert(table)
            self.c.execute(statement.on_conflict_do_update(
                index_elements=[table.c.experiment, table.c.arm, table.c.metric, table.c.day],
                set_={"count": table.c.count + statement.excluded.count,
                      "total": table.c.total + statement.excluded.total,
                      "total_sq": table.c.total_sq + statement.excluded.total_sq}), chunk)

    def moments(self, name: str) -> dict[MomentKey, Moments]:
        t = experiment_moments
        rows = self.c.execute(select(t.c.arm, t.c.metric, t.c.day, t.c.count, t.c.total,
                                     t.c.total_sq).where(t.c.experiment == name)
                              .order_by(t.c.day, t.c.arm, t.c.metric))
        return {(str(r.arm), str(r.metric), r.day): Moments(int(r[3]), float(r.total),
                                                           float(r.total_sq)) for r in rows}
