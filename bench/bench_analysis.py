"""Error rates of the experiment analysis on simulated experiments, and what it costs to run.

    python bench/bench_analysis.py [--experiments 5000] [--days 14] [--seed 20261206]

Simulates two-arm experiments on a normal metric (control mean 10, sd 2) looked at once a day,
with numpy's seeded generator, in chunks so memory stays small:

* **A/A** (no effect), 100 units per arm a day: the false-positive rate of the mSPRT read every
  day, against two baselines from the same data: Welch's t-test read once at the end (≈ alpha,
  the rate a fixed-horizon design promises) and Welch's t-test read every day and acted on at
  the first p < alpha (what peeking does to it);
* **A/B** with a true lift of the design's MDE (2%): the power of Welch's test read once at
  the fixed-horizon ``n`` and of the mSPRT looked at daily up to its own ``n``, both from
  :func:`~modelsteward.analysis.time_to_decision`, and of the mSPRT stopped at the fixed ``n``;
  with the mean look at which the mSPRT decided.

Each rate is printed with its simulation standard error and its ratio to the design's alpha or
power; the last column is the wall time per simulated experiment. Never fails on a figure.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from modelsteward.analysis import Decision, compare, msprt, time_to_decision
from modelsteward.domain.outcomes import Design, MetricSpec, Moments

DESIGN = Design(alpha=0.05, power=0.8, mde=0.02)
METRIC = MetricSpec("quality")
MEAN, SD = 10.0, 2.0
CHUNK = 250  # experiments simulated at once


@dataclass(frozen=True)
class Chunk:
    """Cumulative counts per look and per-experiment sums (experiment, arm, look)."""

    count: npt.NDArray[np.int64]
    total: npt.NDArray[np.float64]
    total_sq: npt.NDArray[np.float64]

    @property
    def experiments(self) -> int:
        return int(self.total.shape[0])

    def moments(self, e: int, arm: int, look: int) -> Moments:
        return Moments(int(self.count[look]), float(self.total[e, arm, look]),
                       float(self.total_sq[e, arm, look]))

    def pairs(self, e: int) -> list[tuple[Moments, Moments]]:
        return [(self.moments(e, 0, k), self.moments(e, 1, k)) for k in range(len(self.count))]


def chunks(rng: np.random.Generator, experiments: int, days: int, per_day: int,
           lift: float) -> Iterator[Chunk]:
    means = np.array([MEAN, MEAN * (1 + lift)]).reshape(1, 2, 1, 1)
    for start in range(0, experiments, CHUNK):
        size = min(CHUNK, experiments - start)
        draws = rng.normal(0.0, SD, (size, 2, days, per_day)) + means
        yield Chunk(per_day * np.arange(1, days + 1, dtype=np.int64),
                    draws.sum(axis=3).cumsum(axis=2), (draws * draws).sum(axis=3).cumsum(axis=2))


def exact(count: int) -> Moments:
    """Moments of ``count`` observations with exactly the control's mean and sd."""
    return Moments(count, count * MEAN, (count - 1) * SD * SD + count * MEAN * MEAN)


# A rule reads a chunk and gives, per experiment, the look at which it rejected (None: never).
# ``better`` counts only rejections toward a higher mean (power); otherwise either side counts.
Rule = Callable[[Chunk, bool], list[int | None]]


def welch_once(chunk: Chunk, better: bool) -> list[int | None]:
    last = len(chunk.count) - 1
    found: list[int | None] = []
    for e in range(chunk.experiments):
        result = compare(chunk.moments(e, 0, last), chunk.moments(e, 1, last), METRIC, DESIGN)
        hit = result.decision is Decision.BETTER if better else result.significant
        found.append(last + 1 if hit else None)
    return found


def welch_peeked(chunk: Chunk, better: bool) -> list[int | None]:
    """Welch's test at every look (vectorised SciPy), stopped at the first p < alpha."""
    n = chunk.count
    means = chunk.total / n
    sds = np.sqrt((chunk.total_sq - chunk.total ** 2 / n) / (n - 1))
    _, p = stats.ttest_ind_from_stats(means[:, 1], sds[:, 1], n, means[:, 0], sds[:, 0], n,
                                      equal_var=False)
    rejected = np.asarray(p) < DESIGN.alpha
    if better:
        rejected &= means[:, 1] > means[:, 0]
    return [int(np.argmax(row)) + 1 if row.any() else None for row in rejected]


def msprt_daily(chunk: Chunk, better: bool) -> list[int | None]:
    found: list[int | None] = []
    for e in range(chunk.experiments):
        result = msprt(chunk.pairs(e), METRIC, DESIGN)
        hit = result.decision is Decision.BETTER if better else result.decided_at is not None
        found.append(result.decided_at if hit else None)
    return found


@dataclass
class Tally:
    name: str
    hits: int = 0
    runs: int = 0
    looks: int = 0
    seconds: float = 0.0

    def rate(self) -> tuple[float, float]:
        share = self.hits / self.runs
        return share, math.sqrt(share * (1 - share) / self.runs)


def tally(name: str, source: Iterator[Chunk], rule: Rule, better: bool) -> Tally:
    found = Tally(name)
    for chunk in source:
        started = time.perf_counter()
        looks = rule(chunk, better)
        found.seconds += time.perf_counter() - started
        found.runs += len(looks)
        decided = [look for look in looks if look is not None]
        found.hits += len(decided)
        found.looks += sum(decided)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiments", type=int, default=5000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    n, days = args.experiments, args.days

    timing = time_to_decision(exact(10**6), exact(10**6), METRIC, DESIGN, daily_control=1.0,
                              daily_treatment=1.0)
    assert timing.fixed_control is not None and timing.sequential_control is not None
    fixed_day = math.ceil(timing.fixed_control / days)
    seq_day = math.ceil(timing.sequential_control / days)
    print(f"{n:,} experiments × {days} daily looks; alpha {DESIGN.alpha}, power "
          f"{DESIGN.power}, MDE {DESIGN.mde:.0%}; fixed-horizon n {timing.fixed_control:,} per "
          f"arm, sequential n {timing.sequential_control:,} per arm")

    def data(per_day: int, lift: float, salt: int) -> Iterator[Chunk]:
        return chunks(np.random.default_rng([args.seed, salt]), n, days, per_day, lift)

    aa = [tally("A/A: Welch read once at the end (baseline)", data(100, 0.0, 1), welch_once,
                False),
          tally("A/A: Welch read daily, first p < alpha", data(100, 0.0, 1), welch_peeked,
                False),
          tally("A/A: mSPRT read daily", data(100, 0.0, 1), msprt_daily, False)]
    ab = [tally(f"MDE: Welch once at n = {fixed_day * days:,}", data(fixed_day, DESIGN.mde, 2),
                welch_once, True),
          tally(f"MDE: mSPRT daily up to n = {seq_day * days:,}", data(seq_day, DESIGN.mde, 3),
                msprt_daily, True),
          tally(f"MDE: mSPRT daily up to n = {fixed_day * days:,}",
                data(fixed_day, DESIGN.mde, 2), msprt_daily, True)]

    width = max(len(t.name) for t in (*aa, *ab))
    print(f"\n{'case':<{width}}  rate     ± se    × target  mean look  ms / experiment")
    for group, target in ((aa, DESIGN.alpha), (ab, DESIGN.power)):
        for t in group:
            share, se = t.rate()
            mean_look = f"{t.looks / t.hits:9.1f}" if t.hits else f"{'—':>9}"
            print(f"{t.name:<{width}}  {share:.4f}  {se:.4f}  {share / target:8.2f}  "
                  f"{mean_look}  {1000 * t.seconds / t.runs:15.3f}")


if __name__ == "__main__":
    main()
