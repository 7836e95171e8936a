"""Peak memory of the commands that walk the whole registry, as it grows, on SQLite.

Seeds registries of N versions over N/10 models with ``bench/scale_seed.py`` (the bulk path:
models, versions, stages, aliases and their events, then consumers, deprecation plans and
advisories through the services), plus a deprecation plan for one model in two (through the
services, 250 to a transaction: the seed's one in 200 is too few to weigh), and runs, each in
a fresh process, with tracemalloc around the command alone (the modules it needs imported
first):

* ``steward model list`` and ``steward model list --json`` (output to /dev/null);
* ``steward export registry -o FILE``;
* ``steward compliance --team team-7 --json`` (one team's models: 1 in 200, the report's own
  size small beside the registry);
* the audit of a lock of 20 models (``registry.audits.audit``);
* the deprecation page's current plans (``registry.deprecations.current_plans``, 100 shown).

It prints each command's peak (MB of Python allocations) at each size and its ratio to the
smallest size (measured in the same run): a command that reads the registry in keyset
batches stays near 1× while the registry grows 10×; one that loads a whole table grows with
it. ``--source`` runs the commands from each of several checkouts' ``src`` (say, the code
before, then this one) on the same seeded registries, one after the other for each command,
so that they meet the same machine load. Never fails on the figures.

    python bench/bench_memory.py                           # 10,000 and 100,000 versions
    python bench/bench_memory.py --versions 10000 1000000  # a million (seeding ~70 s)
    python bench/bench_memory.py --source ../main/src src  # the code before, and this
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale_seed import Shape, model_name, open_registry, plan_models, seed

from modelsteward import Registry

SRC = Path(__file__).resolve().parent.parent / "src"

# run in the measured process: the command's modules imported first, tracemalloc around the
# command alone, the peak printed on stderr's last line
_MEASURE = """
import json, os, resource, sys, tracemalloc
from datetime import UTC, datetime
from modelsteward.cli.main import main
import modelsteward.cli.models, modelsteward.cli.registry_file, modelsteward.cli.compliance
import modelsteward.service.registry, modelsteward.store.sql, yaml, rich.table
import sqlalchemy.dialects.sqlite.pysqlite
from modelsteward import Registry
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.lineage import model_purl
from modelsteward.domain.lockfile import Lock, LockedModel
what = json.loads(sys.argv[1])
if what[0] == "audit":
    registry = Registry.open(os.environ["STEWARD_DATABASE_URL"], actor="bench")
    lock = Lock("bench-app", tuple(LockedModel(f"model-{i:06d}", "1.0.0", "^1.0",
                                               model_purl(f"model-{i:06d}", "1.0.0"))
                                   for i in range(0, 200, 10)))
    fail_on = parse_fail_on("low")
    tracemalloc.start()
    registry.audits.audit(lock, fail_on=fail_on)
    code = 0
elif what[0] == "plans":
    registry = Registry.open(os.environ["STEWARD_DATABASE_URL"], actor="bench")
    tracemalloc.start()
    if hasattr(registry.deprecations, "current_plans"):
        registry.deprecations.current_plans(lambda p: (p.hard_deadline, p.ref), 100)
    else:  # the code before: every plan read, the latest of each target sorted
        with registry.store.read() as tx:
            every = tx.plans()
        latest = {p.ref: p for p in every}
        sorted(latest.values(), key=lambda p: (p.hard_deadline, p.ref))[:100]
    code = 0
else:
    tracemalloc.start()
    code = main(what)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"code": code, "peak": peak,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
      file=sys.stderr)
"""

COMMANDS: list[tuple[str, list[str]]] = [
    ("model list", ["model", "list"]),
    ("model list --json", ["model", "list", "--json"]),
    ("export registry", ["export", "registry", "-o", "{folder}/exported.yaml"]),
    ("compliance --team", ["compliance", "--team", "team-7", "--json"]),
    ("audit (20 models)", ["audit"]),
    ("deprecations page plans", ["plans"]),
]


def plan_half(registry: Registry, models: int) -> None:
    """A ``model@*`` plan for every second model (those the seed planned get a second one)."""
    plan_models(registry, [(i // 2, model_name(i)) for i in range(0, models, 2)])


def measure(url: str, folder: Path, command: list[str], source: Path) -> tuple[int, float]:
    """(peak bytes of Python allocations, seconds) of ``command`` in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(STEWARD_DATABASE_URL=url, STEWARD_HOME=str(folder / "home"),
               STEWARD_ACTOR="bench", PYTHONPATH=str(source))
    argv = [part.format(folder=folder) for part in command]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(argv)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), done.stderr[-2000:]  # compliance exits 1 on failures
    return int(report["peak"]), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, nargs="+", default=[10_000, 100_000],
                        help="registry sizes (versions; models a tenth); the first is the "
                             "baseline")
    parser.add_argument("--source", type=Path, nargs="+", default=[SRC],
                        help="the src folders whose code runs the commands (each in turn)")
    args = parser.parse_args()
    print("peak Python allocations (tracemalloc) per command, SQLite")
    peaks: dict[tuple[Path, str], list[tuple[int, float]]] = {
        (source, name): [] for source in args.source for name, _ in COMMANDS}
    for count in args.versions:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'registry.db'}"
            started = time.perf_counter()
            with open_registry(url) as registry:
                seed(registry, Shape(count, max(1, count // 10)))
                plan_half(registry, max(1, count // 10))
            print(f"seeded {count:,} versions over {count // 10:,} models in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            for name, command in COMMANDS:
                for source in args.source:
                    peaks[(source, name)].append(measure(url, Path(folder), command, source))
    sizes = "".join(f" {f'{count:,} v MB':>13} {'s':>6}" for count in args.versions)
    for source in args.source:
        print(f"\ncode of {source}")
        print(f"{'command':<26}{sizes} {'× base':>7}")
        for name, _ in COMMANDS:
            found = peaks[(source, name)]
            base = found[0][0]
            cells = "".join(f" {peak / 1e6:13.1f} {seconds:6.1f}" for peak, seconds in found)
            ratios = " ".join(f"{peak / base:6.2f}×" for peak, _ in found[1:])
            print(f"{name:<26}{cells} {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
