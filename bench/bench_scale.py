"""Every read of the registry at 10,000 versions and at a larger size, on SQLite and PostgreSQL,
against MLflow's own model-registry store on the same data.

For each database, a registry of 10,000 versions over 1,000 models and one more model,
``model-big``, of 1,000 versions is seeded with ``scale_seed.py`` (the bulk path), and one of
``--versions`` over a tenth as many models and a ``model-big`` of as many versions again
(``--big``: 1,000,000 over 100,000 models and 1,000,000 in ``model-big``, 2,000,000 in all) —
or the one at ``--database`` is measured as it is (its shape read from its tables). The same
data goes into MLflow's schema (``mlflow_seed.py``: a fresh SQLite file or PostgreSQL database,
or ``--mlflow-database``). Then, each in a process of its own (so that its
peak memory, ``ru_maxrss``, is its own):

* modelsteward: each read through the ASGI app in process (Starlette's test client, anonymous
  reading, the seed's fixed clock), with a query parameter that changes at every request so
  that no kept answer (``api/resolutions.py``) is served: the database is read every time.
  Reads anonymous reading does not cover (the POSTs: MLflow's ``get-latest-versions`` and the
  audit of a lock) call the service the route calls;
* MLflow: ``SqlAlchemyStore``'s methods, in process (no HTTP).

It prints each read's median and p99 at both sizes, their ratio (the goal: ≤ 2, a read that
does not grow with the registry), and for the MLflow operations the ratio to MLflow's own store
at the larger size. Never fails on timings.

modelsteward's pins have no alias or ``latest`` form: an alias is read with
``GET /models/{name}/aliases`` (and MLflow's get-by-alias), "the version in production" is the
``*`` pin (the best eligible version), "latest" is ``*`` with candidates admitted.

    python bench/bench_scale.py                                   # 10,000 only (quick)
    python bench/bench_scale.py --versions 100000               # and model-big of 100,000
    python bench/bench_scale.py --versions 1000000 --big 100000  # a smaller model-big
    python bench/bench_scale.py --on postgresql --database postgresql+psycopg://…/scale1m \\
        --mlflow-database postgresql+psycopg://…/mlflow1m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow_seed
from databases import DEFAULT_POSTGRES, postgres_problem, postgres_schema, sqlite_file
from scale_seed import BIG, FixedClock, Shape, model_name, open_registry, timed, version_ids
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from modelsteward.api.app import create_app
from modelsteward.api.mlflow.filters import encode_token
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.lineage import model_purl
from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.service.registry import Registry
from modelsteward.store.tables import models, versions

BASE = 10_000
GOAL = 2.0
LOCK_ENTRIES = 1000
Timings = dict[str, list[float]]


# --- the reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the reads name, taken from the seeded shape."""

    shape: Shape
    normal: str  # a model in production, with a version in staging
    newest: str  # its newest version (in production)
    count: int  # its number of versions
    deep_model: str  # a model nine tenths down the list
    big_newest: str
    big_deep: str  # a version of model-big nine tenths down its list

    @classmethod
    def of(cls, shape: Shape) -> Facts:
        index = min(100, shape.models - 1) // 5 * 5  # one in five: production and staging
        count = next(c for i, _, c in shape.counts() if i == index)
        deep = shape.big * 9 // 10
        return cls(shape, model_name(index), str(version_ids(count)[-1][0]), count,
                   model_name(shape.models * 9 // 10),
                   str(version_ids(shape.big, shape.big - 1)[0][0]),
                   str(version_ids(deep + 1, deep)[0][0]))


def steward_reads(facts: Facts, client: TestClient,
                  registry: Registry) -> list[tuple[str, Callable[[], object]]]:
    """(label, read) of modelsteward's reads: HTTP GETs, and service calls for the POSTs."""
    n, v = facts.normal, facts.newest
    minor = ".".join(v.split(".")[:2])
    serial = iter(range(1 << 62))

    def get(path: str) -> Callable[[], object]:
        def read() -> object:
            answer = client.get(f"{path}{'&' if '?' in path else '?'}_bench={next(serial)}")
            if answer.status_code != 200:
                raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
            return answer
        return read

    lock = _lock(facts)
    fail_on = parse_fail_on("none")
    api, ml = "/api/v1", "/api/2.0/mlflow"
    deep_token = encode_token([facts.deep_model])
    return [
        ("get model", get(f"{api}/models/{n}")),
        ("get model (model-big)", get(f"{api}/models/{BIG}")),
        ("get version", get(f"{api}/models/{n}/versions/{v}")),
        ("resolve exact", get(f"{api}/resolve?model={n}&pin={v}")),
        ("resolve ^1", get(f"{api}/resolve?model={n}&pin=^1")),
        (f"resolve ~{minor}", get(f"{api}/resolve?model={n}&pin=~{minor}")),
        ("resolve * (production)", get(f"{api}/resolve?model={n}&pin=*")),
        ("resolve * candidates (latest)", get(f"{api}/resolve?model={n}&pin=*&candidates=true")),
        ("resolve ^1 (model-big)", get(f"{api}/resolve?model={BIG}&pin=^1")),
        ("resolve exact (model-big)", get(f"{api}/resolve?model={BIG}&pin={facts.big_newest}")),
        ("aliases", get(f"{api}/models/{n}/aliases")),
        ("aliases --at", get(f"{api}/models/{n}/aliases?at=2026-11-22T11:59:00Z")),
        ("alias history", get(f"{api}/models/{n}/alias-history")),
        ("list models, first page", get(f"{api}/models?limit=100")),
        ("list models, deep page", get(f"{api}/models?limit=100&after={facts.deep_model}")),
        ("list versions (big), first", get(f"{api}/models/{BIG}/versions?limit=100")),
        ("list versions (big), deep",
         get(f"{api}/models/{BIG}/versions?limit=100&after={facts.big_deep}")),
        ("lineage", get(f"{api}/models/{n}/versions/{v}/lineage")),
        ("impact", get(f"{api}/impact?target={n}")),
        ("card", get(f"{api}/models/{n}/card")),
        (f"audit of a {LOCK_ENTRIES:,}-entry lock",
         lambda: registry.audits.audit(lock, fail_on=fail_on)),
        ("mlflow get_registered_model", get(f"{ml}/registered-models/get?name={n}")),
        ("mlflow get_registered_model (big)", get(f"{ml}/registered-models/get?name={BIG}")),
        ("mlflow get_model_version",
         get(f"{ml}/model-versions/get?name={n}&version={facts.count}")),
        ("mlflow get_model_version_by_alias",
         get(f"{ml}/registered-models/alias?name={n}&alias=production")),
        ("mlflow get_latest_versions", lambda: registry.mlflow().latest_versions(n)),
        ("mlflow search_registered_models",
         get(f"{ml}/registered-models/search?max_results=100")),
        ("mlflow search_registered_models, deep",
         get(f"{ml}/registered-models/search?max_results=100&page_token={deep_token}")),
        ("mlflow search_model_versions (big)",
         get(f"{ml}/model-versions/search?filter=name%3D%27{BIG}%27&max_results=100")),
    ]


def _lock(facts: Facts) -> Lock:
    """A lock of :data:`LOCK_ENTRIES` models (their newest versions), spread over the
    registry."""
    shape = facts.shape
    step = max(1, shape.models // LOCK_ENTRIES)
    counts = {name: c for _, name, c in shape.counts()}
    entries = []
    for i in range(0, shape.models, step)[:LOCK_ENTRIES]:
        name = model_name(i)
        version = str(version_ids(counts[name])[-1][0])
        entries.append(LockedModel(name, version, "^1", model_purl(name, version)))
    return Lock("scale-bench", tuple(entries))


def mlflow_reads(facts: Facts, store: Any) -> list[tuple[str, Callable[[], object]]]:
    """(label, read) of MLflow's store, labelled as the matching modelsteward read."""
    from mlflow.utils.search_utils import SearchUtils
    n = facts.normal
    deep = SearchUtils.create_page_token(  # type: ignore[no-untyped-call]
        facts.shape.models * 9 // 10)
    return [
        ("mlflow get_registered_model", lambda: store.get_registered_model(n)),
        ("mlflow get_registered_model (big)", lambda: store.get_registered_model(BIG)),
        ("mlflow get_model_version", lambda: store.get_model_version(n, facts.count)),
        ("mlflow get_model_version_by_alias",
         lambda: store.get_model_version_by_alias(n, "production")),
        ("mlflow get_latest_versions", lambda: store.get_latest_versions(n)),
        ("mlflow search_registered_models", lambda: store.search_registered_models(
            max_results=100)),
        ("mlflow search_registered_models, deep", lambda: store.search_registered_models(
            max_results=100, page_token=deep)),
        ("mlflow search_model_versions (big)", lambda: store.search_model_versions(
            filter_string=f"name='{BIG}'", max_results=100)),
    ]


def measure(reads: list[tuple[str, Callable[[], object]]], repeat: int,
            budget: float) -> Timings:
    """Each read ``repeat`` times, or fewer (at least 5) when that takes over ``budget``
    seconds; milliseconds."""
    found: Timings = {}
    for label, read in reads:
        read()  # first use out of the way
        took: list[float] = []
        started = time.perf_counter()
        while len(took) < repeat and (len(took) < 5 or time.perf_counter() - started < budget):
            begun = time.perf_counter()
            read()
            took.append((time.perf_counter() - begun) * 1000)
        found[label] = took
    return found


# --- the measuring processes ----------------------------------------------------------------


def child(kind: str, url: str, shape: Shape, repeat: int, budget: float) -> None:
    """Measure ``kind`` (steward or mlflow) at ``url``; print the timings and the peak memory
    of this process as one JSON line."""
    facts = Facts.of(shape)
    if kind == "mlflow":
        timings = measure(mlflow_reads(facts, mlflow_seed.open_store(url)), repeat, budget)
    else:
        app = create_app(ServerSettings(Settings(url, "bench"), anonymous_read=True,
                                        tick_seconds=0, change_poll_seconds=0),
                         clock=FixedClock())
        with TestClient(app) as client, Registry.open(url, actor="bench",
                                                      clock=FixedClock()) as registry:
            timings = measure(steward_reads(facts, client, registry), repeat, budget)
    print(json.dumps({"timings": timings, "peak_kb": peak_kb()}))


def peak_kb() -> int:
    """This process's peak resident memory in kB: Linux's VmHWM, which starts afresh at exec
    (``ru_maxrss`` keeps the parent's peak from before the fork: the seeding's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def run_child(kind: str, url: str, shape: Shape, repeat: int, budget: float) -> tuple[Timings,
                                                                                      int]:
    answer = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--versions",
         str(shape.versions), "--models", str(shape.models), "--big", str(shape.big),
         "--repeat", str(repeat), "--budget", str(budget)],
        check=True, capture_output=True, text=True)
    found = json.loads(answer.stdout.strip().splitlines()[-1])
    return found["timings"], int(found["peak_kb"])


# --- databases and shapes -------------------------------------------------------------------


def shape_of(url: str) -> Shape:
    """The shape of a registry seeded by ``scale_seed`` (read from its tables)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        total = int(connection.execute(select(func.count()).select_from(versions)).scalar_one())
        named = int(connection.execute(select(func.count()).select_from(models)
                                       .where(models.c.name.like("model-0%"))).scalar_one())
        big = int(connection.execute(
            select(func.count()).select_from(versions.join(models))
            .where(models.c.name == BIG)).scalar_one())
    engine.dispose()
    return Shape(total, named, big)


def shape_for(count: int, big: int) -> Shape:
    """``count`` versions over a tenth as many models, and ``model-big`` of ``big`` more."""
    return Shape(count + big, max(1, count // 10), big)


def size_label(shape: Shape) -> str:
    """The size a result is shown under: the versions of the models but ``model-big``."""
    return f"{shape.versions - shape.big:,}"


@contextmanager
def mlflow_database(kind: str, folder: Path, postgres: str, label: str) -> Iterator[str]:
    """A fresh database for MLflow's store: a SQLite file, or a PostgreSQL database (dropped
    on exit)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'mlflow-{label}.db'}"
        return
    base = make_url(postgres if "+" in postgres.split(":")[0] else
                    postgres.replace("postgresql:", "postgresql+psycopg:", 1))
    name = f"mlflow_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def mlflow_versions(url: str) -> int:
    """The versions in MLflow's store at ``url`` (kept between runs); -1 when its schema is
    not there yet. A PostgreSQL database that does not exist yet is created, empty."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first() is None:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM model_versions"))
                       .scalar_one())
    except Exception:  # no such table: a new database
        return -1
    finally:
        engine.dispose()


@dataclass
class Result:
    shape: Shape
    steward: Timings
    steward_kb: int
    mlflow: Timings
    mlflow_kb: int


def run_size(kind: str, folder: Path, postgres: str, shape: Shape | None, database: str,
             mlflow_url: str, args: argparse.Namespace) -> Result:
    """Seed (or reuse) both registries of one size and measure them."""
    with ExitStack() as stack:
        if database:
            url, found = database, shape_of(database)
            print(f"  measuring {database} as it is: {found.versions:,} versions over "
                  f"{found.models:,} models and {BIG} ({found.big:,} of them)", flush=True)
        else:
            assert shape is not None
            found = shape
            size = f"{shape.versions}"
            if kind == "sqlite":
                url = stack.enter_context(sqlite_file(folder, f"registry-{size}.db")).url
            else:
                url = stack.enter_context(postgres_schema(postgres)).url
            with open_registry(url) as registry:
                timed(registry, shape)
        steward, steward_kb = run_child("steward", url, found, args.repeat, args.budget)
        if args.skip_mlflow:
            return Result(found, steward, steward_kb, {}, 0)
        if not mlflow_url:
            mlflow_url = stack.enter_context(mlflow_database(kind, folder, postgres,
                                                             str(found.versions)))
        if mlflow_versions(mlflow_url) != found.versions:
            started = time.perf_counter()
            mlflow_seed.seed(mlflow_url, found)
            print(f"  MLflow's store seeded with {found.versions:,} versions in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        mlflow, mlflow_kb = run_child("mlflow", mlflow_url, found, args.repeat, args.budget)
    return Result(found, steward, steward_kb, mlflow, mlflow_kb)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def report(small: Result, large: Result | None) -> None:
    sizes = [small] + ([large] if large else [])
    head = "".join(f" {f'{size_label(r.shape)}: median':>17} {'p99':>8}" for r in sizes)
    print(f"  {'read':<40}{head}" + (f"  {'ratio':>6} ≤ {GOAL:.0f}" if large else "")
          + f"  {'MLflow median':>13} {'ours/MLflow':>11}")
    last = sizes[-1]
    for label in small.steward:
        cells = "".join(f" {statistics.median(r.steward[label]):15.2f}ms "
                        f"{_p99(r.steward[label]):6.2f}ms" for r in sizes)
        ratio = ""
        if large:
            value = (statistics.median(large.steward[label])
                     / statistics.median(small.steward[label]))
            ratio = f"  {value:5.2f}× {'met' if value <= GOAL else 'MISSED':>6}"
        theirs = ""
        if label in last.mlflow:
            median = statistics.median(last.mlflow[label])
            theirs = (f"  {median:11.2f}ms "
                      f"{statistics.median(last.steward[label]) / median:10.2f}×")
        print(f"  {label[:40]:<40}{cells}{ratio}{theirs}", flush=True)
    if large:
        print("  MLflow's store at both sizes:")
        for label in small.mlflow:
            a, b = (statistics.median(small.mlflow[label]),
                    statistics.median(large.mlflow[label]))
            print(f"    {label[:38]:<38} {a:8.2f}ms {b:8.2f}ms  {b / a:5.2f}×")
    print("  peak memory (VmHWM) of the measuring process: "
          + ", ".join(f"{size_label(r.shape)} versions: modelsteward "
                      f"{r.steward_kb / 1024:.0f} MB, MLflow {r.mlflow_kb / 1024:.0f} MB"
                      for r in sizes), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=BASE,
                        help="the larger size (versions over a tenth as many models, and "
                             "model-big of --big more); 10,000 alone by default")
    parser.add_argument("--models", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--big", type=int, default=0,
                        help="versions of model-big in the larger size (default: --versions)")
    parser.add_argument("--on", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--database", default="",
                        help="measure this registry (seeded by scale_seed.py) as the larger "
                             "size; use with a single --on")
    parser.add_argument("--mlflow-database", default="",
                        help="MLflow's store for --database: seeded with the same data unless "
                             "it holds as many versions already (then kept as it is)")
    parser.add_argument("--skip-mlflow", action="store_true",
                        help="measure modelsteward alone (MLflow's store is not seeded nor read)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds per read at most (at least 5 runs each)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, Shape(args.versions, args.models, args.big), args.repeat,
              args.budget)
        return
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.on.split(","):
            if kind == "postgresql":
                problem = postgres_problem(args.postgres)
                if problem is not None:
                    print(f"PostgreSQL skipped: {problem}")
                    continue
            print(f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}:", flush=True)
            small = run_size(kind, Path(folder), args.postgres, shape_for(BASE, BASE // 10), "",
                             "", args)
            large = None
            if args.database or args.versions > BASE:
                large = run_size(kind, Path(folder), args.postgres,
                                 shape_for(args.versions, args.big or args.versions),
                                 args.database, args.mlflow_database, args)
            report(small, large)


if __name__ == "__main__":
    main()
