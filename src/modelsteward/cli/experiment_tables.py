"""The analysis of an experiment as Rich tables (``steward experiment results``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

from modelsteward.cli.context import out
from modelsteward.results.experiments import ExperimentReport


def _number(value: object, percent: bool = False) -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:+.2%}" if percent else f"{value:.4g}"


def _interval(value: object, percent: bool = False) -> str:
    if not isinstance(value, list) or len(value) != 2:
        return "–"
    return f"[{_number(value[0], percent)}, {_number(value[1], percent)}]"


def _p(value: object) -> str:
    return "–" if not isinstance(value, int | float) else (
        "<0.0001" if value < 0.0001 else f"{value:.4f}")


def print_report(report: ExperimentReport) -> None:
    """The report: a table per treatment (or the canary's guardrails), then what to do."""
    analysis: Mapping[str, Any] = report.analysis
    out.print(f"{report.experiment} ({report.kind.replace('_', ' ')}) on {report.model}: "
              f"{report.status}", highlight=False)
    srm = analysis.get("srm")
    if isinstance(srm, Mapping) and srm.get("sentence"):
        out.print(f"  split: {srm['sentence']}", highlight=False)
    for treatment in analysis.get("treatments", []):
        table = Table("metric", "role", "control", "treatment", "lift", "interval", "p",
                      "always-valid p", "decision",
                      title=f"arm {treatment.get('arm')} against the control")
        sequential = {s.get("metric"): s for s in treatment.get("sequential", [])}
        for result in treatment.get("results", []):
            seq = sequential.get(result.get("metric"), {})
            # a primary is decided by the sequential test, a guardrail by non-inferiority
            decision = (seq.get("decision") if result.get("role") == "primary"
                        else result.get("decision"))
            table.add_row(str(result.get("metric")), str(result.get("role")),
                          _number(result.get("control", {}).get("mean")),
                          _number(result.get("treatment", {}).get("mean")),
                          _number(result.get("lift"), True),
                          _interval(result.get("lift_interval"), True),
                          _p(result.get("p_value")), _p(seq.get("p_value")), str(decision))
        out.print(table)
    guardrails = analysis.get("guardrails")
    if isinstance(guardrails, list) and guardrails:
        table = Table("guardrail", "control", "canary", "lift", "interval", "margin",
                      "decision", title=f"step {int(analysis.get('step', 0)) + 1}")
        for result in guardrails:
            table.add_row(str(result.get("metric")),
                          _number(result.get("control", {}).get("mean")),
                          _number(result.get("treatment", {}).get("mean")),
                          _number(result.get("lift"), True),
                          _interval(result.get("lift_interval"), True),
                          _number(result.get("margin"), True), str(result.get("decision")))
        out.print(table)
    arm = f" {report.arm}" if report.arm else ""
    out.print(f"Recommendation: {report.action.replace('_', ' ')}{arm}", highlight=False)
    for reason in report.reasons:
        out.print(f"  - {reason}", highlight=False)
    for sentence in report.contradictions:
        out.print(f"  ! {sentence}", highlight=False)
