"""The registry workload of ``bench_server.py``, driven by one Python client (httpx) against
MLflow's server and modelsteward's, request by request the same where the APIs allow it.

Each case is an operation per side, called with an index ``i``: writes touch object ``i`` (so
every write creates or changes something new), reads cycle over the first ``READ_SET`` models.
A case runs ``n`` operations one after another, then ``n`` more from 16 threads (each with its
own connection). Answers other than 200/201 are counted as errors, never retried.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

MLFLOW = "/api/2.0/mlflow"
READ_SET = 50
FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]
SEARCH = {"filter": "name LIKE 'bench-%'", "max_results": "20"}

Op = Callable[[httpx.Client, int], httpx.Response]


def name(i: int) -> str:
    return f"bench-{i}"


def reading(i: int) -> str:
    return name(i % READ_SET)


# MLflow's server ------------------------------------------------------------------------------

def ml_create(c: httpx.Client, i: int) -> httpx.Response:
    return c.post(f"{MLFLOW}/registered-models/create", json={"name": name(i)})


def ml_version(c: httpx.Client, i: int) -> httpx.Response:
    return c.post(f"{MLFLOW}/model-versions/create",
                  json={"name": name(i), "source": f"s3://bench/{name(i)}"})


def ml_tag(c: httpx.Client, i: int) -> httpx.Response:
    return c.post(f"{MLFLOW}/registered-models/set-tag",
                  json={"name": name(i), "key": "team", "value": f"team-{i % 7}"})


def ml_alias(c: httpx.Client, i: int) -> httpx.Response:
    return c.post(f"{MLFLOW}/registered-models/alias",
                  json={"name": name(i), "alias": "champion", "version": "1"})


def ml_get_alias(c: httpx.Client, i: int) -> httpx.Response:
    return c.get(f"{MLFLOW}/registered-models/alias",
                 params={"name": reading(i), "alias": "champion"})


def ml_search(c: httpx.Client, i: int) -> httpx.Response:
    return c.get(f"{MLFLOW}/registered-models/search", params=SEARCH)


# modelsteward: its own API where it has the operation, else its MLflow-compatible API ----------

def st_create(c: httpx.Client, i: int) -> httpx.Response:
    return c.post("/api/v1/models", json={"name": name(i)})


def st_version(c: httpx.Client, i: int) -> httpx.Response:
    return c.post(f"/api/v1/models/{name(i)}/versions", json={"version": "1.0.0",
                                                              "files": FILES})


def st_resolve(c: httpx.Client, i: int) -> httpx.Response:
    return c.get("/api/v1/resolve", params={"model": reading(i), "pin": "^1"})


def st_list(c: httpx.Client, i: int) -> httpx.Response:
    return c.get("/api/v1/models", params={"limit": "20"})


@dataclass(frozen=True)
class Case:
    """``most``: a cap on the operations per mode (slow cases would take minutes)."""

    label: str
    write: bool
    mlflow: Op
    steward: Op
    most: int | None = None


CASES = [
    Case("create model", True, ml_create, st_create),
    Case("create version", True, ml_version, st_version),
    Case("set tag", True, ml_tag, ml_tag),
    Case("set alias", True, ml_alias, ml_alias),
    Case("get by alias (both MLflow API)", False, ml_get_alias, ml_get_alias),
    Case("resolve vs get by alias", False, ml_get_alias, st_resolve),
    Case("search (both MLflow API)", False, ml_search, ml_search, most=64),
    Case("search vs list models (native)", False, ml_search, st_list),
]


@dataclass(frozen=True)
class Stats:
    ops_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str


def run(base_url: str, headers: dict[str, str], op: Op, indices: range,
        concurrency: int) -> Stats:
    """Call ``op`` once per index, from ``concurrency`` threads; latencies per call, throughput
    over the wall time of the whole run."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    todo = iter(indices)
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, headers=headers, timeout=60)
            clients.append(local.client)
        made: httpx.Client = local.client
        return made

    def worker() -> None:
        c = client()
        for i in todo:  # a shared iterator: each index is taken once
            started = time.perf_counter()
            try:
                response = op(c, i)
                failure = ("" if response.status_code in (200, 201)
                           else f"{response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if failure:
                    failures.append(failure)

    clients: list[httpx.Client] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    wall = time.perf_counter() - started
    for made in clients:
        made.close()
    latencies.sort()
    ok = len(latencies) - len(failures)
    return Stats(ok / wall if wall else 0.0, statistics.median(latencies),
                 latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                 len(failures), failures[0] if failures else "")
