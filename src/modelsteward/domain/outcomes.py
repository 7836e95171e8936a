"""What an experiment measures and what it keeps of the measurements.

An experiment's outcomes are kept as **sufficient statistics**: for each arm, metric and day, the
number of observations, their sum and their sum of squares (:class:`Moments`). That is all a
t-test, a two-proportion test or a sequential test needs, and it does not grow with the number of
observations. A rate (a refusal, a thumbs-up) is a metric whose values are 0 or 1, so the sum
is the count of successes.

A :class:`MetricSpec` says how a metric is read: a mean or a proportion, which way is better,
and whether it is a **primary** metric (the experiment is decided on it) or a **guardrail** (the
treatment must not be worse than the control by more than its ``margin``, a relative share of
the control's value: ``0.05`` allows 5 % worse).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date

from modelsteward.domain.direction import Direction
from modelsteward.errors import InvalidInput

# (arm, metric, day): an arm's observations of one metric on one day (UTC). The metric ``""``
# counts the outcome rows of the arm (the units reporting), for the sample-ratio check.
MomentKey = tuple[str, str, date]

# the largest magnitude an observed value may have: its square stays far from overflowing
MAX_VALUE = 1e15


class MetricKind(enum.StrEnum):
    MEAN = "mean"              # any real value: latency, cost, a quality score
    PROPORTION = "proportion"  # 0 or 1 per observation: a refusal, a conversion


class MetricRole(enum.StrEnum):
    PRIMARY = "primary"
    GUARDRAIL = "guardrail"


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a set of observations (empty: all zero)."""

    count: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.count + other.count, self.total + other.total,
                       self.total_sq + other.total_sq)

    @classmethod
    def of(cls, values: list[float] | tuple[float, ...]) -> Moments:
        """The moments of ``values``."""
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))

    @property
    def mean(self) -> float:
        """The mean; NaN when empty."""
        return self.total / self.count if self.count else math.nan

    @property
    def variance(self) -> float:
        """The sample variance (n − 1 in the denominator); NaN below two observations. Never
        negative (rounding in ``total_sq − total²/n`` is clipped at 0)."""
        if self.count < 2:
            return math.nan
        return max(0.0, (self.total_sq - self.total * self.total / self.count)
                   / (self.count - 1))


@dataclass(frozen=True)
class MetricSpec:
    """How one metric of an experiment is read (see the module's docstring)."""

    name: str
    kind: MetricKind = MetricKind.MEAN
    direction: Direction = Direction.HIGHER_IS_BETTER
    role: MetricRole = MetricRole.PRIMARY
    margin: float = 0.0

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise InvalidInput("A metric needs a name, e.g. accuracy or latency_p95_ms.")
        if not math.isfinite(self.margin) or not 0 <= self.margin < 1:
            raise InvalidInput(f"Metric {self.name}: margin {self.margin!r} is not a share from "
                               "0 to 1 of the control's value (0.05 allows 5% worse).")
        if self.role is MetricRole.GUARDRAIL and self.margin == 0:
            raise InvalidInput(f"Guardrail {self.name} needs a non-inferiority margin above 0, "
                               "e.g. margin: 0.05 for at most 5% worse than the control.")


@dataclass(frozen=True)
class Design:
    """The error rates and the effect an experiment is designed for: ``alpha`` (two-sided false
    positive rate), ``power`` (chance to detect an effect of ``mde``), and ``mde``, the minimum
    detectable effect as a relative lift over the control (0.02 is 2 %)."""

    alpha: float = 0.05
    power: float = 0.8
    mde: float = 0.02

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5:
            raise InvalidInput(f"alpha {self.alpha!r} is not between 0 and 0.5; 0.05 is usual.")
        if not 0.5 <= self.power < 1:
            raise InvalidInput(f"power {self.power!r} is not between 0.5 and 1; 0.8 is usual.")
        if not math.isfinite(self.mde) or not 0 < self.mde < 10:
            raise InvalidInput(f"mde {self.mde!r} is not a relative effect above 0; give e.g. "
                               "0.02 for a 2% lift.")
