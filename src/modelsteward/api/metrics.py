"""Request latency and structured request logs, as one pure-ASGI middleware (cheaper than
``BaseHTTPMiddleware`` on the hot path), and the metrics registry ``/metrics`` serves."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("modelsteward.access")


class Metrics:
    """One registry per application, so several apps (tests) do not collide.

    With PROMETHEUS_MULTIPROC_DIR set (``steward serve --workers N`` sets it for its worker
    processes before they start), the Prometheus client keeps every process's values in files
    there, and :meth:`exposition` adds up those of all the workers."""

    def __init__(self, backlog: Callable[[], float] | None = None) -> None:
        # the client chose where values live when it was imported, from the same variable
        self.directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "steward_http_request_duration_seconds", "HTTP request latency",
            ["method", "route", "status"], registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.backlog = Gauge("steward_outbox_backlog",
                             "Notification deliveries waiting to be sent",
                             registry=self.registry, multiprocess_mode="max")
        if backlog is not None:
            self.backlog.set_function(backlog)
        # the histogram's child per label values: ``labels()`` validates and locks every call
        self._children: dict[tuple[str, str, int], Histogram] = {}

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format: this process's, or every worker's when
        they share a multiprocess folder."""
        if self.directory is None:
            return generate_latest(self.registry)
        workers = CollectorRegistry()
        MultiProcessCollector(workers, path=self.directory)  # type: ignore[no-untyped-call]
        return generate_latest(workers)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request of ``method`` on the route template ``route``."""
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.latency.labels(method, route, str(status))
        child.observe(seconds)


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.observe(scope["method"], template, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                line = json.dumps({"method": scope["method"], "path": scope["path"],
                                   "route": template, "status": status,
                                   "ms": round(elapsed * 1000, 2)})
                # the record made here: ``log.info`` would also walk the stack for its caller
                log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, line, (),
                                          None, "RequestMetrics"))
