"""The audit as Markdown, for a GitHub job summary (``$GITHUB_STEP_SUMMARY``) or a PR comment.

A heading, one summary line, one table of every finding (status first: fails, warns or ignored)
and a "How to fix" list that groups identical fixes per model. Text from advisories is escaped
so that it cannot break the table or inject HTML.
"""

from __future__ import annotations

from modelsteward.domain.audit import AuditReport, Finding, fails, sort_findings
from modelsteward.reports import candidates_notes, rating, what

__all__ = ["render"]


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, no pipes, no HTML."""
    return (" ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("|", "\\|"))


def _id(finding: Finding) -> str:
    if finding.references:
        url = finding.references[0].replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{_cell(finding.id)}]({url})"
    return _cell(finding.id)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _summary(report: AuditReport) -> str:
    failing, ignored = len(report.failing), len(report.ignored)
    source = report.source.replace("`", "'")
    audited = (f"{_plural(len(report.audited), 'model')} audited against `{source}` "
               f"with fail-on `{report.fail_on}`")
    if not report.audited and not report.findings:
        return f"**Nothing audited**: the lock has no models ({audited})."
    verdict = "**Failed**" if failing else "**Passed**"
    counts = (f"{failing} of {_plural(len(report.findings), 'finding')} fail"
              if report.findings else "no findings")
    if ignored:
        counts += f", {ignored} ignored"
    return f"{verdict}: {counts}; {audited}."


def _status(finding: Finding, report: AuditReport) -> str:
    if finding.ignored:
        return "ignored"
    return "❌ fails" if fails(finding, report.fail_on) else "⚠️ warns"


def _table(report: AuditReport, findings: tuple[Finding, ...]) -> list[str]:
    lines = ["| Status | Model | Finding | ID | Severity / phase | What |",
             "|---|---|---|---|---|---|"]
    for f in findings:
        text = _cell(what(f))
        if f.ignored:
            text += f"<br>Ignored: {_cell(f.ignored_reason)}"
        lines.append(f"| {_status(f, report)} | `{f.ref}` | {f.kind} | {_id(f)} | "
                     f"{_cell(rating(f))} | {text} |")
    return lines


def _fixes(report: AuditReport, findings: tuple[Finding, ...]) -> list[str]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.fix and not f.ignored:
            grouped.setdefault((f.ref, f.fix), []).append(f)
    lines = []
    for (ref, fix), covered in grouped.items():
        marker = "**(fails)** " if any(fails(f, report.fail_on) for f in covered) else ""
        ids = ", ".join(_cell(f.id) for f in covered)
        lines.append(f"- {marker}`{ref}`: {_cell(fix)} ({ids})")
    return lines


def render(report: AuditReport) -> str:
    """The report as GitHub-flavoured Markdown ending with one newline; same report, same text."""
    findings = sort_findings(report.findings)
    lines = [f"## modelsteward audit: {_cell(report.application)}", "", _summary(report)]
    notes = candidates_notes(report)
    if notes:
        lines += ["", *(f"- {_cell(note)}" for note in notes)]
    if findings:
        lines += ["", *_table(report, findings)]
    fixes = _fixes(report, findings)
    if fixes:
        lines += ["", "### How to fix", "", *fixes]
    return "\n".join(lines) + "\n"
