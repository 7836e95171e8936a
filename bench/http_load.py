"""A small HTTP/1.1 load client on asyncio: N keep-alive connections, each sending its next GET
as soon as the previous answer has been read, for a fixed time.

Why not httpx: the client shares the machine's two cores with the server, and its own cost is
part of every figure. httpx costs a few hundred microseconds per request; this client writes a
request prepared as bytes and reads the answer by its ``Content-Length``, a few tens of
microseconds, so more of each figure is the server's. All connections run on one thread (one
core at most), as ``wrk -t1`` does.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

CRLF = b"\r\n"


@dataclass(frozen=True)
class Run:
    """One timed stretch: each answer's latency (ms), the wall time (s), and the answers that
    were not 200 (status line and the start of the body)."""

    latencies: list[float]
    wall_s: float
    failures: list[str]


@dataclass(frozen=True)
class Load:
    """Runs of one case taken together: answers per second over their wall time, latency
    percentiles (ms), and the answers that were not 200 (the first one's status and body)."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    first_error: str = ""

    @classmethod
    def of(cls, runs: list[Run]) -> Load:
        latencies = sorted(ms for r in runs for ms in r.latencies)
        failures = [f for r in runs for f in r.failures]
        wall = sum(r.wall_s for r in runs)
        return cls(len(latencies) / wall, statistics.median(latencies),
                   latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                   len(latencies), len(failures), failures[0] if failures else "")


def run(base_url: str, path: Callable[[], str], connections: int, seconds: float,
        headers: dict[str, str]) -> Run:
    """GET ``path()`` (called before each request, so every request can differ) from
    ``connections`` connections for ``seconds``."""
    return asyncio.run(_run(base_url, path, connections, seconds, headers))


async def _run(base_url: str, path: Callable[[], str], connections: int, seconds: float,
               headers: dict[str, str]) -> Run:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    prefix, suffix = b"GET ", f" HTTP/1.1\r\nHost: {host}:{port}\r\n{fixed}\r\n".encode()
    latencies: list[float] = []
    failures: list[str] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while time.perf_counter() < deadline:
                request = prefix + path().encode() + suffix
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(CRLF + CRLF)
                body = await reader.readexactly(_content_length(head))
                latencies.append((time.perf_counter() - started) * 1000)
                if head[9:12] != b"200":
                    status = head.split(CRLF, 1)[0].decode()
                    failures.append(f"{status} {body[:200]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(connection() for _ in range(connections)))
    return Run(latencies, time.perf_counter() - started, failures)


def _content_length(head: bytes) -> int:
    """The ``Content-Length`` of a response head (uvicorn sends one with every JSON answer)."""
    for line in head.split(CRLF)[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise ValueError(f"The answer has no Content-Length (chunked?): {head[:300]!r}")
