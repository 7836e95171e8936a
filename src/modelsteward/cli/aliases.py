"""``steward alias set|remove|list|history``, ``steward history --at`` and ``steward rollback``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, err, json_option, out, pass_state
from modelsteward.domain.lifecycle import AliasAssignment
from modelsteward.domain.refs import split_ref
from modelsteward.errors import InvalidInput


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def assignment_view(a: AliasAssignment) -> dict[str, object]:
    return {"alias": a.alias, "version": a.version, "assigned_at": _stamp(a.assigned_at),
            "assigned_by": a.assigned_by, "reason": a.reason, "removed_at": _stamp(a.removed_at)}


@click.group()
def alias() -> None:
    """Aliases: named pointers to versions, with history (production is exclusive)."""


@alias.command("set")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("name")
@click.option("--reason", default="", help="Why (recorded).")
@pass_state
def alias_set(state: State, ref: str, name: str, reason: str) -> None:
    """Point the alias NAME at a version."""
    previous = state.registry.lifecycle.set_alias(ref, name, reason)
    moved = f" (was {previous})" if previous and previous != split_ref(ref)[1] else ""
    out.print(f"{name} → {ref}{moved}", highlight=False)


@alias.command("remove")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("name")
@pass_state
def alias_remove(state: State, ref: str, name: str) -> None:
    """Remove the alias NAME from a version."""
    state.registry.lifecycle.remove_alias(ref, name)
    out.print(f"Removed {name} from {ref}.", highlight=False)


@alias.command("list")
@click.argument("model")
@json_option
@pass_state
def alias_list(state: State, model: str, as_json: bool) -> None:
    """The aliases of MODEL and the versions they point at now."""
    found = state.registry.lifecycle.aliases(model)
    if as_json:
        emit_json([assignment_view(a) for a in found])
        return
    table = Table("alias", "version", "since", "by", "reason")
    for a in found:
        table.add_row(a.alias, a.version, _stamp(a.assigned_at), a.assigned_by, a.reason)
    out.print(table if found else f"{model} has no aliases.")


@alias.command("history")
@click.argument("model")
@click.option("--alias", "name", default="", help="Only this alias.")
@json_option
@pass_state
def alias_history(state: State, model: str, name: str, as_json: bool) -> None:
    """Every assignment of the aliases of MODEL, oldest first."""
    found = state.registry.lifecycle.alias_history(model, name)
    if as_json:
        emit_json([assignment_view(a) for a in found])
        return
    table = Table("alias", "version", "from", "until", "by", "reason")
    for a in found:
        table.add_row(a.alias, a.version, _stamp(a.assigned_at), _stamp(a.removed_at) or "now",
                      a.assigned_by, a.reason)
    out.print(table if found else f"{model} has no alias history.")


def parse_moment(text: str) -> datetime:
    """ISO 8601 (``2026-03-01T12:00Z``, ``2026-03-01 12:00:00+02:00``, ``2026-03-01``); a time
    without a zone is UTC."""
    raw = text.strip().replace("z", "Z")
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"--at {text!r} is not a time: write ISO 8601, e.g. "
                           "2026-03-01T12:00Z.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command()
@click.argument("model")
@click.option("--at", "at_text", required=True, metavar="TIME",
              help="ISO 8601 time, e.g. 2026-03-01T12:00Z (UTC when no zone is given).")
@json_option
@pass_state
def history(state: State, model: str, at_text: str, as_json: bool) -> None:
    """What every alias of MODEL (production first) pointed at, at a moment."""
    moment = parse_moment(at_text)
    found = state.registry.lifecycle.aliases_at(model, moment)
    if as_json:
        emit_json({"model": model, "at": _stamp(moment), "aliases": found})
        return
    if not found:
        out.print(f"No alias of {model} pointed anywhere at {_stamp(moment)}.", highlight=False)
        return
    for name in sorted(found, key=lambda n: (n != "production", n)):
        out.print(f"{name}: {', '.join(found[name])}", highlight=False)


@click.command()
@click.argument("model")
@click.option("--alias", "name", default="production", show_default=True)
@click.option("--reason", default="", help="Why (recorded in the event).")
@json_option
@pass_state
def rollback(state: State, model: str, name: str, reason: str, as_json: bool) -> None:
    """Move an exclusive alias back to its previous target that is still eligible; the owner
    team is notified, and the version production leaves is no longer a rollback target."""
    result = state.registry.lifecycle.rollback(model, name, reason)
    if as_json:
        emit_json({"model": model, "alias": result.alias, "from": result.from_version,
                   "to": result.to_version, "blocked_reason": result.blocked_reason or None})
        return
    out.print(f"{result.alias}: {model}@{result.from_version} → "
              f"{model}@{result.to_version}", highlight=False)
    if result.blocked_reason:
        err.print(f"{model}@{result.from_version} is no longer a rollback target "
                  f"({result.blocked_reason})", highlight=False)
