"""The compliance report as Markdown and as a standalone HTML page: pure, deterministic
functions of a :class:`~modelsteward.results.compliance.ComplianceReport` (the JSON shape is its
``as_payload()``). Every value from the registry is escaped in HTML."""

from __future__ import annotations

from html import escape

from modelsteward.domain.compliance import TITLES, Evidence, ModelCompliance, Outcome
from modelsteward.domain.compliance_pack import EvidencePack, PackSection
from modelsteward.results.compliance import ComplianceReport

_MARK = {Outcome.PASS: "PASS", Outcome.FAIL: "FAIL", Outcome.NOT_APPLICABLE: "N/A"}


def _cite(e: Evidence) -> str:
    return f"{e.text} (event #{e.seq})" if e.seq is not None else e.text


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ComplianceReport) -> str:
    totals = report.totals()
    lines = [f"# Model lifecycle compliance (Factor 15) — {report.at}", "",
             f"{len(report.models)} model(s): {totals['pass']} pass, {totals['fail']} fail, "
             f"{totals['not-applicable']} not applicable.", ""]
    for model in report.models:
        lines += _md_model(model)
        pack = report.packs.get(model.model)
        if pack is not None:
            lines += _md_pack(pack)
    return "\n".join(lines).rstrip() + "\n"


def _md_model(model: ModelCompliance) -> list[str]:
    lines = [f"## {model.model} ({model.team}, {model.risk_tier.value} risk)", "",
             "| # | item | outcome | evidence | remediation |", "|---|---|---|---|---|"]
    for number, f in enumerate(model.findings, 1):
        evidence = "<br>".join(_md_cell(_cite(e)) for e in f.evidence)
        note = f" _{_md_cell(f.unseen)}_" if f.unseen else ""
        fix = f"`{_md_cell(f.remediation)}`" if f.remediation else ""
        lines.append(f"| {number} | {_md_cell(TITLES[f.item])} | {_MARK[f.outcome]}: "
                     f"{_md_cell(f.summary)}{note} | {evidence} | {fix} |")
    return [*lines, ""]


def _md_sections(sections: tuple[PackSection, ...], prefix: str) -> list[str]:
    lines: list[str] = []
    for s in sections:
        lines.append(f"- **{prefix}{s.key} {s.title}**")
        lines += [f"  - {_cite(e)}" for e in s.lines] or ["  - (no record)"]
    return lines


def _md_pack(pack: EvidencePack) -> list[str]:
    return [f"### Evidence pack for {pack.model} (high risk)", "",
            "EU AI Act Annex IV technical documentation:", "",
            *_md_sections(pack.annex_iv, "Annex IV "), "", f"_{pack.not_filled}_", "",
            "NIST AI RMF:", "", *_md_sections(pack.nist, ""), ""]


_STYLE = ("body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.3rem;vertical-align:top}"
          ".pass{color:#060}.fail{color:#a00}.not-applicable{color:#666}")


def to_html(report: ComplianceReport) -> str:
    """A standalone page (no script, no external resource)."""
    totals = report.totals()
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Model lifecycle compliance — {escape(report.at)}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>Model lifecycle compliance (Factor 15) — {escape(report.at)}</h1>",
             f"<p>{len(report.models)} model(s): {totals['pass']} pass, {totals['fail']} fail, "
             f"{totals['not-applicable']} not applicable.</p>"]
    for model in report.models:
        parts.append(f"<h2>{escape(model.model)} ({escape(model.team)}, "
                     f"{escape(model.risk_tier.value)} risk)</h2>")
        parts.append("<table><tr><th>#</th><th>item</th><th>outcome</th><th>evidence</th>"
                     "<th>remediation</th></tr>")
        for number, f in enumerate(model.findings, 1):
            evidence = "<br>".join(escape(_cite(e)) for e in f.evidence)
            unseen = f"<br><em>{escape(f.unseen)}</em>" if f.unseen else ""
            fix = f"<code>{escape(f.remediation)}</code>" if f.remediation else ""
            parts.append(f'<tr><td>{number}</td><td>{escape(TITLES[f.item])}</td>'
                         f'<td class="{f.outcome.value}">{_MARK[f.outcome]}: '
                         f"{escape(f.summary)}{unseen}</td><td>{evidence}</td>"
                         f"<td>{fix}</td></tr>")
        parts.append("</table>")
        pack = report.packs.get(model.model)
        if pack is not None:
            parts.append(f"<h3>Evidence pack for {escape(pack.model)} (high risk)</h3>")
            for heading, sections, prefix in (("EU AI Act Annex IV", pack.annex_iv, "Annex IV "),
                                              ("NIST AI RMF", pack.nist, "")):
                parts.append(f"<h4>{heading}</h4><ul>")
                for s in sections:
                    items = "".join(f"<li>{escape(_cite(e))}</li>" for e in s.lines)
                    parts.append(f"<li><strong>{escape(prefix + s.key)} {escape(s.title)}"
                                 f"</strong><ul>{items or '<li>(no record)</li>'}</ul></li>")
                parts.append("</ul>")
            parts.append(f"<p><em>{escape(pack.not_filled)}</em></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
