"""Fine-tuning pipelines and their runs in memory (as ``store/pipelines_sql.py``): kept as the
same canonical JSON, so what is read back is a fresh value, equal to what SQL gives."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from modelsteward.domain.events import canonical_json
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.pipeline_record import (
    ImportedPipeline,
    RunRecord,
    run_from_record,
    run_to_record,
)
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import PipelineRow, RunRow, utc, utc_or_none


class PipelineQueries(TransactionBase):
    """Implements :class:`~modelsteward.ports.PipelineRecords`."""

    def put_pipeline(self, pipeline: ImportedPipeline) -> None:
        self._write().pipelines[pipeline.model] = PipelineRow(
            pipeline.model, canonical_json(render_pipeline(pipeline.definition)),
            utc(pipeline.imported_at), pipeline.imported_by,
            utc_or_none(pipeline.schedule_checked_at))

    def pipeline(self, model: str) -> ImportedPipeline | None:
        row = self.t.pipelines.get(model)
        return _pipeline(row) if row is not None else None

    def pipelines(self, *, after: str = "", limit: int | None = None) -> list[ImportedPipeline]:
        found = [_pipeline(row) for model, row in sorted(self.t.pipelines.items())
                 if model > after]
        return found if limit is None else found[:max(limit, 0)]

    def models_with_pipeline(self, models: Collection[str]) -> set[str]:
        return {model for model in models if model in self.t.pipelines}

    def set_schedule_checked(self, model: str, at: datetime) -> None:
        t = self._write()
        row = t.pipelines.get(model)
        if row is not None:
            t.pipelines[model] = replace(row, schedule_checked_at=utc(at))

    def add_run(self, record: RunRecord) -> None:
        run = record.run
        self._write().pipeline_runs[run.id] = RunRow(
            run.model, utc(run.started_at), canonical_json(run_to_record(record)))

    def save_run(self, record: RunRecord) -> None:
        t = self._write()
        row = t.pipeline_runs.get(record.run.id)
        if row is not None:
            t.pipeline_runs[record.run.id] = replace(
                row, record=canonical_json(run_to_record(record)))

    def run(self, run_id: str) -> RunRecord | None:
        row = self.t.pipeline_runs.get(run_id)
        return run_from_record(json.loads(row.record)) if row is not None else None

    def runs(self, model: str = "") -> list[RunRecord]:
        rows = sorted(((row.started_at, run_id), row) for run_id, row
                      in self.t.pipeline_runs.items() if not model or row.model == model)
        return [run_from_record(json.loads(row.record)) for _, row in rows]


def _pipeline(row: PipelineRow) -> ImportedPipeline:
    return ImportedPipeline(row.model, parse_pipeline(json.loads(row.definition),
                                                      "the stored pipeline"),
                            row.imported_at, row.imported_by, row.schedule_checked_at)
