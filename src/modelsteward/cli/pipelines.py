"""``steward pipeline import|start|record|show|list``: a model's fine-tuning pipeline and its
runs, recorded step by step with their evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    json_option,
    local_only,
    out,
    pass_state,
)

if TYPE_CHECKING:
    from modelsteward.domain.pipeline_evidence import Evidence
    from modelsteward.domain.retrain import Trigger
    from modelsteward.results.pipelines import RunView

STEPS = ("collect_training_data", "prepare_dataset", "fine_tune", "evaluate", "register",
         "deploy", "promote_or_rollback")


@click.group()
def pipeline() -> None:
    """Fine-tuning pipelines: retrain triggers, and runs recorded step by step with evidence."""


@pipeline.command("import")
@click.argument("model")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@local_only
@pass_state
def pipeline_import(state: State, model: str, file: Path, as_json: bool) -> None:
    """Make the pipeline in FILE (YAML or JSON, the `fine_tuning:` shape of
    `docs/pipelines.md`) MODEL's, replacing an earlier one. Every problem is reported, with
    its location."""
    from modelsteward.cli.files import read_structured
    from modelsteward.domain.pipeline_file import render_pipeline

    imported = state.local_registry.pipelines.import_definition(model, read_structured(file),
                                                                str(file))
    definition = imported.definition
    if as_json:
        emit_json({"model": imported.model, "imported_at": imported.imported_at.isoformat(),
                   "imported_by": imported.imported_by,
                   "definition": render_pipeline(definition)})
        return
    triggers = "; ".join(_trigger(t) for t in definition.triggers) or "none (runs by hand)"
    out.print(f"Imported the pipeline of {imported.model}: {' → '.join(definition.names)}. "
              f"Triggers: {triggers}.", highlight=False)


def _trigger(trigger: Trigger) -> str:
    from modelsteward.domain.retrain import MetricTrigger, ScheduleTrigger

    match trigger:
        case ScheduleTrigger(schedule):
            return schedule.describe()
        case MetricTrigger(metric, threshold, source):
            return f"{metric} below {threshold:g} ({source.value})"
        case _:
            return trigger.kind.value.replace("_", " ")


@pipeline.command("start")
@click.argument("model")
@click.option("--trigger", "trigger_key", default="", metavar="KEY",
              help="The firing the run answers: the key of a retrain:due notice (`steward "
                   "tick`, `steward notices`). Without it the run is started by hand.")
@json_option
@local_only
@pass_state
def pipeline_start(state: State, model: str, trigger_key: str, as_json: bool) -> None:
    """Start a run of MODEL's pipeline. Prints the run's id on stdout (`RUN=$(steward
    pipeline start …)`) and what it waits for on stderr."""
    view = state.local_registry.pipelines.start_run(model, trigger_key)
    if as_json:
        emit_json(view.as_payload())
        return
    out.print(view.record.run.id, highlight=False)
    err.print(f"Started run {view.record.run.id} of {model}: {view.status.sentence}.",
              highlight=False)


@pipeline.command("record")
@click.argument("run")
@click.argument("step", type=click.Choice(STEPS), metavar="STEP")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@local_only
@pass_state
def pipeline_record(state: State, run: str, step: str, file: Path, as_json: bool) -> None:
    """Record STEP of run RUN from its evidence in FILE (YAML or JSON; `status: failed` or
    `skipped` with a `reason:`). STEP is one of collect_training_data, prepare_dataset,
    fine_tune, evaluate, register, deploy, promote_or_rollback. Refused when the run waits for
    another step, and when the evidence contradicts the pipeline, the run's earlier steps or
    the registry (every problem listed)."""
    from modelsteward.cli.files import read_structured

    view = state.local_registry.pipelines.record(run, step, read_structured(file), str(file))
    if as_json:
        emit_json(view.as_payload())
        return
    recorded = view.record.run.steps[-1]
    out.print(f"Recorded {step} ({recorded.status.value}) of run {run}: "
              f"{view.status.sentence}.", highlight=False)


@pipeline.command("show")
@click.argument("run")
@json_option
@local_only
@pass_state
def pipeline_show(state: State, run: str, as_json: bool) -> None:
    """Where run RUN stands and what it waits for, and each step with its time and
    evidence."""
    view = state.local_registry.pipelines.show(run)
    if as_json:
        emit_json(view.as_payload())
        return
    print_run(view)


def print_run(view: RunView) -> None:
    """The run's head line, where it stands, then one line per step of its pipeline."""
    from modelsteward.domain.pipeline_run import RunState

    run, status = view.record.run, view.status
    by = f"by {run.trigger_key}" if run.trigger_key else "by hand"
    out.print(f"Run {run.id} of {run.model}, started {run.started_at:%Y-%m-%d %H:%M} UTC {by}",
              highlight=False)
    # the sentence says "waiting for …", "failed at …", "completed …"; a decision is labelled
    said = status.sentence.split(" ", 1)[0]
    labelled = status.sentence if said in (RunState.WAITING, RunState.FAILED,
                                           RunState.COMPLETED) else (
        f"{status.state.value}: {status.sentence}")
    out.print(labelled, highlight=False)
    if view.note:
        out.print(f"  {view.note}", highlight=False)
    width = max(len(name) for name in STEPS)
    for name in view.record.definition.names:
        record = run.record(name)
        if record is None:
            mark = "next" if name is status.next_step else "-"
            out.print(f"  {name:<{width}}  {mark}", highlight=False)
            continue
        said = _evidence(record.evidence) if record.evidence is not None else ""
        why = f" ({record.reason})" if record.reason else ""
        out.print(f"  {name:<{width}}  {record.status.value:<7} {record.at:%Y-%m-%d %H:%M}  "
                  f"{said}{why}".rstrip(), highlight=False)


def _evidence(evidence: Evidence) -> str:
    """A step's evidence in a line."""
    from modelsteward.domain.pipeline_evidence import (
        CollectEvidence,
        DecideEvidence,
        DeployEvidence,
        EvaluateEvidence,
        FineTuneEvidence,
        PrepareEvidence,
        RegisterEvidence,
    )

    match evidence:
        case CollectEvidence(source, samples, digest, kept):
            return (f"{samples:,} samples from {source}{f' ({kept})' if kept else ''}, "
                    f"{digest[:19]}…")
        case PrepareEvidence(fmt, split):
            return f"{fmt}, {split}"
        case FineTuneEvidence(base, job, hyperparameters):
            settings = ", ".join(f"{k} {v}" for k, v in hyperparameters.items())
            return f"{base}, job {job}{f' ({settings})' if settings else ''}"
        case EvaluateEvidence(suite, scores, passed, compared, deltas):
            shown = ", ".join(f"{m} {v:g}" for m, v in scores.items())
            against = (f"; against {compared}: "
                       + ", ".join(f"{m} {d:+g}" for m, d in deltas.items())) if compared else ""
            return f"{suite}: {shown} ({'passed' if passed else 'not passed'}{against})"
        case RegisterEvidence(candidate, derived, status):
            return f"{candidate} as {status}, derived from {derived}"
        case DeployEvidence(experiment, strategy, share):
            return f"{strategy.value} {experiment}, {share:.0%} of the traffic"
        case DecideEvidence(outcome, candidate, summary):
            return f"{outcome.value} {candidate}{f': {summary}' if summary else ''}"


@pipeline.command("list")
@click.option("--model", default="", help="Only the runs of this model.")
@json_option
@local_only
@pass_state
def pipeline_list(state: State, model: str, as_json: bool) -> None:
    """Pipeline runs, oldest first, with where each stands."""
    found = state.local_registry.pipelines.runs(model)
    if as_json:
        emit_json([view.as_payload() for view in found])
        return
    if not found:
        out.print("No pipeline runs.")
        return
    table = Table("run", "model", "state", "waiting for", "started", "trigger")
    for view in found:
        run, status = view.record.run, view.status
        table.add_row(run.id, run.model, status.state.value,
                      status.next_step.value if status.next_step else "-",
                      f"{run.started_at:%Y-%m-%d %H:%M}", run.trigger_key or "by hand")
    out.print(table)
