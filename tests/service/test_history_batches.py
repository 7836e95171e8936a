"""The history is verified in batches: memory stays bounded by a batch, not the history, and
breaks are found across batch boundaries (SQLite and PostgreSQL)."""

from __future__ import annotations

import tracemalloc

import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.model import Model
from modelsteward.service import history


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "BATCH", 2)


def _sql(db_url: str, statement: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.mark.usefixtures("small_batches")
def test_breaks_are_found_across_batches(sql_url: str) -> None:
    db_url = sql_url  # the events are tampered with in SQL
    with Registry.open(db_url, actor="alice") as registry:
        for number in range(7):
            registry.create_model(Model(f"model-{number}", owner_team="t"))
        assert registry.verify_log() == (7, None)
        report = registry.verify_history()
        assert report.intact and report.events == 7 and report.differences == ()
        _sql(db_url, "UPDATE events SET actor = 'mallory' WHERE seq = 5")
        count, broken = registry.verify_log()
        assert broken is not None and broken.seq == 5 and count == 5
        _sql(db_url, "UPDATE events SET actor = 'alice' WHERE seq = 5")
        _sql(db_url, "DELETE FROM events WHERE seq = 3")
        _, broken = registry.verify_log()
        assert broken is not None and broken.seq == 3 and "missing" in broken.reason


@pytest.mark.usefixtures("small_batches")
def test_verifying_holds_one_batch_in_memory_not_the_history(db_url: str) -> None:
    big = "x" * 100_000
    with Registry.open(db_url, actor="alice") as registry:
        for number in range(30):  # 3 MB of payloads
            registry.create_model(Model(f"model-{number}", owner_team="t", description=big))
        registry.verify_log()  # warm up: statements compiled, connections pooled
        tracemalloc.start()
        try:
            count, broken = registry.verify_log()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (count, broken) == (30, None)
    assert peak < 1_500_000, peak
