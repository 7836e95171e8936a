"""The pipelines role: each model's fine-tuning pipeline, and the runs that follow it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from modelsteward.domain.pipeline_record import ImportedPipeline, RunRecord


class PipelineRecords(Protocol):
    """One pipeline per model (imported again: replaced), and runs by id, each kept whole with
    the definition it follows."""

    def put_pipeline(self, pipeline: ImportedPipeline) -> None:
        """Store ``pipeline`` as its model's, replacing an earlier one whole."""
        ...

    def pipeline(self, model: str) -> ImportedPipeline | None: ...

    def pipelines(self, *, after: str = "", limit: int | None = None) -> list[ImportedPipeline]:
        """Every model's pipeline, by model; with ``after`` and ``limit``, the keyset page of
        those of models named after ``after``."""
        ...

    def models_with_pipeline(self, models: Collection[str]) -> set[str]:
        """Those of ``models`` that have a pipeline; a few reads whatever their number."""
        ...

    def set_schedule_checked(self, model: str, at: datetime) -> None:
        """Record that ``model``'s schedule was checked at ``at`` (nothing without a
        pipeline)."""
        ...

    def add_run(self, record: RunRecord) -> None:
        """Store a new run (its id is new: made by the caller, a UUID)."""
        ...

    def save_run(self, record: RunRecord) -> None:
        """Replace the stored state of an existing run (its steps)."""
        ...

    def run(self, run_id: str) -> RunRecord | None: ...

    def runs(self, model: str = "") -> list[RunRecord]:
        """Runs (of ``model``), oldest first (by start, then id)."""
        ...
