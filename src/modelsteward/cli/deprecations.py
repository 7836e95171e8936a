"""``steward deprecate``, ``steward plan``, ``steward plans --missing``, ``steward tick`` and
``steward notices``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

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
from modelsteward.cli.embedding import reembed_options, reembedding_of
from modelsteward.cli.exits import Exit
from modelsteward.cli.streaming import emit_json_items
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason, Phase
from modelsteward.domain.model import parse_enum
from modelsteward.domain.subscriptions import DEADLINE_OVERDUE
from modelsteward.errors import InvalidInput
from modelsteward.notify.settings import NotifySettings

_REASONS = ", ".join(r.value for r in DeprecationReason)


def _date(text: str | None, option: str, default: date | None = None) -> date:
    if text is None:
        if default is None:
            raise InvalidInput(f"{option} is required (YYYY-MM-DD).")
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date: write YYYY-MM-DD.") from None


def plan_view(p: DeprecationPlan, today: date) -> dict[str, object]:
    return {"id": p.id, "target": p.ref, "reason": p.reason.value,
            "replacement": p.replacement or None, "announced": p.announced.isoformat(),
            "soft_deadline": p.soft_deadline.isoformat(),
            "hard_deadline": p.hard_deadline.isoformat(), "phase": p.phase(today).value,
            "migration_steps": list(p.migration_steps),
            "support_window": p.support_window or None, "redirect": p.redirect}


@click.command()
@click.argument("target", metavar="MODEL@VERSION|MODEL@PIN")
@click.option("--reason", required=True, help=f"One of: {_REASONS}.")
@click.option("--replacement", default="", metavar="MODEL@PIN", help="What to move to.")
@click.option("--announced", default=None, metavar="DATE", help="Default: today.")
@click.option("--soft-deadline", required=True, metavar="DATE",
              help="From then on new adoption is refused.")
@click.option("--hard-deadline", required=True, metavar="DATE",
              help="Then the version retires.")
@click.option("--migration-step", "steps", multiple=True, help="One step; repeat, in order.")
@click.option("--support-window", default="", help="e.g. '12 months active support, then "
              "community-maintained'.")
@click.option("--redirect", is_flag=True,
              help="After the hard deadline, resolve to the replacement instead of refusing.")
@reembed_options("reembed-")
@json_option
@idempotency_key_option
@pass_state
def deprecate(state: State, target: str, reason: str, replacement: str, announced: str | None,
              soft_deadline: str, hard_deadline: str, steps: tuple[str, ...],
              support_window: str, redirect: bool, documents: int | None, cost: float | None,
              hours: float | None, index: str, plan_file: str | None, as_json: bool) -> None:
    """Plan the end of a version or a range: reason, replacement, migration steps and dates.

    For an embedding model, --reembed-* record the re-embedding its consumers' move needs."""
    registry = state.registry
    reembedding = reembedding_of(documents, cost, hours, index, plan_file, "reembed-")
    today = registry.clock.now().date()
    made = registry.deprecations.plan(
        target, reason=parse_enum(DeprecationReason, reason, "deprecation reason"),
        replacement=replacement, announced=_date(announced, "--announced", today),
        soft_deadline=_date(soft_deadline, "--soft-deadline"),
        hard_deadline=_date(hard_deadline, "--hard-deadline"), migration_steps=steps,
        support_window=support_window, redirect=redirect, reembedding=reembedding)
    # a past hard deadline acts at once; what it could not retire is told, never silent
    overdue = ([n for n in registry.deprecations.notices()
                if n.kind == DEADLINE_OVERDUE and n.payload.get("plan") == made.id]
               if made.phase(today) is Phase.RETIRED else [])
    if as_json:
        emit_json({**plan_view(made, today),
                   "overdue": [{"ref": n.payload.get("version"), "why": n.payload.get("why")}
                               for n in overdue]})
    else:
        out.print(f"Deprecated {made.ref} ({made.reason.value}); phase "
                  f"{made.phase(today).value}; soft deadline {made.soft_deadline}, hard "
                  f"deadline {made.hard_deadline}.", highlight=False)
        if reembedding is not None:
            out.print(f"Moving its consumers is a data migration: {reembedding.describe()}.",
                      highlight=False)
    for notice in overdue:
        err.print(f"warning: {notice.message}", highlight=False)


@click.command()
@click.argument("model")
@json_option
@pass_state
def plan(state: State, model: str, as_json: bool) -> None:
    """Show the deprecation plans of MODEL and its support policy."""
    registry = state.registry
    today = registry.clock.now().date()
    found = registry.deprecations.plans(model)
    support = registry.get_model(model).support
    if as_json:
        emit_json({"model": model, "support_policy": support.describe(),
                   "plans": [plan_view(p, today) for p in found]})
        return
    out.print(f"{model}: support policy {support.describe()}", highlight=False)
    if not found:
        out.print(f"{model} has no deprecation plan.", highlight=False)
    for p in found:
        out.print(f"- {p.ref}: {p.reason.value}, phase {p.phase(today).value}; announced "
                  f"{p.announced}, soft deadline {p.soft_deadline}, hard deadline "
                  f"{p.hard_deadline}" + (f"; replacement {p.replacement}" if p.replacement
                                          else ""), highlight=False)
        for i, step in enumerate(p.migration_steps, 1):
            out.print(f"    {i}. {step}", highlight=False)


@click.command()
@click.option("--missing", is_flag=True, required=True,
              help="List models with neither a plan nor a support policy.")
@json_option
@pass_state
def plans(state: State, missing: bool, as_json: bool) -> None:
    """Models that have no plan for their end."""
    found = _missing(state)
    if as_json:
        emit_json_items(found)
        return
    listed = False
    for name in found:
        out.print(name, highlight=False)
        listed = True
    if not listed:
        out.print("Every model has a support policy or a deprecation plan.")


def _missing(state: State) -> Iterator[str]:
    """:meth:`missing`'s names, a local database's read a keyset page at a time (each in a
    read of its own, written out before the next), a server's as the remote registry reads
    them."""
    if state.url:
        yield from state.registry.deprecations.missing()
        return
    from modelsteward.service.batches import BATCH

    deprecations = state.local_registry.deprecations
    after = ""
    while page := deprecations.missing_page(after, BATCH):
        yield from page
        after = page[-1]


@click.command()
@json_option
@pass_state
def tick(state: State, as_json: bool) -> None:
    """Bring deprecation phases up to date: notices, deadline reminders (STEWARD_REMINDER_DAYS
    before each deadline) and retirement at the hard deadline; judge every running canary
    (advance, hold, roll back, promote); and check every fine-tuning pipeline's retrain
    triggers (a retrain:due notice per firing, once); and record the compliance outcomes
    that changed (a compliance:drifted notice per item gone from pass to fail, once). Under
    STEWARD_URL the server does the deprecations and the compliance record (administrators
    only), with its own archive and reminder settings, and its canaries and retrain triggers
    on its own schedule."""
    days = () if state.url else NotifySettings.from_env().check().reminder_days
    report = state.registry.deprecations.tick(archive=state.archive, reminder_days=days)
    # a server judges its canaries and triggers itself (STEWARD_TICK_SECONDS); locally this
    # tick does
    moves = [] if state.url else state.local_registry.experiments.tick()
    due = [] if state.url else state.local_registry.pipelines.check_triggers()
    # and records the compliance outcomes that changed, telling each drift once (a server's
    # tick records them on the server and answers what it recorded)
    drift = (report.compliance if state.url
             else state.local_registry.compliance.record().as_payload())
    if as_json:
        emit_json({"retired": list(report.retired), "notices": report.notices,
                   "reminders": report.reminders, "failures": list(report.failures),
                   "overdue": [{"ref": o.ref, "plan": o.plan, "why": o.why}
                               for o in report.overdue],
                   "canaries": [m.as_payload() for m in moves],
                   "retrain": [d.as_payload() for d in due],
                   "compliance": dict(drift) if drift is not None else None})
    else:
        for move in moves:
            out.print(f"canary {move.experiment}: {move.move} (step {move.step + 1}, "
                      f"{move.share:.0%}): {move.reason}", highlight=False)
        for fired in due:
            out.print(f"retrain due {fired.model} ({fired.trigger}): {fired.reason} Told "
                      f"{fired.team}; start a run with `steward pipeline start {fired.model} "
                      f"--trigger {fired.key}`.", highlight=False)
        drifted = drift.get("drifted", []) if drift is not None else []
        for notice in drifted if isinstance(drifted, list) else []:
            out.print(f"compliance drift: {notice['message']}", highlight=False)
        for ref in report.retired:
            out.print(f"retired {ref} (hard deadline reached)", highlight=False)
        for late in report.overdue:
            out.print(f"overdue {late.ref}: not retired at the hard deadline of plan "
                      f"{late.plan}: {late.why}. Move production to a replacement, then run "
                      "`steward tick` again.", highlight=False)
        out.print(f"{report.notices} new notice(s), {report.reminders} reminder(s).",
                  highlight=False)
        for failure in report.failures:
            err.print(f"not retired: {failure}", highlight=False)
    if report.failures:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))


@click.command()
@click.option("--team", default="", help="Only this team's notices.")
@json_option
@pass_state
def notices(state: State, team: str, as_json: bool) -> None:
    """Notices to teams about the models they use (one per team, model, plan and phase)."""
    found = state.registry.deprecations.notices(team)
    if as_json:
        emit_json([{"team": n.team, "model": n.model, "kind": n.kind, "message": n.message,
                    "payload": dict(n.payload),
                    "created_at": n.created_at.isoformat() if n.created_at else None}
                   for n in found])
        return
    if not found:
        out.print("No notices.")
        return
    table = Table("team", "model", "kind", "message")
    for n in found:
        table.add_row(n.team, n.model, n.kind, n.message)
    out.print(table)
