"""The experiments role: experiments and the sufficient statistics of their outcomes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from modelsteward.domain.experiment import Experiment
from modelsteward.domain.outcomes import MomentKey, Moments


class ExperimentRecords(Protocol):
    """Experiments by name, and per arm, metric and day the count, sum and sum of squares of
    what was observed (so storage grows with days, not with observations)."""

    def add_experiment(self, experiment: Experiment) -> None:
        """Store a new experiment; :class:`~modelsteward.errors.ExperimentExists` when its name
        is taken."""
        ...

    def save_experiment(self, experiment: Experiment) -> None:
        """Replace the stored state of an existing experiment (status, step, weights…)."""
        ...

    def experiment(self, name: str) -> Experiment | None: ...

    def experiments(self, model: str = "", *, running: bool = False, ended: bool = False,
                    after: str = "", limit: int | None = None) -> list[Experiment]:
        """Experiments (of ``model``; only running ones when ``running``, only ended ones when
        ``ended``), by name; with ``after`` and ``limit``, the keyset page of those named after
        ``after``."""
        ...

    def experiments_of(self, models: Collection[str]) -> dict[str, list[Experiment]]:
        """Each of ``models`` with an experiment → :meth:`experiments` of it (by name); a few
        reads whatever the number of models."""
        ...

    def add_moments(self, name: str, moments: Mapping[MomentKey, Moments]) -> None:
        """Add ``moments`` to what experiment ``name`` has kept under the same keys."""
        ...

    def moments(self, name: str) -> dict[MomentKey, Moments]:
        """Everything kept for experiment ``name``."""
        ...
