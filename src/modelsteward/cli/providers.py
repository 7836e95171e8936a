"""``steward providers import FILE|--curated`` and ``steward providers upcoming``."""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, err, json_option, out, pass_state
from modelsteward.cli.files import read_structured
from modelsteward.data import load_curated
from modelsteward.domain.provider_schedules import parse_provider_schedule
from modelsteward.errors import InvalidInput


@click.group()
def providers() -> None:
    """Hosted providers' deprecation schedules."""


@providers.command("import")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--curated", is_flag=True, help="Import the table shipped with modelsteward.")
@click.option("--soft-days", type=int, default=30, show_default=True,
              help="Soft deadline: this many days before the shutdown.")
@json_option
@pass_state
def providers_import(state: State, file: Path | None, curated: bool, soft_days: int,
                     as_json: bool) -> None:
    """Import LiteLLM's model_prices_and_context_window.json or a provider shutdown table
    (YAML/JSON); matching hosted models get provider-shutdown deprecation plans.

    Rows that cannot apply (no registered snapshot, already retired, refused) and replacements
    left out are listed on stderr with their file and row; the rest is imported (exit 0)."""
    if bool(file) == curated:
        raise InvalidInput("Give either FILE or --curated.")
    shutdowns = (load_curated() if curated else
                 parse_provider_schedule(read_structured(file), source=str(file))  # type: ignore[arg-type]
                 )
    result = state.registry.providers.import_shutdowns(shutdowns, soft_days=soft_days)
    if as_json:
        emit_json({"planned": list(result.planned), "unchanged": list(result.unchanged),
                   "unmatched": result.unmatched, "shutdowns": len(shutdowns),
                   "skipped": [{"file": s.file, "row": s.row, "ref": s.ref,
                                "replacement": s.replacement or None, "reason": s.reason,
                                "fix": s.fix or None} for s in result.skipped]})
        return
    for ref in result.planned:
        out.print(f"planned   {ref}", highlight=False)
    for read in dict.fromkeys(s.file for s in result.skipped):  # one table per file
        table = Table("row", "ref", "skipped", "reason", title=f"Not applied from {read}")
        for s in result.skipped:
            if s.file == read:
                table.add_row(str(s.row), s.ref,
                              f"replacement {s.replacement}" if s.replacement else "row",
                              f"{s.reason} {s.fix}".strip())
        err.print(table)
    rows = sum(1 for s in result.skipped if not s.replacement)
    out.print(f"{len(shutdowns)} shutdowns read; {len(result.planned)} plan(s) written, "
              f"{len(result.unchanged)} unchanged, {rows} skipped ({result.unmatched} naming no "
              f"registered snapshot), {len(result.skipped) - rows} planned without their "
              "replacement.", highlight=False)


def _days(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*d?", text.strip())
    if not match:
        raise InvalidInput(f"--within {text!r} is not a number of days: write e.g. 90d.")
    return int(match.group(1))


@providers.command("upcoming")
@click.option("--within", "within", default="90d", show_default=True,
              help="How far ahead to look, in days (e.g. 30d).")
@json_option
@pass_state
def providers_upcoming(state: State, within: str, as_json: bool) -> None:
    """What is going away (hard deadlines within the window) and who is affected."""
    found = state.registry.providers.upcoming(_days(within))
    if as_json:
        emit_json([{"ref": u.ref, "hard_deadline": u.hard_deadline.isoformat(), "phase": u.phase,
                    "reason": u.reason, "replacement": u.replacement or None,
                    "consumers": u.consumers, "teams": u.teams} for u in found])
        return
    if not found:
        out.print(f"Nothing goes away within {within}.", highlight=False)
        return
    table = Table("version", "goes away", "phase", "reason", "replacement", "affected")
    for u in found:
        table.add_row(u.ref, u.hard_deadline.isoformat(), u.phase, u.reason, u.replacement,
                      f"{u.consumers} consumers, {u.teams} teams")
    out.print(table)
