"""Notifications at volume: N notices (default 10,000) drained to a local webhook receiver by two
deliverers running at once on the same database, on SQLite and PostgreSQL.

The receiver is a real HTTP server on 127.0.0.1 (a thread of this process) that checks each
request's signature and counts delivery ids; the deliverers are two processes, each a
``Notifications`` worker of its own (``Registry.open`` + ``deliver_once`` until nothing is
claimed), as two ``steward deliver`` processes would be. The run reports the wall time until the
receiver holds every delivery, whether any was lost or sent twice, and its ratio against a
baseline measured in the same run: the same number of signed POSTs sent to the same kind of
receiver by two plain ``httpx`` clients in two processes, no database at all (what the sending
alone costs). Never fails on
timings; prints a problem and exits 1 when a delivery is lost or duplicated.

    python bench/bench_drain.py                 # 10,000 notices, both databases
    python bench/bench_drain.py --notices 2000  # quicker
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from databases import DEFAULT_POSTGRES, Database, sqlite_and_postgres

from modelsteward import Registry
from modelsteward.domain.notices import Notice
from modelsteward.notify.settings import NotifySettings
from modelsteward.notify.webhook import signature

TEAM = "payments"
WRITE_BATCH = 1000  # notices per write transaction while seeding
SETTINGS = NotifySettings(allow_private=True, timeout=10, lease=60, batch=50)


class Counts:
    """What the receiver saw: every accepted delivery id (a counter, so duplicates show)."""

    def __init__(self, secret: str) -> None:
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.ids: Counter[str] = Counter()
        self.bad = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.expected = 0

    def accept(self, headers: dict[str, str], body: bytes) -> int:
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = "v1," + base64.b64encode(
            hmac.new(self.key, signed, hashlib.sha256).digest()).decode()
        with self.lock:
            if not hmac.compare_digest(expected, headers.get("webhook-signature", "")):
                self.bad += 1
                return 401
            self.ids[headers["webhook-id"]] += 1
            if len(self.ids) >= self.expected:
                self.done.set()
        return 204


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def serve(counts: Counts) -> tuple[_Server, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the senders reuse their connections

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = counts.accept({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def seed(url: str, hook: str, count: int) -> str:
    """A subscription of TEAM to ``hook`` and ``count`` notices (each one pending delivery),
    written by the registry's own path in transactions of WRITE_BATCH; the secret."""
    with Registry.open(url, actor="bench") as registry, \
            registry.notifications(SETTINGS) as notifications:
        secret = notifications.subscribe(TEAM, webhook=hook).secret
        now = datetime.now(UTC)
        for start in range(0, count, WRITE_BATCH):
            with registry.store.write() as tx:
                for i in range(start, min(count, start + WRITE_BATCH)):
                    tx.add_notice(Notice(f"bench:{i}", TEAM, "support-bot",
                                         "deprecation:announced", f"Notice {i}.", {"n": i}, now))
    return secret


def worker(url: str) -> None:
    """One deliverer: pass after pass until a pass claims nothing (the other deliverer holds
    what is left, or nothing is left)."""
    with Registry.open(url, actor="deliverer") as registry, \
            registry.notifications(SETTINGS) as notifications:
        sent = 0
        while (counts := notifications.deliver_once()).claimed:
            sent += counts.delivered
    print(sent)


def drain(db: Database, count: int) -> tuple[float, Counts, list[int]]:
    counts = Counts("whsec_" + base64.b64encode(b"\0" * 32).decode())
    server, hook = serve(counts)
    try:
        secret = seed(db.url, hook, count)
        counts.key = base64.b64decode(secret.removeprefix("whsec_"))
        counts.expected = count
        started = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, __file__, "--worker", db.url],
                                      stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=600)[0] for p in processes]
        elapsed = time.perf_counter() - started
        sent = [int(o.strip() or 0) for o in outputs]
    finally:
        server.shutdown()
        server.server_close()
    return elapsed, counts, sent


def baseline(count: int) -> float:
    """The same number of signed POSTs to the same kind of receiver by two plain ``httpx``
    clients in two processes (each keeping its connection), no database: the floor the drain
    is measured against."""
    secret = "whsec_" + base64.b64encode(b"\1" * 32).decode()
    counts = Counts(secret)
    counts.expected = count
    server, hook = serve(counts)
    try:
        started = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, __file__, "--post", hook, secret,
                                       str(first), str(count)]) for first in (0, 1)]
        for process in processes:
            process.wait(timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()
    assert len(counts.ids) == count, len(counts.ids)
    return elapsed


def post(hook: str, secret: str, first: int, count: int) -> None:
    """Every other of ``count`` signed POSTs from ``first`` (a baseline sender)."""
    body = b'{"kind":"deprecation:announced","n":0}'
    with httpx.Client(trust_env=False) as client:
        for i in range(first, count, 2):
            stamp = int(time.time())
            client.post(hook, content=body, headers={
                "content-type": "application/json", "webhook-id": f"d{i}",
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature(secret, f"d{i}", stamp, body)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--worker", default="", help=argparse.SUPPRESS)
    parser.add_argument("--post", nargs=4, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.post:
        post(args.post[0], args.post[1], int(args.post[2]), int(args.post[3]))
        return 0
    if args.worker:
        worker(args.worker)
        return 0
    floor = baseline(args.notices)
    print(f"{args.notices:,} notices, two deliverers (processes), receiver on 127.0.0.1")
    print(f"baseline: {args.notices:,} signed POSTs by two plain clients (processes), no "
          "database: "
          f"{floor:.2f} s")
    print(f"{'database':<12} {'seconds':>8} {'per s':>8} {'× baseline':>11} "
          f"{'lost':>5} {'twice':>6} {'split':>13}")
    problems = 0
    with tempfile.TemporaryDirectory() as folder, \
            sqlite_and_postgres(Path(folder), args.postgres) as databases:
        for db in databases:
            elapsed, counts, sent = drain(db, args.notices)
            lost = args.notices - len(counts.ids)
            twice = sum(n - 1 for n in counts.ids.values() if n > 1)
            problems += lost + twice + counts.bad
            print(f"{db.label:<12} {elapsed:8.2f} {args.notices / elapsed:8.0f} "
                  f"{elapsed / floor:10.1f}× {lost:5d} {twice:6d} "
                  f"{sent[0]:>6}/{sent[1]:<6}")
    if problems:
        print("PROBLEM: deliveries were lost, duplicated or badly signed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
