"""Simulated experiments for the analysis' tests: raw observations drawn with numpy's seeded
generator, summed into the moments an experiment keeps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelsteward.domain.outcomes import Moments

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Looks:
    """Cumulative moments of many simulated two-arm experiments: ``count[k]`` observations per
    arm by look ``k``, ``total[e, arm, k]`` and ``total_sq[e, arm, k]`` their sums (arm 0 is
    the control)."""

    count: npt.NDArray[np.int64]
    total: Floats
    total_sq: Floats

    @property
    def experiments(self) -> int:
        return int(self.total.shape[0])

    def moments(self, experiment: int, arm: int, look: int) -> Moments:
        return Moments(int(self.count[look]), float(self.total[experiment, arm, look]),
                       float(self.total_sq[experiment, arm, look]))

    def pairs(self, experiment: int) -> list[tuple[Moments, Moments]]:
        """The ``(control, treatment)`` moments at each look of one experiment."""
        return [(self.moments(experiment, 0, k), self.moments(experiment, 1, k))
                for k in range(len(self.count))]


def normal_looks(rng: np.random.Generator, experiments: int, looks: int, per_look: int,
                 means: tuple[float, float], sd: float) -> Looks:
    """Normal observations, ``per_look`` per arm between looks."""
    draws = rng.normal(0.0, sd, (experiments, 2, looks, per_look))
    draws += np.array(means).reshape(1, 2, 1, 1)
    return _cumulative(draws, per_look)


def bernoulli_looks(rng: np.random.Generator, experiments: int, looks: int, per_look: int,
                    rates: tuple[float, float]) -> Looks:
    """0/1 observations of success ``rates``, ``per_look`` per arm between looks."""
    draws = rng.random((experiments, 2, looks, per_look))
    successes = (draws < np.array(rates).reshape(1, 2, 1, 1)).astype(np.float64)
    return _cumulative(successes, per_look)


def _cumulative(draws: Floats, per_look: int) -> Looks:
    looks = draws.shape[2]
    return Looks(count=per_look * np.arange(1, looks + 1, dtype=np.int64),
                 total=draws.sum(axis=3).cumsum(axis=2),
                 total_sq=(draws * draws).sum(axis=3).cumsum(axis=2))


def exact(count: int, mean: float, sd: float) -> Moments:
    """Moments of ``count`` observations with exactly this mean and sample standard deviation."""
    return Moments(count, count * mean, (count - 1) * sd * sd + count * mean * mean)
