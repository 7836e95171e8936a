"""``steward eval record|list`` and ``steward compare``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from modelsteward.cli.context import State, emit_json, json_option, out, pass_state
from modelsteward.cli.files import read_structured
from modelsteward.domain.comparison import Comparison, Delta, Verdict
from modelsteward.domain.evaluation_file import parse_evaluation
from modelsteward.domain.lifecycle import Evaluation


def evaluation_view(e: Evaluation) -> dict[str, object]:
    return {"id": e.id, "ref": e.ref, "suite": e.suite, "dataset_digest": e.dataset_digest,
            "metrics": e.metrics, "cost_per_1k_requests": e.cost_per_1k_requests,
            "latency_ms": e.latency_ms,
            "directions": {k: v.value for k, v in e.directions.items()},
            "recorded_at": e.recorded_at.isoformat().replace("+00:00", "Z"),
            "recorded_by": e.recorded_by}


@click.group("eval")
def eval_group() -> None:
    """Evaluation results (immutable; a second record is a new result)."""


@eval_group.command("record")
@click.argument("ref", metavar="MODEL@VERSION")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@pass_state
def eval_record(state: State, ref: str, file: Path, as_json: bool) -> None:
    """Store the evaluation result in FILE (JSON or YAML: suite, dataset_digest, metrics,
    cost_per_1k_requests, latency_ms, directions: which way each metric is better)."""
    result = parse_evaluation(read_structured(file), source=str(file))
    stored = state.registry.lifecycle.record_evaluation(ref, result, source=str(file))
    if as_json:
        emit_json(evaluation_view(stored))
    else:
        out.print(f"Recorded evaluation {stored.id} ({stored.suite}) for {stored.ref}.",
                  highlight=False)


@eval_group.command("list")
@click.argument("ref", metavar="MODEL@VERSION")
@json_option
@pass_state
def eval_list(state: State, ref: str, as_json: bool) -> None:
    """List the evaluation results of a version, oldest first."""
    found = state.registry.lifecycle.evaluations(ref)
    if as_json:
        emit_json([evaluation_view(e) for e in found])
        return
    table = Table("suite", "metrics", "cost/1k", "latency ms", "recorded")
    for e in found:
        table.add_row(e.suite, ", ".join(f"{k}={v:g}" for k, v in sorted(e.metrics.items())),
                      "" if e.cost_per_1k_requests is None else f"{e.cost_per_1k_requests:g}",
                      ", ".join(f"{k}={v:g}" for k, v in sorted(e.latency_ms.items())),
                      e.recorded_at.strftime("%Y-%m-%d %H:%M"))
    out.print(table if found else f"{ref} has no evaluation results yet.")


def _delta_view(d: Delta) -> dict[str, object]:
    return {"suite": d.suite, "metric": d.metric, "candidate": d.candidate,
            "baseline": d.baseline, "improvement": d.better,
            "direction": d.direction.value if d.direction else None, "verdict": d.verdict.value}


def comparison_view(c: Comparison) -> dict[str, object]:
    return {"candidate": c.candidate, "baseline": c.baseline, "suites": list(c.suites),
            "quality": [_delta_view(d) for d in c.quality],
            "cost": [_delta_view(d) for d in c.cost],
            "latency": [_delta_view(d) for d in c.latency],
            "recommendation": c.recommendation.value, "reasons": list(c.reasons)}


@click.command()
@click.argument("ref", metavar="MODEL@CANDIDATE")
@click.option("--against", default="production", show_default=True, metavar="ALIAS|VERSION",
              help="The baseline: an alias or a version of the same model.")
@json_option
@pass_state
def compare(state: State, ref: str, against: str, as_json: bool) -> None:
    """Quality, cost and latency deltas on the suites both versions have, and a recommendation."""
    result = state.registry.lifecycle.compare(ref, against)
    if as_json:
        emit_json(comparison_view(result))
        return
    out.print(f"{result.candidate} against {result.baseline} on "
              f"{', '.join(result.suites) or 'no common suite'}", highlight=False)
    if result.quality or result.cost or result.latency:
        table = Table("suite", "metric", "baseline", "candidate", "change")
        for d in (*result.quality, *result.cost, *result.latency):
            sign = ("no declared direction" if d.verdict is Verdict.UNDECLARED
                    else d.verdict.value)
            table.add_row(d.suite, d.metric, f"{d.baseline:g}", f"{d.candidate:g}",
                          f"{d.candidate - d.baseline:+g} ({sign})")
        out.print(table)
    out.print(f"Recommendation: {result.recommendation.value.upper()}", highlight=False)
    for reason in result.reasons:
        out.print(f"  - {reason}", highlight=False)
