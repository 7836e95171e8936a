"""The audit as SARIF 2.1.0, for code scanning (GitHub's "upload-sarif" and similar).

One run whose tool is ``modelsteward`` with one rule per distinct finding id. Each finding is a
result located at its model's entry in the lock file: ``error`` when it fails the audit,
``warning`` when it does not, ``note`` with an external suppression when an ignore entry
covers it. ``partialFingerprints`` hash (id, model, version), so a finding keeps its identity
across runs while its wording changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from modelsteward.domain.audit import AuditReport, Finding, FindingKind, fails, sort_findings
from modelsteward.domain.severity import Level
from modelsteward.reports import rating, what

__all__ = ["FINGERPRINT_KEY", "INFORMATION_URI", "SCHEMA_URI", "render"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://modelsteward.dev/"
FINGERPRINT_KEY = "modelstewardFinding/v1"

# GitHub code scanning reads a CVSS-like "security-severity" on rules to rank security alerts
# (9.0 and over critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low); these are the
# mid-points of those bands, an advisory without a severity counting as high.
_SECURITY_SEVERITY = {Level.CRITICAL: "9.5", Level.HIGH: "8.0", Level.UNKNOWN: "8.0",
                      Level.MEDIUM: "5.5", Level.LOW: "2.0"}


def fingerprint(finding: Finding) -> str:
    """A stable hash of the finding's identity: id, model and version."""
    identity = "\0".join((finding.id, finding.model, finding.version))
    return hashlib.sha256(identity.encode()).hexdigest()


def _rule(findings: list[Finding]) -> dict[str, object]:
    """The rule of one finding id, described by its first finding; ``help`` only when every
    finding with this id has the same fix (an advisory's fix usually names the model)."""
    finding = findings[0]
    rule: dict[str, object] = {"id": finding.id,
                               "shortDescription": {"text": finding.title or finding.id}}
    if finding.detail:
        rule["fullDescription"] = {"text": finding.detail}
    if finding.references:
        rule["helpUri"] = finding.references[0]
    if finding.fix and all(f.fix == finding.fix for f in findings):
        rule["help"] = {"text": finding.fix}
    properties: dict[str, object] = {"tags": [str(finding.kind)]}
    if finding.kind is FindingKind.ADVISORY:
        properties["tags"] = ["security", str(finding.kind)]
        properties["security-severity"] = _SECURITY_SEVERITY[finding.level or Level.UNKNOWN]
    rule["properties"] = properties
    return rule


def _message(finding: Finding) -> str:
    text = f"{finding.ref}: {what(finding)}."
    if finding.fix:
        text += f" Fix: {finding.fix}."
    return text


def _result(finding: Finding, report: AuditReport, rule_index: int, lock_uri: str,
            line: int) -> dict[str, object]:
    level = ("note" if finding.ignored
             else "error" if fails(finding, report.fail_on) else "warning")
    properties: dict[str, object] = {"kind": str(finding.kind), "model": finding.model,
                                     "version": finding.version}
    if rating(finding):
        properties["severity" if finding.level is not None else "phase"] = rating(finding)
    if finding.inherited_from:
        properties["inheritedFrom"] = finding.inherited_from
    if finding.fixed_in:
        properties["fixedIn"] = list(finding.fixed_in)
    if finding.replacement:
        properties["replacement"] = finding.replacement
    result: dict[str, object] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": lock_uri},
            "region": {"startLine": line},
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
    }
    if finding.ignored:
        result["suppressions"] = [{"kind": "external", "justification": finding.ignored_reason}]
    result["properties"] = properties
    return result


def render(report: AuditReport, *, lock_uri: str = "models.lock",
           lines: Mapping[str, int] | None = None) -> str:
    """The report as a SARIF 2.1.0 log (indent 2, one trailing newline; deterministic).

    ``lock_uri`` is the lock file's path as the code-scanning tool should show it;
    ``lines[model]`` is the 1-based line of the model's entry in it (1 when unknown or not
    positive). Rules are sorted by id; results follow the report's finding order.
    """
    findings = sort_findings(report.findings)
    by_id: dict[str, list[Finding]] = {}
    for finding in findings:
        by_id.setdefault(finding.id, []).append(finding)
    rule_ids = sorted(by_id)
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    where = lines or {}
    results = [
        _result(f, report, index[f.id], lock_uri, max(where.get(f.model, 1), 1))
        for f in findings
    ]
    run_properties: dict[str, object] = {
        "application": report.application, "source": report.source,
        "failOn": str(report.fail_on), "passed": report.passed}
    locked_with_candidates = sorted(m.ref for m in report.audited if m.candidates)
    if locked_with_candidates:  # only then, so that other logs stay as they were
        run_properties["lockedWithCandidates"] = locked_with_candidates
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "modelsteward",
                "informationUri": INFORMATION_URI,
                "rules": [_rule(by_id[rule_id]) for rule_id in rule_ids],
            }},
            "automationDetails": {"id": f"modelsteward/audit/{report.application}/"},
            "results": results,
            "properties": run_properties,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
