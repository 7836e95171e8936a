"""``steward import registry FILE`` and ``steward export registry``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelsteward.cli.context import State, emit_json, json_option, local_only, out, pass_state
from modelsteward.cli.files import read_yaml
from modelsteward.cli.lazy import LazyGroup
from modelsteward.cli.streaming import dump_yaml_mapping
from modelsteward.domain.registry_file import parse_registry_file, rendered_entries


@click.group("import", cls=LazyGroup,
             lazy_subcommands={"mlflow": "modelsteward.cli.import_mlflow:import_mlflow_command",
                               "card": "modelsteward.cli.card_exports:import_card"})
def import_group() -> None:
    """Import from other formats."""


@click.group("export", cls=LazyGroup,
             lazy_subcommands={"card": "modelsteward.cli.card_exports:export_card"})
def export_group() -> None:
    """Export to other formats."""


@import_group.command("registry")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--team", default="", envvar="STEWARD_IMPORT_TEAM",
              help="The owner team of new models whose entry has no owner "
                   "[STEWARD_IMPORT_TEAM]; default STEWARD_DEFAULT_TEAM (platform).")
@json_option
@local_only
@pass_state
def import_registry_file(state: State, file: Path, team: str, as_json: bool) -> None:
    """Import a model-registry.yaml (all problems are reported before anything is written).

    Each entry's status sets the stage of the version it registers (active → production, with
    the production alias; see docs/registry-file.md); such stages are recorded as imported,
    without the gates."""

    entries = parse_registry_file(read_yaml(file), source=str(file))
    report = state.local_registry.registry_files.import_registry(entries, source=str(file),
                                                                 team=team.strip())
    if as_json:
        emit_json({"changed": report.changed, "created_models": list(report.created_models),
                   "updated_models": list(report.updated_models),
                   "registered_versions": list(report.registered_versions),
                   "stages": {ref: stage.value for ref, stage in report.stages},
                   "aliases": dict(report.aliases),
                   "unchanged": list(report.unchanged)})
        return
    if not report.changed:
        out.print(f"Nothing to change: the registry already matches {file} "
                  f"({len(entries)} models).", highlight=False)
        return
    for name in report.created_models:
        out.print(f"created model     {name}", highlight=False)
    for name in report.updated_models:
        out.print(f"updated model     {name}", highlight=False)
    for ref in report.registered_versions:
        out.print(f"registered        {ref}", highlight=False)
    for ref, stage in report.stages:
        out.print(f"imported stage    {ref} → {stage.value} (the gates were not checked)",
                  highlight=False)
    for ref, alias in report.aliases:
        out.print(f"alias             {alias} → {ref}", highlight=False)
    if report.unchanged:
        out.print(f"unchanged         {', '.join(report.unchanged)}", highlight=False)


@export_group.command("registry")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@local_only
@pass_state
def export_registry_file(state: State, output: Path | None) -> None:
    """Export the registry as a model-registry.yaml (each model with its eligible current
    version and its evaluation scores; a model without one has no status)."""
    # written as the models are read, an entry at a time
    entries = rendered_entries(state.local_registry.registry_files.export_entries())
    if output is None:
        dump_yaml_mapping("models", entries, sys.stdout)
        return
    temporary = output.with_name(output.name + ".tmp")
    try:
        with temporary.open("w", encoding="utf-8") as written:
            count = dump_yaml_mapping("models", entries, written)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.replace(output)  # never leave a half-written file behind
    out.print(f"Wrote {count} models to {output}.", highlight=False)
