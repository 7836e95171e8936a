"""Peak memory of ``steward log verify`` as the history grows, on SQLite.

Seeds a registry with 100 models (through the registry, so the state check has objects to
compare) and then N monitoring events (``model:version:measured``, the kind a busy registry
writes most; appended through the store's own chained write path, 5,000 per transaction).
Each measurement runs ``steward log verify --json`` in a fresh process and reports that
process's peak Python allocations during the command (tracemalloc) and its peak resident size
(``ru_maxrss``, the interpreter and libraries included), for the smallest history (the
baseline, measured in the same run) and each larger one, with their ratios. The verification
reads the log in keyset batches, so the ratios should stay near 1 while the events grow 10×
and 100×: what it keeps grows with the objects (models, versions, aliases…), which are the
same here. Never fails on the figures.

    python bench/bench_verify.py                        # 10,000 and 100,000 events
    python bench/bench_verify.py --events 10000 1000000 # add a million (a few minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from modelsteward import Registry
from modelsteward.domain.events import VERSION_MEASURED, NewEvent
from modelsteward.domain.model import Model

MODELS = 100
WRITE_BATCH = 5000

# run in the measured process: the CLI's entry point, tracemalloc around it, the peaks printed
# (the modules the command needs are imported first, so the peak is the command's own work)
_MEASURE = """
import json, resource, sys, tracemalloc
from modelsteward.cli.main import main
import modelsteward.cli.history, modelsteward.service.registry, modelsteward.store.sql
import sqlalchemy.dialects.sqlite.pysqlite
tracemalloc.start()
code = main(["log", "verify", "--json"])
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"code": code, "peak": peak,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
      file=sys.stderr)
"""


def seed(url: str, events: int) -> None:
    with Registry.open(url, actor="bench") as registry:
        for number in range(MODELS):
            registry.create_model(Model(f"model-{number:03d}", owner_team="ml-platform",
                                        description="A model the benchmark measures."))
        now = datetime(2026, 12, 1, tzinfo=UTC)
        for start in range(0, events, WRITE_BATCH):
            batch = [NewEvent(VERSION_MEASURED, f"model-{i % MODELS:03d}@1.0.0", {
                "metrics": {"accuracy": 0.91, "latency_p95_ms": 180.0 + i % 7},
                "window": "2026-12-01T00:00:00Z/2026-12-01T01:00:00Z", "source": "monitor"})
                for i in range(start, min(events, start + WRITE_BATCH))]
            with registry.store.write() as tx:
                tx.append_events("monitor", now, batch)


def measure(url: str, home: Path) -> tuple[dict[str, int], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(STEWARD_DATABASE_URL=url, STEWARD_HOME=str(home), STEWARD_ACTOR="bench")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE], env=env, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    report = json.loads(done.stdout)
    assert report["intact"] and report["state"]["differences"] == [], done.stdout[:2000]
    figures: dict[str, int] = json.loads(done.stderr.strip().splitlines()[-1])
    return figures, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000],
                        help="history sizes; the first is the baseline")
    args = parser.parse_args()
    print(f"steward log verify --json (chain and state), SQLite, {MODELS} models + N events")
    print(f"{'events':>10} {'seed s':>7} {'verify s':>9} {'peak MB':>8} {'× base':>7} "
          f"{'maxrss MB':>10} {'× base':>7}")
    base: dict[str, int] | None = None
    for count in args.events:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'registry.db'}"
            started = time.perf_counter()
            seed(url, count)
            seeded = time.perf_counter() - started
            figures, elapsed = measure(url, Path(folder) / "home")
        base = base or figures
        print(f"{count + MODELS:>10,} {seeded:7.1f} {elapsed:9.1f} "
              f"{figures['peak'] / 1e6:8.1f} {figures['peak'] / base['peak']:6.2f}× "
              f"{figures['maxrss_kib'] / 1024:10.1f} "
              f"{figures['maxrss_kib'] / base['maxrss_kib']:6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
