"""``steward log [MODEL]`` and ``steward log verify``."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state
from modelsteward.cli.exits import Exit
from modelsteward.cli.render import event_view


def register(cli: click.Group) -> None:
    cli.add_command(log)


class _LogGroup(click.Group):
    """``log verify`` is a subcommand; any other first argument is a model name."""

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return "model", _log_model, args
        return super().resolve_command(ctx, args)


def _print_events(state: State, model: str, limit: int | None, as_json: bool) -> None:
    found = state.registry.log(model, limit=limit)
    if as_json:
        emit_json([event_view(e) for e in found])
        return
    if not found:
        out.print("No events yet.")
        return
    table = Table("seq", "time", "actor", "kind", "subject")
    for e in found:
        table.add_row(str(e.seq), e.time[:19].replace("T", " ") + "Z", e.actor, e.kind, e.subject)
    out.print(table)


def _log_options(func: Any) -> Any:
    func = click.option("--limit", type=click.IntRange(min=1), default=None,
                        help="Show at most this many events.")(func)
    return json_option(func)


@click.group(cls=_LogGroup, invoke_without_command=True)
@_log_options
@click.pass_context
def log(ctx: click.Context, limit: int | None, as_json: bool) -> None:
    """Show the event history, of every model or of MODEL (`steward log MODEL`)."""
    ctx.meta["log_options"] = (limit, as_json)
    if ctx.invoked_subcommand is None:
        _print_events(ctx.find_object(State), "", limit, as_json)  # type: ignore[arg-type]


@click.command("model", hidden=True)
@click.argument("model")
@_log_options
@click.pass_context
def _log_model(ctx: click.Context, model: str, limit: int | None, as_json: bool) -> None:
    group_limit, group_json = ctx.meta.get("log_options", (None, False))
    _print_events(ctx.find_object(State), model, limit or group_limit,  # type: ignore[arg-type]
                  as_json or group_json)


@log.command("verify")
@json_option
@pass_state
def log_verify(state: State, as_json: bool) -> None:
    """Check the hash chain of the whole history (exit 1 at the first bad event)."""
    count, broken = state.registry.verify_log()
    if as_json:
        emit_json({"events": count, "intact": broken is None,
                   "first_bad_seq": broken.seq if broken else None,
                   "reason": broken.reason if broken else None})
    elif broken is None:
        out.print(f"The history is intact: {count} events, hash chain verified.")
    else:
        out.print(f"The history has been tampered with: event {broken.seq} is bad — "
                  f"{broken.reason}.", highlight=False)
    if broken is not None:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))
