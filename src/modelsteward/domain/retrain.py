"""What starts a fine-tuning pipeline again: retrain triggers, and which of them fire now.

A pipeline's triggers (``fine_tuning.trigger``, read by :func:`read_triggers`) are of five
kinds (:class:`TriggerKind`):

* ``schedule`` — a :class:`~modelsteward.domain.schedule.Schedule` fell due since it was last
  checked;
* ``metric_below`` — the latest value of a metric, from an evaluation or from production
  monitoring, is below a threshold. The threshold is given with the trigger or, when left out,
  is the evaluate step's threshold for that metric (the pipeline's own bar). The seed's
  ``eval_score_drops_below_threshold`` is shorthand for one ``metric_below`` trigger per
  metric of the evaluate step's ``threshold``, source ``evaluation``; it is read into those
  triggers and written back as them;
* ``base_model_new_version`` — the base model has a latest version other than the one the
  model was fine-tuned from;
* ``base_deprecated`` — a deprecation plan covers the base model;
* ``base_advisory`` — an advisory affects the base model.

:func:`firings` is pure: given the triggers, the :class:`RetrainFacts` (the latest readings,
the base model's versions, plans and advisories on it, when the schedule was last checked) and
the current time, it returns the :class:`Firing` of each trigger occurrence. A firing's key
names the occurrence, so that a notice (or a run) keyed by it happens once however often the
triggers are evaluated:

=========================  ==============================================================
``schedule``               ``retrain:<model>:schedule:2026-10-01`` (a due time other than
                           midnight: ``2026-10-01T06:30Z``)
``metric_below``           ``retrain:<model>:metric_below:<metric>:<event seq>``
``base_model_new_version`` ``retrain:<model>:base_version:<latest base version>``
``base_deprecated``        ``retrain:<model>:deprecation:<plan id>``
``base_advisory``          ``retrain:<model>:advisory:<advisory id>``
=========================  ==============================================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from modelsteward.domain.documents import describe, indexed, located
from modelsteward.domain.field_reader import FieldReader
from modelsteward.domain.registry_file import RegistryEntry
from modelsteward.domain.schedule import Schedule, parse_schedule, read_schedule
from modelsteward.errors import InvalidInput, Problem

__all__ = ["EVAL_SCORE_SHORTHAND", "BaseNotice", "BaseTrigger", "Firing", "MetricReading",
           "MetricSource", "MetricTrigger", "RetrainFacts", "ScheduleTrigger", "Trigger",
           "TriggerKind", "firings", "read_triggers", "render_triggers", "retrain_schedule"]

EVAL_SCORE_SHORTHAND = "eval_score_drops_below_threshold"


class TriggerKind(enum.StrEnum):
    SCHEDULE = "schedule"
    METRIC_BELOW = "metric_below"
    BASE_MODEL_NEW_VERSION = "base_model_new_version"
    BASE_DEPRECATED = "base_deprecated"
    BASE_ADVISORY = "base_advisory"


class MetricSource(enum.StrEnum):
    EVALUATION = "evaluation"
    MONITORING = "monitoring"


_BASE_KINDS = (TriggerKind.BASE_MODEL_NEW_VERSION, TriggerKind.BASE_DEPRECATED,
               TriggerKind.BASE_ADVISORY)


@dataclass(frozen=True)
class ScheduleTrigger:
    schedule: Schedule

    @property
    def kind(self) -> TriggerKind:
        return TriggerKind.SCHEDULE


@dataclass(frozen=True)
class MetricTrigger:
    """Fires when the latest ``metric`` from ``source`` is strictly below ``threshold``."""

    metric: str
    threshold: float
    source: MetricSource = MetricSource.EVALUATION

    @property
    def kind(self) -> TriggerKind:
        return TriggerKind.METRIC_BELOW


@dataclass(frozen=True)
class BaseTrigger:
    """A trigger about the base model, without parameters: ``kind`` is one of
    ``base_model_new_version``, ``base_deprecated`` and ``base_advisory``."""

    kind: TriggerKind

    def __post_init__(self) -> None:
        if self.kind not in _BASE_KINDS:
            raise InvalidInput(f"{self.kind} is not a trigger about the base model; use one of "
                               f"{', '.join(_BASE_KINDS)}.")


Trigger = ScheduleTrigger | MetricTrigger | BaseTrigger


# --- facts and firings -------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricReading:
    """A recorded value of ``metric`` for ``subject`` (``model@version``), by the event
    numbered ``seq`` at ``at``."""

    metric: str
    value: float
    source: MetricSource
    subject: str
    at: datetime
    seq: int


@dataclass(frozen=True)
class BaseNotice:
    """A deprecation plan or an advisory on the base model: its id and, for messages, a
    summary (may be empty)."""

    id: str
    summary: str = ""


@dataclass(frozen=True)
class RetrainFacts:
    """What the triggers of ``model`` (the fine-tuned model) are evaluated against.

    ``readings``: the recorded metric values (the latest per metric and source counts;
    several may be given). ``base_model``: the base's name; ``base_version_used``: the base
    version the model's current version was fine-tuned from; ``base_latest_version``: the
    base model's latest version (either empty: unknown). ``deprecations``/``advisories``: the
    plans and advisories that cover the base now. ``schedule_checked_at``: when the schedule
    was last checked, ``None`` when never — a schedule counts due times from its first check,
    so a new pipeline does not fire at once for a due time long past.
    """

    model: str
    readings: tuple[MetricReading, ...] = ()
    base_model: str = ""
    base_version_used: str = ""
    base_latest_version: str = ""
    deprecations: tuple[BaseNotice, ...] = ()
    advisories: tuple[BaseNotice, ...] = ()
    schedule_checked_at: datetime | None = None


@dataclass(frozen=True)
class Firing:
    """One occurrence of a trigger: ``key`` names it (see the module's docstring), ``reason``
    says why in a sentence."""

    key: str
    kind: TriggerKind
    reason: str


def firings(triggers: Sequence[Trigger], facts: RetrainFacts,
            now: datetime) -> tuple[Firing, ...]:
    """The firings of ``triggers`` at ``now``, in trigger order, one per key (two schedules
    due at the same time fire once). The same triggers and facts always give the same keys,
    whenever they are evaluated: a schedule fires for its last due time in
    ``(schedule_checked_at, now]`` only (a dispatcher down for months retrains once, not once
    per missed due time), a metric for the event of its latest reading, the base triggers for
    the version, plan or advisory they are about. Readings recorded after ``now`` are not
    looked at. Raises :class:`InvalidInput` when a time is naive."""
    now = _aware(now, "now")
    found: dict[str, Firing] = {}
    for trigger in triggers:
        for firing in _fire(trigger, facts, now):
            found.setdefault(firing.key, firing)
    return tuple(found.values())


def _fire(trigger: Trigger, facts: RetrainFacts, now: datetime) -> list[Firing]:
    prefix = f"retrain:{facts.model}"
    base = facts.base_model or "the base model"
    match trigger:
        case ScheduleTrigger(schedule):
            checked = facts.schedule_checked_at
            due = schedule.previous_due(now)
            if checked is None or due is None or due <= _aware(checked, "schedule_checked_at"):
                return []
            day = (due.date().isoformat() if due.hour == due.minute == 0
                   else due.strftime("%Y-%m-%dT%H:%MZ"))
            return [Firing(f"{prefix}:schedule:{day}", trigger.kind, (
                f"{schedule.describe().capitalize()} fell due on {due:%Y-%m-%d %H:%M} UTC "
                f"(last checked {checked.astimezone(UTC):%Y-%m-%d %H:%M} UTC)."))]
        case MetricTrigger(metric, threshold, source):
            readings = [r for r in facts.readings if r.metric == metric and r.source is source
                        and _aware(r.at, "a reading's at") <= now]
            if not readings:
                return []
            latest = max(readings, key=lambda r: (r.at, r.seq))
            if not latest.value < threshold:
                return []
            return [Firing(f"{prefix}:metric_below:{metric}:{latest.seq}", trigger.kind, (
                f"{metric} {latest.value:g} fell below {threshold:g} in {source} of "
                f"{latest.subject} (event {latest.seq})."))]
        case BaseTrigger(TriggerKind.BASE_MODEL_NEW_VERSION):
            used, latest_version = facts.base_version_used, facts.base_latest_version
            if not used or not latest_version or used == latest_version:
                return []
            return [Firing(f"{prefix}:base_version:{latest_version}", trigger.kind, (
                f"{base} has a newer version {latest_version}; {facts.model} was fine-tuned "
                f"from {used}."))]
        case BaseTrigger(TriggerKind.BASE_DEPRECATED):
            return [Firing(f"{prefix}:deprecation:{plan.id}", trigger.kind, (
                f"The deprecation plan {plan.id} covers {base}{_summary(plan)}."))
                for plan in facts.deprecations]
        case BaseTrigger(TriggerKind.BASE_ADVISORY):
            return [Firing(f"{prefix}:advisory:{advisory.id}", trigger.kind, (
                f"The advisory {advisory.id} affects {base}{_summary(advisory)}."))
                for advisory in facts.advisories]
        case BaseTrigger():  # __post_init__ allows no other kind
            raise AssertionError(trigger.kind)


def _summary(notice: BaseNotice) -> str:
    return f": {notice.summary.rstrip('.')}" if notice.summary else ""


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"The time {name}={moment.isoformat()} has no time zone; give an "
                           "aware time (e.g. with tzinfo=UTC).")
    return moment


def retrain_schedule(entry: RegistryEntry,
                     source: str = "model-registry.yaml") -> ScheduleTrigger | None:
    """The schedule trigger of a registry file entry's model-level ``retrain_schedule``
    (``retrain_schedule: quarterly``), ``None`` when the entry has none. The registry file
    keeps the key as text in the entry's metadata; this reads it, raising
    :class:`DocumentInvalid` naming ``source`` with the problem located at
    ``models.<name>.retrain_schedule``."""
    value = entry.metadata.get("retrain_schedule")
    if value is None:
        return None
    where = located(located("models", entry.model.name), "retrain_schedule")
    return ScheduleTrigger(parse_schedule(value, source, where))


# --- the trigger section of a pipeline document ------------------------------------------------

_ITEM_FORMS = (f"a trigger: {{schedule: quarterly}}, {{metric_below: {{metric: accuracy, "
               f"threshold: 0.9, source: monitoring}}}}, or one of the words "
               f"{EVAL_SCORE_SHORTHAND}, {', '.join(_BASE_KINDS)}")


def read_triggers(value: object, where: str, problems: list[Problem],
                  thresholds: Mapping[str, float] | None) -> tuple[Trigger, ...]:
    """The triggers of a pipeline's ``trigger`` section at ``where``, appending problems.

    ``value`` is ``null`` (no trigger: the pipeline runs when asked), one trigger, a list of
    triggers, or the seed's mapping ``{schedule: quarterly, or: <trigger or list>}``.
    ``thresholds`` are the evaluate step's (``None`` when they could not be read: a
    ``metric_below`` trigger relying on them is then not checked further). A trigger written
    twice (the shorthand included) is a problem at its second place.
    """
    if value is None:
        return ()
    items: list[tuple[str, object]] = []
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "schedule":  # read as the item {schedule: …} of the section itself
                items.append((where, {"schedule": inner}))
            elif key == "or":
                items.extend(_listed(inner, located(where, key)))
            else:
                items.append((located(where, key), _NOT_A_TRIGGER_KEY))
    else:
        items.extend(_listed(value, where))
    found: dict[Trigger, str] = {}
    for at, item in items:
        if item is _NOT_A_TRIGGER_KEY:
            problems.append(Problem(at, "is not part of a trigger section: write schedule: "
                                        "and or:, or a list of triggers"))
            continue
        for trigger in _trigger(item, at, problems, thresholds):
            if trigger in found:
                problems.append(Problem(at, f"repeats the trigger at {found[trigger]}; give "
                                            "each trigger once"))
            else:
                found[trigger] = at
    return tuple(found)


_NOT_A_TRIGGER_KEY = object()  # marks a key of the section that is neither schedule nor or


def _listed(value: object, where: str) -> list[tuple[str, object]]:
    if isinstance(value, list):
        return [(indexed(where, i), item) for i, item in enumerate(value)]
    return [(where, value)]


def _trigger(item: object, where: str, problems: list[Problem],
             thresholds: Mapping[str, float] | None) -> list[Trigger]:
    if item == EVAL_SCORE_SHORTHAND:
        if thresholds is None:
            return []
        if not thresholds:
            problems.append(Problem(where, f"{EVAL_SCORE_SHORTHAND} needs the evaluate step's "
                                           "threshold, which names no metric"))
        return [MetricTrigger(metric, value) for metric, value in thresholds.items()]
    if isinstance(item, str) and item in _BASE_KINDS:
        return [BaseTrigger(TriggerKind(item))]
    if not isinstance(item, Mapping) or len(item) != 1:
        problems.append(Problem(where, f"must be {_ITEM_FORMS}, found {describe(item)}"))
        return []
    ((kind, params),) = item.items()
    at = located(where, kind)
    if kind == TriggerKind.SCHEDULE:
        schedule = read_schedule(params, at, problems)
        return [ScheduleTrigger(schedule)] if schedule is not None else []
    if kind == TriggerKind.METRIC_BELOW:
        metric = _metric_trigger(params, at, problems, thresholds)
        return [metric] if metric is not None else []
    if kind in _BASE_KINDS:
        problems.append(Problem(at, f"takes no parameters: write it as the word {kind}"))
    else:
        problems.append(Problem(at, f"is not a trigger; the triggers are "
                                    f"{', '.join(TriggerKind)}"))
    return []


def _metric_trigger(params: object, where: str, problems: list[Problem],
                    thresholds: Mapping[str, float] | None) -> MetricTrigger | None:
    if not isinstance(params, Mapping):
        problems.append(Problem(where, f"must be a mapping with metric and, optionally, "
                                       f"threshold and source, found {describe(params)}"))
        return None
    before = len(problems)
    fields = FieldReader(params, where, problems)
    fields.unknown_keys(("metric", "threshold", "source"), TriggerKind.METRIC_BELOW)
    metric = fields.name("metric", "the metric's name, e.g. accuracy")
    threshold = fields.number("threshold", "a number", required=False)
    source = fields.choice("source", MetricSource, required=False) or MetricSource.EVALUATION
    if threshold is None and "threshold" not in params and metric:
        if thresholds is None:
            return None
        if metric not in thresholds:
            problems.append(Problem(where, f"gives no threshold, and the evaluate step has "
                                           f"none for {metric}; add threshold:"))
        threshold = thresholds.get(metric)
    if len(problems) > before or threshold is None:
        return None
    return MetricTrigger(metric, threshold, source)


def render_triggers(triggers: Sequence[Trigger]) -> list[object]:
    """The ``trigger`` section of ``triggers``, as a list that :func:`read_triggers` reads
    back to the same triggers (the shorthand is written as the triggers it stands for)."""
    rendered: list[object] = []
    for trigger in triggers:
        match trigger:
            case ScheduleTrigger(schedule):
                rendered.append({"schedule": schedule.text})
            case MetricTrigger(metric, threshold, source):
                rendered.append({"metric_below": {"metric": metric, "threshold": threshold,
                                                  "source": source.value}})
            case BaseTrigger(kind):
                rendered.append(kind.value)
    return rendered
