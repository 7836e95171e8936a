"""Rollback latency: how long ``steward rollback`` takes, in process, on SQLite.

A model gets a production history of N promotions; each round rolls production back one step (a
version production left is blocked, so each rollback goes one further back). Prints the
median and p99 against ``get_version`` (the floor of a registry read) measured in the same run.
Never fails on timings.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelsteward import Registry
from modelsteward.domain.versioning import ChangeKind
from tests.service.lifecycle_helpers import to_production, trained


def main(promotions: int = 101, rounds: int = 100) -> None:
    with (tempfile.TemporaryDirectory() as tmp,
          Registry.open(f"sqlite:///{Path(tmp) / 'bench.db'}", actor="alice") as registry):
        for i in range(promotions):
            ref = trained(registry, "bot", change=ChangeKind.ARCHITECTURE if i == 0
                          else ChangeKind.CONFIG)
            to_production(registry, ref)

        def timed(action: Callable[[], object]) -> list[float]:
            samples = []
            for _ in range(rounds):
                started = time.perf_counter()
                action()
                samples.append((time.perf_counter() - started) * 1000)
            return sorted(samples)

        floor = timed(lambda: registry.get_version("bot", "1.0.0"))
        rollback = timed(lambda: registry.lifecycle.rollback("bot", reason="bench"))
    print(f"production history: {promotions} promotions, {rounds} rollbacks (SQLite)")
    print(f"{'case':<34} median ms   p99 ms   × floor")
    for label, samples in (("baseline: get_version", floor), ("rollback production", rollback)):
        median = statistics.median(samples)
        p99 = samples[int(len(samples) * 0.99) - 1]
        print(f"{label:<34} {median:9.3f}  {p99:7.3f}  {median / statistics.median(floor):7.2f}")


if __name__ == "__main__":
    main()
