"""Ingesting an experiment's outcomes: observations (metric values) kept per second, against
the goal of 50,000 a second in process, and against plain Python on the same data.

Seeds one model with two eligible versions and a running A/B test with three metrics (one
proportion, two means; see ``experiment_seed.py``), on a fresh SQLite file, a fresh PostgreSQL
schema when reachable (``databases.py``) and the in-memory store (``memory://``). An outcome is
one unit's report with its arm, its time (spread over the last 7 days) and a value for each of
the three metrics, so a batch of N outcomes is 3N observations.

Part 1, in process: ``registry.experiments.ingest`` of batches of 1,000, 10,000 and 100,000
outcomes into each store, and, on the same batches and in the same rounds (each contender once
per round, in turn; the median of the rounds), the baselines: ``json.loads`` of the batch as a
JSON body, and a plain Python fold that sums each arm's, metric's and day's count, sum and sum
of squares without checking anything. Also the checked fold alone (``outcome_batch.fold``, no
store), to split validation from storage, and for 10,000 outcomes the same without their arm
(the experiment assigns it by hashing the unit). The batches are built, and the registries
seeded, before the timings and out of the collector's sight (``gc.freeze``).

Part 2, over HTTP: ``steward serve`` on the same database (SQLite, PostgreSQL), ``POST
/api/v1/experiments/{name}/outcomes`` with 10,000 outcomes as a JSON array and as JSON lines
(``Content-Type: application/x-ndjson``), from httpx (the client's own cost is only sending
the prepared body), in rounds with ``json.loads`` of the array.

Part 3, storage: the rows ``experiment_moments`` holds for an experiment after 10,000 outcomes
and for another after 100,000, over the same 7 days: the same number, since only per-arm,
per-metric, per-day sums are kept.

Never fails on timings: exits 1 only when something could not run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from databases import DEFAULT_POSTGRES, Database, postgres_problem, postgres_schema, sqlite_file
from experiment_seed import METRICS, seed_model, start_experiment
from server_harness import BenchError, package_version, start_steward
from sqlalchemy import func, select

from modelsteward import Registry
from modelsteward.domain.outcome_batch import fold
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import experiment_moments

EXPERIMENT = "bench-ingest"
GOAL = 50_000  # observations per second, in process (the goal on this machine)
SIZES = {1_000: 30, 10_000: 9, 100_000: 5}  # outcomes per batch: timed rounds
HTTP_SIZE, HTTP_REPEAT = 10_000, 7
DAYS = 7
NDJSON = "application/x-ndjson"

Outcome = dict[str, object]


def outcomes(count: int, seed: int, *, with_arm: bool = True) -> list[Outcome]:
    """``count`` outcomes of alternate arms over the last :data:`DAYS` days, each with a value
    for every metric of :data:`METRICS` (thumbs_up 0 or 1, latency and cost around their
    means); without ``with_arm`` the experiment assigns each unit its arm."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    days = [f"{today - timedelta(days=d)}T12:00:00Z" for d in range(DAYS)]
    found: list[Outcome] = []
    for i in range(count):
        item: Outcome = {"unit": f"user-{seed}-{i}", "at": days[i % DAYS], "metrics": {
            "thumbs_up": int(rng.random() < 0.3), "latency_ms": rng.gauss(800.0, 120.0),
            "cost": rng.gauss(11.0, 2.0)}}
        if with_arm:
            item["arm"] = ("control", "treatment")[i % 2]
        found.append(item)
    return found


def plain_fold(batch: list[Outcome]) -> dict[tuple[str, str, str], list[float]]:
    """The baseline: count, sum and sum of squares per arm, metric and day, checking nothing
    (what any Python must do at least to keep the same sums)."""
    sums: dict[tuple[str, str, str], list[float]] = {}
    for item in batch:
        arm, day = str(item["arm"]), str(item["at"])[:10]
        metrics = item["metrics"]
        assert isinstance(metrics, dict)
        for metric, value in metrics.items():
            s = sums.get((arm, metric, day))
            if s is None:
                s = sums[(arm, metric, day)] = [0, 0.0, 0.0]
            s[0] += 1
            s[1] += value
            s[2] += value * value
    return sums


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The median seconds of each contender over ``rounds`` rounds in which each is called
    once, in turn (after one warm-up round), so that a change in the machine's load touches
    all of them alike."""
    for action in contenders.values():
        action()
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(rounds):
        for label, action in contenders.items():
            started = time.perf_counter()
            action()
            samples[label].append(time.perf_counter() - started)
    return {label: statistics.median(found) for label, found in samples.items()}


@dataclass(frozen=True)
class Row:
    """One measured case of a group (the cases measured in the same rounds, baselines
    included): the outcomes a call handled and the median seconds per call."""

    group: str
    store: str
    case: str
    outcomes: int
    seconds: float

    @property
    def observations(self) -> int:
        return self.outcomes * len(METRICS)

    @property
    def rate(self) -> float:
        return self.observations / self.seconds


LOADS, PLAIN = "baseline: json.loads of the body", "baseline: plain fold"


def in_process(batches: dict[int, list[Outcome]],
               registries: dict[str, Registry]) -> list[Row]:
    """Part 1: per batch size, in the same rounds, the baselines, the checked fold alone, and
    ``ingest`` into each store's running experiment (sums add up call after call, in the same
    rows)."""
    experiment = next(iter(registries.values())).experiments.get(EXPERIMENT)
    now = datetime.now(UTC)
    rows = []
    for size, rounds in SIZES.items():
        batch = batches[size]
        body = json.dumps(batch).encode()
        contenders: dict[str, Callable[[], object]] = {
            LOADS: partial(json.loads, body),
            PLAIN: partial(plain_fold, batch),
            "checked fold only (no store)": partial(fold, batch, experiment, now)}
        if size == HTTP_SIZE:
            contenders["checked fold only, arm left out"] = partial(
                fold, outcomes(size, 99, with_arm=False), experiment, now)
        contenders |= {label: partial(registry.experiments.ingest, EXPERIMENT, batch)
                       for label, registry in registries.items()}
        group = f"in process, {size:,} outcomes"
        for label, seconds in interleaved(contenders, rounds).items():
            store = label if label in registries else "—"
            rows.append(Row(group, store, "ingest" if label in registries else label, size,
                            seconds))
    return rows


def over_http(database: Database, folder: Path, batch: list[Outcome]) -> list[Row]:
    """Part 2: the same 10,000 outcomes as a JSON array and as JSON lines to a server on
    ``database``, and ``json.loads`` of the array in the same rounds."""
    array = json.dumps(batch).encode()
    lines = b"".join(json.dumps(item).encode() + b"\n" for item in batch)
    server = start_steward(folder, database_url=database.url, development_policy=False)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as client:
            def post(body: bytes, content_type: str) -> None:
                answer = client.post(f"/api/v1/experiments/{EXPERIMENT}/outcomes",
                                     content=body, headers={"Content-Type": content_type})
                if answer.status_code != 201:
                    raise BenchError(f"The server refused the outcomes ({answer.status_code} "
                                     f"{answer.text[:300]}).")
            found = interleaved({
                LOADS: partial(json.loads, array),
                f"POST, JSON array ({len(array) / 2**20:.1f} MiB)": partial(
                    post, array, "application/json"),
                f"POST, JSON lines ({len(lines) / 2**20:.1f} MiB)": partial(post, lines, NDJSON),
            }, HTTP_REPEAT)
    finally:
        server.stop()
    group = f"HTTP, {len(batch):,} outcomes, {database.label}"
    return [Row(group, "—" if label == LOADS else database.label, label, len(batch), seconds)
            for label, seconds in found.items()]


def stored_rows(registry: Registry, name: str) -> int:
    """The rows ``experiment_moments`` holds for ``name`` (the memory store: its keys)."""
    store = registry.store
    if isinstance(store, SqlStore):
        with store.read() as tx:
            count: int = tx.c.execute(select(func.count()).select_from(experiment_moments)
                                      .where(experiment_moments.c.experiment == name)
                                      ).scalar_one()
            return count
    with store.read() as tx:
        return len(tx.moments(name))


def storage(label: str, registry: Registry) -> tuple[str, int, int]:
    """Part 3: rows after 10,000 outcomes (one experiment) and after 100,000 (another)."""
    counts = []
    for size in (10_000, 100_000):
        name = f"bench-growth-{size}"
        start_experiment(registry, name)
        registry.experiments.ingest(name, outcomes(size, size))
        counts.append(stored_rows(registry, name))
    return label, counts[0], counts[1]


def print_rows(rows: list[Row]) -> None:
    header = (f"{'store':<10} {'case':<34} {'obs/s':>11} {'× goal':>7} {'× json.loads':>12} "
              f"{'× plain fold':>12}")
    groups = list(dict.fromkeys(row.group for row in rows))
    for group in groups:
        print(f"\n{group}")
        print(header)
        print("-" * len(header))
        members = [row for row in rows if row.group == group]
        loads = next((r.seconds for r in members if r.case == LOADS), 0.0)
        plain = next((r.seconds for r in members if r.case == PLAIN), 0.0)
        for row in members:
            print(f"{row.store:<10} {row.case:<34} {row.rate:11,.0f} {row.rate / GOAL:7.2f} "
                  f"{_times(row.seconds, loads):>12} {_times(row.seconds, plain):>12}")


def _times(seconds: float, baseline: float) -> str:
    return f"{seconds / baseline:.1f}" if baseline else "—"


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        yield Path(tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES,
                        help="PostgreSQL database to make a schema in (default "
                             "STEWARD_TEST_DATABASE_URL or the local test database)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="skip part 2")
    args = parser.parse_args()
    load_avg = Path("/proc/loadavg").read_text().split()[:3] if os.path.exists(
        "/proc/loadavg") else []
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores; load average "
          f"{' '.join(load_avg) or '?'}; modelsteward "
          f"{package_version(sys.executable, 'modelsteward')}; goal {GOAL:,} observations/s "
          "in process")
    problem = None if args.no_postgres else postgres_problem(args.postgres)
    if problem is not None:
        print(f"PostgreSQL is not measured: {problem}")
    batches = {size: outcomes(size, size) for size in SIZES}
    measured: list[Row] = []
    grown: list[tuple[str, int, int]] = []
    try:
        with workdir() as folder, ExitStack() as stack:
            databases = [Database("memory", "memory://"),
                         stack.enter_context(sqlite_file(folder))]
            if not args.no_postgres and problem is None:
                databases.append(stack.enter_context(postgres_schema(args.postgres)))
            with ExitStack() as opened:
                registries = {}
                for database in databases:
                    registry = opened.enter_context(Registry.open(database.url, actor="bench"))
                    seed_model(registry)
                    start_experiment(registry, EXPERIMENT)
                    registries[database.label] = registry
                # the batches and the seeded registries live to the end: the collector need not
                # look at them again on every pass (it would, for json.loads' objects above all)
                gc.freeze()
                measured += in_process(batches, registries)
                print("in process done", file=sys.stderr)
                grown = [storage(label, registry) for label, registry in registries.items()]
            for database in databases:
                if database.url != "memory://" and not args.no_http:
                    measured += over_http(database, folder / database.label,
                                          batches[HTTP_SIZE])
                    print(f"{database.label}: over HTTP done", file=sys.stderr)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\nObservations per second (3 per outcome); × goal = the rate ÷ {GOAL:,}; "
          "× json.loads and × plain fold = the case's time ÷ the baseline's in the same "
          "rounds")
    print_rows(measured)
    print("\nStorage: rows of experiment_moments (2 arms × (3 metrics + the outcome count) × "
          f"{DAYS} days)")
    for label, after_10k, after_100k in grown:
        print(f"{label:<10} after 10,000 outcomes: {after_10k} rows; after 100,000: "
              f"{after_100k} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
