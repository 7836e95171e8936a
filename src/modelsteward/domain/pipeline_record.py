"""A model's pipeline as the registry keeps it, and a run with the definition it follows; a run
as a JSON object and back (what the stores keep and the CLI's ``--json`` shows).

A run follows the definition that was imported when it started: importing a changed pipeline
later does not change what a run under way is checked against.
``run_from_record(run_to_record(r)) == r``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelsteward.domain.pipeline import PipelineDefinition, StepName
from modelsteward.domain.pipeline_evidence import (
    StepResult,
    parse_step_result,
    render_step_result,
)
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.pipeline_run import PipelineRun, RunStatus, StepRecord, where

__all__ = ["ImportedPipeline", "RunRecord", "run_from_record", "run_to_record"]

_STORED = "the stored pipeline run"


@dataclass(frozen=True)
class ImportedPipeline:
    """``model``'s pipeline: its definition, who imported it and when, and when its schedule
    was last checked (``None``: never; a schedule counts due times from its first check)."""

    model: str
    definition: PipelineDefinition
    imported_at: datetime
    imported_by: str
    schedule_checked_at: datetime | None = None


@dataclass(frozen=True)
class RunRecord:
    """A run and the definition it follows."""

    run: PipelineRun
    definition: PipelineDefinition

    @property
    def status(self) -> RunStatus:
        """Where the run stands (see :func:`~modelsteward.domain.pipeline_run.where`)."""
        return where(self.run, self.definition)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def run_to_record(record: RunRecord) -> dict[str, Any]:
    """``record`` as a JSON object: times in UTC ISO 8601, the definition in the pipeline
    file's shape, each step's result in its evidence document's shape."""
    run = record.run
    return {
        "id": run.id, "model": run.model, "trigger_key": run.trigger_key,
        "started_at": _time(run.started_at),
        "status": record.status.state.value,
        "definition": render_pipeline(record.definition),
        "steps": [{"step": s.step.value, "at": _time(s.at),
                   "result": render_step_result(StepResult(s.step, s.status, s.evidence,
                                                           s.reason))}
                  for s in run.steps],
    }


def run_from_record(record: Mapping[str, Any]) -> RunRecord:
    """The run :func:`run_to_record` wrote (``status`` is computed again, not read)."""
    steps = []
    for raw in record["steps"]:
        step = StepName(raw["step"])
        result = parse_step_result(step, raw["result"], _STORED)
        steps.append(StepRecord(step, result.status, datetime.fromisoformat(raw["at"]),
                                result.evidence, result.reason))
    run = PipelineRun(str(record["id"]), str(record["model"]), str(record["trigger_key"]),
                      datetime.fromisoformat(record["started_at"]), tuple(steps))
    return RunRecord(run, parse_pipeline(record["definition"], _STORED))
