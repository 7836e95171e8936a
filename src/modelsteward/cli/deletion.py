"""``steward delete MODEL[@VERSION] [--replacement MODEL@PIN] --reason … [--dry-run]``."""

from __future__ import annotations

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state


@click.command()
@click.argument("target", metavar="MODEL[@VERSION]")
@click.option("--replacement", default="", metavar="MODEL@PIN",
              help="Move every consumer pin here (otherwise the pins that no longer resolve "
                   "are cleared; the others are kept).")
@click.option("--reason", required=True, help="Why (recorded, and told to each team).")
@click.option("--dry-run", is_flag=True, help="Show exactly what would change; change nothing.")
@json_option
@pass_state
def delete(state: State, target: str, replacement: str, reason: str, dry_run: bool,
           as_json: bool) -> None:
    """Take a model or version out of use, moving its consumers; the record stays as a
    tombstone (`steward log`, `show --include-deleted`)."""
    report = state.registry.deletions.delete(target, reason=reason, replacement=replacement,
                                             dry_run=dry_run)
    if as_json:
        emit_json({"target": report.target, "replacement": report.replacement or None,
                   "dry_run": report.dry_run, "by_team": report.by_team,
                   "aliases_removed": list(report.aliases_removed),
                   "changes": [{"consumer": c.consumer, "team": c.team, "from": str(c.before),
                                "to": str(c.after) if c.after else None}
                               for c in report.changes],
                   "unchanged": [{"consumer": k.consumer, "team": k.team, "pin": str(k.pin),
                                  "resolves_to": k.resolves_to} for k in report.unchanged]})
        return
    verb = "Would delete" if dry_run else "Deleted"
    out.print(f"{verb} {target}; {len(report.changes)} consumer pin(s) "
              f"{'would be ' if dry_run else ''}{'moved' if replacement else 'cleared'}.",
              highlight=False)
    if report.changes:
        table = Table("consumer", "team", "from", "to")
        for c in report.changes:
            table.add_row(c.consumer, c.team, str(c.before), str(c.after) if c.after else "—")
        out.print(table)
    if report.unchanged:
        out.print(f"{len(report.unchanged)} consumer pin(s) still resolve without it and "
                  f"{'would be ' if dry_run else 'were '}kept:", highlight=False)
        kept = Table("consumer", "team", "pin", "resolves to")
        for k in report.unchanged:
            kept.add_row(k.consumer, k.team, str(k.pin), f"{k.pin.model}@{k.resolves_to}")
        out.print(kept)
    for alias in report.aliases_removed:
        out.print(f"alias removed: {alias}", highlight=False)
