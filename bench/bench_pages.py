"""Server time of every web page on a large registry, against a plain API read of the same data.

Seeds a registry with ``scale_seed.py`` (default 1,000,000 versions over 100,000 models, a
tenth of them in one model, ``model-big``) on a fresh SQLite file and, when reachable, a fresh
PostgreSQL schema — or measures an already seeded one (``--database URL``). Then, in process
through the ASGI app (Starlette's test client, anonymous reading on, the seed's fixed clock),
requests each page and, in turns with it, the API read of the same data: the page's JSON twin
where it has one (``/api/v1/models?limit=25`` for the lists), and prints the median and p99
of each and their ratio. Pages another module adds (``/experiments``, ``/events``) are measured
when the application has them.

The goal: every page in ≤ 50 ms at 1,000,000 versions. Never fails on timings.

    python bench/bench_pages.py                                   # 1,000,000 versions, both
    python bench/bench_pages.py --versions 100000 --models 10000 --on sqlite
    python bench/bench_pages.py --database sqlite:///registry.db   # seeded before, by scale_seed
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from databases import DEFAULT_POSTGRES, sqlite_and_postgres
from fastapi import FastAPI
from scale_seed import BIG, FixedClock, Shape, model_name, open_registry, timed, version_ids
from starlette.testclient import TestClient

from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings

GOAL_MS = 50.0
LIST = "/api/v1/models?limit=25"


@dataclass(frozen=True)
class Case:
    """A page and the API read it is compared with."""

    label: str
    page: str
    api: str


def cases(shape: Shape, app: FastAPI) -> list[Case]:
    """The pages to measure on a registry seeded with ``shape`` (those ``app`` has)."""
    index = min(100, shape.models - 1)  # one in five: a version in production, one in staging
    normal, newest = model_name(index), _newest(index, shape)
    found = [
        Case("dashboard", "/", LIST),
        Case("models", "/models", LIST),
        Case("models, stage filter", "/models?stage=production", LIST),
        Case("models, team filter", "/models?team=team-7", LIST),
        Case("models, search", "/models?q=model-0999", LIST),
        Case("model", f"/models/{normal}", f"/api/v1/models/{normal}"),
        Case("version", f"/models/{normal}@{newest}",
             f"/api/v1/models/{normal}/versions/{newest}"),
        Case("approvals", "/approvals", LIST),
        Case("deprecations", "/deprecations", "/api/v1/deprecations"),
        Case("advisories", "/advisories", "/api/v1/advisories?withdrawn=true"),
        Case("consumers", "/consumers", "/api/v1/consumers"),
        Case("consumers of a model", f"/consumers?model={model_name(0)}",
             f"/api/v1/consumers?model={model_name(0)}"),
        Case("audit (form)", "/audit", LIST),
    ]
    if shape.big:
        found.insert(6, Case(f"model, {shape.big:,} versions", f"/models/{BIG}",
                             f"/api/v1/models/{BIG}"))
    paths = {getattr(route, "path", "") for route in app.routes}
    for path, api in (("/experiments", "/api/v1/experiments"), ("/events", "/api/v1/events")):
        if path in paths:
            found.append(Case(path[1:], path, api))
    return found


def _newest(index: int, shape: Shape) -> str:
    """The version id of the newest version of model ``index`` (its production one)."""
    count = next(c for i, _, c in shape.counts() if i == index)
    return str(version_ids(count)[-1][0])


def _timings(client: TestClient, path: str) -> float:
    started = time.perf_counter()
    answer = client.get(path)
    took = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
    return took


def measure(url: str, shape: Shape, repeat: int, budget: float, only: str = "") -> None:
    """Each case's page and API read in turns, ``repeat`` times or until ``budget`` seconds."""
    app = create_app(ServerSettings(Settings(url, "bench"), anonymous_read=True, tick_seconds=0),
                     clock=FixedClock())
    with TestClient(app) as client:
        print(f"  {'page':<28} {'median':>8} {'p99':>8}   {'API read':<44} {'median':>8} "
              f"{'p99':>8}  ratio  ≤ {GOAL_MS:.0f} ms")
        for case in cases(shape, app):
            if only and case.page not in only.split(","):
                continue
            for path in (case.page, case.api):  # first requests out of the way
                _timings(client, path)
            pages: list[float] = []
            apis: list[float] = []
            started = time.perf_counter()
            while len(pages) < repeat and (len(pages) < 5
                                          or time.perf_counter() - started < budget):
                pages.append(_timings(client, case.page))
                apis.append(_timings(client, case.api))
            page_median, api_median = statistics.median(pages), statistics.median(apis)
            print(f"  {case.page[:28]:<28} {page_median:6.1f}ms {_p99(pages):6.1f}ms   "
                  f"{case.api[:44]:<44} {api_median:6.1f}ms {_p99(apis):6.1f}ms  "
                  f"{page_median / api_median:4.1f}×  "
                  f"{'met' if page_median <= GOAL_MS else 'MISSED'}", flush=True)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=Shape.versions)
    parser.add_argument("--models", type=int, default=Shape.models)
    parser.add_argument("--big", type=int, default=None,
                        help="versions of model-big (default: a tenth of --versions)")
    parser.add_argument("--on", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--database", default="",
                        help="measure this registry, seeded before with the same shape")
    parser.add_argument("--only", default="",
                        help="comma-separated paths of the pages to measure (default: all)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds per page at most (at least 5 requests each)")
    args = parser.parse_args()
    big = args.versions // 10 if args.big is None else args.big
    shape = Shape(args.versions, args.models, big)
    if args.database:
        print(f"{args.database}:")
        measure(args.database, shape, args.repeat, args.budget, args.only)
        return
    with tempfile.TemporaryDirectory() as folder, \
            sqlite_and_postgres(Path(folder), args.postgres, args.on.split(",")) as found:
        for database in found:
            print(f"{database.label}:", flush=True)
            with open_registry(database.url) as registry:
                timed(registry, shape)
            measure(database.url, shape, args.repeat, args.budget, args.only)


if __name__ == "__main__":
    main()
