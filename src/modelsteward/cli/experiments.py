"""``steward experiment start|list|show|route|ingest|results|decide``: A/B/n experiments and
canaries between versions of a model."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, json_option, local_only, out, pass_state


@click.group()
def experiment() -> None:
    """Experiments and canaries: route units to versions, keep outcomes, analyse, decide."""


@experiment.command("start")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@local_only
@pass_state
def experiment_start(state: State, file: Path, as_json: bool) -> None:
    """Start the experiment (or canary) defined in FILE (YAML or JSON; see `docs/experiments.md`).
    Every arm must be a version the policy calls eligible."""
    from modelsteward.cli.files import read_structured
    from modelsteward.domain.experiment_file import parse_experiment
    from modelsteward.domain.experiment_record import to_record

    spec = parse_experiment(read_structured(file), source=str(file))
    started = state.local_registry.experiments.start(spec)
    if as_json:
        emit_json(to_record(started))
        return
    arms = ", ".join(f"{a.name} {started.model}@{a.version} ({a.weight:.0%})"
                     for a in started.arms)
    out.print(f"Started {started.kind.value.replace('_', ' ')} {started.name} on "
              f"{started.model}: {arms}.", highlight=False)


@experiment.command("list")
@click.option("--model", default="", help="Only the experiments of this model.")
@click.option("--running", is_flag=True, help="Only running experiments.")
@json_option
@local_only
@pass_state
def experiment_list(state: State, model: str, running: bool, as_json: bool) -> None:
    """Experiments by name."""
    from modelsteward.domain.experiment_record import to_record

    found = state.local_registry.experiments.list(model, running=running)
    if as_json:
        emit_json([to_record(e) for e in found])
        return
    table = Table("experiment", "model", "kind", "status", "arms", "started")
    for e in found:
        table.add_row(e.name, e.model, e.kind.value, e.status.value,
                      ", ".join(f"{a.name} @{a.version} {a.weight:.0%}" for a in e.arms),
                      f"{e.starts_at:%Y-%m-%d %H:%M}")
    out.print(table)


@experiment.command("show")
@click.argument("name")
@json_option
@local_only
@pass_state
def experiment_show(state: State, name: str, as_json: bool) -> None:
    """An experiment: arms, metrics, design and state."""
    from modelsteward.domain.experiment_record import to_record

    found = state.local_registry.experiments.get(name)
    if as_json:
        emit_json(to_record(found))
        return
    out.print(f"{found.name} ({found.kind.value.replace('_', ' ')}) on {found.model}: "
              f"{found.status.value}", highlight=False)
    for arm in found.arms:
        out.print(f"  {arm.name}: {found.model}@{arm.version}, {arm.weight:.1%} of units",
                  highlight=False)
    out.print(f"  unit {found.unit}, coverage {found.coverage:.0%}, seed {found.seed!r}",
              highlight=False)
    for metric in found.metrics:
        margin = f", margin {metric.margin:.0%}" if metric.margin else ""
        out.print(f"  {metric.role.value} {metric.name} ({metric.kind.value}, "
                  f"{metric.direction.phrase}{margin})", highlight=False)
    if found.canary is not None:
        steps = " → ".join(f"{s:.0%}" for s in found.canary.steps)
        out.print(f"  canary steps {steps}; now step {found.step + 1}", highlight=False)
    if not found.running:
        out.print(f"  ended {found.decided_at:%Y-%m-%d %H:%M} UTC: {found.reason}",
                  highlight=False)


@experiment.command("route")
@click.argument("name")
@click.argument("units", nargs=-1, required=True)
@json_option
@local_only
@pass_state
def experiment_route(state: State, name: str, units: tuple[str, ...], as_json: bool) -> None:
    """The version each of UNITS gets from experiment NAME (as `GET /api/v1/route`)."""
    found = state.local_registry.experiments.route_many(name, list(units))
    if as_json:
        emit_json([r.as_payload() for r in found])
        return
    for r in found:
        out.print(f"{r.unit}\t{r.arm or '-'}\t{r.ref}", highlight=False)


@experiment.command("ingest")
@click.argument("name")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@local_only
@pass_state
def experiment_ingest(state: State, name: str, file: Path, as_json: bool) -> None:
    """Keep the outcomes in FILE for experiment NAME: a JSON array, or JSON lines (one outcome
    per line, `.jsonl`/`.ndjson`). The whole file is kept, or nothing."""
    items = _read_outcomes(file)
    done = state.local_registry.experiments.ingest(name, items)
    if as_json:
        emit_json(done.as_payload())
        return
    per_arm = ", ".join(f"{arm} {count:,}" for arm, count in done.by_arm.items())
    out.print(f"Kept {done.outcomes:,} outcomes ({done.observations:,} values) for {name}: "
              f"{per_arm}.", highlight=False)


def _read_outcomes(file: Path) -> list[object]:
    """The outcomes of a JSON array file, or of a JSON lines file (each line one outcome)."""
    from modelsteward.cli.files import read_json, read_text
    from modelsteward.document_reader import Format, load_document
    from modelsteward.errors import DocumentInvalid, Problem

    if file.suffix in (".jsonl", ".ndjson"):
        items = []
        for number, line in enumerate(read_text(file, what="outcomes file").splitlines(), 1):
            if line.strip():
                items.append(load_document(line, Format.JSON, f"{file}, line {number}"))
        return items
    value = read_json(file)
    if not isinstance(value, list):
        raise DocumentInvalid(str(file), [Problem("$", "must be a JSON array of outcomes (or "
                                                       "use a .jsonl file, one per line)")])
    return value


@experiment.command("results")
@click.argument("name")
@json_option
@local_only
@pass_state
def experiment_results(state: State, name: str, as_json: bool) -> None:
    """The analysis of experiment NAME: per metric the estimate, interval, p-value and
    decision, the sequential test, the sample-ratio check, and what to do."""
    report = state.local_registry.experiments.report(name)
    if as_json:
        emit_json(report.as_payload())
        return
    from modelsteward.cli.experiment_tables import print_report

    print_report(report)


@experiment.command("decide")
@click.argument("name")
@click.option("--promote", "action", flag_value="promote", help="Give a treatment production "
              "(through the production gates).")
@click.option("--rollback", "action", flag_value="rollback", help="End it: the treatment was "
              "worse.")
@click.option("--stop", "action", flag_value="stop", help="End it without a winner.")
@click.option("--arm", default="", help="The treatment to promote (default: the one the "
              "analysis recommends).")
@click.option("--reason", required=True, help="Why; recorded with the decision.")
@json_option
@local_only
@pass_state
def experiment_decide(state: State, name: str, action: str | None, arm: str, reason: str,
                      as_json: bool) -> None:
    """End experiment NAME by a decision (one of --promote, --rollback, --stop)."""
    from modelsteward.domain.experiment import Action
    from modelsteward.domain.experiment_record import to_record

    if action is None:
        raise click.UsageError("Choose the decision: --promote, --rollback or --stop.")
    ended = state.local_registry.experiments.decide(name, Action(action), reason, arm=arm)
    if as_json:
        emit_json(to_record(ended))
        return
    out.print(f"Experiment {ended.name} {ended.status.value.replace('_', ' ')}: "
              f"{ended.reason}", highlight=False)
