"""Three replicas of the server on one PostgreSQL database, behind a round-robin proxy: how soon
a write through one replica is seen by the others, and read-your-writes through the sequence
headers.

Starts three ``steward serve`` processes (one worker each, ``--log-level warning``) on a fresh
schema of the PostgreSQL server (``--postgres``, default ``STEWARD_TEST_DATABASE_URL`` or the
local test server; skipped with a message when none answers), and ``replica_proxy.py``, which
sends writes to the first replica and reads to the other two in turn. The servers run under the
development eligibility rule (a registered version is resolvable at once), so every
registration changes what ``GET /api/v1/resolve?model=bench-bot&pin=^1`` answers.

1. Staleness: ``--writes`` registrations through the proxy, one at a time, while two readers
   resolve through it without pause (so both read replicas keep answers in memory). After each
   write's answer, each read replica is asked directly, every 2 ms, until it answers the new
   version: the staleness of the write is the time from the write's answer to the sending of
   the first read that reflects it on the slowest replica. Goal: p99 ≤ 250 ms.
2. Read-your-writes: ``--writes`` more registrations; after each, one read through the proxy
   without a header, then one with ``X-Steward-Min-Seq`` set to the write's ``X-Steward-Seq``
   (it lands on the other read replica). Every read with the header must reflect the write.
3. Concurrent registrations: eight clients register ``--concurrent`` versions each (the next
   version number chosen by the server, ``change: retrain``) through the proxy; then the
   versions listed must be exactly those answered 201 and the earlier ones, none twice, and the
   event chain (``GET /api/v1/events/verification``) intact.

The same run is then repeated with polling off (``STEWARD_CHANGE_POLL_SECONDS=0``: nothing
kept, every read asks the database) as the baseline of the read figures.

Prints the figures; never fails on timings (exits 1 only when something could not run or a
correctness check failed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from databases import DEFAULT_POSTGRES, postgres_problem, postgres_schema
from server_harness import HERE, BenchError, Server, free_port, start

MODEL = "bench-bot"
RESOLVE = "/api/v1/resolve"
PIN = {"model": MODEL, "pin": "^1"}
VERSIONS = f"/api/v1/models/{MODEL}/versions"


def start_replica(workdir: Path, name: str, database_url: str, poll: float,
                  token: str = "") -> Server:
    """``steward serve`` on ``database_url``; the first replica bootstraps the administrator
    token, the others are given it (``token``) to use."""
    home = workdir / name
    home.mkdir(parents=True)
    policy = home / "policy.yaml"
    policy.write_text("eligibility: {minimum_stage: trained}\n")
    steward = Path(sys.executable).parent / "steward"
    command = ([str(steward)] if steward.exists()
               else [sys.executable, "-m", "modelsteward.cli.main"])
    port = free_port()
    env = {"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": database_url,
           "STEWARD_ACTOR": "bench", "STEWARD_POLICY": str(policy),
           "STEWARD_CHANGE_POLL_SECONDS": str(poll)}
    server = start(name, [*command, "serve", "--port", str(port), "--log-level", "warning"],
                   f"http://127.0.0.1:{port}", "/healthz", workdir / f"{name}.log", env)
    token = token or (home / "admin-token").read_text().strip()
    server.headers = {"Authorization": f"Bearer {token}"}
    return server


def files() -> list[dict[str, object]]:
    return [{"path": "model.safetensors", "sha256": uuid.uuid4().hex * 2, "size": 10}]


async def register(client: httpx.AsyncClient, version: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"files": files(), "force": True, "reason": "bench"}
    if version is None:
        body["change"] = "retrain"
    else:
        body["version"] = version
    return await client.post(VERSIONS, json=body)


def seq_of(answer: httpx.Response) -> int:
    return int(answer.headers["x-steward-seq"])


async def resolved(client: httpx.AsyncClient, url: str = "", min_seq: int | None = None,
                   ) -> str:
    headers = {"X-Steward-Min-Seq": str(min_seq)} if min_seq is not None else {}
    answer = await client.get(url + RESOLVE, params=PIN, headers=headers)
    if answer.status_code != 200:
        raise BenchError(f"resolve answered {answer.status_code}: {answer.text[:200]}")
    return str(answer.json()["version"])


async def staleness(client: httpx.AsyncClient, readers: list[Server], writes: int,
                    first: int) -> tuple[list[float], list[float], float]:
    """Phase 1: the staleness of each write, in ms (the slowest read replica's); the latency
    of each background read through the proxy (ms), and how long the phase took (s)."""
    stop = asyncio.Event()
    latencies: list[float] = []

    async def load() -> None:  # readers through the proxy: answers stay kept on both replicas
        while not stop.is_set():
            sent = time.monotonic()
            await resolved(client)
            latencies.append((time.monotonic() - sent) * 1000)

    background = [asyncio.create_task(load()) for _ in range(2)]
    found: list[float] = []
    began = time.monotonic()
    try:
        for i in range(first, first + writes):
            version = f"1.0.{i}"
            made = await register(client, version)
            if made.status_code != 201:
                raise BenchError(f"registering {version} answered {made.status_code}")
            written = time.monotonic()

            async def until_seen(reader: Server, version: str = version,
                                 written: float = written) -> float:
                while True:
                    sent = time.monotonic()
                    if await resolved(client, reader.url) == version:
                        return (sent - written) * 1000
                    await asyncio.sleep(0.002)

            found.append(max(await asyncio.gather(*(until_seen(r) for r in readers))))
    finally:
        stop.set()
        await asyncio.gather(*background)
    return found, latencies, time.monotonic() - began


async def read_your_writes(client: httpx.AsyncClient, writes: int, first: int,
                           ) -> tuple[int, int, int]:
    """Phase 2: (reads with the header that reflected their write, reads without it that
    did, writes)."""
    with_header = without = 0
    for i in range(first, first + writes):
        version = f"1.0.{i}"
        made = await register(client, version)
        if made.status_code != 201:
            raise BenchError(f"registering {version} answered {made.status_code}")
        without += await resolved(client) == version
        with_header += await resolved(client, min_seq=seq_of(made)) == version
    return with_header, without, writes


async def concurrent(client: httpx.AsyncClient, each: int) -> tuple[list[str], int]:
    """Phase 3: (the versions answered 201, the number of other answers)."""
    made: list[str] = []
    refused = 0

    async def writer() -> None:
        nonlocal refused
        for _ in range(each):
            answer = await register(client)
            if answer.status_code == 201:
                made.append(str(answer.json()["version"]))
            else:
                refused += 1

    await asyncio.gather(*(writer() for _ in range(8)))
    return made, refused


async def listed(client: httpx.AsyncClient) -> list[str]:
    versions: list[str] = []
    params: dict[str, str | int] = {"limit": 200}
    while True:
        page = (await client.get(VERSIONS, params=params)).json()
        versions += [v["version"] for v in page["items"]]
        if not page.get("next"):
            return versions
        params["after"] = page["next"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass(frozen=True)
class Figures:
    poll: float
    stale: list[float]
    reads: list[float]
    seconds: float
    ryw: int
    plain: int
    writes: int
    made: int
    refused: int
    new: int
    lost: int
    duplicates: int
    unexpected: int
    events: int
    intact: bool

    @property
    def ok(self) -> bool:
        return (self.ryw == self.writes and not self.lost and not self.duplicates
                and not self.unexpected and self.intact)


async def measure(proxy: Server, readers: list[Server], args: argparse.Namespace,
                  poll: float) -> Figures:
    async with httpx.AsyncClient(base_url=proxy.url, headers=proxy.headers, timeout=30) as c:
        made = await c.post("/api/v1/models", json={"name": MODEL})
        if made.status_code != 201:
            raise BenchError(f"creating the model answered {made.status_code}: {made.text}")
        await register(c, "1.0.0")
        stale, reads, seconds = await staleness(c, readers, args.writes, 1)
        ryw, plain, writes = await read_your_writes(c, args.writes, 1 + args.writes)
        before = await listed(c)
        made_now, refused = await concurrent(c, args.concurrent)
        after = await listed(c)
        check = (await c.get("/api/v1/events/verification")).json()
    return Figures(poll, stale, reads, seconds, ryw, plain, writes, len(made_now), refused,
                   len(after) - len(before), len(set(made_now) - set(after)),
                   len(after) - len(set(after)), len(set(after) - set(before) - set(made_now)),
                   int(check.get("events") or 0),
                   bool(check.get("intact")) and not check.get("differences"))


def report(runs: list[Figures]) -> None:
    print("\nthree replicas on PostgreSQL (one writes, two read behind a round-robin proxy); "
          "ms unless said")
    print(f"{'STEWARD_CHANGE_POLL_SECONDS':>28} | staleness p50 | p99 | max | reads/s | "
          "read p50 | read p99 | RYW with header | fresh without | lost | dup | chain")
    for f in runs:
        print(f"{f.poll:>28g} | {percentile(f.stale, 0.5):13.1f} | "
              f"{percentile(f.stale, 0.99):5.1f} | {max(f.stale):5.1f} | "
              f"{len(f.reads) / f.seconds:7.0f} | {percentile(f.reads, 0.5):8.2f} | "
              f"{percentile(f.reads, 0.99):8.2f} | {f.ryw}/{f.writes} | "
              f"{f.plain}/{f.writes} | {f.lost} | {f.duplicates} | "
              f"{'intact' if f.intact else 'BROKEN'} ({f.events} events)")
    for f in runs:
        print(f"poll {f.poll:g}: concurrent registrations {f.made} answered 201, {f.refused} "
              f"other answers, {f.new} new versions listed, {f.unexpected} unexpected")
    if len(runs) == 2 and runs[1].reads:
        kept, direct = runs
        print(f"reads/s with answers kept ÷ without (polling off): "
              f"{(len(kept.reads) / kept.seconds) / (len(direct.reads) / direct.seconds):.2f}×; "
              f"staleness p99 goal <= 250 ms: {percentile(kept.stale, 0.99):.1f} ms")


def replicas(args: argparse.Namespace, poll: float) -> Figures:
    """Three replicas and the proxy on a fresh schema, measured, stopped."""
    servers: list[Server] = []
    with tempfile.TemporaryDirectory() as folder, postgres_schema(args.postgres) as database:
        workdir = Path(folder)
        try:
            writer = start_replica(workdir, "replica-0", database.url, poll)
            servers.append(writer)
            token = writer.headers["Authorization"].removeprefix("Bearer ")
            readers = []
            for n in (1, 2):
                readers.append(start_replica(workdir, f"replica-{n}", database.url, poll,
                                             token))
                servers.append(readers[-1])
            port = free_port()
            proxy = start("proxy", [sys.executable, str(HERE / "replica_proxy.py"), "--port",
                                    str(port), "--writer", writer.url,
                                    *(a for r in readers for a in ("--reader", r.url))],
                          f"http://127.0.0.1:{port}", "/healthz", workdir / "proxy.log",
                          {"PYTHONPATH": os.pathsep.join(sys.path)})
            servers.append(proxy)
            proxy.headers = writer.headers
            return asyncio.run(measure(proxy, readers, args, poll))
        finally:
            for server in reversed(servers):
                server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=25, help="registrations per client")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between head polls")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run with polling off")
    args = parser.parse_args()
    problem = postgres_problem(args.postgres)
    if problem is not None:
        print(f"bench_replicas: skipped, no PostgreSQL at {args.postgres} ({problem})")
        return 0
    try:
        # the baseline, in the same run: polling off, so every read asks the database
        runs = [replicas(args, args.poll)] + ([] if args.no_baseline else [replicas(args, 0)])
    except BenchError as exc:
        print(f"bench_replicas: {exc}", file=sys.stderr)
        return 1
    report(runs)
    if not all(f.ok for f in runs):
        print("bench_replicas: a correctness check failed (see above)", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
