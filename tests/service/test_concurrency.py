"""Concurrent registration: 8 processes × 25 versions of one model, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.synchronize import Barrier

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.versioning import ChangeKind, ModelVersion
from tests.processes import process_context

PROCESSES = 8
EACH = 25


def _worker(url: str, worker: int, barrier: Barrier, results: mp.Queue[list[str]]) -> None:
    registered: list[str] = []
    with Registry.open(url, actor=f"worker-{worker}") as registry:
        barrier.wait(timeout=60)
        registered.extend(str(registry.register_version("bot", change=ChangeKind.CONFIG).id)
                          for _ in range(EACH))
    results.put(registered)


def test_concurrent_registrations_produce_distinct_ordered_versions(sql_url: str) -> None:
    with Registry.open(sql_url, actor="setup") as registry:
        registry.create_model(Model("bot"))
        registry.register_version("bot", "1.0.0")
    context = process_context()
    barrier = context.Barrier(PROCESSES)
    results: mp.Queue[list[str]] = context.Queue()
    workers = [context.Process(target=_worker, args=(sql_url, i, barrier, results))
               for i in range(PROCESSES)]
    for process in workers:
        process.start()
    collected = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    everything = [v for batch in collected for v in batch]
    assert len(everything) == PROCESSES * EACH
    assert len(set(everything)) == PROCESSES * EACH
    # each process saw its own registrations strictly increase
    for batch in collected:
        parsed = [ModelVersion.parse(v) for v in batch]
        assert parsed == sorted(parsed) and len(set(parsed)) == len(parsed)
    with Registry.open(sql_url, actor="check") as registry:
        versions = registry.list_versions("bot")
        expected = ["1.0.0"] + [f"1.0.{n}" for n in range(1, PROCESSES * EACH + 1)]
        assert [str(v.id) for v in versions] == expected
        # registration order (event sequence) equals version order
        registered = [e.payload["version"] for e in registry.log("bot")
                      if e.kind == "model:version:registered"]
        assert registered == expected
        count, broken = registry.verify_log()
        assert broken is None and count == PROCESSES * EACH + 2
