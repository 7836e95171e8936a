"""Two processes promote different versions to production at once: exactly one wins."""

from __future__ import annotations

import multiprocessing as mp
from datetime import timedelta
from multiprocessing.synchronize import Barrier

from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import RiskTier
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import StewardError
from tests.processes import process_context
from tests.service.lifecycle_helpers import approve_all, to_production, to_staging, trained


def _promote(url: str, ref: str, barrier: Barrier, results: mp.Queue[tuple[str, str]]) -> None:
    with Registry.open(url, actor="release-bot") as registry:
        barrier.wait(timeout=60)
        try:
            registry.lifecycle.promote(ref, Stage.PRODUCTION)
            results.put((ref, "won"))
        except StewardError as error:
            results.put((ref, f"{type(error).__name__}: {error}"))


def test_concurrent_promotions_exactly_one_wins(sql_url: str) -> None:
    with Registry.open(sql_url, actor="alice") as registry:
        to_production(registry, trained(registry, "bot"))
        candidates = [trained(registry, "bot", change=ChangeKind.RETRAIN),
                      trained(registry, "bot", change=ChangeKind.CONFIG)]
        for ref in candidates:
            to_staging(registry, ref, RiskTier.LOW)
            approve_all(registry, ref, RiskTier.LOW,
                        registry.clock.now().date() + timedelta(days=30))
    context = process_context()
    barrier = context.Barrier(2)
    results: mp.Queue[tuple[str, str]] = context.Queue()
    processes = [context.Process(target=_promote, args=(sql_url, ref, barrier, results))
                 for ref in candidates]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    winners = [ref for ref, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(ref for ref in candidates if ref not in winners)
    assert outcomes[loser].startswith("GateRefused") and "must be approved again" in \
        outcomes[loser]
    with Registry.open(sql_url, actor="check") as registry:
        holders = registry.lifecycle.aliases("bot")
        assert [(a.alias, f"bot@{a.version}") for a in holders] == [("production", winners[0])]
        model, version = loser.split("@")
        assert registry.get_version(model, version).stage is Stage.STAGING
        assert registry.verify_log()[1] is None
    engine = create_engine(sql_url)
    with engine.connect() as connection:
        current = connection.execute(text(
            "SELECT count(*) FROM alias_assignments WHERE alias = 'production' "
            "AND removed_at IS NULL")).scalar()
    engine.dispose()
    assert current == 1
