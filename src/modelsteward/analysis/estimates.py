"""What one arm's moments say about a metric, and the two effects a comparison reports.

Both effects are treatment against control:

* the **difference** of the means, ``m_t − m_c``;
* the **relative lift**, ``(m_t − m_c) / |m_c|``: ``m_t / m_c − 1`` when the control's mean is
  positive, and of the difference's sign whatever the control's (so "+" always means "higher").

The variance of an observation is the sample variance for a mean metric and ``p(1 − p)`` for a
proportion (the binomial variance the two-proportion test uses).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from modelsteward.domain.outcomes import MetricKind, MetricSpec, Moments
from modelsteward.errors import InvalidInput


def checked(moments: Moments, spec: MetricSpec, arm: str) -> Moments:
    """``moments`` when they can be the moments of ``spec``'s observations in ``arm``.

    Raises :class:`InvalidInput` for a negative or non-integer count, a sum or sum of squares
    that is not finite, a negative sum of squares, observations without a count, and for a
    proportion a success count outside ``0..count``."""
    where = f"Arm {arm}, metric {spec.name}"
    count = moments.count
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
        raise InvalidInput(f"{where}: count {moments.count!r} is not a whole number of "
                           "observations; give 0 or more.")
    if not (math.isfinite(moments.total) and math.isfinite(moments.total_sq)):
        raise InvalidInput(f"{where}: the sum or the sum of squares is not finite; drop the "
                           "observations that are NaN or infinite before summing.")
    if moments.total_sq < 0:
        raise InvalidInput(f"{where}: the sum of squares {moments.total_sq!r} is negative; "
                           "it is the sum of the squared observations.")
    if moments.count == 0 and (moments.total or moments.total_sq):
        raise InvalidInput(f"{where}: no observations but a non-zero sum; give Moments() "
                           "for an arm that has not seen the metric yet.")
    if spec.kind is MetricKind.PROPORTION and not 0 <= moments.total <= moments.count:
        raise InvalidInput(f"{where}: {moments.total:g} successes out of {moments.count} "
                           "observations is not a proportion; the sum of a proportion is "
                           "its count of successes.")
    return moments


@dataclass(frozen=True)
class ArmSummary:
    """One arm's count, mean and the variance of one observation (``None`` below two
    observations: one value says nothing of the spread)."""

    count: int
    mean: float | None
    unit_variance: float | None

    @classmethod
    def of(cls, moments: Moments, kind: MetricKind) -> ArmSummary:
        if moments.count == 0:
            return cls(0, None, None)
        count = int(moments.count)
        mean = moments.total / count
        if count < 2:
            return cls(count, mean, None)
        if kind is MetricKind.PROPORTION:
            return cls(count, mean, mean * (1 - mean))
        return cls(count, mean, moments.variance)

    @property
    def mean_variance(self) -> float | None:
        """The variance of the arm's mean: an observation's variance over the count."""
        return None if self.unit_variance is None else self.unit_variance / self.count


def relative_lift(control: float, treatment: float) -> float | None:
    """``(treatment − control) / |control|``; ``None`` when the control's mean is 0."""
    return None if control == 0 else (treatment - control) / abs(control)


def lift_standard_error(control: float, treatment: float, control_var: float,
                        treatment_var: float) -> float:
    """The delta-method standard error of the relative lift ``m_t / m_c − 1``.

    With independent arms, ``Var(m_t / m_c) ≈ Var(m_t) / m_c² + m_t² · Var(m_c) / m_c⁴``, where
    ``Var(m)`` is the variance of an arm's mean (``control_var``, ``treatment_var``). Dividing
    by ``|m_c|`` instead of ``m_c`` only flips the sign, so the error is the same. Reference:
    Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics: A Practical Guide with
    Novel Ideas", KDD 2018 (arXiv:1803.06336); Kohavi, Tang & Xu, *Trustworthy
    Online Controlled Experiments* (2020), chapter 18. ``control`` must not be 0."""
    return math.sqrt(treatment_var / control ** 2
                     + treatment ** 2 * control_var / control ** 4)
