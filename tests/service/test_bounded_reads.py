"""The use cases that walk every model or every deprecation plan read them in keyset batches:
with a small batch (:data:`modelsteward.service.batches.BATCH`) and a registry several batches
large, no statement returns more than a few batches' worth of rows — counted for each
statement by a SQLAlchemy event listener — and every result is the one a single batch as
large as the registry gives. With the default batch the same walks do return every model or
plan in one statement: the count would see a read of a whole table."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from modelsteward import Registry
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lineage import model_purl
from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.domain.provider_schedules import Shutdown
from modelsteward.service import batches, deprecations
from modelsteward.store.sql import SqlStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import scale_seed

from tests.conftest import fresh_pg_schema

MODELS = 30
SMALL = 3
BOUND = 25  # rows a statement may return with batches of SMALL: fewer than MODELS or plans


class _Numbered:
    """``uuid4`` giving 00000000-…-000000000001, …-0002 and so on: two registries seeded
    alike have the same plan ids (plans made at one time are ordered by id)."""

    def __init__(self) -> None:
        self.made = 0

    def uuid4(self) -> uuid.UUID:
        self.made += 1
        return uuid.UUID(int=self.made)


@contextmanager
def seeded(url: str) -> Iterator[Registry]:
    """A registry of :data:`MODELS` models (a version each, consumers, an advisory) with a
    deprecation plan for each (a second one for one in two: later plans of the same target)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deprecations, "uuid", _Numbered())
        with scale_seed.open_registry(url) as registry:
            scale_seed.seed(registry, scale_seed.Shape(MODELS, MODELS))
            _plan_every_model(registry)
    with Registry.open(url, actor="alice", clock=scale_seed.FixedClock()) as opened:
        yield opened


def _plan_every_model(registry: Registry) -> None:
    today = scale_seed.NOW.date()
    for i in (*range(MODELS), *range(0, MODELS, 2)):
        registry.deprecations.plan(
            f"{scale_seed.model_name(i)}@*", reason=DeprecationReason.REPLACED,
            replacement="", announced=today - timedelta(days=i % 3),
            soft_deadline=today + timedelta(days=10 + i % 7),
            hard_deadline=today + timedelta(days=40 + i % 5))


@pytest.fixture
def registry(sql_url: str) -> Iterator[Registry]:
    with seeded(sql_url) as opened:
        yield opened


@contextmanager
def another(sql_url: str, tmp_path: Path) -> Iterator[Registry]:
    """A second registry seeded as :func:`registry` is, on the same kind of database."""
    if sql_url.startswith("sqlite"):
        with seeded(f"sqlite:///{tmp_path / 'another.db'}") as opened:
            yield opened
    else:
        with fresh_pg_schema() as url, seeded(url) as opened:
            yield opened


@contextmanager
def rows_per_statement(registry: Registry) -> Iterator[list[tuple[int, str]]]:
    """(rows it returns, statement) of every SELECT run meanwhile, counted by running it again
    on a cursor of its own."""
    store = registry.store
    assert isinstance(store, SqlStore)
    found: list[tuple[int, str]] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        again = cursor.connection.cursor()
        try:
            again.execute(statement, parameters)
            found.append((len(again.fetchall()), statement))
        finally:
            again.close()

    event.listen(store.engine, "after_cursor_execute", count)
    try:
        yield found
    finally:
        event.remove(store.engine, "after_cursor_execute", count)


def _lock() -> Lock:
    return Lock("app", tuple(LockedModel(scale_seed.model_name(i), "1.0.0", "^1.0",
                                         model_purl(scale_seed.model_name(i), "1.0.0"))
                             for i in range(0, MODELS, 7)))


USE_CASES: dict[str, Callable[[Registry], object]] = {
    "model pages": lambda r: [m.name for page in r.catalog.model_pages() for m in page],
    "registry export": lambda r: list(r.registry_files.export_entries()),
    "compliance report": lambda r: r.compliance.report().models,
    "compliance of a team": lambda r: r.compliance.report(team="team-3").models,
    "missing plans": lambda r: r.deprecations.missing(),
    "plans page": lambda r: [p.id for p in r.deprecations.every_plan_page("", 10_000)],
    "plans page after one": lambda r: [p.id for p in r.deprecations.every_plan_page(
        r.deprecations.every_plan_page("", 7)[-1].id, 9)],
    "current plans": lambda r: r.deprecations.current_plans(
        lambda p: (p.hard_deadline, p.ref), 10),
    "audit": lambda r: r.audits.audit(_lock(), fail_on=parse_fail_on("low")),
    "provider import": lambda r: r.providers.import_shutdowns([Shutdown(
        "acme", "1.0.0", scale_seed.NOW.date() + timedelta(days=90))]),
    "reminders": lambda r: r.deprecations.reminders(today=scale_seed.NOW.date()
                                                    + timedelta(days=33)),
    "tick": lambda r: r.deprecations.tick(),
    "compliance record": lambda r: r.compliance.record(),
}


WRITING = ("reminders", "tick", "compliance record")  # compared on a second registry


@pytest.mark.parametrize("use_case", list(USE_CASES))
def test_a_walk_over_the_registry_reads_batches_and_gives_what_one_read_gives(
        registry: Registry, monkeypatch: pytest.MonkeyPatch, use_case: str, sql_url: str,
        tmp_path: Path) -> None:
    run = USE_CASES[use_case]
    monkeypatch.setattr(batches, "BATCH", MODELS * 10)
    if use_case in WRITING:
        with another(sql_url, tmp_path) as second:
            expected = run(second)
    else:
        expected = run(registry)
    monkeypatch.setattr(batches, "BATCH", SMALL)
    with rows_per_statement(registry) as batched:
        found = run(registry)
    assert found == expected
    assert batched, "no statement was counted"
    most, statement = max(batched)
    assert most <= BOUND, f"{most} rows from one statement:\n{statement}"


def test_the_walks_read_every_model_and_plan_at_once_with_a_batch_as_large(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count sees a whole table's read: with batches larger than the registry, the model
    list and the plans come in one statement each."""
    monkeypatch.setattr(batches, "BATCH", MODELS * 10)
    for use_case in ("model pages", "plans page", "compliance report"):
        with rows_per_statement(registry) as counted:
            USE_CASES[use_case](registry)
        assert max(counted)[0] >= MODELS, use_case
