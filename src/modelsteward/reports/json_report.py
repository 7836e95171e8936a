"""The audit as JSON (``--format json``): a stable, documented shape for scripts.

::

    {"application": str, "source": str, "fail_on": str, "passed": bool,
     "summary": {"audited": int, "findings": int, "failing": int, "ignored": int},
     "models": [{"name", "version", "purl", "pin", "root_digest", "candidates": bool,
                 "findings": [{every Finding field, enums as strings, "fails": bool}]}]}

Absent level and phase are ``null``; tuples are lists; ``dates`` is an object. Models are sorted
by name, findings as :func:`~modelsteward.domain.audit.sort_key` orders them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields

from modelsteward.domain.audit import AuditReport, Finding, fails
from modelsteward.reports import sections

__all__ = ["render", "to_document"]


def _json_value(value: object) -> object:
    # Finding holds only strings (enums are StrEnums), None, tuples of strings and the dates map.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, tuple):
        return [str(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    return value


def _finding(finding: Finding, report: AuditReport) -> dict[str, object]:
    # Every field, generically, so that a field added to Finding cannot be forgotten here.
    document = {spec.name: _json_value(getattr(finding, spec.name)) for spec in fields(finding)}
    document["fails"] = fails(finding, report.fail_on)
    return document


def to_document(report: AuditReport) -> dict[str, object]:
    """The JSON value :func:`render` writes, as plain dicts, lists and scalars."""
    return {
        "application": report.application,
        "source": report.source,
        "fail_on": str(report.fail_on),
        "passed": report.passed,
        "summary": {
            "audited": len(report.audited),
            "findings": len(report.findings),
            "failing": len(report.failing),
            "ignored": len(report.ignored),
        },
        "models": [
            {
                "name": section.model.name,
                "version": section.model.version,
                "purl": section.model.purl,
                "pin": section.model.pin,
                "root_digest": section.model.root_digest,
                "candidates": section.model.candidates,
                "findings": [_finding(f, report) for f in section.findings],
            }
            for section in sections(report)
        ],
    }


def render(report: AuditReport) -> str:
    """The report as JSON: indent 2, sorted keys, one trailing newline; same report, same bytes."""
    return json.dumps(to_document(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
