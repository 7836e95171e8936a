"""``steward compliance``: Factor 15's checklist evaluated from the registry's records."""

from __future__ import annotations

import click

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state
from modelsteward.cli.exits import Exit
from modelsteward.errors import InvalidInput


@click.command()
@click.option("--model", default="", help="Only this model.")
@click.option("--team", default="", help="Only the models this team owns.")
@click.option("--all", "every", is_flag=True, help="Every model (the default without --model "
              "or --team).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html"]),
              default="markdown", envvar="STEWARD_COMPLIANCE_FORMAT", show_default=True,
              help="Output format [STEWARD_COMPLIANCE_FORMAT].")
@click.option("--record", is_flag=True,
              help="Also record the outcomes that changed (a model:compliance:evaluated event "
                   "each) and tell the owner team of each item that went from pass to fail "
                   "(a compliance:drifted notice, once). `steward tick` does this too.")
@click.option("--fail", "fail_on_fail", is_flag=True,
              help=f"Exit {int(Exit.CHECK_FAILED)} when an item fails (for CI).")
@json_option
@pass_state
def compliance(state: State, model: str, team: str, every: bool, fmt: str, record: bool,
               fail_on_fail: bool, as_json: bool) -> None:
    """Evaluate Factor 15's ten compliance checklist items for MODEL, a TEAM's models or all:
    pass, fail or not applicable, with the evidence (event numbers, lock digests, experiment
    ids, plan ids) and the `steward` command that fixes each failure; high-risk models get an
    evidence pack mapped onto EU AI Act Annex IV and the NIST AI RMF (see docs/compliance.md)."""
    if sum(map(bool, (model, team, every))) > 1:
        raise click.UsageError("Give one of --model, --team or --all.")
    if state.url:
        _remote(state, model, team, "json" if as_json else fmt, record, fail_on_fail)
        return
    service = state.local_registry.compliance
    if record:
        recorded = service.record(model or None, team or None)
        report = recorded.report
        for notice in recorded.notices:
            click.echo(f"drifted: {notice.message}", err=True)
    else:
        report = service.report(model or None, team or None)
    if fmt == "json" or as_json:
        emit_json(report.as_payload())
    else:
        from modelsteward.reports.compliance import to_html, to_markdown

        text = to_html(report) if fmt == "html" else to_markdown(report)
        out.print(text, end="", highlight=False, soft_wrap=True)
    if fail_on_fail and not report.compliant:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))


def _remote(state: State, model: str, team: str, fmt: str, record: bool,
            fail_on_fail: bool) -> None:
    """The server's report (``GET /compliance``), in the format asked for."""
    from modelsteward.remote.registry import RemoteRegistry

    if record:
        raise InvalidInput("`steward compliance --record` records on a local database; a "
                           "server records the outcomes itself in its `steward tick` (POST "
                           "/api/v1/deprecations/tick). Leave out --record to read the report.")
    registry = state.registry
    assert isinstance(registry, RemoteRegistry)
    payload = registry.compliance.payload(model or None, team or None) \
        if fmt == "json" or fail_on_fail else None
    if fmt == "json":
        emit_json(payload)
    else:
        out.print(registry.compliance.document(model or None, team or None, fmt), end="",
                  highlight=False, soft_wrap=True)
    if fail_on_fail and payload is not None and not payload.get("compliant"):
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))
