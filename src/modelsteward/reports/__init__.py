"""Output formats of ``steward audit``: each a pure, deterministic function of an
:class:`~modelsteward.domain.audit.AuditReport` (and explicit extras).

* :mod:`.table` — header and rows of plain strings; the CLI draws them.
* :mod:`.json_report` — the documented JSON shape (``--format json``).
* :mod:`.markdown` — a GitHub job summary or pull-request comment.
* :mod:`.cyclonedx` — a CycloneDX 1.6 BOM with the findings as vulnerabilities and properties.
* :mod:`.sarif` — SARIF 2.1.0 for code scanning.

The helpers below hold the wording the formats share, so a finding reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.audit import AuditedModel, AuditReport, Finding, sort_findings

__all__ = ["ModelSection", "candidates_notes", "rating", "sections", "what"]


def rating(finding: Finding) -> str:
    """The severity of an advisory or the phase of a deprecation; ``""`` for other kinds."""
    if finding.level is not None:
        return str(finding.level)
    if finding.phase is not None:
        return str(finding.phase)
    return ""


def what(finding: Finding) -> str:
    """The finding's title with, when it is inherited, where from (unless the title says so
    already)."""
    if finding.inherited_from and finding.inherited_from not in finding.title:
        return f"{finding.title} (inherited from {finding.inherited_from})"
    return finding.title


def candidates_notes(report: AuditReport) -> tuple[str, ...]:
    """One sentence per audited model that was locked with candidates: it is not reported for
    being below the policy's minimum stage (it asked for that), only for what else is wrong."""
    return tuple(f"{m.ref} was locked with --candidates: versions below the policy's "
                 f"eligibility.minimum_stage are admitted for it (a staging environment)."
                 for m in sorted(report.audited, key=lambda m: m.name) if m.candidates)


@dataclass(frozen=True)
class ModelSection:
    """One model of the report and its findings (in the report's finding order)."""

    model: AuditedModel
    findings: tuple[Finding, ...]


def sections(report: AuditReport) -> tuple[ModelSection, ...]:
    """Every audited model with its findings, sorted by name then version.

    A finding about a model that is not among ``report.audited`` is not dropped: it gets a
    section of its own, with the version it names and no package URL.
    """
    findings = sort_findings(report.findings)
    models = {m.name: m for m in report.audited}
    for finding in findings:
        models.setdefault(finding.model, AuditedModel(finding.model, finding.version, ""))
    return tuple(
        ModelSection(model, tuple(f for f in findings if f.model == model.name))
        for model in sorted(models.values(), key=lambda m: (m.name, m.version))
    )
