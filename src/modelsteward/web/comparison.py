"""A version page's "Compared with production": each evaluation metric (per suite) across the
model's recent versions, and this version's cost per 1k requests and latency against the
production version's, as charts with their numbers.

Reads are bounded: the newest :data:`PROBE` versions are asked for their evaluations (one
query each) to find up to :data:`MAX_VERSIONS` that have some; the production version and the
version shown are added when they fall outside. Cost and latency come from
``Lifecycle.compare`` (the suites both versions have), what ``GET …/comparison`` answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.comparison import Delta
from modelsteward.domain.gates import latest_by_suite
from modelsteward.domain.lifecycle import Evaluation
from modelsteward.domain.model import Version
from modelsteward.errors import StewardError
from modelsteward.service.registry import Registry
from modelsteward.web.charts import BarChart, LineChart, bar_chart, line_chart, number

MAX_VERSIONS = 20  # versions with evaluations the trends show (plus production and this one)
PROBE = 40  # newest versions read for evaluations to find them
MAX_TRENDS = 12  # suite·metric charts at most (the page's weight); the JSON twin has all


@dataclass(frozen=True)
class Trend:
    """One suite's metric across versions (oldest first): a point per version that has it."""

    suite: str
    metric: str
    chart: LineChart
    values: tuple[tuple[str, str], ...]  # (version, value as printed)


@dataclass(frozen=True)
class Measure:
    """Cost per 1k requests or a latency: this version against production, per suite."""

    name: str
    chart: BarChart
    rows: tuple[tuple[str, str, str], ...]  # (suite, this version, production)


@dataclass(frozen=True)
class Compared:
    production: str  # the production version's id ("" when no version holds production)
    versions: int  # versions in the trends
    trends: tuple[Trend, ...]
    more_trends: int
    measures: tuple[Measure, ...]
    note: str  # why there is no cost and latency comparison ("" when there is)


def _trends(evaluated: list[tuple[str, dict[str, Evaluation]]],
            marked: list[str]) -> list[Trend]:
    keys = sorted({(suite, metric) for _, suites in evaluated
                   for suite, e in suites.items() for metric in e.metrics})
    found = []
    for suite, metric in keys:
        items = [(vid, suites[suite].metrics.get(metric) if suite in suites else None)
                 for vid, suites in evaluated]
        items = [(vid, value) for vid, value in items if value is not None]
        found.append(Trend(suite, metric, line_chart(
            items, [i for i, (vid, _) in enumerate(items) if vid in marked]),
                           tuple((vid, number(value, 4)) for vid, value in items)))
    return found


def _measures(deltas: tuple[Delta, ...]) -> list[Measure]:
    found = []
    for name in sorted({d.metric for d in deltas}):
        chosen = [d for d in deltas if d.metric == name]
        bars: list[tuple[str, float | None]] = []
        for d in chosen:
            bars += [(f"this · {d.suite}", d.candidate), (f"production · {d.suite}", d.baseline)]
        found.append(Measure(name, bar_chart(bars), tuple(
            (d.suite, number(d.candidate, 4), number(d.baseline, 4)) for d in chosen)))
    return found


def compared(registry: Registry, version: Version) -> Compared:
    """The section's values for ``version`` (see the module's docstring)."""
    name, shown = version.model, str(version.id)
    production = registry.lifecycle.production(name)
    here = str(production.id) if production is not None else ""
    every = registry.list_versions(name)
    probed = every[-PROBE:]
    wanted = {shown, here} - {""} - {str(v.id) for v in probed}
    evaluated: list[tuple[str, dict[str, Evaluation]]] = []
    for candidate in [v for v in every[:-PROBE] if str(v.id) in wanted] + list(probed):
        suites = latest_by_suite(registry.lifecycle.evaluations(candidate.ref))
        if suites:
            evaluated.append((str(candidate.id), suites))
    keep = {shown, here}
    extra = [e for e in evaluated if e[0] not in keep]
    dropped = {vid for vid, _ in extra[:max(0, len(extra) - MAX_VERSIONS)]}
    evaluated = [e for e in evaluated if e[0] not in dropped]
    trends = _trends(evaluated, [v for v in (here, shown) if v])
    measures: list[Measure] = []
    note = ""
    if production is None:
        note = f"No version of {name} holds production."
    elif here == shown:
        note = "This version is the production version."
    else:
        try:
            comparison = registry.lifecycle.compare(version.ref)
        except StewardError as error:
            note = str(error)
        else:
            measures = _measures(comparison.cost + comparison.latency)
            if not measures:
                note = (f"No evaluation suite of {version.ref} and production reports cost or "
                        "latency on the same suite.")
    return Compared(here, len(evaluated), tuple(trends[:MAX_TRENDS]),
                    max(0, len(trends) - MAX_TRENDS), tuple(measures), note)
