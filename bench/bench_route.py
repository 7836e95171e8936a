"""Routing a unit to an experiment's arm, against resolving a pin: is routing "fast enough for
every request of an application"?

Seeds one model with two eligible versions (through the default policy's gates) and a running
50/50 A/B test between them, on a fresh SQLite file and, when reachable, a fresh PostgreSQL
schema (see ``databases.py``); the in-memory store is measured in process only.

Part 1, in process (library calls, no HTTP), median and p99 per call of
``registry.experiments.route`` (a new unit on every call) and of the baselines, called in turn
in the same rounds: ``registry.resolve`` with the same pin on every call and with a new pin on
every call (the library keeps no answers, so both do the database work), and ``get_version``
by primary key (the floor of any registry read); then ``route_many`` (per unit, 1,000 units a
call).

Part 2, over a real socket: ``steward serve`` on a free 127.0.0.1 port (uvicorn over
``create_app`` as in production, the default log level, the default policy) on the same
database, driven by an asyncio client (``http_load.py``) at 1 connection and at 16:
``GET /api/v1/route`` with a new unit on every request, ``GET /api/v1/resolve`` with the same
pin (answered from the answers the server keeps, on SQLite) and with a new pin on every request
(nothing kept); and, as the ceilings of the framework and this client,
``bench/trivial_app.py``'s ``GET /ping`` (``async def``, no database) and ``GET /ping-sync``
(a plain ``def``: the one thread-pool hop a database-bound route such as route or resolve
pays). The cases take turns in rounds (three of a second each by default), so that the
machine's load touches all of them alike. Prints requests/s, p50, p99 and route ÷ the others.

Ratios are speeds (route's requests/s over resolve's; resolve's time per call over route's):
below 1 routing is slower. Never fails on timings: exits 1 only when something could not run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
from databases import DEFAULT_POSTGRES, Database, postgres_problem, postgres_schema, sqlite_file
from experiment_seed import CONTROL, MODEL, TREATMENT, seed_model, start_experiment
from http_load import Load, Run, run
from server_harness import (
    BenchError,
    Server,
    package_version,
    start_steward,
    start_trivial,
)

from modelsteward import Registry

EXPERIMENT = "bench-route"
SAME_PIN = "^2"  # → TREATMENT
BATCH = 1000  # units per route_many call


def new_pin(i: int) -> str:
    """A pin no earlier call used (all resolve to CONTROL): nothing can be answered from kept
    answers, as in ``bench_server.py``'s cold case."""
    return f">=1.0.0 <1.0.{i + 1}"


def unit(i: int) -> str:
    return f"user-{i}"


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        ordered = sorted(samples)
        return cls(statistics.median(ordered),
                   ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])


def interleaved(contenders: dict[str, Callable[[int], object]], rounds: int,
                per: int = 1) -> dict[str, Timing]:
    """Each contender ``action(i)`` once per round, in turn, for a fresh ``i`` each call (20
    warm-up rounds first), so that a change in the machine's load touches all of them alike;
    each call's time is divided by ``per``, the items one call handles."""
    counter = itertools.count()
    for _ in range(20):
        for action in contenders.values():
            action(next(counter))
    samples: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(rounds):
        for label, action in contenders.items():
            i = next(counter)
            started = time.perf_counter()
            action(i)
            samples[label].append((time.perf_counter() - started) * 1000 / per)
    return {label: Timing.of(found) for label, found in samples.items()}


def in_process(registry: Registry, repeat: int) -> dict[str, Timing]:
    """Part 1 on one registry (seeded)."""
    checks = (registry.resolve(MODEL, SAME_PIN).id, registry.resolve(MODEL, new_pin(0)).id)
    if tuple(map(str, checks)) != (TREATMENT, CONTROL):
        raise BenchError(f"The seeded pins resolve to {checks}, not ({TREATMENT}, {CONTROL}).")
    arms = {registry.experiments.route(EXPERIMENT, unit(i)).arm for i in range(100)}
    if arms != {"control", "treatment"}:
        raise BenchError(f"Routing 100 units gave the arms {arms}, not both.")
    found = interleaved({
        "floor": lambda i: registry.get_version(MODEL, CONTROL),
        "resolve, same pin": lambda i: registry.resolve(MODEL, SAME_PIN),
        "resolve, new pin": lambda i: registry.resolve(MODEL, new_pin(i)),
        "route, new unit": lambda i: registry.experiments.route(EXPERIMENT, unit(i)),
    }, repeat)
    found |= interleaved({f"route_many, per unit ({BATCH:,} a call)": lambda i: (
        registry.experiments.route_many(EXPERIMENT, [unit(i * BATCH + j)
                                                     for j in range(BATCH)]))},
        max(5, repeat // 50), per=BATCH)
    return found


@dataclass(frozen=True)
class Case:
    """A request shape over HTTP: its label, its server, and the path of request ``i``."""

    label: str
    server: Server
    path: Callable[[int], str]


PING = "trivial /ping (async def)"
PING_SYNC = "trivial /ping-sync (def)"


def over_http(database: Database, folder: Path, ping: Server, seconds: float, rounds: int,
              concurrency: int) -> dict[tuple[str, int], Load]:
    """Part 2 on one database (seeded): a server on it; at 1 and at ``concurrency``
    connections, ``rounds`` rounds of every case in turn (after a warm-up of each), each run
    ``seconds / rounds`` long, so that a change in the machine's load touches all alike."""
    server = start_steward(folder, database_url=database.url, development_policy=False)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
            answer = client.get("/api/v1/route", params={"experiment": EXPERIMENT, "unit": "u1"})
            if answer.status_code != 200 or answer.json().get("arm") is None:
                raise BenchError(f"The server refused to route ({answer.status_code} "
                                 f"{answer.text[:300]}).")
        cases = [
            Case("resolve, same pin", server,
                 lambda i: f"/api/v1/resolve?model={MODEL}&pin={quote(SAME_PIN)}"),
            Case("resolve, new pin", server,
                 lambda i: f"/api/v1/resolve?model={MODEL}&pin={quote(new_pin(i))}"),
            Case("route, new unit", server,
                 lambda i: f"/api/v1/route?experiment={EXPERIMENT}&unit={unit(i)}"),
            Case(PING, ping, lambda i: "/ping"),
            Case(PING_SYNC, ping, lambda i: "/ping-sync"),
        ]
        numbers = itertools.count(1_000_000)  # past the units and pins part 1 used
        found: dict[tuple[str, int], Load] = {}
        for connections in (1, concurrency):
            runs: dict[str, list[Run]] = {case.label: [] for case in cases}
            for number in range(rounds + 1):  # round 0 warms up
                for case in cases:
                    def fresh(path: Callable[[int], str] = case.path) -> str:
                        return path(next(numbers))  # no request repeats another
                    done = run(case.server.url, fresh, connections,
                               seconds / rounds if number else min(0.3, seconds / rounds),
                               case.server.headers)
                    if number:
                        runs[case.label].append(done)
            for label, stretch in runs.items():
                result = found[(label, connections)] = Load.of(stretch)
                if result.errors:
                    raise BenchError(f"{label} at {connections} connections on "
                                     f"{database.label}: {result.errors} answers were not 200; "
                                     f"first: {result.first_error}")
        return found
    finally:
        server.stop()


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "—"


def print_in_process(results: dict[str, dict[str, Timing]]) -> None:
    print("\nPart 1: in process (library calls), ms per call; × = speed over the resolve "
          "(its time ÷ this time)")
    header = (f"{'store':<10} {'case':<34} {'median':>8} {'p99':>8} {'× floor':>7} "
              f"{'× same pin':>10} {'× new pin':>9}")
    print(header)
    print("-" * len(header))
    for store, rows in results.items():
        floor, same, cold = rows["floor"], rows["resolve, same pin"], rows["resolve, new pin"]
        for label, t in rows.items():
            print(f"{store:<10} {label:<34} {t.median_ms:8.3f} {t.p99_ms:8.3f} "
                  f"{ratio(t.median_ms, floor.median_ms):>7} "
                  f"{ratio(same.median_ms, t.median_ms):>10} "
                  f"{ratio(cold.median_ms, t.median_ms):>9}")
    print("(× floor: this time ÷ get_version's, so higher is slower there)")


def print_http(results: dict[str, dict[tuple[str, int], Load]], concurrency: int) -> None:
    print("\nPart 2: over HTTP (steward serve, asyncio client); the trivial /ping was measured "
          "in the same rounds")
    header = (f"{'store':<10} {'case':<26} {'conns':>5} | {'req/s':>8} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'requests':>8}")
    print(header)
    print("-" * len(header))
    for store, rows in results.items():
        for (label, connections), r in sorted(rows.items(), key=lambda kv: kv[0][1]):
            print(f"{store:<10} {label:<26} {connections:>5} | {r.requests_per_s:8.1f} "
                  f"{r.p50_ms:7.3f} {r.p99_ms:7.3f} {r.requests:>8}")
    print("\nroute ÷ the others (requests/s; p50 as the other's ÷ route's)")
    for store, rows in results.items():
        for connections in (1, concurrency):
            route = rows[("route, new unit", connections)]
            for other in ("resolve, same pin", "resolve, new pin", PING, PING_SYNC):
                base = rows[(other, connections)]
                print(f"{store:<10} c{connections:<3} route / {other:<26} "
                      f"{ratio(route.requests_per_s, base.requests_per_s):>5}× req/s, "
                      f"{ratio(base.p50_ms, route.p50_ms):>5}× p50")


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-route-") as tmp:
        yield Path(tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1000,
                        help="timed calls per in-process case (default 1000)")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="seconds per HTTP case and connection count (default 3)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds the HTTP seconds are split into (default 3)")
    parser.add_argument("--concurrency", type=int, default=16)
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
          f"{package_version(sys.executable, 'modelsteward')}")
    problem = None if args.no_postgres else postgres_problem(args.postgres)
    if problem is not None:
        print(f"PostgreSQL is not measured: {problem}")
    local: dict[str, dict[str, Timing]] = {}
    remote: dict[str, dict[tuple[str, int], Load]] = {}
    try:
        with workdir() as folder, ExitStack() as stack:
            ping = None if args.no_http else start_trivial(folder)
            if ping is not None:
                stack.callback(ping.stop)
            databases = [stack.enter_context(sqlite_file(folder))]
            if not args.no_postgres and problem is None:
                databases.append(stack.enter_context(postgres_schema(args.postgres)))
            for database in [*databases, Database("memory", "memory://")]:
                with Registry.open(database.url, actor="bench") as registry:
                    seed_model(registry)
                    start_experiment(registry, EXPERIMENT)
                    local[database.label] = in_process(registry, args.repeat)
                print(f"{database.label}: in process done", file=sys.stderr)
                if database.url != "memory://" and ping is not None:
                    remote[database.label] = over_http(
                        database, folder / database.label, ping, args.seconds, args.rounds,
                        args.concurrency)
                    print(f"{database.label}: over HTTP done", file=sys.stderr)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_in_process(local)
    if remote:
        print_http(remote, args.concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
