"""The scale seeder's bulk path writes what the registry's own write path writes: the same rows
(ids aside), a history the chain check accepts, and the same answers to reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from modelsteward.domain.versioning import ChangeKind, ModelVersion, next_version
from modelsteward.store.tables import metadata

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import scale_seed

SHAPE = scale_seed.Shape(versions=200, models=20, big=40)
# primary keys made by uuid4 (and the keys pointing at them) differ from run to run
IDS = {"id", "model_id", "version_id", "consumer_id"}


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows without their generated ids, in a stable order."""
    engine = create_engine(url)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in IDS]
            rows = connection.execute(select(*columns)).all()
            found[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The whole seed by the write path and by the bulk path."""
    folder = tmp_path_factory.mktemp("scale")
    urls = (f"sqlite:///{folder / 'store.db'}", f"sqlite:///{folder / 'bulk.db'}")
    for url, path in zip(urls, ("store", "bulk"), strict=True):
        with scale_seed.open_registry(url) as registry:
            scale_seed.seed(registry, SHAPE, path=path)
    return urls


def test_the_bulk_path_writes_the_rows_of_the_write_path(tmp_path: Path) -> None:
    """The catalog part alone (the services' part is the same code either way, and writes
    random ids into its events, so that hashes would differ after it)."""
    urls = (f"sqlite:///{tmp_path / 'store.db'}", f"sqlite:///{tmp_path / 'bulk.db'}")
    with scale_seed.open_registry(urls[0]) as registry:
        scale_seed.seed_store(registry, SHAPE)
    with scale_seed.open_registry(urls[1]) as registry:
        scale_seed.seed_bulk(registry, SHAPE, batch=15)  # model-big (40) in three slices
    reference, bulk = (_tables(url) for url in urls)
    assert len(reference["versions"]) == SHAPE.versions
    assert len(reference["events"]) > SHAPE.versions and reference["alias_assignments"]
    for name in reference:
        assert bulk[name] == reference[name], name


def test_the_version_ids_are_what_registration_gives() -> None:
    """The seed writes its ids out (a slice of a large model costs its own length alone);
    they are what retrains give, one after another, from ``1.0.0``."""
    latest, expected = ModelVersion.parse("1.0.0"), []
    for n in range(30):
        if n:
            latest = next_version(latest, ChangeKind.RETRAIN)
        expected.append((latest, ChangeKind.RETRAIN if n else None))
    assert scale_seed.version_ids(30) == expected
    assert scale_seed.version_ids(30, 12) == expected[12:]


@pytest.mark.parametrize("limit", [1, 2, 15, 39, 40])
def test_a_model_above_the_batch_is_cut_in_slices(limit: int) -> None:
    """Every version in one slice, in order, the last slice holding the two newest (the ones
    the stages name), and as many events counted as the whole model records."""
    parts = [part for batch in scale_seed._chunks(iter([(3, "m", 40)]), 10, limit)
             for part in batch]
    covered = [n for _, _, _, start, stop in parts for n in range(start, stop)]
    assert covered == list(range(40))
    assert parts[-1][4] - parts[-1][3] >= 2
    assert (sum(scale_seed.events_of(i, c, start, stop) for i, _, c, start, stop in parts)
            == scale_seed.events_of(3, 40))


def test_the_bulk_history_passes_log_verify(seeded: tuple[str, str]) -> None:
    """What ``steward log verify`` checks: the chain, its head, and the tables against the
    state the events determine."""
    with scale_seed.open_registry(seeded[1]) as registry:
        report = registry.verify_history(state=True)
    assert report.intact, report
    assert report.events > SHAPE.versions


def test_both_paths_answer_reads_alike(seeded: tuple[str, str]) -> None:
    answers = []
    for url in seeded:
        with scale_seed.open_registry(url) as registry:
            found = []
            for name in ("model-000000", "model-000004", "model-000007", "model-000011",
                         scale_seed.BIG):
                found += [registry.get_model(name), registry.list_versions(name),
                          registry.resolve(name, "*", candidates=True),
                          registry.cards.markdown(name), registry.lifecycle.aliases(name)]
            found.append(registry.consumers.list())
            answers.append(found)
    assert answers[0] == answers[1]


@pytest.mark.parametrize("processes", [0, 2])
def test_the_bulk_path_on_postgresql_writes_the_rows_of_the_write_path(
        pg_url: str, processes: int) -> None:
    """On PostgreSQL the bulk path COPYs text its worker processes format, in batches chained
    one after another: the same rows as the write path (written into another schema), and a
    history that verifies."""
    from tests.conftest import fresh_pg_schema

    with scale_seed.open_registry(pg_url) as registry:
        scale_seed.seed_bulk(registry, SHAPE, processes=processes, batch=30)
        report = registry.verify_history(state=True)
    assert report.intact, report
    with fresh_pg_schema() as reference_url:
        with scale_seed.open_registry(reference_url) as registry:
            scale_seed.seed_store(registry, SHAPE)
        reference = _tables(reference_url)
    bulk = _tables(pg_url)
    assert len(bulk["versions"]) == SHAPE.versions
    for name in reference:
        assert bulk[name] == reference[name], name
