"""The audit of a large lock against a large advisory database, on SQLite.

Seeds a registry with L locked models (one version each, a fine-tune of a base model) and A
advisories: two about each locked model's base (found through lineage, so every lookup also
walks the lock's recorded ancestry), the rest about models no lock uses. Then times
``Audits.audit`` for (L, A), for (2L, 2A), and for (L, 2A), and prints the ratios against the
first run: the audit should grow with the lock and with the advisories that can match it, not
with the size of the advisory database. Never fails on timings.

    python bench/bench_audit.py            # 10,000 entries × 100,000 advisories
    python bench/bench_audit.py --entries 1000 --advisories 10000   # quicker
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from modelsteward import Registry
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.lineage import model_purl
from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.store.advisory_index import advisory_keys
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import (
    advisories,
    advisory_packages,
    models,
    versions,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)
DIGEST = "ab" * 32


def seed(registry: Registry, entries: int, total: int) -> Lock:
    """``entries`` fine-tunes locked, ``total`` advisories (2 per locked base, rest unrelated)."""
    model_rows: list[dict[str, object]] = []
    version_rows: list[dict[str, object]] = []
    locked: list[LockedModel] = []
    for i in range(entries):
        for name in (f"base-{i:06d}", f"tune-{i:06d}"):
            model_id = str(uuid.uuid4())
            model_rows.append({"id": model_id, "name": name, "kind": "self-hosted",
                               "versioning": "semver", "description": "", "purpose": "",
                               "owner_team": "", "owner_contact": "", "provider": "",
                               "provider_model": "", "risk_tier": "low", "license": "",
                               "tags": [], "support_months": None, "support_after": "",
                               "extra": {}, "created_at": NOW})
            version_rows.append({"id": str(uuid.uuid4()), "model_id": model_id,
                                 "version": "1.0.0", "major": 1, "minor": 0, "patch": 0,
                                 "prerelease": "", "variant": "", "snapshot_date": "",
                                 "registered_seq": len(version_rows) + 1, "digest": DIGEST,
                                 "change": None, "forced_reason": "", "description": "",
                                 "status": "", "meta": {}, "metrics": {},
                                 "registered_at": NOW, "registered_by": "bench",
                                 "stage": "production"})
        locked.append(LockedModel(f"tune-{i:06d}", "1.0.0", "^1.0",
                                  model_purl(f"tune-{i:06d}", "1.0.0"), root_digest=DIGEST,
                                  derived_from=(f"base-{i:06d}@1.0.0",)))
    advisory_rows: list[dict[str, object]] = []
    package_rows: list[dict[str, object]] = []
    for n in range(total):
        target = f"base-{n // 2:06d}" if n < 2 * entries else f"elsewhere-{n:07d}"
        advisory = Advisory(
            f"x_MSA-2026-{n:07d}", NOW, summary=f"problem {n}",
            affected=(Affected(ECOSYSTEM, target, ranges=(AffectedRange("SEMVER", (
                RangeEvent(EventKind.INTRODUCED, "0"),
                RangeEvent(EventKind.FIXED, "1.0.0" if n % 2 else "2.0.0"))),)),),
            database_specific={"severity": "HIGH"})
        advisory_rows.append({"id": advisory.id, "modified": NOW, "published": NOW,
                              "withdrawn": None, "summary": advisory.summary, "level": "high",
                              "document": json.dumps(advisory.to_osv()), "recorded_at": NOW,
                              "recorded_by": "bench"})
        packages, _ = advisory_keys(advisory)
        package_rows.extend({"advisory_id": advisory.id, "ecosystem": e, "name": name}
                            for e, name in packages)
    with _sql(registry).write() as tx:
        for table, rows in ((models, model_rows), (versions, version_rows),
                            (advisories, advisory_rows), (advisory_packages, package_rows)):
            for start in range(0, len(rows), 5000):
                tx.c.execute(insert(table), rows[start:start + 5000])
    return Lock("bench-app", tuple(locked))


def timed(entries: int, total: int, repeat: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry.open(f"sqlite:///{Path(folder) / 'bench.db'}", actor="bench")
        lock = seed(registry, entries, total)
        fail_on = parse_fail_on("low")
        times = []
        findings = 0
        for _ in range(repeat):
            start = time.perf_counter()
            report = registry.audits.audit(lock, fail_on=fail_on)
            times.append(time.perf_counter() - start)
            findings = len(report.findings)
        registry.close()
    return statistics.median(times), findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    L, A = args.entries, args.advisories
    base, found = timed(L, A, args.repeat)
    print(f"audit {L:,} entries × {A:,} advisories: {base:.3f} s median "
          f"({found:,} findings)")
    double, found2 = timed(2 * L, 2 * A, args.repeat)
    print(f"audit {2 * L:,} entries × {2 * A:,} advisories: {double:.3f} s "
          f"({found2:,} findings) — ratio {double / base:.2f}× (linear: 2.00×)")
    more, found3 = timed(L, 2 * A, args.repeat)
    print(f"audit {L:,} entries × {2 * A:,} advisories: {more:.3f} s "
          f"({found3:,} findings) — ratio {more / base:.2f}× (independent of the database: "
          "1.00×)")


if __name__ == "__main__":
    main()


def _sql(registry: Registry) -> SqlStore:
    """The SQL store the benchmark writes its rows into directly."""
    assert isinstance(registry.store, SqlStore)
    return registry.store
