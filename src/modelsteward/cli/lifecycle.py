"""``steward promote|approve|reject|deprecate|retire|override``, ``steward check record|list``,
``steward monitor record`` and ``steward policy show|check``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import click
import yaml
from rich.table import Table

from modelsteward.cli.context import State, emit_json, err, json_option, local_only, out, pass_state
from modelsteward.cli.files import read_structured
from modelsteward.cli.render import version_view
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.model import parse_enum
from modelsteward.domain.policy_file import render_policy
from modelsteward.domain.refs import split_ref
from modelsteward.errors import InvalidInput


@click.command()
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--to", "target", required=True, metavar="STAGE",
              help="evaluated, registered, staging or production (one step at a time).")
@click.option("--dry-run", is_flag=True, help="List what the gates require, change nothing.")
@json_option
@pass_state
def promote(state: State, ref: str, target: str, dry_run: bool, as_json: bool) -> None:
    """Move a version to its next stage through that stage's gates; a refusal lists every unmet
    requirement."""
    stage = parse_enum(Stage, target, "stage")
    lifecycle = state.registry.lifecycle
    if dry_run:
        report = lifecycle.gate_report(ref, stage)
        if as_json:
            emit_json({"ref": ref, "to": stage.value, "passed": report.passed,
                       "unmet": list(report.unmet),
                       "overridden": [o.gate.value for o in report.overridden]})
        elif report.passed:
            out.print(f"{ref} may be promoted to {stage.value}.", highlight=False)
        else:
            out.print(f"{ref} cannot be promoted to {stage.value} yet:", highlight=False)
            for item in report.unmet:
                out.print(f"  - {item}", highlight=False)
        return
    moved = lifecycle.promote(ref, stage)
    if as_json:
        emit_json(version_view(moved))
    else:
        out.print(f"Promoted {moved.ref} to {moved.stage.value}.", highlight=False)


_FROM_TODAY = re.compile(r"([1-9][0-9]{0,3})([dw])")


def _parse_review(text: str, today: date) -> date:
    """``--next-review``: a date, or a number of days (``180d``) or weeks (``26w``) from
    ``today``."""
    ahead = _FROM_TODAY.fullmatch(text.strip())
    if ahead:
        return today + timedelta(days=int(ahead.group(1)) * (7 if ahead.group(2) == "w" else 1))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--next-review {text!r} is neither a date (YYYY-MM-DD) nor days or "
                           "weeks from today (180d, 26w).") from None


@click.command()
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--role", required=True, help="The approval role you act in (lead, "
              "product-owner, ml-lead, risk-committee, … per the policy).")
@click.option("--evidence", required=True, help="What you reviewed.")
@click.option("--risks-accepted", required=True, help="The risks you accept.")
@click.option("--monitoring-plan", required=True, help="How production will be watched.")
@click.option("--rollback-plan", required=True, help="How to go back.")
@click.option("--next-review", required=True, metavar="YYYY-MM-DD|180d",
              help="Next review date, or days (180d) or weeks (26w) from today.")
@json_option
@pass_state
def approve(state: State, ref: str, role: str, evidence: str, risks_accepted: str,
            monitoring_plan: str, rollback_plan: str, next_review: str, as_json: bool) -> None:
    """Approve a version for production as STEWARD_ACTOR in ROLE."""
    approval = state.registry.lifecycle.approve(
        ref, role=role, evidence=evidence, risks_accepted=risks_accepted,
        monitoring_plan=monitoring_plan, rollback_plan=rollback_plan,
        next_review=_parse_review(next_review, state.registry.clock.now().date()))
    if as_json:
        emit_json({"id": approval.id, "ref": approval.ref, "approver": approval.approver,
                   "role": approval.role, "expires_at": approval.expires_at.isoformat(),
                   "next_review": approval.next_review.isoformat(),
                   "replaces": approval.replaces or None})
    else:
        out.print(f"{approval.approver} approved {approval.ref} as {approval.role}; the approval "
                  f"expires on {approval.expires_at:%Y-%m-%d}.", highlight=False)


def _stage_command(name: str, verb: str, doc: str) -> click.Command:
    @click.command(name, help=doc)
    @click.argument("ref", metavar="MODEL@VERSION")
    @click.option("--reason", required=True, help="Why (recorded in the event).")
    @pass_state
    def command(state: State, ref: str, reason: str) -> None:
        moved = getattr(state.registry.lifecycle, name)(ref, reason)
        out.print(f"{verb} {moved.ref}.", highlight=False)
    return command


reject = _stage_command("reject", "Rejected", "Reject a version at any gate before production.")


@click.command()
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--reason", required=True, help="Why (recorded, and in the report).")
@click.option("--archive", default=None, metavar="PATH|URL",
              help="Where the weights are kept [STEWARD_ARCHIVE; default <home>/archive].")
@click.option("--source", type=click.Path(path_type=Path), default=None,
              help="Where the weights are now (default: where they were registered from).")
@click.option("--interview", type=click.Path(path_type=Path), default=None,
              help="YAML answers to the post-deployment interview (conversational models).")
@json_option
@pass_state
def retire(state: State, ref: str, reason: str, archive: str | None, source: Path | None,
           interview: Path | None, as_json: bool) -> None:
    """Retire a deprecated or rejected version: its weights are archived and verified first,
    and a retirement report is written beside them."""
    registry = state.registry
    version = registry.get_version(*split_ref(ref))
    if not version.digest:
        moved = registry.lifecycle.retire(ref, reason)
        out.print(f"Retired {moved.ref} (no weights to archive).", highlight=False)
        return
    answers = read_structured(interview) if interview else None
    if answers is not None and not (isinstance(answers, dict) and
                                    all(isinstance(v, str) for v in answers.values())):
        raise InvalidInput(f"{interview}: the interview answers must map question ids to text.")
    result = registry.retirements.retire(ref, archive or state.archive, reason=reason,
                                         source=source, interview=answers)
    if as_json:
        emit_json({"ref": result.ref, "archive": result.archive,
                   "report": f"{result.archive}.retirement-report.md"})
    else:
        out.print(f"Retired {result.ref}; weights archived and verified at {result.archive}; "
                  f"report at {result.archive}.retirement-report.md", highlight=False)


@click.command()
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--to", "destination", type=click.Path(path_type=Path), required=True,
              help="An empty or new folder.")
@local_only
@pass_state
def restore(state: State, ref: str, destination: Path) -> None:
    """Copy a retired version's archived weights back and verify them."""
    state.registry.retirements.restore(ref, destination)
    out.print(f"Restored {ref} to {destination} (digests verified).", highlight=False)


@click.command()
@click.argument("ref", metavar="MODEL@VERSION")
@click.option("--gate", required=True, help="validation, evaluation, staging or approval.")
@click.option("--reason", required=True, help="Why the gate is waived (recorded and shown).")
@pass_state
def override(state: State, ref: str, gate: str, reason: str) -> None:
    """Waive a gate for one version (administrators of the policy only)."""
    made = state.registry.lifecycle.override(ref, parse_enum(Gate, gate, "gate"), reason)
    err.print(f"warning: the {made.gate.value} gate of {made.ref} is overridden by {made.actor}: "
              f"{made.reason}", highlight=False)


@click.group()
def check() -> None:
    """Staging checks (loads-and-serves, latency-within-budget, rollback-rehearsed, …)."""


@check.command("record")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("name")
@click.option("--passed/--failed", required=True, help="The outcome.")
@click.option("--evidence", default="", help="A link or sentence that shows it.")
@pass_state
def check_record(state: State, ref: str, name: str, passed: bool, evidence: str) -> None:
    """Record the outcome of the staging check NAME."""
    made = state.registry.lifecycle.record_check(ref, name, passed, evidence)
    out.print(f"Recorded {made.name}: {'passed' if made.passed else 'FAILED'} for {made.ref}.",
              highlight=False)


@check.command("list")
@click.argument("ref", metavar="MODEL@VERSION")
@json_option
@pass_state
def check_list(state: State, ref: str, as_json: bool) -> None:
    """List the recorded staging checks of a version."""
    found = state.registry.lifecycle.checks(ref)
    if as_json:
        emit_json([{"name": c.name, "passed": c.passed, "evidence": c.evidence,
                    "recorded_at": c.recorded_at.isoformat(), "recorded_by": c.recorded_by}
                   for c in found])
        return
    table = Table("check", "outcome", "evidence", "recorded", "by")
    for c in found:
        table.add_row(c.name, "passed" if c.passed else "failed", c.evidence,
                      c.recorded_at.strftime("%Y-%m-%d %H:%M"), c.recorded_by)
    out.print(table if found else f"{ref} has no staging checks yet.")


@click.group()
def monitor() -> None:
    """Production monitoring."""


@monitor.command("record")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("values", nargs=-1, required=True, metavar="METRIC=NUMBER...")
@json_option
@pass_state
def monitor_record(state: State, ref: str, values: tuple[str, ...], as_json: bool) -> None:
    """Store production measurements; a breach of a policy threshold marks the version degraded
    (and rolls production back when the policy says so)."""
    parsed: dict[str, float] = {}
    for pair in values:
        metric, eq, number = pair.partition("=")
        try:
            if not eq or not metric:
                raise ValueError
            parsed[metric] = float(number)
        except ValueError:
            raise InvalidInput(f"{pair!r} is not METRIC=NUMBER, e.g. error_rate=0.02.") from None
    result = state.registry.lifecycle.record_measurements(ref, parsed)
    if as_json:
        emit_json({"ref": ref, "breaches": list(result.breaches),
                   "rolled_back_to": result.rolled_back_to or None,
                   "rollback_failed": result.rollback_failed or None})
        return
    out.print(f"Recorded {len(parsed)} measurement(s) for {ref}.", highlight=False)
    for breach in result.breaches:
        err.print(f"degraded: {breach}", highlight=False)
    if result.rolled_back_to:
        err.print(f"production rolled back to {result.rolled_back_to}", highlight=False)
    if result.rollback_failed:
        err.print(f"automatic rollback impossible: {result.rollback_failed}", highlight=False)


@click.group()
def policy() -> None:
    """The lifecycle policy (STEWARD_POLICY)."""


@policy.command("show")
@json_option
@local_only
@pass_state
def policy_show(state: State, as_json: bool) -> None:
    """Print the effective policy."""
    document = render_policy(state.policy)
    if as_json:
        emit_json(document)
    else:
        out.print(yaml.safe_dump(document, sort_keys=False).rstrip(), highlight=False)


@policy.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def policy_check(file: Path) -> None:
    """Validate a policy file; every problem is reported with its location."""
    from modelsteward.config import load_policy

    load_policy(file)
    out.print(f"{file} is a valid policy.", highlight=False)
