"""Evaluation result files, as ``steward eval record`` reads them (JSON or YAML)::

    {"suite": "golden-set",
     "dataset_digest": "sha256:9f86d0…",
     "metrics": {"accuracy": 0.93, "toxicity_rate": 0.004},
     "cost_per_1k_requests": 11.8,
     "latency_ms": {"p50": 120, "p95": 340, "p99": 800},
     "directions": {"accuracy": "higher"}}

``suite``, ``dataset_digest`` and ``metrics`` are required; the rest is optional.
``directions`` declares, for metrics of ``metrics``, whether ``higher`` or ``lower`` values are
better; the policy's own declaration of a metric comes first, and a file that contradicts it is
refused (:func:`direction_conflicts`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from modelsteward.domain.direction import Direction
from modelsteward.domain.documents import describe
from modelsteward.domain.policy import Policy
from modelsteward.errors import DocumentInvalid, Problem

_SLUG = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_PERCENTILE = re.compile(r"p(?:[1-9]\d?|100)(?:\.\d+)?")
_KEYS = {"suite", "dataset_digest", "metrics", "cost_per_1k_requests", "latency_ms", "notes",
         "directions"}
_DIRECTIONS = tuple(d.value for d in Direction)


@dataclass(frozen=True)
class EvaluationResult:
    suite: str
    dataset_digest: str
    metrics: dict[str, float]
    cost_per_1k_requests: float | None
    latency_ms: dict[str, float]
    directions: dict[str, Direction] = field(default_factory=dict)


def _number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _required(doc: Mapping[object, object], key: str, expected: str,
              empty: str = "") -> Problem:
    """The problem of a required field that is wrong: missing, or present with a value that is
    not ``expected`` (which the message quotes, so that nobody is told to add what is there).
    ``empty``: what to say instead when the value is an empty object."""
    if key not in doc:
        return Problem(f"$.{key}", f"is required: {expected}")
    value = doc[key]
    if empty and isinstance(value, Mapping) and not value:
        return Problem(f"$.{key}", f"must be {empty}, found an empty object")
    return Problem(f"$.{key}", f"must be {expected}, found {describe(value)}")


def parse_evaluation(doc: object, source: str = "evaluation") -> EvaluationResult:
    """Validate an evaluation document; raise :class:`DocumentInvalid` with every problem."""
    if not isinstance(doc, Mapping):
        raise DocumentInvalid(source, [Problem("$", "an evaluation must be an object with suite, "
                                                     "dataset_digest and metrics")])
    problems: list[Problem] = [
        Problem(f"$.{key}", f"is not an evaluation field; the fields are "
                            f"{', '.join(sorted(_KEYS))}")
        for key in doc if key not in _KEYS]
    suite = doc.get("suite")
    if not isinstance(suite, str) or not _SLUG.fullmatch(suite):
        problems.append(_required(doc, "suite", (
            "a lowercase name such as 'golden-set' or 'safety' (letters, digits, '.', '_' or "
            "'-', at most 100)")))
    digest = doc.get("dataset_digest")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        problems.append(_required(doc, "dataset_digest", (
            "'sha256:' and the 64 lowercase hex digits of the evaluation dataset")))
    metrics = doc.get("metrics")
    if not isinstance(metrics, Mapping) or not metrics:
        problems.append(_required(doc, "metrics", "an object of metric names to numbers", (
            "an object with at least one metric")))
        metrics = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or not _SLUG.fullmatch(name):
            problems.append(Problem(f"$.metrics.{name}", "metric names are lowercase, e.g. "
                                                         "'accuracy' or 'toxicity_rate'"))
        elif not _number(value):
            problems.append(Problem(f"$.metrics.{name}", f"must be a finite number, found "
                                                         f"{describe(value)}"))
    cost = doc.get("cost_per_1k_requests")
    if cost is not None and (not _number(cost) or float(cost) < 0):
        problems.append(Problem("$.cost_per_1k_requests", "must be a number >= 0"))
    latency = doc.get("latency_ms", {})
    if not isinstance(latency, Mapping):
        problems.append(Problem("$.latency_ms", "must be an object such as "
                                                "{\"p50\": 120, \"p95\": 340}"))
        latency = {}
    for name, value in latency.items():
        if not isinstance(name, str) or not _PERCENTILE.fullmatch(name):
            problems.append(Problem(f"$.latency_ms.{name}", "percentiles are named p50, p95, "
                                                            "p99 …"))
        elif not _number(value) or float(value) < 0:
            problems.append(Problem(f"$.latency_ms.{name}", "must be a number of ms >= 0"))
    directions = _directions(doc.get("directions", {}), metrics, problems)
    if problems:
        raise DocumentInvalid(source, problems)
    return EvaluationResult(str(suite), str(digest),
                            {str(k): float(v) for k, v in metrics.items()},
                            float(cost) if cost is not None else None,
                            {str(k): float(v) for k, v in latency.items()},
                            directions)


def _directions(value: object, metrics: Mapping[object, object],
                problems: list[Problem]) -> dict[str, Direction]:
    """``directions``: metrics of ``metrics`` to ``higher`` or ``lower``."""
    if not isinstance(value, Mapping):
        problems.append(Problem("$.directions", f"must be an object of metric names to "
                                                f"'higher' or 'lower', such as {{\"accuracy\": "
                                                f"\"higher\"}}, found {describe(value)}"))
        return {}
    found: dict[str, Direction] = {}
    for name, direction in value.items():
        where = f"$.directions.{name}"
        if not isinstance(name, str) or name not in metrics:
            problems.append(Problem(where, "is not one of this file's metrics: declare the "
                                           "direction only of a metric under metrics"))
        elif not isinstance(direction, str) or direction not in _DIRECTIONS:
            problems.append(Problem(where, f"must be 'higher' or 'lower' (are higher or lower "
                                           f"values of {name} better?), found "
                                           f"{describe(direction)}"))
        else:
            found[name] = Direction(direction)
    return found


def direction_conflicts(result: EvaluationResult, policy: Policy,
                        model: str) -> list[Problem]:
    """The directions of ``result`` that contradict the policy's for ``model`` (a declaration
    or an evaluation threshold), located at ``$.directions.<metric>``: the policy decides, so a
    file that says otherwise is refused rather than silently overruled."""
    problems = []
    for metric, direction in sorted(result.directions.items()):
        declared = policy.direction_for(model, metric)
        if declared is not None and declared is not direction:
            problems.append(Problem(f"$.directions.{metric}", (
                f"says {metric} is {direction.phrase}, but the policy makes it "
                f"{declared.phrase} for {model}; remove it from directions (the policy "
                f"decides), or change the policy's declaration under metrics:")))
    return problems
