"""Storage of fine-tuning pipelines and their runs. Mixed into ``SqlTransaction``."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from modelsteward.domain.events import canonical_json
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.pipeline_record import (
    ImportedPipeline,
    RunRecord,
    run_from_record,
    run_to_record,
)
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.tables import pipeline_runs, pipelines


class PipelineQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.PipelineRecords`."""

    def put_pipeline(self, pipeline: ImportedPipeline) -> None:
        self.c.execute(delete(pipelines).where(pipelines.c.model == pipeline.model))
        self.c.execute(insert(pipelines).values(
            model=pipeline.model, definition=canonical_json(render_pipeline(pipeline.definition)),
            imported_at=pipeline.imported_at, imported_by=pipeline.imported_by,
            schedule_checked_at=pipeline.schedule_checked_at))

    def pipeline(self, model: str) -> ImportedPipeline | None:
        row = self.c.execute(select(pipelines).where(pipelines.c.model == model)).first()
        return _pipeline(row) if row is not None else None

    def pipelines(self, *, after: str = "", limit: int | None = None) -> list[ImportedPipeline]:
        query = select(pipelines).where(pipelines.c.model > after).order_by(pipelines.c.model)
        if limit is not None:
            query = query.limit(max(limit, 0))
        return [_pipeline(row) for row in self.c.execute(query)]

    def models_with_pipeline(self, models: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(sorted(set(models))):
            found.update(str(row.model) for row in self.c.execute(
                select(pipelines.c.model).where(pipelines.c.model.in_(chunk))))
        return found

    def set_schedule_checked(self, model: str, at: datetime) -> None:
        self.c.execute(update(pipelines).where(pipelines.c.model == model)
                       .values(schedule_checked_at=at))

    def add_run(self, record: RunRecord) -> None:
        run = record.run
        self.c.execute(insert(pipeline_runs).values(
            id=run.id, model=run.model, trigger_key=run.trigger_key,
            status=record.status.state.value, record=canonical_json(run_to_record(record)),
            started_at=run.started_at))

    def save_run(self, record: RunRecord) -> None:
        self.c.execute(update(pipeline_runs).where(pipeline_runs.c.id == record.run.id).values(
            status=record.status.state.value, record=canonical_json(run_to_record(record))))

    def run(self, run_id: str) -> RunRecord | None:
        found = self.c.execute(select(pipeline_runs.c.record)
                               .where(pipeline_runs.c.id == run_id)).scalar()
        return run_from_record(json.loads(found)) if found is not None else None

    def runs(self, model: str = "") -> list[RunRecord]:
        query = select(pipeline_runs.c.record).order_by(pipeline_runs.c.started_at,
                                                       pipeline_runs.c.id)
        if model:
            query = query.where(pipeline_runs.c.model == model)
        return [run_from_record(json.loads(row[0])) for row in self.c.execute(query)]


def _pipeline(row: Any) -> ImportedPipeline:
    return ImportedPipeline(str(row.model),
                            parse_pipeline(json.loads(row.definition), "the stored pipeline"),
                            row.imported_at, str(row.imported_by), row.schedule_checked_at)
