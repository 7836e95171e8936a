"""modelsteward's server against MLflow's own server, and against a trivial FastAPI endpoint.

Starts three servers on free 127.0.0.1 ports, each one process with one uvicorn worker, both
registries on a fresh SQLite file:

- MLflow: ``mlflow server --backend-store-uri sqlite:///… --workers 1`` from its own virtual
  environment (``--mlflow-venv``, default ``bench/.mlflow-venv``; made and filled with
  ``pip install mlflow`` when missing);
- modelsteward: ``steward serve`` (uvicorn over ``create_app``, as in production) with the
  administrator token it bootstraps, at its default log level (info: one JSON log line per
  request); for part 2 a second one on the same database at ``--log-level warning``;
- the framework's ceiling: ``bench/trivial_app.py`` (``GET /ping``), with ``steward serve``'s
  uvicorn settings.

Part 1, one Python client (httpx): the same registry workload on both registries — create
model, create version, set tag, set alias (writes); get by alias, resolve, search (reads) —
first sequentially, then from 16 threads. Prints ops/s, p50 and p99 per side, and the ratios.
The client shares the two cores with the server, so its read figures are bounded by the client.

Part 2, ``wrk -t1`` at 1 and 16 connections on the read paths of all three servers: MLflow's
get-by-alias, modelsteward's resolve (answered from memory, and with a different pin on every
request so that nothing is kept), modelsteward's MLflow-compatible get-by-alias, and the
trivial endpoint. Prints requests/s, p50, p99 and the ratios. A p50 near 40 ms at one
connection is the delayed-ACK stall of keep-alive connections and is flagged. Then the write
paths of both registries, with the same MLflow-API request on both (``server_writes.py``
makes a Lua script per request shape): set tag (an upsert: the same value every time, then a
new value every time), create version (on part 1's first models in turn; on modelsteward also
with its native API), set alias (moved between versions 1 and 2 on every request, so that both
servers change something), create model (a new name every time; on modelsteward also
native). Every answer must be 2xx: a run with any other is reported and not compared.

``--cold`` measures only the cold read path: the write cases once (to make the models the
reads use), then ``wrk -t1`` at 1 and 16 connections on MLflow's get-by-alias and on
modelsteward's resolve with a new pin on every request, taking turns in ``--rounds`` rounds so
that the machine's load touches both alike, with their ratio.

Never fails on timings: exits 1 only when something could not run (with the reason).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
from server_harness import (
    HERE,
    BenchError,
    Server,
    WrkResult,
    ensure_mlflow,
    package_version,
    start_mlflow,
    start_steward,
    start_trivial,
    wrk,
)
from server_workload import CASES, READ_SET, Stats, ml_alias, run
from server_writes import WRITES

STALL_MS = 30.0  # a p50 above this at one connection is the 40 ms delayed-ACK stall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlflow-venv", type=Path, default=HERE / ".mlflow-venv",
                        help="virtual environment with mlflow (made when missing)")
    parser.add_argument("--writes", type=int, default=200,
                        help="operations per write case and mode (default 200)")
    parser.add_argument("--reads", type=int, default=1000,
                        help="operations per read case and mode (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per wrk run (default 10)")
    parser.add_argument("--no-wrk", action="store_true", help="skip part 2")
    parser.add_argument("--quick", action="store_true",
                        help="a fast smoke run: 30 writes, 100 reads, 2 s wrk runs")
    parser.add_argument("--cold", action="store_true",
                        help="only the cold read path: resolve with a new pin on every request "
                             "against MLflow's get-by-alias")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --cold: turns each side takes per connection count")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep databases and server logs here (default: a temporary "
                             "folder, removed)")
    args = parser.parse_args()
    if args.quick:
        args.writes, args.reads, args.duration = 30, 100, 2.0
    if 2 * args.writes < READ_SET:
        parser.error(f"--writes must be at least {READ_SET // 2}: the reads use "
                     f"{READ_SET} models made by the writes")
    try:
        mlflow = ensure_mlflow(args.mlflow_venv)
        with workdir(args.workdir) as folder, servers(mlflow, folder) as (ml, st, trivial, quiet):
            describe(mlflow)
            if args.cold:
                cold_part(ml, st, args.duration, args.rounds)
                return 0
            client_part(ml, st, args)
            if not args.no_wrk:
                wrk_part(ml, st, trivial, quiet, args.duration)
                wrk_writes(ml, st, args.duration, folder)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


@contextmanager
def workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        yield Path(tmp)


@contextmanager
def servers(mlflow: Path, folder: Path) -> Iterator[tuple[Server, Server, Server, Server]]:
    started: list[Server] = []
    try:
        # one at a time, each appended as it starts, so `finally` stops the ones that did
        for starting in (partial(start_mlflow, mlflow, folder), partial(start_steward, folder),
                         partial(start_trivial, folder),
                         partial(start_steward, folder, "warning")):
            started.append(starting())  # noqa: PERF401 - see above
        yield started[0], started[1], started[2], started[3]
    finally:
        for server in started:
            server.stop()


def describe(mlflow: Path) -> None:
    python = mlflow.parent / "python"
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores; load average "
          f"{' '.join(load) or '?'} (other processes share the machine)")
    print(f"mlflow {package_version(python, 'mlflow')} (uvicorn "
          f"{package_version(python, 'uvicorn')}); modelsteward "
          f"{package_version(sys.executable, 'modelsteward')} (fastapi "
          f"{package_version(sys.executable, 'fastapi')}, uvicorn "
          f"{package_version(sys.executable, 'uvicorn')}); SQLite on both sides\n")


def client_part(ml: Server, st: Server, args: argparse.Namespace) -> None:
    print(f"Part 1: one Python client (httpx), {args.writes} writes / {args.reads} reads per "
          f"case, sequential then {args.concurrency} threads")
    rows: list[tuple[str, str, Stats, Stats]] = []
    for case in CASES:
        for mode, concurrency in (("seq", 1), (f"c{args.concurrency}", args.concurrency)):
            if case.write:
                indices = (range(args.writes) if concurrency == 1
                           else range(args.writes, 2 * args.writes))
            else:
                warm = range(20)
                run(ml.url, ml.headers, case.mlflow, warm, concurrency)
                run(st.url, st.headers, case.steward, warm, concurrency)
                indices = range(min(args.reads, case.most or args.reads))
            theirs = run(ml.url, ml.headers, case.mlflow, indices, concurrency)
            ours = run(st.url, st.headers, case.steward, indices, concurrency)
            rows.append((case.label, mode, theirs, ours))
        if case.label == "set alias":
            check_reads_ready(ml, st)
    header = (f"{'case':<32} {'mode':>4} | {'mlflow ops/s':>12} {'p50':>7} {'p99':>7} | "
              f"{'steward ops/s':>13} {'p50':>7} {'p99':>7} | {'× ops/s':>7} {'÷ p50':>6}")
    print(header)
    print("-" * len(header))
    for label, mode, theirs, ours in rows:
        print(f"{label:<32} {mode:>4} | {theirs.ops_per_s:12.1f} {theirs.p50_ms:7.2f} "
              f"{theirs.p99_ms:7.2f} | {ours.ops_per_s:13.1f} {ours.p50_ms:7.2f} "
              f"{ours.p99_ms:7.2f} | {ratio(ours.ops_per_s, theirs.ops_per_s):>7} "
              f"{ratio(theirs.p50_ms, ours.p50_ms):>6}")
    print("(latencies in ms; × ops/s = modelsteward / MLflow; ÷ p50 = MLflow p50 / "
          "modelsteward p50)")
    for label, mode, theirs, ours in rows:
        for side, stats in (("mlflow", theirs), ("modelsteward", ours)):
            if stats.errors:
                print(f"  {label} {mode}: {side} answered {stats.errors} errors, first: "
                      f"{stats.first_error}")
    print()


def check_reads_ready(ml: Server, st: Server) -> None:
    """The reads need the first models to have a version with the alias ``champion``."""
    for server in (ml, st):
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as c:
            answer = ml_alias(c, 0)
            if answer.status_code != 200:
                raise BenchError(f"{server.name} refused to set an alias ({answer.status_code}"
                                 f" {answer.text[:300]}); the reads would only measure errors.")


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "—"


UNCACHED = """-- a different pin on every request: nothing can be answered from memory
counter = {start}
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/resolve?model=bench-1&pin=%3E%3D1.0.0%20%3C1.0." .. counter)
end
"""


def uncached_script(run: int) -> Path:
    """A wrk script for :data:`UNCACHED` whose pins no other ``run`` uses: each wrk run starts
    its counter anew, and a run that repeated an earlier run's pins would be answered from
    the answers the server kept."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script_text(run))
    return Path(lua.name)


def script_text(run: int) -> str:
    return UNCACHED.replace("{start}", str(run * 10_000_000))


def wrk_part(ml: Server, st: Server, trivial: Server, quiet: Server, seconds: float) -> None:
    script = uncached_script(0)  # replaced by one of its own for each connection count
    alias = f"{MLFLOW_ALIAS}?name=bench-1&alias=champion"
    targets: list[tuple[str, str, dict[str, str], Path | None]] = [
        ("mlflow get by alias", ml.url + alias, {}, None),
        ("steward resolve", f"{st.url}/api/v1/resolve?model=bench-1&pin=%5E1", st.headers, None),
        ("steward resolve, new pin each", st.url, st.headers, script),
        ("steward resolve, no request log", f"{quiet.url}/api/v1/resolve?model=bench-1&pin=%5E1",
         quiet.headers, None),
        ("steward get by alias (MLflow API)", st.url + alias, st.headers, None),
        ("trivial /ping (async def)", f"{trivial.url}/ping", {}, None),
        ("trivial /ping-sync (def)", f"{trivial.url}/ping-sync", {}, None),
    ]
    print(f"Part 2: wrk -t1, {seconds:g} s per run")
    results: dict[tuple[str, int], WrkResult] = {}
    header = f"{'target':<34} {'conns':>5} | {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    try:
        for label, url, headers, lua_script in targets:
            for connections in (1, 16):
                if lua_script is script:
                    lua_script.write_text(script_text(connections))
                found = wrk(url, connections, seconds, headers, lua_script)
                results[(label, connections)] = found
                print(f"{label:<34} {connections:>5} | {found.requests_per_s:9.1f} "
                      f"{found.p50_ms:8.3f} {found.p99_ms:8.3f} {found.errors:>6}")
    finally:
        script.unlink()
    print()
    for connections in (1, 16):
        quiet_rate = results[("steward resolve, no request log", connections)].requests_per_s
        ping = results[("trivial /ping (async def)", connections)]
        print(f"c{connections}: steward resolve, no request log / trivial /ping (async def): "
              f"{ratio(quiet_rate, ping.requests_per_s)}× requests/s")
        ours = results[("steward resolve", connections)]
        for other in ("mlflow get by alias", "trivial /ping (async def)",
                      "trivial /ping-sync (def)"):
            print(f"c{connections}: steward resolve / {other}: "
                  f"{ratio(ours.requests_per_s, results[(other, connections)].requests_per_s)}× "
                  "requests/s")
        cold = results[("steward resolve, new pin each", connections)]
        by_alias = results[("mlflow get by alias", connections)]
        print(f"c{connections}: steward resolve, new pin each / mlflow get by alias: "
              f"{ratio(cold.requests_per_s, by_alias.requests_per_s)}× requests/s")
    for (label, connections), found in results.items():
        if connections == 1 and found.p50_ms >= STALL_MS:
            print(f"warning: {label} has a p50 of {found.p50_ms:.1f} ms at one connection: the "
                  "delayed-ACK stall (a response written in pieces without TCP_NODELAY)")


def cold_part(ml: Server, st: Server, seconds: float, rounds: int) -> None:
    """MLflow's get-by-alias against modelsteward's resolve with a new pin on every request
    (nothing kept helps), in turns, at 1 and 16 connections."""
    for case in CASES:
        if case.write:
            for server, op in ((ml, case.mlflow), (st, case.steward)):
                made = run(server.url, server.headers, op, range(READ_SET), 1)
                if made.errors:
                    raise BenchError(f"{server.name}: {case.label} failed: {made.first_error}")
    check_reads_ready(ml, st)
    script = uncached_script(0)  # rewritten before each run, with pins no other run used
    alias = f"{MLFLOW_ALIAS}?name=bench-1&alias=champion"
    sides = [("mlflow get by alias", ml.url + alias, ml.headers, None),
             ("steward resolve, new pin each", st.url, st.headers, script)]
    runs = 0
    print(f"Cold reads: wrk -t1, {rounds} turns of {seconds:g} s per side and connection count")
    header = f"{'target':<34} {'conns':>5} | {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    try:
        for connections in (1, 16):
            rates: dict[str, list[float]] = {label: [] for label, *_ in sides}
            for _ in range(rounds):
                for label, url, headers, lua_script in sides:
                    if lua_script is not None:
                        runs += 1
                        lua_script.write_text(script_text(runs))
                    found = wrk(url, connections, seconds, headers, lua_script)
                    rates[label].append(found.requests_per_s)
                    print(f"{label:<34} {connections:>5} | {found.requests_per_s:9.1f} "
                          f"{found.p50_ms:8.3f} {found.p99_ms:8.3f} {found.errors:>6}")
            ours = sum(rates["steward resolve, new pin each"])
            theirs = sum(rates["mlflow get by alias"])
            print(f"c{connections}: steward resolve, new pin each / mlflow get by alias: "
                  f"{ratio(ours, theirs)}× requests/s (over the {rounds} turns)")
    finally:
        script.unlink()


def wrk_writes(ml: Server, st: Server, seconds: float, folder: Path) -> None:
    """The write paths under ``wrk -t1`` at 1 and 16 connections, the same MLflow-API
    request on both servers (and modelsteward's native one where it has one); ratios against
    MLflow's run of the same case. A run with a non-2xx answer is printed and not compared."""
    json_header = {"Content-Type": "application/json"}
    print(f"Part 2, writes: wrk -t1, {seconds:g} s per run")
    header = f"{'target':<40} {'conns':>5} | {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, int], WrkResult] = {}
    scripts = folder / "wrk"
    scripts.mkdir(exist_ok=True)
    run_number = 100  # unique per run: the scripts' new names and versions never repeat
    for write in WRITES:
        server = ml if write.side == "mlflow" else st
        for connections in (1, 16):
            run_number += 1
            script = write.script(scripts, run_number)
            found = wrk(server.url, connections, seconds, {**server.headers, **json_header},
                        script)
            results[(write.label, connections)] = found
            print(f"{write.label:<40} {connections:>5} | {found.requests_per_s:9.1f} "
                  f"{found.p50_ms:8.3f} {found.p99_ms:8.3f} {found.errors:>6}")
            if found.errors:
                print(f"  not valid: {found.errors} answers were not 2xx; first: "
                      f"{found.first_error or '(a socket error)'}")
    print()
    header = (f"{'modelsteward target':<40} {'conns':>5} | {'mlflow req/s':>12} "
              f"{'steward req/s':>13} {'× req/s':>7} {'÷ p50':>6}")
    print(header)
    print("-" * len(header))
    baselines = {w.case: w.label for w in WRITES if w.side == "mlflow"}
    for write in WRITES:
        if write.side == "mlflow":
            continue
        for connections in (1, 16):
            theirs = results[(baselines[write.case], connections)]
            ours = results[(write.label, connections)]
            valid = not theirs.errors and not ours.errors
            times = ratio(ours.requests_per_s, theirs.requests_per_s) if valid else "invalid"
            faster = ratio(theirs.p50_ms, ours.p50_ms) if valid else "—"
            print(f"{write.label:<40} {connections:>5} | {theirs.requests_per_s:12.1f} "
                  f"{ours.requests_per_s:13.1f} {times:>7} {faster:>6}")
    print("(× req/s = modelsteward / MLflow on the same case; ÷ p50 = MLflow p50 / modelsteward "
          "p50)")


MLFLOW_ALIAS = "/api/2.0/mlflow/registered-models/alias"

if __name__ == "__main__":
    sys.exit(main())
