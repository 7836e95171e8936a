"""Rendering a living card on a large registry, on SQLite (and PostgreSQL when reachable).

Seeds N models as ``bench_compliance.py`` does (the model, a version in production with its
events, consumers and plans for some), then times, in the same run and for the same sample of
models:

* the baseline: a plain read of what a card is built from — the model's record, its events
  (``events_about``) and those of the advisories and consumers that name it (the mention index),
  nothing folded or rendered;
* ``registry.cards.markdown(model)``, the card rebuilt from the history and rendered (goal: a
  card in ≤ 20 ms at 10,000 models).

Prints the median and p99 per card and the ratio against the baseline. Never fails on timings.

    python bench/bench_card.py                 # 10,000 models
    python bench/bench_card.py --models 1000   # quicker
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_compliance import FixedClock, seed
from databases import DEFAULT_POSTGRES, Database, sqlite_and_postgres

from modelsteward import Registry


def plain_read(registry: Registry, name: str) -> int:
    """The records a card of ``name`` is built from, read and counted."""
    with registry.store.read() as tx:
        model = tx.get_model(name)
        related = tx.events_of(tx.subjects_mentioning([name]))
        return len(tx.events_about(name)) + len(related) + (model is not None)


def timings(action: Callable[[str], object], names: list[str]) -> list[float]:
    found = []
    for name in names:
        started = time.perf_counter()
        action(name)
        found.append((time.perf_counter() - started) * 1000)
    return sorted(found)


def measure(database: Database, count: int, sample: int) -> None:
    with Registry.open(database.url, actor="bench", clock=FixedClock()) as registry:
        started = time.perf_counter()
        seed(registry, count)
        print(f"{database.label}: seeded {count:,} models in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        names = [f"model-{i:06d}" for i in random.Random(1).sample(range(count), sample)]
        registry.cards.markdown(names[0])  # imports and first statements out of the way
        for _ in range(2):  # the cases take turns, so the machine's load hits both alike
            base = timings(lambda n: plain_read(registry, n), names)
            card = timings(lambda n: registry.cards.markdown(n), names)
        p99 = max(0, int(len(card) * 0.99) - 1)
        base_median, card_median = statistics.median(base), statistics.median(card)
        print(f"  plain read of a card's records  median {base_median:6.2f} ms   "
              f"p99 {base[p99]:6.2f} ms   1.0×")
        print(f"  card, rebuilt and rendered      median {card_median:6.2f} ms   "
              f"p99 {card[p99]:6.2f} ms   {card_median / base_median:.1f}×   goal ≤ 20 ms: "
              f"{'met' if card_median <= 20 else 'MISSED'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            sqlite_and_postgres(Path(folder), args.postgres) as databases:
        for database in databases:
            measure(database, args.models, min(args.sample, args.models))


if __name__ == "__main__":
    main()
