"""``steward log [MODEL]``, ``steward log verify`` and ``steward log checkpoint``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, err, json_option, out, pass_state
from modelsteward.cli.exits import Exit
from modelsteward.cli.render import event_view
from modelsteward.domain.checkpoint import Checkpoint, parse_checkpoint
from modelsteward.domain.events import Event, format_time
from modelsteward.errors import InvalidInput

if TYPE_CHECKING:
    from modelsteward.results import HistoryReport


F = TypeVar("F", bound=Callable[..., Any])


class _LogGroup(click.Group):
    """``log verify`` and ``log checkpoint`` are subcommands; any other first argument is a
    model name."""

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return "model", _log_model, args
        return super().resolve_command(ctx, args)


def _print_events(state: State, model: str, limit: int | None, before: int | None,
                  as_json: bool) -> None:
    found: list[Event]
    if limit is None and before is None:
        found = state.registry.log(model)
    else:
        found = state.registry.log_tail(model, limit=limit or 1000000, before_seq=before or 0)
    if as_json:
        emit_json([event_view(e) for e in found])
    elif not found:
        out.print("No events yet." if before is None else f"No events before {before}.")
    else:
        table = Table("seq", "time", "actor", "kind", "subject")
        for e in found:
            table.add_row(str(e.seq), e.time[:19].replace("T", " ") + "Z", e.actor, e.kind,
                          e.subject)
        out.print(table)
    if limit is not None and len(found) == limit and found[0].seq > 1 and not as_json:
        target = f"{model} " if model else ""
        err.print(f"Older events: `steward log {target}--limit {limit} --before "
                  f"{found[0].seq}`.", highlight=False)


def _log_options(func: Any) -> Any:
    func = click.option("--before", type=click.IntRange(min=1), default=None,
                        help="Only events with a sequence number below this one (page back "
                             "with the first number shown).")(func)
    func = click.option("--limit", type=click.IntRange(min=1), default=None,
                        help="Show the latest N events (oldest of them first).")(func)
    return json_option(func)


@click.group(cls=_LogGroup, invoke_without_command=True)
@_log_options
@click.pass_context
def log(ctx: click.Context, limit: int | None, before: int | None, as_json: bool) -> None:
    """Show the event history, of every model or of MODEL (`steward log MODEL`): all of it,
    or the latest --limit N events, oldest first."""
    ctx.meta["log_options"] = (limit, before, as_json)
    if ctx.invoked_subcommand is None:
        _print_events(ctx.find_object(State), "", limit, before,  # type: ignore[arg-type]
                      as_json)


@click.command("model", hidden=True)
@click.argument("model")
@_log_options
@click.pass_context
def _log_model(ctx: click.Context, model: str, limit: int | None, before: int | None,
               as_json: bool) -> None:
    group_limit, group_before, group_json = ctx.meta.get("log_options", (None, None, False))
    _print_events(ctx.find_object(State), model, limit or group_limit,  # type: ignore[arg-type]
                  before or group_before, as_json or group_json)


def _key_option(help_text: str) -> Callable[[F], F]:
    return click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
                        envvar="STEWARD_CHECKPOINT_KEY", help=help_text)


def _report_view(report: HistoryReport, checked_state: bool) -> dict[str, object]:
    broken = report.broken
    checkpoint = report.checkpoint
    return {
        "events": report.events, "intact": report.intact,
        "first_bad_seq": broken.seq if broken else None,
        "reason": broken.reason if broken else None,
        "head": {"seq": report.head_seq, "hash": report.head_hash} if report.events else None,
        "checkpoint": ({"seq": checkpoint.seq, "hash": checkpoint.hash,
                        "time": checkpoint.time, "holds": not report.checkpoint_problem,
                        "problem": report.checkpoint_problem or None}
                       if checkpoint is not None else None),
        "state": {"checked": report.differences is not None,
                  "differences": [{"object": d.key, "field": d.field, "table": d.table,
                                   "derived": d.derived, "seq": d.seq,
                                   "message": d.describe()}
                                  for d in report.differences or ()]}
        if checked_state else {"checked": False, "differences": []},
    }


def _print_report(report: HistoryReport, source: str) -> None:
    if report.broken is not None:
        out.print(f"The history has been tampered with: event {report.broken.seq} is bad — "
                  f"{report.broken.reason}.", highlight=False)
    if report.checkpoint_problem:
        out.print(f"The history does not extend the checkpoint {source}: "
                  f"{report.checkpoint_problem}.", highlight=False)
    if report.differences:
        first, *others = report.differences
        out.print(f"The tables do not match the events: {first.describe()}.", highlight=False)
        for other in others:
            out.print(f"  also: {other.describe()}", highlight=False)
    if report.intact:
        parts = [f"{report.events} events, hash chain verified"]
        if report.differences is not None:
            parts.append("the tables match the events")
        if report.checkpoint is not None:
            parts.append(f"it extends the checkpoint of event {report.checkpoint.seq} "
                         f"({report.checkpoint.time})")
        out.print(f"The history is intact: {', '.join(parts)}.", highlight=False)


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read the checkpoint {path}: "
                           f"{getattr(exc, 'strerror', None) or exc}. Give the file `steward "
                           "log checkpoint` wrote.") from None
    return parse_checkpoint(text, str(path))


@log.command("verify")
@click.option("--checkpoint", "checkpoint_path", type=click.Path(path_type=Path), default=None,
              help="Also prove that the history extends this checkpoint (from `steward log "
                   "checkpoint`).")
@_key_option("With --checkpoint: the key (public .pub or private) that must have signed it "
             "(when not given, the signature is checked with the key the checkpoint names) "
             "[STEWARD_CHECKPOINT_KEY].")
@click.option("--no-state", "skip_state", is_flag=True,
              help="Check the hash chain only, not that the tables match the events.")
@json_option
@pass_state
def log_verify(state: State, checkpoint_path: Path | None, key_path: Path | None,
               skip_state: bool, as_json: bool) -> None:
    """Check the hash chain of the whole history, that the tables hold the state the events
    determine, and optionally a checkpoint (exit 1 at the first problem)."""
    checkpoint = _read_checkpoint(checkpoint_path) if checkpoint_path else None
    trusted = None
    if checkpoint is not None and key_path is not None:
        from modelsteward.integrity.checkpoint_keys import load_public_key

        trusted = load_public_key(key_path)
    registry = state.registry
    report = registry.verify_history(state=not skip_state, checkpoint=checkpoint,
                                     trusted=trusted)
    if not skip_state and report.differences is None and report.broken is None:
        err.print("The state check was not made: the server makes it for an administrator's "
                  "token only (or run `steward log verify` where its database is).",
                  highlight=False)
    if as_json:
        emit_json(_report_view(report, not skip_state))
    else:
        _print_report(report, str(checkpoint_path))
    if not report.intact:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))


@log.command("checkpoint")
@_key_option("The Ed25519 private key (PEM) that signs [STEWARD_CHECKPOINT_KEY].")
@click.option("--new-key", is_flag=True,
              help="Generate the key at --key first (and its public key at KEY.pub); never "
                   "overwrites.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the checkpoint to this file instead of stdout.")
@pass_state
def log_checkpoint(state: State, key_path: Path | None, new_key: bool,
                   output: Path | None) -> None:
    """Verify the history, then print a signed checkpoint of its head (sequence number, hash,
    time) to keep elsewhere; `steward log verify --checkpoint FILE` proves later that the
    history still extends it."""
    from modelsteward.integrity.checkpoint_keys import load_private_key, sign
    from modelsteward.integrity.checkpoint_keys import new_key as make_key

    if key_path is None:
        raise InvalidInput("--key is required: the Ed25519 private key that signs (add "
                           "--new-key to generate it).")
    key = make_key(key_path) if new_key else load_private_key(key_path)
    registry = state.registry
    report = registry.verify_history(state=True)
    if not report.intact:
        _print_report(report, "")
        err.print("No checkpoint was made: it would vouch for a history that fails "
                  "verification.", highlight=False)
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))
    if not report.events:
        raise InvalidInput("The history is empty: there is no event to checkpoint yet.")
    checkpoint = sign(key, report.head_seq, report.head_hash, format_time(registry.clock.now()))
    if output is None:
        click.echo(checkpoint.render(), nl=False)
        return
    try:
        output.write_text(checkpoint.render(), encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Cannot write the checkpoint {output}: {exc.strerror}. Choose a "
                           "writable path.") from None
    err.print(f"Checkpoint of event {checkpoint.seq} written to {output}.", highlight=False)
