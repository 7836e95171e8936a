"""Experiment definition files (YAML or JSON), in the words of the A/B test of the source
documents (a control, a treatment and a ``traffic_split``)::

    experiment:
      name: summarizer-sonnet-ab
      model: summarizer
      control: 1.0.0                # a version id, or an alias such as production
      treatment: 1.1.0              # or treatments: [1.1.0, 1.2.0] for A/B/n
      traffic_split: 0.10           # the treatments' share; or weights: [0.9, 0.1]
      coverage: 1                   # the share of units in the experiment at all
      unit: user_id                 # user_id, session_id, tenant_id, request_id, device_id
      seed: summarizer-sonnet-ab    # default: the name
      start: 2026-12-07T00:00:00Z   # default: when it is created
      duration: 7d                  # minutes (m), hours (h), days (d) or weeks (w)
      primary:
        - {metric: thumbs_up, kind: proportion, direction: higher}
      guardrails:
        - {metric: cost_per_1k_requests, direction: lower, margin: 0.05}
        - {metric: latency_p95_ms, direction: lower, margin: 0.10}
        - {metric: refusal_rate, kind: proportion, direction: lower, margin: 0.10}
      design: {alpha: 0.05, power: 0.8, mde: 0.02}

A canary names one ``treatment`` (its control is the production version unless ``control`` is
given) and replaces the split by steps::

      canary: {steps: [0.01, 0.05, 0.25, 0.5, 1], min_duration: 1h, min_sample: 500}

:func:`parse_experiment` reports every problem with its location, or returns the spec.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from modelsteward.domain.direction import Direction
from modelsteward.domain.documents import describe, indexed, located
from modelsteward.domain.experiment import UNIT_ATTRIBUTES, CanaryPlan, ExperimentSpec
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

_KEYS = ("name", "model", "control", "treatment", "treatments", "traffic_split", "weights",
         "coverage", "unit", "seed", "start", "duration", "primary", "guardrails", "design",
         "canary", "description")
_METRIC_KEYS = ("metric", "kind", "direction", "margin")
_DURATION = re.compile(r"([1-9][0-9]{0,5})([mhdw])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}
_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,200}")


def parse_duration(text: object) -> timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` as a duration; :class:`InvalidInput` otherwise."""
    found = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise InvalidInput(f"{describe(text)} is not a duration: write a number and m, h, d or "
                           "w, e.g. 7d or 12h")
    return int(found.group(1)) * _UNITS[found.group(2)]


def _number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))


class _Reader:
    """Collects the problems of one document while reading its fields."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def at(self, key: str) -> str:
        return located(self.where, key)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def text(self, doc: Mapping[object, object], key: str, what: str, *,
             required: bool = False) -> str:
        value = doc.get(key)
        if value is None and not required:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a version such as 2 or 1.5 read as a number by YAML
        if not isinstance(value, str) or not _TEXT.fullmatch(value) or not value.strip():
            self.problem(self.at(key), f"must be {what}, found {describe(value)}"
                         if key in doc else f"is required: {what}")
            return ""
        return value

    def share(self, where: str, value: object, what: str) -> float | None:
        if not _number(value) or not 0 <= float(value) <= 1:  # type: ignore[arg-type]
            self.problem(where, f"must be {what} (a number from 0 to 1), found "
                                f"{describe(value)}")
            return None
        return float(value)  # type: ignore[arg-type]


def parse_experiment(document: object, source: str = "experiment") -> ExperimentSpec:
    """The experiment ``document`` defines (its fields under ``experiment:`` or at the top);
    raises :class:`DocumentInvalid` naming every problem with its location."""
    where = "$"
    if isinstance(document, Mapping) and set(document) == {"experiment"}:
        document, where = document["experiment"], "experiment"
    if not isinstance(document, Mapping):
        raise DocumentInvalid(source, [Problem(where, "must be a mapping of the experiment's "
                                                      "fields (name, model, control, treatment "
                                                      f"…), found {describe(document)}")])
    r = _Reader(where)
    for key in document:
        if key not in _KEYS:
            r.problem(located(where, key), f"is not an experiment field; the fields are "
                                           f"{', '.join(_KEYS)}")
    name = r.text(document, "name", "the experiment's name, e.g. summarizer-sonnet-ab",
                  required=True)
    model = r.text(document, "model", "the name of the model whose versions are compared",
                   required=True)
    control = r.text(document, "control", "a version id or an alias such as production",
                     required="canary" not in document)
    treatments = _treatments(r, document)
    canary = _canary(r, document.get("canary"), r.at("canary"))
    weights = _weights(r, document, len(treatments), canary is not None)
    coverage = 1.0
    if "coverage" in document:
        coverage = r.share(r.at("coverage"), document["coverage"], "the share of units in the "
                           "experiment") or 0.0
    unit = document.get("unit", "user_id")
    if unit not in UNIT_ATTRIBUTES:
        r.problem(r.at("unit"), f"must be one of {', '.join(UNIT_ATTRIBUTES)}, found "
                                f"{describe(unit)}")
    seed = r.text(document, "seed", "a text, e.g. the experiment's name")
    description = r.text(document, "description", "one line of text")
    starts_at = _start(r, document.get("start"))
    duration = None
    if "duration" in document:
        try:
            duration = parse_duration(document["duration"])
        except InvalidInput as exc:
            r.problem(r.at("duration"), str(exc))
    metrics = (_metrics(r, document.get("primary"), "primary", MetricRole.PRIMARY)
               + _metrics(r, document.get("guardrails"), "guardrails", MetricRole.GUARDRAIL))
    design = _design(r, document.get("design"))
    if r.problems:
        raise DocumentInvalid(source, r.problems)
    try:
        return ExperimentSpec(name, model, control, treatments, weights, coverage, str(unit),
                              seed, metrics, design, starts_at, duration, canary, description)
    except InvalidInput as exc:
        raise DocumentInvalid(source, [Problem(where, str(exc))]) from None


def _treatments(r: _Reader, doc: Mapping[object, object]) -> tuple[str, ...]:
    if "treatment" in doc and "treatments" in doc:
        r.problem(r.at("treatments"), "give either treatment (one version) or treatments (a "
                                      "list), not both")
        return ()
    if "treatments" not in doc:
        text = r.text(doc, "treatment", "the version tested against the control",
                      required=True)
        return (text,) if text else ()
    value = doc["treatments"]
    if not isinstance(value, list) or not value:
        r.problem(r.at("treatments"), f"must be a list of version ids, found "
                                      f"{describe(value)}")
        return ()
    found: list[str] = []
    for i, item in enumerate(value):
        text = str(item) if _number(item) else item
        if not isinstance(text, str) or not _TEXT.fullmatch(text):
            r.problem(indexed(r.at("treatments"), i), f"must be a version id, found "
                                                      f"{describe(item)}")
        else:
            found.append(text)
    return tuple(found)


def _weights(r: _Reader, doc: Mapping[object, object], treatments: int,
             canary: bool) -> tuple[float, ...]:
    if canary and ("weights" in doc or "traffic_split" in doc):
        r.problem(r.at("canary"), "a canary's split comes from its steps; remove weights and "
                                  "traffic_split")
        return ()
    if "weights" in doc and "traffic_split" in doc:
        r.problem(r.at("weights"), "give either weights or traffic_split, not both")
        return ()
    if "traffic_split" in doc:
        split = r.share(r.at("traffic_split"), doc["traffic_split"],
                        "the treatments' share of the traffic, e.g. 0.10")
        if split is None or not treatments:
            return ()
        return (1 - split, *(split / treatments for _ in range(treatments)))
    if "weights" not in doc:
        return ()
    value = doc["weights"]
    if not isinstance(value, list):
        r.problem(r.at("weights"), f"must be a list of shares, control first, e.g. [0.9, "
                                   f"0.1], found {describe(value)}")
        return ()
    shares = [r.share(indexed(r.at("weights"), i), v, "an arm's share")
              for i, v in enumerate(value)]
    return tuple(s for s in shares if s is not None) if None not in shares else ()


def _start(r: _Reader, value: object) -> datetime | None:
    if value is None:
        return None
    moment: datetime | None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
    if moment is None:
        r.problem(r.at("start"), f"must be a time such as 2026-12-07T00:00:00Z, found "
                                 f"{describe(value)}")
        return None
    if moment.tzinfo is None:
        r.problem(r.at("start"), "needs a time zone, e.g. 2026-12-07T00:00:00Z")
        return None
    return moment.astimezone(UTC)


def _metrics(r: _Reader, value: object, key: str, role: MetricRole) -> tuple[MetricSpec, ...]:
    if value is None:
        return ()
    where = r.at(key)
    if not isinstance(value, list):
        r.problem(where, f"must be a list of metrics such as {{metric: latency_p95_ms, "
                         f"direction: lower}}, found {describe(value)}")
        return ()
    found: list[MetricSpec] = []
    for i, item in enumerate(value):
        at = indexed(where, i)
        if not isinstance(item, Mapping):
            r.problem(at, f"must be a metric such as {{metric: accuracy, direction: higher}}, "
                          f"found {describe(item)}")
            continue
        before = len(r.problems)
        for extra in item:
            if extra not in _METRIC_KEYS:
                r.problem(located(at, extra), f"is not a metric field; the fields are "
                                              f"{', '.join(_METRIC_KEYS)}")
        name = item.get("metric")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,99}", name):
            r.problem(located(at, "metric"), f"must be a lowercase metric name, e.g. "
                                             f"accuracy, found {describe(name)}")
        kind = item.get("kind", MetricKind.MEAN.value)
        if kind not in tuple(k.value for k in MetricKind):
            r.problem(located(at, "kind"), f"must be mean or proportion, found "
                                           f"{describe(kind)}")
        direction = item.get("direction")
        if direction not in tuple(d.value for d in Direction):
            r.problem(located(at, "direction"), f"must be higher or lower (which values are "
                                                f"better?), found {describe(direction)}")
        margin = item.get("margin", 0.0)
        if role is MetricRole.GUARDRAIL and (not _number(margin) or not 0 < float(margin) < 1):
            r.problem(located(at, "margin"), f"must be the share by which the treatment may "
                                             f"be worse, above 0 and below 1 (0.05 is 5%), "
                                             f"found {describe(margin)}")
        elif role is MetricRole.PRIMARY and "margin" in item:
            r.problem(located(at, "margin"), "only guardrails have a margin")
        if len(r.problems) == before:
            found.append(MetricSpec(str(name), MetricKind(str(kind)), Direction(str(direction)),
                                    role, float(margin) if role is MetricRole.GUARDRAIL
                                    else 0.0))
    return tuple(found)


def _design(r: _Reader, value: object) -> Design:
    if value is None:
        return Design()
    where = r.at("design")
    if not isinstance(value, Mapping):
        r.problem(where, f"must be a mapping such as {{alpha: 0.05, power: 0.8, mde: 0.02}}, "
                         f"found {describe(value)}")
        return Design()
    for key in value:
        if key not in ("alpha", "power", "mde"):
            r.problem(located(where, key), "is not a design field; the fields are alpha, "
                                           "power, mde")
    numbers = {}
    for key, default in (("alpha", 0.05), ("power", 0.8), ("mde", 0.02)):
        item = value.get(key, default)
        if not _number(item):
            r.problem(located(where, key), f"must be a number, found {describe(item)}")
        else:
            numbers[key] = float(item)
    try:
        return Design(**numbers)
    except InvalidInput as exc:
        r.problem(where, str(exc))
        return Design()


def _canary(r: _Reader, value: object, where: str) -> CanaryPlan | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        r.problem(where, f"must be a mapping such as {{steps: [0.05, 0.25, 1], min_duration: "
                         f"1h, min_sample: 500}}, found {describe(value)}")
        return None
    before = len(r.problems)
    for key in value:
        if key not in ("steps", "min_duration", "min_sample"):
            r.problem(located(where, key), "is not a canary field; the fields are steps, "
                                           "min_duration, min_sample")
    steps = value.get("steps")
    if not isinstance(steps, list) or not steps or not all(_number(s) for s in steps):
        r.problem(located(where, "steps"), f"must be a list of rising shares of the traffic, "
                                           f"e.g. [0.01, 0.05, 0.25, 0.5, 1], found "
                                           f"{describe(steps)}")
    duration = timedelta(hours=1)
    if "min_duration" in value:
        try:
            duration = parse_duration(value["min_duration"])
        except InvalidInput as exc:
            r.problem(located(where, "min_duration"), str(exc))
    sample = value.get("min_sample", 100)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample <= 10**12:
        r.problem(located(where, "min_sample"), f"must be a whole number of observations per "
                                                f"arm, found {describe(sample)}")
    if len(r.problems) > before:
        return None
    try:
        return CanaryPlan(tuple(float(s) for s in steps), duration,  # type: ignore[union-attr]
                          int(sample))
    except InvalidInput as exc:
        r.problem(located(where, "steps"), str(exc))
        return None
