"""Pin resolution among 100,000 versions of one model, on SQLite.

Prints median and p99 latency of ``Registry.resolve`` for family, tier and strict pins — under the
default eligibility rule, with the newest patch of every minor still ``trained`` and some versions
degraded, so that every non-strict pin skips ineligible versions — with two
baselines measured in the same run: an exact primary-key lookup of one version (the floor of any
database round trip) and a naive resolver that loads every version and filters in Python.
Never fails on timings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import insert, select

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.domain.pins import parse_version_pin
from modelsteward.domain.versioning import ModelVersion
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import models, versions


def stage_of(minor: int, patch: int, last: int) -> tuple[str, str]:
    """The stage and blocked reason of a seeded version: the newest patch of every minor is
    fresh (``trained``, not through the evaluation gate yet), the one before it is degraded on
    every tenth minor, and every other version is ``registered`` — so that eligibility has
    something to skip on every pin."""
    if patch == last:
        return "trained", ""
    if patch == last - 1 and minor % 10 == 9:
        return "registered", "error_rate = 0.2 breaks error_rate <= 0.05"
    return "registered", ""


def seed(registry: Registry, count: int) -> None:
    registry.create_model(Model("big-model"))
    with _sql(registry).write() as tx:
        model_id: str = tx.c.execute(select(models.c.id)
                                     .where(models.c.name == "big-model")).scalar_one()
        now = datetime.now(UTC)
        rows = []
        seq = 0
        for major in range(10):
            for minor in range(100):
                for patch in range(count // 1000):
                    seq += 1
                    stage, blocked = stage_of(minor, patch, count // 1000 - 1)
                    rows.append({
                        "stage": stage, "blocked_reason": blocked,
                        "id": str(uuid.uuid4()), "model_id": model_id,
                        "version": f"{major}.{minor}.{patch}", "major": major, "minor": minor,
                        "patch": patch, "prerelease": "", "variant": "", "snapshot_date": "",
                        "registered_seq": seq, "number": seq, "digest": "0" * 64, "change": None,
                        "forced_reason": "", "description": "", "status": "", "meta": {},
                        "metrics": {}, "registered_at": now, "registered_by": "bench"})
        for start in range(0, len(rows), 5000):
            tx.c.execute(insert(versions), rows[start:start + 5000])


def measure(label: str, action: Callable[[], object], repeat: int) -> tuple[float, float]:
    for _ in range(20):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    median = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return median, p99


def naive(registry: Registry, pin_text: str) -> str:
    pin = parse_version_pin(pin_text)
    with _sql(registry).read() as tx:
        rows: Sequence[str] = tx.c.execute(select(versions.c.version).join(models)
                            .where(models.c.name == "big-model")).scalars().all()
    return str(max(v for v in map(ModelVersion.parse, rows) if pin.matches(v)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Registry.open(url, actor="bench") as registry:
            started = time.perf_counter()
            seed(registry, args.versions)
            print(f"seeded {args.versions:,} versions of one model in "
                  f"{time.perf_counter() - started:.1f} s (SQLite, {url})")
            floor = measure("exact lookup", lambda: registry.get_version("big-model", "5.3.7"),
                            args.repeat)
            rows = [("baseline: get_version (primary key)", *floor)]
            fresh = f"5.3.{args.versions // 1000 - 1}"  # an exact pin on a trained version
            for pin in ["^5.3", "~5.3", ">=2 <3", "5.x", "*", "5.3.7", fresh, "^5.3+q4"]:
                found = registry.resolve("big-model", pin).id if "+" not in pin else "none"
                median, p99 = measure(pin, partial(_try, registry, pin), args.repeat)
                rows.append((f"resolve {pin!r} → {found}", median, p99))
            naive_median, naive_p99 = measure("naive", lambda: naive(registry, "^5.3"), 5)
            rows.append(("baseline: load all + filter in Python, '^5.3'", naive_median, naive_p99))
        width = max(len(r[0]) for r in rows)
        print(f"\n{'case':<{width}}  median ms   p99 ms   × floor")
        for label, median, p99 in rows:
            print(f"{label:<{width}}  {median:9.3f}  {p99:7.3f}  {median / floor[0]:7.2f}")


def _try(registry: Registry, pin: str) -> object:
    try:
        return registry.resolve("big-model", pin)
    except Exception:  # "no match" is a valid outcome for the variant pin
        return None


if __name__ == "__main__":
    main()


def _sql(registry: Registry) -> SqlStore:
    """The SQL store the benchmark writes its rows into directly."""
    assert isinstance(registry.store, SqlStore)
    return registry.store
