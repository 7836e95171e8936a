"""``log verify`` on a history longer than its read batch (lowered to 7 events here): the service
and the CLI command read it batch by batch, find it intact, and find a break or an edited table
that lies after the first batch at its own sequence number (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.domain.events import Event
from modelsteward.domain.model import Model
from modelsteward.service import history
from tests.cli.conftest import Steward

BATCH = 7
MODELS = 30  # one event each: four full batches and a short one


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The batch lowered to :data:`BATCH`; the length of every page the verification read."""
    pages: list[int] = []
    real = history.batches
    monkeypatch.setattr(history, "BATCH", BATCH)

    def spied(read: Callable[[int, int], list[Event]],
              size: int | None = None) -> Iterator[Event]:
        def counted(after: int, limit: int) -> list[Event]:
            page = read(after, limit)
            pages.append(len(page))
            return page
        return real(counted, size)

    monkeypatch.setattr(history, "batches", spied)
    return pages


def _history(db_url: str) -> None:
    with Registry.open(db_url, actor="alice") as registry:
        for number in range(MODELS):
            registry.create_model(Model(f"model-{number:02d}", owner_team="t"))


def _sql(db_url: str, statement: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_an_intact_history_is_read_a_batch_at_a_time(db_url: str, steward: Steward,
                                                     reads: list[int]) -> None:
    _history(db_url)
    with Registry.open(db_url, actor="alice") as registry:
        report = registry.verify_history()
    assert report.intact and report.events == MODELS and report.differences == ()
    assert report.head_seq == MODELS
    assert reads == [7, 7, 7, 7, 2]  # never more than a batch in hand
    reads.clear()
    verified = steward("log", "verify", "--json").json_object()
    assert verified["intact"] is True and verified["events"] == MODELS
    assert verified["state"] == {"checked": True, "differences": []}
    assert max(reads) == BATCH and sum(reads) == MODELS


def test_an_edited_event_after_the_first_batch_is_found_at_its_seq(
        db_url: str, steward: Steward, reads: list[int]) -> None:
    _history(db_url)
    _sql(db_url, "UPDATE events SET actor = 'mallory' WHERE seq = 10")
    with Registry.open(db_url, actor="alice") as registry:
        report = registry.verify_history()
    assert report.broken is not None and report.broken.seq == 10
    assert "edited" in report.broken.reason and report.events == 10
    assert sum(reads) == 14  # the walk stops in the batch of the break
    failed = steward("log", "verify", "--json", expect=1).json_object()
    assert failed["intact"] is False and failed["first_bad_seq"] == 10
    text_run = steward("log", "verify", expect=1)
    assert "event 10 is bad" in text_run.stdout


def test_a_removed_event_after_the_first_batch_is_found_at_its_seq(
        db_url: str, steward: Steward, reads: list[int]) -> None:
    _history(db_url)
    _sql(db_url, "DELETE FROM events WHERE seq = 16")
    failed = steward("log", "verify", "--json", expect=1).json_object()
    assert failed["first_bad_seq"] == 16 and "missing" in failed["reason"]
    assert max(reads) == BATCH


def test_a_table_edited_behind_the_events_of_a_later_batch_is_named(
        db_url: str, steward: Steward, reads: list[int]) -> None:
    """The state replay carries over batches: the model created by event 23 (in the fourth
    batch) is compared, and the difference names that event."""
    _history(db_url)
    _sql(db_url, "UPDATE models SET description = 'edited' WHERE name = 'model-22'")
    failed = steward("log", "verify", "--json", expect=1).json_object()
    assert failed["first_bad_seq"] is None
    assert [(d["object"], d["field"], d["seq"]) for d in failed["state"]["differences"]] == [
        ("model model-22", "description", 23)]
    assert max(reads) == BATCH
