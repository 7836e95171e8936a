"""A version page's "Monitoring": the production measurements ``steward monitor record`` (and
``POST …/measurements``) kept for the version, per metric over time against the policy's
threshold, and the breaches that marked it degraded.

Read from the version's newest :data:`RECENT_EVENTS` events (a ``model:version:measured`` event
holds one batch of measurements, a ``…:breached`` event one breach): a bounded read through the
log's subject index, as the retrain triggers read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from modelsteward.domain import events as ev
from modelsteward.domain.model import Version
from modelsteward.service.registry import Registry
from modelsteward.web.charts import LineChart, line_chart, number

RECENT_EVENTS = 500  # the version's newest events read
SHOWN = 30  # readings per metric in its chart and table, the newest


@dataclass(frozen=True)
class Reading:
    at: datetime
    value: str
    breaks: bool  # beyond the policy's threshold


@dataclass(frozen=True)
class Series:
    metric: str
    threshold: str  # the policy's threshold ("" when the metric has none: it never breaches)
    chart: LineChart
    readings: tuple[Reading, ...]  # newest first


@dataclass(frozen=True)
class Monitoring:
    series: tuple[Series, ...]
    breaches: tuple[tuple[datetime, str], ...]  # (when, what broke), newest first
    degraded: str  # why the version is blocked ("" when it is not)


def monitoring(registry: Registry, version: Version) -> Monitoring:
    """The section's values for ``version`` (see the module's docstring)."""
    with registry.store.read() as tx:
        found = tx.events_before(subject_prefix=version.ref, limit=RECENT_EVENTS)
    thresholds = registry.policy.monitoring_for(version.model)
    values: dict[str, list[tuple[datetime, float]]] = {}
    breaches: list[tuple[datetime, str]] = []
    for event in found:  # oldest first
        if event.subject != version.ref:
            continue  # a version whose id merely starts with this one's
        at = datetime.fromisoformat(event.time)
        measured = event.payload.get("values")
        if event.kind == ev.VERSION_MEASURED and isinstance(measured, dict):
            for metric, value in measured.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values.setdefault(str(metric), []).append((at, float(value)))
        elif event.kind == ev.VERSION_BREACHED:
            breaches.append((at, f"{event.payload.get('metric')} = "
                                 f"{event.payload.get('value')} breaks "
                                 f"{event.payload.get('threshold')}"))
    series = []
    for metric, readings in sorted(values.items()):
        recent = readings[-SHOWN:]
        threshold = thresholds.get(metric)
        broken = [threshold is not None and not threshold.holds(v) for _, v in recent]
        labels = [at.strftime("%m-%d %H:%M") for at, _ in recent]
        chart = line_chart(list(zip(labels, (v for _, v in recent), strict=True)),
                           [i for i, bad in enumerate(broken) if bad],
                           threshold.value if threshold is not None else None)
        series.append(Series(metric, str(threshold) if threshold is not None else "", chart,
                             tuple(Reading(at, number(v, 4), bad) for (at, v), bad
                                   in reversed(list(zip(recent, broken, strict=True))))))
    return Monitoring(tuple(series), tuple(reversed(breaches)), version.blocked_reason)
