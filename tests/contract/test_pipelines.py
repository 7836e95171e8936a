"""The pipelines role: one pipeline per model, replaced whole by a new import; runs kept whole
with the definition they follow, their status beside them, read back equal."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import text

from modelsteward.domain.pipeline import StepName
from modelsteward.domain.pipeline_record import ImportedPipeline, RunRecord
from modelsteward.domain.pipeline_run import PipelineRun, RunState, record_step
from tests.domain.test_pipeline_file import SEED_DEFINITION
from tests.domain.test_pipeline_run import result

from .helpers import add_model, at

OTHER = replace(SEED_DEFINITION, triggers=())


def _run(run_id: str, model: str = "bot", minutes: float = 1) -> RunRecord:
    return RunRecord(PipelineRun(run_id, model, f"retrain:{model}:schedule:2026-03-01",
                                 at(minutes)), SEED_DEFINITION)


def test_a_pipeline_reads_back_and_a_new_import_replaces_it(store: Any) -> None:
    imported = ImportedPipeline("bot", SEED_DEFINITION, at(0), "alice")
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        tx.put_pipeline(imported)
        tx.put_pipeline(ImportedPipeline("alpha", OTHER, at(1), "bob"))
    with store.read() as tx:
        assert tx.pipeline("bot") == imported
        assert tx.pipeline("nope") is None
        assert [p.model for p in tx.pipelines()] == ["alpha", "bot"]
        assert tx.models_with_pipeline(["bot", "nope", "alpha", "bot"]) == {"alpha", "bot"}
        assert tx.models_with_pipeline(["nope"]) == set() == tx.models_with_pipeline([])
        assert [p.model for p in tx.pipelines(limit=1)] == ["alpha"]
        assert [p.model for p in tx.pipelines(after="alpha", limit=1)] == ["bot"]
        assert tx.pipelines(after="bot") == [] == tx.pipelines(limit=0)
    with store.write() as tx:
        tx.set_schedule_checked("bot", at(5))
        tx.set_schedule_checked("nope", at(5))  # no pipeline: nothing
    with store.read() as tx:
        assert tx.pipeline("bot") == replace(imported, schedule_checked_at=at(5))
        assert tx.pipeline("nope") is None
    again = ImportedPipeline("bot", OTHER, at(9), "carol", at(5))
    with store.write() as tx:
        tx.put_pipeline(again)
    with store.read() as tx:
        assert tx.pipeline("bot") == again
        assert len(tx.pipelines()) == 2


def test_a_run_reads_back_whole_and_saving_replaces_its_steps(store: Any) -> None:
    first, second, other = _run("run-b"), _run("run-a", minutes=2), _run("run-c", "alpha", 0)
    with store.write() as tx:
        add_model(tx, "bot")
        add_model(tx, "alpha")
        for record in (first, second, other):
            tx.add_run(record)
    with store.read() as tx:
        assert tx.run("run-b") == first
        assert tx.run("nope") is None
        assert [r.run.id for r in tx.runs()] == ["run-c", "run-b", "run-a"]
        assert [r.run.id for r in tx.runs("bot")] == ["run-b", "run-a"]
        assert tx.runs("other") == []
    run = first.run
    for hour, step in enumerate((StepName.COLLECT_TRAINING_DATA, StepName.PREPARE_DATASET,
                                 StepName.FINE_TUNE), start=1):
        run = record_step(run, result(step), at(60 * hour), definition=SEED_DEFINITION)
    saved = RunRecord(run, SEED_DEFINITION)
    with store.write() as tx:
        tx.save_run(saved)
    with store.read() as tx:
        assert tx.run("run-b") == saved
        assert tx.run("run-b").status.next_step is StepName.EVALUATE
        assert tx.run("run-a") == second


def test_the_run_status_column_follows_the_run(store: Any) -> None:
    """The status beside the record is the run's (what a query by status would read)."""
    if not hasattr(store, "engine"):
        return  # the memory store has no columns
    run = _run("run-1").run
    failed = record_step(run, result(StepName.COLLECT_TRAINING_DATA,
                                     "status: failed\nreason: the feedback export is empty"),
                         at(60), definition=SEED_DEFINITION)
    with store.write() as tx:
        add_model(tx, "bot")
        tx.add_run(RunRecord(run, SEED_DEFINITION))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM pipeline_runs")).scalar() == "waiting"
    with store.write() as tx:
        tx.save_run(RunRecord(failed, SEED_DEFINITION))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM pipeline_runs")).scalar() \
            == RunState.FAILED.value
