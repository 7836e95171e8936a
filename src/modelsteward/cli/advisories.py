"""``steward advisory create|report|show|list|withdraw|import|export``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    idempotency_key_option,
    json_option,
    out,
    pass_state,
)
from modelsteward.cli.files import read_json
from modelsteward.cli.render import terminal_safe
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
    Reference,
    Severity,
)
from modelsteward.domain.severity import parse_level
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

if TYPE_CHECKING:
    from modelsteward.results import Published


@click.group()
def advisory() -> None:
    """Advisories about models, in the OSV format: jailbreaks, contamination, bias, unsafe
    serialisation, licence problems."""


def advisory_view(a: Advisory) -> dict[str, object]:
    return a.to_osv()


def _report(results: list[Published]) -> None:
    for result in results:
        a = result.advisory
        if not result.new and not result.affected and not result.notices and \
                not result.inherited:
            out.print(f"{a.id}: unchanged (the stored record is as new or newer).",
                      highlight=False)
            continue
        verb = "published" if result.new else "updated"
        out.print(f"{a.id} {verb} ({a.level.value}): {a.summary}", highlight=False)
        if result.affected:
            out.print(f"  affects {', '.join(result.affected)}", highlight=False)
        if result.inherited:
            out.print(f"  inherited by {', '.join(result.inherited)}", highlight=False)
        out.print(f"  {result.notices} notice{'s' if result.notices != 1 else ''} written",
                  highlight=False)
        for warning in result.warnings:
            err.print(f"warning: {a.id}: {warning}", highlight=False)


def _events(introduced: str, fixed: str, last_affected: str) -> tuple[RangeEvent, ...]:
    if fixed and last_affected:
        raise InvalidInput("Give --fixed or --last-affected, not both: OSV ranges use one.")
    events = [RangeEvent(EventKind.INTRODUCED, introduced or "0")]
    if fixed:
        events.append(RangeEvent(EventKind.FIXED, fixed))
    if last_affected:
        events.append(RangeEvent(EventKind.LAST_AFFECTED, last_affected))
    return tuple(events)


@advisory.command("create")
@click.option("--model", default="", metavar="MODEL", help="The affected model in this registry.")
@click.option("--repo", default="", metavar="URL",
              help="Or an upstream Hugging Face repository (GIT ranges of commits).")
@click.option("--introduced", default="", metavar="VERSION",
              help="First affected version (or commit); default: every version.")
@click.option("--fixed", default="", metavar="VERSION", help="First version that fixes it.")
@click.option("--last-affected", default="", metavar="VERSION",
              help="Last affected version, when no fix exists yet.")
@click.option("--version", "versions", multiple=True, metavar="VERSION",
              help="An affected version named explicitly; repeat.")
@click.option("--variant", "variants", multiple=True,
              help="Only these variants are affected (e.g. q4); repeat.")
@click.option("--digest", "digests", multiple=True, metavar="sha256:HEX",
              help="An affected artefact digest, whatever its version; repeat.")
@click.option("--summary", required=True, help="One line.")
@click.option("--details", default="", help="What it is, who is affected, what to do.")
@click.option("--severity", "level", default="", metavar="LEVEL",
              help="low, medium, high or critical.")
@click.option("--cvss", default="", metavar="VECTOR",
              help="A CVSS v3 or v4 vector, e.g. CVSS:3.1/AV:N/AC:L/….")
@click.option("--alias", "aliases", multiple=True, help="Another id of the same problem.")
@click.option("--reference", "references", multiple=True, metavar="URL", help="Repeat.")
@click.option("--atlas", multiple=True, metavar="AML.Txxxx", help="MITRE ATLAS technique.")
@click.option("--avid", multiple=True, metavar="CATEGORY", help="AVID taxonomy category.")
@click.option("--id", "advisory_id", default="", help="Default: the next x_MSA-<year>-<n>.")
@json_option
@idempotency_key_option
@pass_state
def create(state: State, model: str, repo: str, introduced: str, fixed: str,
           last_affected: str, versions: tuple[str, ...], variants: tuple[str, ...],
           digests: tuple[str, ...], summary: str, details: str, level: str, cvss: str,
           aliases: tuple[str, ...], references: tuple[str, ...], atlas: tuple[str, ...],
           avid: tuple[str, ...], advisory_id: str, as_json: bool) -> None:
    """Publish an advisory about one model (or an upstream repository) and notify every
    consumer team of an affected or derived version. For several packages, import an OSV
    file."""
    if bool(model) == bool(repo):
        raise InvalidInput("Name what is affected with --model MODEL or --repo URL (one of "
                           "them).")
    severity: tuple[Severity, ...] = ()
    if cvss:
        kind = "CVSS_V4" if cvss.startswith("CVSS:4") else "CVSS_V3"
        severity = (Severity(kind, cvss),)
    database: dict[str, object] = {}
    if level:
        database["severity"] = parse_level(level).value.upper()
    if atlas:
        database["atlas"] = list(atlas)
    if avid:
        database["avid"] = list(avid)
    ranges: tuple[AffectedRange, ...] = ()
    if introduced or fixed or last_affected or not (versions or digests):
        kind = "GIT" if repo else "SEMVER"
        ranges = (AffectedRange(kind, _events(introduced, fixed, last_affected), repo),)
    state_registry = state.registry
    model_kind = state_registry.get_model(model) if model else None
    if model_kind is not None and model_kind.uses_snapshots and ranges:
        ranges = (AffectedRange("ECOSYSTEM", ranges[0].events),)
    affected = Affected(ECOSYSTEM if model else "GIT", model or repo, "", ranges,
                        tuple(versions), tuple(variants), tuple(digests))
    draft = Advisory(advisory_id, datetime.now(UTC), summary=summary, details=details,
                     aliases=tuple(aliases), severity=severity, affected=(affected,),
                     references=tuple(Reference("WEB", u) for u in references),
                     database_specific=database)
    result = state_registry.advisories.create(draft)
    if as_json:
        emit_json(advisory_view(result.advisory))
        for warning in result.warnings:
            err.print(f"warning: {result.advisory.id}: {warning}", highlight=False)
    else:
        _report([result])


@advisory.command("report")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@pass_state
def report(state: State, file: Path, as_json: bool) -> None:
    """Report a problem in any model (security reporters): FILE is an OSV record (JSON,
    without an id). Nothing is published: each owner team gets it as a draft to publish."""
    from modelsteward.service.advisories import parse_draft

    loaded = read_json(file)
    if not isinstance(loaded, dict):
        raise DocumentInvalid(str(file), [Problem("", "must be one OSV record (a JSON object)")])
    reported = state.registry.advisories.report(parse_draft(loaded, file.name))
    if as_json:
        emit_json({"teams": list(reported.teams), "models": list(reported.models),
                   "notices": reported.notices})
        return
    out.print(f"Reported to team{'s' if len(reported.teams) != 1 else ''} "
              f"{', '.join(reported.teams)} as a draft ({reported.notices} notice"
              f"{'s' if reported.notices != 1 else ''} written); nothing was published.",
              highlight=False)


@advisory.command("show")
@click.argument("advisory_id", metavar="ID")
@json_option
@pass_state
def show(state: State, advisory_id: str, as_json: bool) -> None:
    """Show an advisory (the OSV record with --json)."""
    a = state.registry.advisories.get(advisory_id)
    if as_json:
        emit_json(advisory_view(a))
        return
    out.print(Text.assemble((terminal_safe(a.id), "bold"),
                            f" ({a.level.value}){' WITHDRAWN' if a.withdrawn else ''}"))
    out.print(a.summary, highlight=False)
    if a.details:
        out.print(a.details, highlight=False)
    for label, value in (("aliases", ", ".join(a.aliases)), ("ATLAS", ", ".join(a.atlas)),
                         ("AVID", ", ".join(a.avid)),
                         ("published", a.published.isoformat() if a.published else ""),
                         ("modified", a.modified.isoformat()),
                         ("withdrawn", a.withdrawn.isoformat() if a.withdrawn else "")):
        if value:
            out.print(f"{label}: {value}", highlight=False)
    for affected in a.affected:
        parts = [f"{r.type} " + ", ".join(f"{e.kind.value} {e.value}" for e in r.events)
                 for r in affected.ranges]
        parts += [f"versions {', '.join(affected.versions)}"] if affected.versions else []
        parts += [f"variants {', '.join(affected.variants)}"] if affected.variants else []
        parts += [f"digests {', '.join(affected.digests)}"] if affected.digests else []
        out.print(f"affects {affected.ecosystem}/{affected.name}: {'; '.join(parts)}",
                  highlight=False)
    for reference in a.references:
        out.print(f"see {reference.url}", highlight=False)


@advisory.command("list")
@click.option("--model", default="", help="Only advisories naming this model.")
@click.option("--withdrawn", is_flag=True, help="Include withdrawn advisories.")
@json_option
@pass_state
def list_advisories(state: State, model: str, withdrawn: bool, as_json: bool) -> None:
    """List advisories by id."""
    found = state.registry.advisories.all(model=model, include_withdrawn=withdrawn)
    if as_json:
        emit_json([advisory_view(a) for a in found])
        return
    table = Table("id", "severity", "summary", "affects", "status")
    for a in found:
        table.add_row(a.id, a.level.value, a.summary,
                      ", ".join(sorted({x.name for x in a.affected})),
                      "withdrawn" if a.withdrawn else "published")
    out.print(table)


@advisory.command("withdraw")
@click.argument("advisory_id", metavar="ID")
@click.option("--reason", required=True, help="Why it no longer applies.")
@pass_state
def withdraw(state: State, advisory_id: str, reason: str) -> None:
    """Withdraw an advisory: it stops matching; the record stays."""
    a = state.registry.advisories.withdraw(advisory_id, reason)
    out.print(f"{a.id} withdrawn.", highlight=False)


@advisory.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@pass_state
def import_advisories(state: State, path: Path) -> None:
    """Import OSV records: a .json file (one record or a list) or a folder of them. All or
    nothing: every problem of every record is listed first."""
    documents: list[tuple[str, object]] = []
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise InvalidInput(f"{path} holds no .json files; export a folder with "
                           "`steward advisory export DIR`.")
    problems: list[Problem] = []
    for file in files:
        try:
            loaded = read_json(file)
        except DocumentInvalid as invalid:
            problems.extend(Problem(f"{file.name}: {p.location}", p.message)
                            for p in invalid.problems)
            continue
        if isinstance(loaded, list):
            documents.extend((f"{file.name}[{i}]", d) for i, d in enumerate(loaded))
        else:
            documents.append((file.name, loaded))
    if problems:
        raise DocumentInvalid(str(path), problems)
    _report(state.registry.advisories.import_documents(documents))


@advisory.command("export")
@click.argument("directory", type=click.Path(path_type=Path))
@pass_state
def export(state: State, directory: Path) -> None:
    """Write every advisory as DIR/<id>.json, as OSV databases are published (usable offline
    with `steward audit --db DIR`)."""
    written = state.registry.advisories.export(directory)
    out.print(f"Wrote {len(written)} advisor{'y' if len(written) == 1 else 'ies'} to "
              f"{directory}.", highlight=False)

