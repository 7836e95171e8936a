"""``steward consumer add|list|show|pin|unpin|remove`` and ``steward impact``."""

from __future__ import annotations

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    idempotency_key_option,
    json_option,
    out,
    pass_state,
)
from modelsteward.domain.consumers import (
    Consumer,
    ConsumerKind,
    ConsumerPin,
    ConsumerStatus,
    Impact,
    PinStatus,
    parse_uses,
)
from modelsteward.domain.model import parse_enum


def consumer_view(c: Consumer) -> dict[str, object]:
    return {"name": c.name, "kind": c.kind.value, "team": c.team, "contact": c.contact or None,
            "environment": c.environment or None,
            "uses": [{"model": p.model, "pin": p.pin} for p in c.pins]}


@click.group()
def consumer() -> None:
    """Consumers: applications, pipelines, deployments and notebooks that use models."""


@consumer.command("add")
@click.argument("name")
@click.option("--kind", default="application", show_default=True,
              help="application, pipeline, deployment or notebook.")
@click.option("--team", required=True, help="The owning team (notices go to it).")
@click.option("--contact", default="", help="E-mail or channel.")
@click.option("--environment", default="", help="production, staging, …")
@click.option("--uses", "uses", multiple=True, metavar="'MODEL PIN'",
              help="A model and the pin it is used by, e.g. 'support-bot ^2.1'; repeat.")
@json_option
@idempotency_key_option
@pass_state
def consumer_add(state: State, name: str, kind: str, team: str, contact: str, environment: str,
                 uses: tuple[str, ...], as_json: bool) -> None:
    """Register the consumer NAME and the models it uses."""
    made = state.registry.consumers.add(Consumer(
        name, parse_enum(ConsumerKind, kind, "consumer kind"), team, contact, environment,
        tuple(parse_uses(u) for u in uses)))
    status = state.registry.consumers.show(made.name) if made.pins else ConsumerStatus(made)
    for pin, pin_status in status.pins:
        _warn_ineligible(pin, pin_status)
    if as_json:
        emit_json(status_view(status))
    else:
        out.print(f"Registered consumer {made.name} ({made.kind.value}, {made.team}) using "
                  f"{', '.join(str(p) for p in made.pins) or 'no model yet'}.", highlight=False)


def _warn_ineligible(pin: ConsumerPin, status: PinStatus) -> None:
    """An exact pin naming a version that is not eligible is accepted; say so on stderr."""
    if status.ineligible:
        err.print(f"warning: {pin.model} {pin.pin} names {status.ref(pin.model)}, which is not "
                  f"eligible for applications because {status.ineligible}.", highlight=False)


def status_view(status: ConsumerStatus) -> dict[str, object]:
    """A consumer with, by model, what each pin resolves to now (null when nothing does),
    why an exact pin's version is not eligible, and why a pin no longer resolves."""
    return {**consumer_view(status.consumer),
            "resolves_to": {p.model: s.resolves_to or None for p, s in status.pins},
            "ineligible": {p.model: s.ineligible for p, s in status.pins if s.ineligible},
            "unresolvable": {p.model: s.unresolvable.as_dict() for p, s in status.pins
                             if s.unresolvable is not None}}


@consumer.command("pin")
@click.argument("name")
@click.argument("model")
@click.argument("pin")
@pass_state
def consumer_pin(state: State, name: str, model: str, pin: str) -> None:
    """Make consumer NAME use MODEL at PIN (replacing its earlier pin of MODEL)."""
    pinned = parse_uses(f"{model} {pin}")
    resolved = state.registry.consumers.pin(name, pinned)
    _warn_ineligible(pinned, resolved)
    out.print(f"{name} uses {model} {pin} (resolves to {resolved.ref(model)}).",
              highlight=False)


@consumer.command("unpin")
@click.argument("name")
@click.argument("model")
@pass_state
def consumer_unpin(state: State, name: str, model: str) -> None:
    """Stop recording that consumer NAME uses MODEL."""
    state.registry.consumers.unpin(name, model)
    out.print(f"{name} no longer uses {model}.", highlight=False)


@consumer.command("remove")
@click.argument("name")
@click.option("--reason", required=True, help="Why (recorded).")
@pass_state
def consumer_remove(state: State, name: str, reason: str) -> None:
    """Remove a consumer (the event keeps what it used)."""
    state.registry.consumers.remove(name, reason)
    out.print(f"Removed consumer {name}.", highlight=False)


@consumer.command("list")
@click.option("--model", default="", help="Only consumers of this model.")
@json_option
@pass_state
def consumer_list(state: State, model: str, as_json: bool) -> None:
    """List consumers."""
    found = state.registry.consumers.list(model)
    if as_json:
        emit_json([consumer_view(c) for c in found])
        return
    table = Table("consumer", "kind", "team", "environment", "uses")
    for c in found:
        table.add_row(c.name, c.kind.value, c.team, c.environment,
                      ", ".join(str(p) for p in c.pins))
    out.print(table if found else "No consumers yet. Add one with `steward consumer add`.")


@consumer.command("show")
@click.argument("name")
@json_option
@pass_state
def consumer_show(state: State, name: str, as_json: bool) -> None:
    """Show a consumer and what its pins resolve to now; a pin that no longer resolves says
    which version, retired or deleted on which date, why, and what replaces it."""
    status = state.registry.consumers.show(name)
    found = status.consumer
    if as_json:
        emit_json(status_view(status))
        return
    out.print(f"{found.name} ({found.kind.value}) — team {found.team}"
              f"{', ' + found.contact if found.contact else ''}"
              f"{', ' + found.environment if found.environment else ''}", highlight=False)
    for p, s in status.pins:
        out.print(f"  {p.model} {p.pin} → {s.describe(p.model)}", highlight=False)


def impact_view(result: Impact) -> dict[str, object]:
    return {"target": result.target, "consumers": result.consumers,
            "by_team": result.by_team, "by_environment": result.by_environment,
            "by_kind": result.by_kind,
            "affected": [{"consumer": a.consumer.name, "team": a.consumer.team,
                          "environment": a.consumer.environment or None,
                          "kind": a.consumer.kind.value, "pin": a.pin.pin,
                          **a.status.as_dict()} for a in result.affected]}


@click.command()
@click.argument("target", metavar="MODEL[@VERSION|@PIN]")
@json_option
@pass_state
def impact(state: State, target: str, as_json: bool) -> None:
    """Which consumers a change to MODEL, MODEL@VERSION or MODEL@PIN reaches, with counts; a
    pin that no longer resolves is shown with why."""
    result = state.registry.consumers.impact(target)
    if as_json:
        emit_json(impact_view(result))
        return
    out.print(f"{target}: {result.summary()}", highlight=False)
    if not result.affected:
        return
    table = Table("consumer", "team", "environment", "kind", "pin", "resolves to")
    for a in result.affected:
        table.add_row(a.consumer.name, a.consumer.team, a.consumer.environment,
                      a.consumer.kind.value, a.pin.pin,
                      a.resolves_to if not (a.ineligible or a.unresolvable)
                      else a.status.describe(a.pin.model))
    out.print(table)
    for label, counts in (("by team", result.by_team), ("by environment", result.by_environment),
                          ("by kind", result.by_kind)):
        out.print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
                  highlight=False)
