"""Experiments and their outcomes' sufficient statistics in memory (as
``store/experiments_sql.py``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from modelsteward.domain.experiment import Experiment
from modelsteward.domain.outcomes import MomentKey, Moments
from modelsteward.errors import ExperimentExists
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import stored


class ExperimentQueries(TransactionBase):
    """Implements :class:`~modelsteward.ports.ExperimentRecords`."""

    def add_experiment(self, experiment: Experiment) -> None:
        t = self._write()
        if experiment.name in t.experiments:
            raise ExperimentExists(experiment.name)
        t.experiments[experiment.name] = stored(experiment)

    def save_experiment(self, experiment: Experiment) -> None:
        t = self._write()
        if experiment.name in t.experiments:
            t.experiments[experiment.name] = stored(experiment)

    def experiment(self, name: str) -> Experiment | None:
        return self.t.experiments.get(name)

    def experiments(self, model: str = "", *, running: bool = False, ended: bool = False,
                    after: str = "", limit: int | None = None) -> list[Experiment]:
        found = [e for name, e in sorted(self.t.experiments.items())
                 if (not model or e.model == model) and (not running or e.running)
                 and (not ended or not e.running) and name > after]
        return found if limit is None else found[:max(limit, 0)]

    def experiments_of(self, models: Collection[str]) -> dict[str, list[Experiment]]:
        wanted = set(models)
        found: dict[str, list[Experiment]] = {}
        for _, experiment in sorted(self.t.experiments.items()):
            if experiment.model in wanted:
                found.setdefault(experiment.model, []).append(experiment)
        return found

    def add_moments(self, name: str, moments: Mapping[MomentKey, Moments]) -> None:
        t = self._write()
        kept = dict(t.experiment_moments.get(name, {}))
        for key, value in moments.items():
            kept[key] = kept.get(key, Moments()) + value
        t.experiment_moments[name] = kept

    def moments(self, name: str) -> dict[MomentKey, Moments]:
        kept = self.t.experiment_moments.get(name, {})
        return {key: kept[key] for key in sorted(kept, key=lambda k: (k[2], k[0], k[1]))}
