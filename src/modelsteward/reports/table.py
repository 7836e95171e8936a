"""The audit as a table of plain strings; the CLI decides how to draw it (colours, widths)."""

from __future__ import annotations

from modelsteward.domain.audit import AuditReport, Finding, sort_findings
from modelsteward.reports import rating, what

__all__ = ["HEADER", "rows", "summary"]

HEADER: tuple[str, ...] = ("model", "finding", "id", "severity/phase", "what", "fix")


def _row(finding: Finding) -> tuple[str, ...]:
    kind = str(finding.kind)
    fix = finding.fix
    if finding.ignored:
        kind = f"{kind} (ignored)"
        fix = f"ignored: {finding.ignored_reason}"
    return (finding.ref, kind, finding.id, rating(finding), what(finding), fix)


def rows(report: AuditReport) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """``(header, rows)``: one row per finding, in
    :func:`~modelsteward.domain.audit.sort_findings` order, so a caller can pair row *i* with
    the *i*-th sorted finding (to colour the failing ones, say).

    Columns: ``model@version``, the finding's kind (``… (ignored)`` when an ignore covers it),
    its id, its severity or phase (empty for other kinds), what it is (title and, when
    inherited, where from) and the fix (``ignored: <reason>`` for ignored findings).
    """
    return HEADER, [_row(f) for f in sort_findings(report.findings)]


def summary(report: AuditReport) -> str:
    """The line under the table: how many models were audited against what, how many findings
    and how many of them fail under the report's ``--fail-on``."""
    failing = len(report.failing)
    return (f"{len(report.audited)} model{'s' if len(report.audited) != 1 else ''} audited "
            f"against {report.source}: {len(report.findings)} finding"
            f"{'s' if len(report.findings) != 1 else ''}, {failing} failing "
            f"(--fail-on {report.fail_on}).")
