"""A real webhook receiver on 127.0.0.1 and helpers to write notices.

The receiver verifies each request's Standard Webhooks signature with its own code (not the
sender's), records every accepted delivery id — duplicates included, so tests can count them —
and can refuse the first N attempts of each delivery (HTTP 503) or hold each request open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from modelsteward import Registry
from modelsteward.domain.notices import Notice


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the specification."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, candidate)
               for candidate in headers.get("webhook-signature", "").split())


@dataclass
class Receipt:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    """``secrets`` maps a URL path to the secret of the subscription that posts there."""

    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)
    refuse_first: int = 0
    hold: float = 0.0
    accepted: list[Receipt] = field(default_factory=list)  # every accepted request, in order
    attempts: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    arrivals: list[str] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            secret = self.secrets.get(path)
            if secret is None or not verify_signature(secret, headers, body):
                self.bad_signatures += 1
                return 401
            delivery_id = headers["webhook-id"]
            self.attempts[delivery_id] += 1
            self.arrivals.append(delivery_id)
            self.lock.notify_all()
            if self.attempts[delivery_id] <= self.refuse_first:
                return 503
            # an idempotent receiver acts on the first copy; the test keeps every copy to count
            self.accepted.append(Receipt(path, headers, json.loads(body)))
            self.lock.notify_all()
        if self.hold:
            time.sleep(self.hold)
        return 204

    @property
    def unique(self) -> dict[str, Receipt]:
        with self.lock:
            found: dict[str, Receipt] = {}
            for receipt in self.accepted:
                found.setdefault(receipt.headers["webhook-id"], receipt)
            return found

    @property
    def duplicates(self) -> Counter[str]:
        with self.lock:
            counts = Counter(r.headers["webhook-id"] for r in self.accepted)
        return Counter({k: v - 1 for k, v in counts.items() if v > 1})

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the receiver waited {timeout} s in vain: "
                                         f"{len(self.arrivals)} arrivals, "
                                         f"{len(self.accepted)} accepted")
                self.lock.wait(remaining)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a sender killed mid-request leaves a broken pipe; that is the point of the test


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = state.handle(self.path, headers, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def write_notices(registry: Registry, team: str, count: int,
                  kind: str = "deprecation:announced", prefix: str = "n") -> list[str]:
    """``count`` notices for ``team`` in one transaction (each with its deliveries); their keys."""
    keys = [f"test:{prefix}:{team}:{i}" for i in range(count)]
    with registry.store.write() as tx:
        for i, key in enumerate(keys):
            tx.add_notice(Notice(key, team, "support-bot", kind, f"Message {i} for {team}.",
                                 {"n": i}, registry.clock.now()))
    return keys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
