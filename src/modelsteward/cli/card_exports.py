"""``steward export card MODEL@VERSION`` and ``steward import card README.md``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelsteward.cli.context import State, emit_json, json_option, local_only, out, pass_state
from modelsteward.exports import ExportFormat


@click.command("card")
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--format", "fmt", type=click.Choice([f.value for f in ExportFormat]),
              default=ExportFormat.HF.value, show_default=True, envvar="STEWARD_CARD_FORMAT",
              help="hf: a Hugging Face README.md; cyclonedx: a CycloneDX 1.6 ML-BOM; spdx: an "
                   "SPDX 3.0.1 AI document [STEWARD_CARD_FORMAT].")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@local_only
@pass_state
def export_card(state: State, ref: str, fmt: str, output: Path | None) -> None:
    """Export a version's card in a standard format, from the registry's records (lineage,
    evaluations, approvals, advisories, deprecation plan, support window); see
    docs/exports.md."""
    text = state.local_registry.exports.render(ref, ExportFormat(fmt))
    if output is None:
        sys.stdout.write(text)
        return
    temporary = output.with_name(output.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(output)  # never leave a half-written file behind
    out.print(f"Wrote the {fmt} card of {ref} to {output}.", highlight=False)


@click.command("card")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--model", default="", help="The model to fill (default: the card's model_name).")
@click.option("--team", default="", envvar="STEWARD_IMPORT_TEAM",
              help="The owner team of a model the import creates [STEWARD_IMPORT_TEAM]; "
                   "default STEWARD_DEFAULT_TEAM (platform).")
@click.option("--version", "version", default="",
              help="Record the card's base_model as this version's lineage.")
@json_option
@local_only
@pass_state
def import_card(state: State, file: Path, model: str, team: str, version: str,
                as_json: bool) -> None:
    """Pre-fill a model from a Hugging Face model card (README.md): licence, tags and, with
    --version, the lineage to its base_model (all problems are reported before anything is
    written)."""
    done = state.local_registry.exports.import_card(file, model=model.strip(),
                                                    team=team.strip(), version=version.strip())
    if as_json:
        emit_json({"model": done.model.name, "created": done.created,
                   "license": done.model.license, "tags": list(done.model.tags),
                   "base_models": list(done.card.base_models),
                   "lineage": [{"child": d.child, "parent": d.parent,
                                "relation": d.relation.value} for d in done.lineage],
                   "notes": list(done.notes)})
        return
    verb = "created" if done.created else "updated"
    out.print(f"{verb} model     {done.model.name} (licence {done.model.license or 'none'}, "
              f"tags {', '.join(done.model.tags) or 'none'})", highlight=False)
    for derivation in done.lineage:
        out.print(f"lineage           {derivation.child} ← {derivation.parent} "
                  f"({derivation.relation})", highlight=False)
    for note in done.notes:
        out.print(f"note              {note}", highlight=False)
