"""``steward lock``, ``steward outdated``, ``steward verify --lock`` and ``steward audit``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    hash_with_progress,
    json_option,
    out,
    pass_state,
)
from modelsteward.cli.exits import Exit
from modelsteward.cli.files import read_text
from modelsteward.cli.render import json_safe, terminal_safe
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import DEFAULT_FAIL_ON, AuditReport, parse_fail_on
from modelsteward.domain.ignores import Ignore, parse_ignores
from modelsteward.domain.lockfile import Lock, entry_line, lock_warnings
from modelsteward.errors import DocumentInvalid, InvalidInput
from modelsteward.files import write_atomically
from modelsteward.integrity.lock_check import read_lock
from modelsteward.reports import candidates_notes, json_report, markdown, sarif, table

if TYPE_CHECKING:
    from modelsteward.results import LockVerify

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "markdown", "cyclonedx-json", "sarif")


def manifest_option(func: F) -> F:
    return click.option("--manifest", "manifest_path", default="models.toml",
                        envvar="STEWARD_MANIFEST", type=click.Path(path_type=Path),
                        show_default=True,
                        help="The application's declaration [STEWARD_MANIFEST].")(func)


def lock_option(func: F) -> F:
    return click.option("--lock", "lock_path", default="models.lock", envvar="STEWARD_LOCK",
                        type=click.Path(path_type=Path), show_default=True,
                        help="The lock file [STEWARD_LOCK].")(func)


def load_lock(path: Path, *, required: bool = True) -> Lock | None:
    if not path.exists() and not required:
        return None
    lock = read_lock(read_text(path), str(path))
    for warning in lock_warnings(lock):
        err.print(f"warning: {path}: {warning}", highlight=False)
    return lock


@click.command()
@manifest_option
@lock_option
@click.option("--upgrade", "upgrades", multiple=True, is_flag=False, flag_value="*",
              metavar="[MODEL]",
              help="Move pins forward within their ranges: every model, or the one named "
                   "(repeat for several).")
@click.option("--candidates", is_flag=True, envvar="STEWARD_LOCK_CANDIDATES",
              help="Also admit versions that have not reached the policy's eligibility "
                   "minimum stage (for staging environments); never rejected, retired, "
                   "degraded or rolled-back ones. The lock records it per model "
                   "[STEWARD_LOCK_CANDIDATES].")
@json_option
@pass_state
def lock(state: State, manifest_path: Path, lock_path: Path, upgrades: tuple[str, ...],
         candidates: bool, as_json: bool) -> None:
    """Resolve models.toml into models.lock: exact versions with their digests, chosen only
    among versions the policy calls eligible (passed the gates, not degraded, rolled back,
    rejected or retired). Models already locked keep their version unless --upgrade names them
    or it is no longer eligible. Records the application as a consumer of each model."""
    manifest = parse_manifest(read_text(manifest_path), str(manifest_path))
    previous = load_lock(lock_path, required=False)
    upgrade: bool | set[str] = "*" in upgrades or set(upgrades)
    result = state.registry.locking.lock(manifest, previous, upgrade=upgrade,
                                         candidates=candidates)
    unchanged = lock_path.exists() and lock_path.read_text(encoding="utf-8") == result.text
    if not unchanged:
        write_atomically(lock_path, result.text)
    for warning in result.warnings:
        err.print(f"warning: {warning}", highlight=False)
    if as_json:
        emit_json({"lock": str(lock_path), "changed": list(result.changes),
                   "models": {m.name: m.version for m in result.lock.models},
                   "warnings": list(result.warnings)})
        return
    for change in result.changes:
        out.print(f"  {change}", highlight=False)
    out.print(f"{lock_path}: {len(result.lock.models)} model"
              f"{'s' if len(result.lock.models) != 1 else ''} locked"
              f"{' (unchanged)' if unchanged else ''}.", highlight=False)


@click.command()
@lock_option
@json_option
@pass_state
def outdated(state: State, lock_path: Path, as_json: bool) -> None:
    """List locked models with newer eligible versions: the newest the pin accepts (wanted) and
    the newest of all (latest). A model locked with --candidates admits candidates here too."""
    found = load_lock(lock_path)
    assert found is not None
    rows = state.registry.locking.outdated(found)
    if as_json:
        emit_json([{"model": r.model, "locked": r.locked, "wanted": r.wanted,
                    "latest": r.latest} for r in rows])
        return
    if not rows:
        out.print("Every locked model is at its newest version.")
        return
    view = Table("model", "locked", "wanted", "latest")
    for r in rows:
        view.add_row(r.model, r.locked, r.wanted, r.latest)
    out.print(view)


def verify_lock(state: State, lock_path: Path, targets: tuple[str, ...], as_json: bool) -> None:
    """``steward verify --lock models.lock [MODEL=]PATH…``."""
    from modelsteward.service.locking import entry_for_path, verify_lock_entry

    found = load_lock(lock_path)
    assert found is not None
    if not targets:
        raise InvalidInput("Name the folders to check: steward verify --lock models.lock "
                           "[MODEL=]PATH…")
    results: list[LockVerify] = []
    for target in targets:
        name, eq, path_text = target.partition("=")
        path = Path(path_text if eq else target)
        model = entry_for_path(found, path, name if eq else "")
        manifest = hash_with_progress(path, state.workers, f"hashing {path}")
        results.append(verify_lock_entry(found, model, manifest))
    if as_json:
        emit_json([{"model": r.model.ref, "ok": r.ok, "root_digest": r.manifest.root_digest,
                    "changed": list(r.diff.changed), "missing": list(r.diff.missing),
                    "extra": list(r.diff.extra)} for r in results])
    for result in results if not as_json else ():
        if result.ok:
            out.print(f"{result.model.ref}: matches the lock.", highlight=False)
            continue
        out.print(f"{result.model.ref}: does NOT match the lock:", highlight=False)
        for label, items in (("changed", result.diff.changed),
                             ("missing", result.diff.missing), ("extra", result.diff.extra)):
            for item in items:
                out.print(f"  {label:8} {item}", highlight=False)
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))


def _ignores(path: Path | None, lock_path: Path, ids: tuple[str, ...]) -> list[Ignore]:
    found: list[Ignore] = [Ignore(i, "given with --ignore", None) for i in ids]
    candidate = path or lock_path.parent / ".steward-ignore.toml"
    if path is not None or candidate.exists():
        try:
            found.extend(parse_ignores(read_text(candidate), str(candidate)))
        except DocumentInvalid as invalid:
            raise DocumentInvalid(invalid.source, invalid.problems,
                                  consequence="the audit did not run") from None
    return found


def render(report: AuditReport, fmt: str, lock_path: Path, lock_text: str) -> str:
    if fmt == "json":
        return json_report.render(report)
    if fmt == "markdown":
        return markdown.render(report)
    if fmt == "cyclonedx-json":
        from modelsteward.reports import cyclonedx  # the CycloneDX library is slow to import

        return cyclonedx.render(report)
    if fmt == "sarif":
        lines = {m.name: entry_line(lock_text, m.name) for m in report.audited}
        return sarif.render(report, lock_uri=lock_path.as_posix(), lines=lines)
    raise InvalidInput(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}.")


def _table(report: AuditReport) -> None:
    header, rows = table.rows(report)
    view = Table(*header)
    for row in rows:
        view.add_row(*row)
    if rows:
        out.print(view)
    for note in candidates_notes(report):
        out.print(note, highlight=False)
    out.print(table.summary(report), highlight=False)


@click.command()
@lock_option
@manifest_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              envvar="STEWARD_AUDIT_FORMAT", show_default=True,
              help="Output format [STEWARD_AUDIT_FORMAT].")
@click.option("--fail-on", default=DEFAULT_FAIL_ON, envvar="STEWARD_AUDIT_FAIL_ON",
              show_default=True, metavar="LEVEL,PHASE",
              help="What fails: a severity (low…critical), a deprecation phase (announced, "
                   "soft-deadline-passed, retired), gate-override, or none "
                   "[STEWARD_AUDIT_FAIL_ON].")
@click.option("--ignore-file", type=click.Path(path_type=Path), default=None,
              help="Ignore entries with reason and expiry [default: .steward-ignore.toml "
                   "beside the lock].")
@click.option("--ignore", "ignore_ids", multiple=True, metavar="ID",
              help="Ignore this advisory or finding id for this run; repeat.")
@click.option("--db", "db_dir", type=click.Path(path_type=Path), default=None,
              help="Audit offline against an exported advisory folder instead of the registry.")
@click.option("--fix", is_flag=True,
              help="Rewrite models.toml and models.lock to the replacement or the first fixed "
                   "version, then audit again.")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Write the report to this file instead of standard output.")
@pass_state
def audit(state: State, lock_path: Path, manifest_path: Path, fmt: str, fail_on: str,
          ignore_file: Path | None, ignore_ids: tuple[str, ...], db_dir: Path | None,
          fix: bool, output: Path | None) -> None:
    """Audit the locked models: advisories (direct and inherited), deprecation phase,
    retirement, versions that are not eligible, gate overrides and digest mismatches. Exit 1
    when a finding fails under --fail-on, 8 when the lock holds nothing to audit."""
    policy = parse_fail_on(fail_on)
    ignores = _ignores(ignore_file, lock_path, ignore_ids)
    lock_text = read_text(lock_path)
    found = read_lock(lock_text, str(lock_path))
    for warning in lock_warnings(found):
        err.print(f"warning: {lock_path}: {warning}", highlight=False)
    if not found.models:
        err.print(f"{lock_path} locks no models: nothing was audited.", highlight=False)
        raise click.exceptions.Exit(int(Exit.NOTHING_AUDITED))
    if db_dir is not None:
        if fix:
            raise InvalidInput("--fix needs the registry to find fixed versions; run it without "
                               "--db.")
        from datetime import UTC, datetime

        from modelsteward.service.advisories import load_directory
        from modelsteward.service.audit import audit_offline

        report = audit_offline(found, load_directory(db_dir), source=str(db_dir),
                               fail_on=policy, ignores=ignores,
                               today=datetime.now(UTC).date())
    else:
        registry = state.registry
        report = registry.audits.audit(found, fail_on=policy, ignores=ignores)
        if fix and report.failing:
            manifest_text = read_text(manifest_path)
            fixed = registry.audits.fix(manifest_text, found, report)
            if fixed.manifest_text != manifest_text:
                write_atomically(manifest_path, fixed.manifest_text)
            write_atomically(lock_path, fixed.locked.text)
            for line in fixed.fixed:
                err.print(f"fixed: {line}", highlight=False)
            for line in fixed.unfixed:
                err.print(f"not fixed: {line}", highlight=False)
            lock_text = fixed.locked.text
            report = registry.audits.audit(fixed.locked.lock, fail_on=policy, ignores=ignores)
        elif fix:
            err.print("Nothing to fix: no finding fails.", highlight=False)
    if fmt == "table" and output is None:
        _table(report)
    else:
        text = _table_text(report) if fmt == "table" else render(report, fmt, lock_path,
                                                                  lock_text)
        if output is not None:
            write_atomically(output, text)
        else:  # advisories' texts come from other people's OSV records: shown, not obeyed
            click.echo(terminal_safe(text) if fmt == "markdown" else json_safe(text), nl=False)
    if not report.passed:
        raise click.exceptions.Exit(int(Exit.CHECK_FAILED))


def _table_text(report: AuditReport) -> str:
    header, rows = table.rows(report)
    return "\n".join(["\t".join(r) for r in [header, *rows]]
                     + list(candidates_notes(report))) + "\n"
