"""The experiments pages: ``/experiments`` (running ones first, then those ended) and
``/experiments/{name}`` (the definition, each metric's estimates against the control as an
interval chart, the traffic per arm as a bar chart, and the verdict). They read the same
service calls as ``GET /api/v1/experiments…`` and draw the numbers of the same analysis the
``/results`` route answers (``ExperimentReport.analysis``), so the page and its JSON twin agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from modelsteward.domain.experiment import Experiment
from modelsteward.domain.outcomes import MetricRole, MetricSpec
from modelsteward.errors import StewardError
from modelsteward.results.experiments import ExperimentReport
from modelsteward.web import session
from modelsteward.web.charts import BarChart, IntervalChart, bar_chart, interval_chart, number
from modelsteward.web.respond import (
    error_page,
    page_response,
    reader,
)
from modelsteward.web.routing import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
RUNNING_LIMIT = 50  # running experiments analysed for the list (each is one analysis)
ENDED_PAGE = 50  # ended experiments a page, by name


def percent(share: float | None) -> str:
    """A relative value (``0.0321``) as the page prints it (``+3.21 %``)."""
    return "n/a" if share is None else f"{share * 100:+.2f} %"


# --- reading the analysis' JSON (the same object GET …/results answers) ----------------------


def _dicts(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _float(found: Mapping[str, object], key: str) -> float | None:
    value = found.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _count(found: object) -> int | None:
    if isinstance(found, Mapping):
        value = found.get("count")
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def _mean(found: object) -> float | None:
    return _float(found, "mean") if isinstance(found, Mapping) else None


def _pair(found: Mapping[str, object], key: str) -> tuple[float | None, float | None]:
    value = found.get(key)
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return float(value[0]), float(value[1])
    return None, None


# --- what the page shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One treatment arm against the control on one metric, as the table prints it."""

    arm: str
    version: str
    control_mean: str
    treatment_mean: str
    observations: str  # "control / treatment"
    lift: str
    interval: str
    p_value: str
    decision: str


@dataclass(frozen=True)
class MetricView:
    spec: MetricSpec
    margin_text: str  # where the margin line is drawn ("" for a primary metric)
    chart: IntervalChart
    estimates: tuple[Estimate, ...]


@dataclass(frozen=True)
class Traffic:
    arm: str
    version: str
    weight: float
    observations: int | None  # of the primary metric (a canary: its first guardrail)
    planned: float | None  # what the weight promises of the arms' observations together
    units: int | None  # on the busiest day (the sample-ratio check), an A/B test only


def _margin(spec: MetricSpec) -> float | None:
    """The margin line in percent on the lift's scale: on the side the metric calls worse."""
    if spec.role is not MetricRole.GUARDRAIL:
        return None
    return spec.margin * 100 * (-1 if spec.direction.value == "higher" else 1)


def _results(experiment: Experiment, report: ExperimentReport) -> list[Mapping[str, object]]:
    """Every metric result of the analysis (an A/B test: per treatment; a canary: its
    guardrails), each with its ``arm``."""
    if experiment.canary is not None:
        return _dicts(report.analysis.get("guardrails"))
    return [r for t in _dicts(report.analysis.get("treatments")) for r in _dicts(t.get("results"))]


def metric_views(experiment: Experiment, report: ExperimentReport) -> list[MetricView]:
    """One view per metric of ``experiment``, with a row per treatment arm the analysis read."""
    versions = {a.name: a.version for a in experiment.arms}
    results = _results(experiment, report)
    views = []
    for spec in experiment.metrics:
        rows: list[tuple[str, float | None, float | None, float | None]] = []
        estimates = []
        for result in (r for r in results if r.get("metric") == spec.name):
            arm = str(result.get("arm", ""))
            lift = _float(result, "lift")
            low, high = _pair(result, "lift_interval")
            rows.append((arm, None if lift is None else lift * 100,
                         None if low is None else low * 100,
                         None if high is None else high * 100))
            estimates.append(Estimate(
                arm, versions.get(arm, ""), number(_mean(result.get("control")), 4),
                number(_mean(result.get("treatment")), 4),
                f"{_count(result.get('control'))} / {_count(result.get('treatment'))}",
                percent(lift), f"{percent(low)} to {percent(high)}" if low is not None else "n/a",
                number(_float(result, "p_value")), str(result.get("decision", ""))))
        edge = _margin(spec)
        views.append(MetricView(spec, "" if edge is None else f"{edge:+g} %",
                                interval_chart(rows, edge), tuple(estimates)))
    return views


def traffic(experiment: Experiment, report: ExperimentReport) -> tuple[str, list[Traffic]]:
    """The metric counted, and each arm's weight, observations of it (the primary metric; a
    canary's first guardrail, as only those are analysed) with the observations its weight
    promises of the arms' total; and an A/B test's units on its busiest day."""
    results = _results(experiment, report)
    primary = next((m.name for m in experiment.metrics if m.role is MetricRole.PRIMARY), "")
    metric = primary if any(r.get("metric") == primary for r in results) else (
        str(results[0].get("metric", "")) if results else "")
    counts: dict[str, int | None] = {}
    for result in (r for r in results if r.get("metric") == metric):
        counts.setdefault(experiment.control.name, _count(result.get("control")))
        counts[str(result.get("arm", ""))] = _count(result.get("treatment"))
    units = {str(a.get("arm")): a.get("units") for a in _dicts(
        _mapping(report.analysis.get("srm")).get("arms"))}
    total = sum(c for c in counts.values() if c is not None)
    weights = sum(a.weight for a in experiment.arms) or 1.0
    return metric, [Traffic(a.name, a.version, a.weight, counts.get(a.name),
                            total * a.weight / weights if counts else None,
                            u if isinstance(u := units.get(a.name), int) else None)
                    for a in experiment.arms]


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def traffic_chart(rows: Sequence[Traffic]) -> BarChart:
    return bar_chart([(r.arm, r.observations) for r in rows], [r.planned for r in rows])


# --- routes --------------------------------------------------------------------------------------


@router.get("/experiments", response_class=HTMLResponse)
def experiments_page(request: Request,
                     after: Annotated[str, Query(max_length=100)] = "") -> Response:
    """The running experiments (at most :data:`RUNNING_LIMIT`, by name) with what their
    analysis recommends now; then keyset pages of :data:`ENDED_PAGE` ended ones by name."""
    try:
        principal, registry = reader(request)
        running = registry.experiments.list(running=True, limit=RUNNING_LIMIT + 1)
        ended = registry.experiments.list(ended=True, after=after, limit=ENDED_PAGE + 1)
        verdicts: list[tuple[Experiment, str, str]] = []
        for experiment in running[:RUNNING_LIMIT]:
            try:
                report = registry.experiments.report(experiment.name)
                verdicts.append((experiment, report.action, "; ".join(report.reasons)))
            except StewardError as error:
                verdicts.append((experiment, "unknown", str(error)))
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    following = ended[ENDED_PAGE - 1].name if len(ended) > ENDED_PAGE else ""
    return page_response(request, "experiments.html", principal, running=verdicts,
                         more_running=len(running) > RUNNING_LIMIT,
                         ended=ended[:ENDED_PAGE], after=after, next_after=following,
                         page_size=ENDED_PAGE)


@router.get("/experiments/{name}", response_class=HTMLResponse)
def experiment_page(request: Request, name: str) -> Response:
    try:
        principal, registry = reader(request)
        experiment = registry.experiments.get(name)
        report = registry.experiments.report(name)
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    counted, rows = traffic(experiment, report)
    return page_response(request, "experiment.html", principal, x=experiment, report=report,
                         metrics=metric_views(experiment, report), traffic=rows, counted=counted,
                         traffic_chart=traffic_chart(rows))
