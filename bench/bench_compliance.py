"""The compliance report on a large registry, on SQLite (and PostgreSQL when reachable).

Seeds N models through the store's own write path (one unit of work; per model: the model, a
version in production with its registration, evaluation and promotion events, and for every
other model a consumer with a strict pin and a lock event, for every fourth one a deprecation
plan), then times, in the same run:

* the baseline: a plain read of the same records the report reads (models, versions,
  consumers, plans, experiments, pipelines and the events of the kinds it judges,
  ``REPORT_KINDS``), nothing judged;
* ``Compliance.report()`` over every model (goal: ≤ 5 s for 10,000 models);
* ``Compliance.record()`` once the outcomes are recorded (a tick that finds nothing changed).

Prints the wall-clock seconds, the process's CPU seconds (steadier on a shared machine: they
leave out the time spent waiting for a core, but also the database server's own work on
PostgreSQL) and the ratio of wall-clock seconds against the baseline. Never fails on timings.

    python bench/bench_compliance.py                 # 10,000 models
    python bench/bench_compliance.py --models 1000   # quicker
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from databases import DEFAULT_POSTGRES, Database, sqlite_and_postgres

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, ModelKind, RiskTier, Version
from modelsteward.domain.versioning import ModelVersion
from modelsteward.service.compliance import REPORT_KINDS

NOW = datetime(2026, 11, 22, tzinfo=UTC)
DIGEST = "ab" * 32


class FixedClock:
    def now(self) -> datetime:
        return NOW


def _batches(items: list[NewEvent], size: int = 5000) -> Iterator[list[NewEvent]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def seed(registry: Registry, count: int) -> None:
    """``count`` models through the store's write path, in one unit of work."""
    store = registry.store
    with store.write() as tx:
        new: list[NewEvent] = []
        for i in range(count):
            name = f"model-{i:06d}"
            tier = RiskTier.HIGH if i % 10 == 0 else RiskTier.MEDIUM
            model = Model(name, kind=ModelKind.SELF_HOSTED, purpose="bench",
                          owner_team=f"team-{i % 50}", owner_contact="t@example.com",
                          risk_tier=tier)
            tx.add_model(model, NOW)
            version = Version(name, ModelVersion.parse("1.0.0"), NOW, "bench", DIGEST,
                              stage=Stage.PRODUCTION)
            tx.add_version(version)
            tx.set_stage(name, "1.0.0", Stage.PRODUCTION)
            ref = f"{name}@1.0.0"
            new += [NewEvent(ev.MODEL_CREATED, name, {"kind": "self-hosted"}),
                    NewEvent(ev.VERSION_REGISTERED, ref, {"digest": DIGEST}),
                    NewEvent(ev.VERSION_EVALUATED, ref, {"suite": "golden"}),
                    NewEvent(ev.VERSION_PROMOTED, ref, {"from": "staging", "to": "production",
                                                        "gates": ["evaluation"]}),
                    NewEvent(ev.VERSION_MEASURED, ref, {"values": {"error_rate": 0.01}})]
            if i % 2 == 0:
                app = f"app-{i:06d}"
                tx.add_consumer(Consumer(app, ConsumerKind.APPLICATION, f"team-{i % 50}",
                                         environment="production",
                                         pins=(ConsumerPin(name, "1.0.0"),)), NOW)
                new += [NewEvent(ev.CONSUMER_REGISTERED, f"consumer:{app}", {}),
                        NewEvent(ev.APPLICATION_LOCKED, app, {"models": {name: "1.0.0"},
                                                              "changes": [], "pins": {}})]
            if i % 4 == 0:
                tx.add_plan(DeprecationPlan(
                    f"plan-{i:06d}", name, "1.0.0", DeprecationReason.REPLACED, "",
                    date(2026, 12, 1), date(2027, 3, 1), date(2027, 6, 1),
                    ("move to the next version",), created_at=NOW, created_by="bench"))
        for batch in _batches(new):
            tx.append_events("bench", NOW, batch)


def plain_read(registry: Registry) -> int:
    """The same records the report reads, read and counted, nothing judged."""
    with registry.store.snapshot() as tx:
        found = tx.events(kinds=REPORT_KINDS)
        refs = [(name, version) for name, _, version in
                (e.subject.partition("@") for e in found if e.kind == ev.VERSION_REGISTERED)]
        return (len(tx.list_models(limit=1_000_000)) + len(tx.version_states(refs))
                + len(tx.list_consumers()) + len(tx.plans()) + len(tx.experiments())
                + len(tx.pipelines()) + len(found))


def best(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``repeat`` runs of ``action``."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - used)
    return statistics.median(walls), statistics.median(cpus)


def measure(database: Database, count: int, repeat: int) -> None:
    with Registry.open(database.url, actor="bench", clock=FixedClock()) as registry:
        started = time.perf_counter()
        seed(registry, count)
        print(f"{database.label}: seeded {count:,} models in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        baseline, baseline_cpu = best(lambda: plain_read(registry), repeat)
        report, report_cpu = best(lambda: registry.compliance.report(), repeat)
        registry.compliance.record()
        unchanged, unchanged_cpu = best(lambda: registry.compliance.record(), repeat)
        totals = registry.compliance.report().totals()
        print(f"  plain read of the records      {baseline:7.2f} s  cpu {baseline_cpu:5.2f} s  "
              "1.0×")
        print(f"  compliance report (all models) {report:7.2f} s  cpu {report_cpu:5.2f} s  "
              f"{report / baseline:.1f}×   goal ≤ 5 s: {'met' if report <= 5 else 'MISSED'}   "
              f"{totals}")
        print(f"  record, nothing changed        {unchanged:7.2f} s  cpu {unchanged_cpu:5.2f} s  "
              f"{unchanged / baseline:.1f}×", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            sqlite_and_postgres(Path(folder), args.postgres) as databases:
        for database in databases:
            measure(database, args.models, args.repeat)


if __name__ == "__main__":
    main()
