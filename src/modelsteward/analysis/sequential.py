"""A test that may be read at every look: the mixture sequential probability ratio test.

A fixed-horizon p-value read every day and acted on the first day it dips below ``alpha``
rejects a true null far more often than ``alpha`` (14 daily looks at 0.05 reject about a fifth of
A/A tests). The mSPRT keeps its error rate at ``alpha`` however often it is read and whenever
the experiment is stopped.

The statistic (Johari, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B
Tests", Operations Research, 2022, arXiv:1512.04922, and Optimizely's Stats
Engine, which uses it): at a look with difference of means ``θ̂ = m_t − m_c`` whose variance is
``V = s_t² / n_t + s_c² / n_c``, the likelihood ratio of a normal mixture ``θ ~ N(0, τ²)``
against ``θ = 0`` is::

    Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))

(the paper's ``Λ_n = sqrt(2s² / (2s² + nτ²)) · exp(n² τ² θ̂² / (4s² (2s² + nτ²)))`` with
``V = 2s² / n``, written for arms of any sizes). ``Λ`` is a martingale under the null, so by
Ville's inequality it exceeds ``1 / alpha`` at *any* look with probability at most ``alpha``:

* the **always-valid p-value** is ``p_n = min(p_{n−1}, 1 / Λ_n)``, starting from 1;
* the **always-valid interval** at a look is the set of ``θ₀`` with ``Λ(θ₀) < 1 / alpha``,
  ``θ̂ ± sqrt(V (V + τ²) / τ² · (2 log(1 / alpha) + log((V + τ²) / V)))``, intersected with the
  intervals of the earlier looks; ``p ≤ alpha`` exactly when it excludes 0.

Variances come from the cumulative moments at each look (the sample variance for means,
``p(1 − p)`` for proportions), the normal approximation the paper and Stats Engine use for
large samples.

**The mixing variance τ².** Any fixed τ gives a valid test; τ decides which effects it finds
fastest. The paper recommends matching the mixture to the effects one expects;
the design states that as the minimum detectable effect, so by default
``τ = mde · |control mean|``, the MDE in the metric's units, with the control's mean taken at
the first look where the control has two observations and a non-zero mean. It is fixed from
then on, so what a look reported is not rewritten by later looks. Pass ``tau`` to set it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from modelsteward.analysis.decision import Decision
from modelsteward.analysis.estimates import ArmSummary, checked
from modelsteward.analysis.figures import finite, p_text, signed
from modelsteward.analysis.fixed_horizon import toward_better
from modelsteward.domain.direction import Direction
from modelsteward.domain.outcomes import Design, MetricRole, MetricSpec, Moments
from modelsteward.errors import InvalidInput


@dataclass(frozen=True)
class SequentialLook:
    """The test as it stood at one look (``look`` counts from 1): the difference of means, the
    always-valid p-value and the always-valid interval of the difference (``None`` until a look
    has two observations and some variance in the arms)."""

    look: int
    control_count: int
    treatment_count: int
    difference: float | None
    p_value: float
    interval: tuple[float, float] | None

    def as_payload(self) -> dict[str, object]:
        return {"look": self.look, "control_count": self.control_count,
                "treatment_count": self.treatment_count, "difference": self.difference,
                "p_value": self.p_value,
                "interval": None if self.interval is None else list(self.interval)}


@dataclass(frozen=True)
class SequentialResult:
    """The mSPRT over the looks of treatment ``arm`` against the control on ``metric``.

    ``decision`` is ``better`` or ``worse`` (in the metric's direction) once the always-valid
    p-value is at most ``alpha``, from the first such look (``decided_at``) on; ``no_difference``
    before; ``untested`` when no look allowed a test. ``tau`` is the mixing standard deviation
    used (``None`` when none could be set)."""

    metric: str
    arm: str
    role: MetricRole
    direction: Direction
    alpha: float
    tau: float | None
    looks: tuple[SequentialLook, ...]
    decision: Decision
    decided_at: int | None
    notes: tuple[str, ...] = ()

    @property
    def p_value(self) -> float:
        """The always-valid p-value at the last look (1 before any look)."""
        return self.looks[-1].p_value if self.looks else 1.0

    @property
    def interval(self) -> tuple[float, float] | None:
        """The always-valid interval of the difference at the last look."""
        return self.looks[-1].interval if self.looks else None

    def describe(self) -> str:
        """One sentence: the metric, the always-valid p-value and interval, the decision."""
        interval = self.interval
        shown = "" if interval is None else \
            f", difference in [{signed(interval[0])}, {signed(interval[1])}]"
        verdict = {Decision.BETTER: f"significantly better since look {self.decided_at}",
                   Decision.WORSE: f"significantly worse since look {self.decided_at}",
                   Decision.NO_DIFFERENCE: "no significant difference yet",
                   }.get(self.decision, "untested. " + " ".join(self.notes))
        return (f"{self.metric} ({self.direction.phrase}), sequential test: arm {self.arm} "
                f"always-valid {p_text(self.p_value)}{shown}: {verdict}")

    def as_payload(self) -> dict[str, object]:
        """A JSON-able dict (no NaN or infinity)."""
        return {"metric": self.metric, "arm": self.arm, "role": self.role.value,
                "direction": self.direction.value, "alpha": self.alpha, "tau": self.tau,
                "p_value": self.p_value,
                "interval": None if self.interval is None else list(self.interval),
                "decision": self.decision.value, "decided_at": self.decided_at,
                "looks": [look.as_payload() for look in self.looks], "notes": list(self.notes)}


def msprt(looks: Sequence[tuple[Moments, Moments]], spec: MetricSpec, design: Design, *,
          tau: float | None = None, arm: str = "treatment",
          control_arm: str = "control") -> SequentialResult:
    """The mSPRT of the module's docstring over ``looks``: the cumulative ``(control,
    treatment)`` moments at each look, in time order.

    Looks without two observations and some variance in the arms leave the p-value and the
    interval as they were. Raises :class:`~modelsteward.errors.InvalidInput` for moments that
    cannot be moments, looks that are not cumulative (a count that falls), and a ``tau`` that is
    not a positive finite number."""
    if tau is not None and not (math.isfinite(tau) and tau > 0):
        raise InvalidInput(f"Metric {spec.name}: the mixing standard deviation tau {tau!r} is "
                           "not a positive number; leave it unset to derive it from the MDE.")
    summaries = _summaries(looks, spec, arm, control_arm)
    if tau is None:
        tau = next((design.mde * abs(c.mean) for c, _ in summaries
                    if c.unit_variance is not None and c.mean), None)
    notes: list[str] = []
    if tau is None:
        notes.append(f"No look has two observations of {spec.name} in the control with a "
                     "non-zero mean, so the mixture's scale (the MDE in the metric's units) "
                     "cannot be set yet.")
    log_threshold = math.log(1 / design.alpha)
    p, low, high = 1.0, -math.inf, math.inf
    done: list[SequentialLook] = []
    for number, (c, t) in enumerate(summaries, start=1):
        difference = None if c.mean is None or t.mean is None else t.mean - c.mean
        vc, vt = c.mean_variance, t.mean_variance
        if tau is not None and difference is not None and vc is not None and vt is not None \
                and vc + vt > 0:
            v, tau2 = vc + vt, tau * tau
            log_lambda = 0.5 * math.log(v / (v + tau2)) \
                + tau2 * difference ** 2 / (2 * v * (v + tau2))
            p = min(p, math.exp(min(-log_lambda, 0.0)))  # 1 / Λ, capped at 1
            half = math.sqrt(v * (v + tau2) / tau2
                             * (2 * log_threshold + math.log((v + tau2) / v)))
            new_low, new_high = max(low, difference - half), min(high, difference + half)
            if new_low > new_high:
                notes.append(f"At look {number} the always-valid interval of {spec.name} left "
                             "every earlier one: the effect changed over time (a novelty "
                             "effect?), which the test assumes it does not; the interval "
                             "shown from there is that look's own.")
                new_low, new_high = difference - half, difference + half
            low, high = new_low, new_high
        interval = None if math.isinf(low) else (low, high)
        done.append(SequentialLook(number, c.count, t.count, finite(difference), p, interval))

    decided_at = next((look.look for look in done if look.p_value <= design.alpha), None)
    decision = _decision(done, spec.direction, decided_at, tau is not None)
    if decision is Decision.UNTESTED and tau is not None:
        notes.append(f"No look has two observations of {spec.name} in each arm with some "
                     "variance; a test needs both.")
    return SequentialResult(metric=spec.name, arm=arm, role=spec.role,
                            direction=spec.direction, alpha=design.alpha, tau=tau,
                            looks=tuple(done), decision=decision, decided_at=decided_at,
                            notes=tuple(notes))


def _summaries(looks: Sequence[tuple[Moments, Moments]], spec: MetricSpec, arm: str,
               control_arm: str) -> list[tuple[ArmSummary, ArmSummary]]:
    found: list[tuple[ArmSummary, ArmSummary]] = []
    for number, (control, treatment) in enumerate(looks, start=1):
        c = ArmSummary.of(checked(control, spec, control_arm), spec.kind)
        t = ArmSummary.of(checked(treatment, spec, arm), spec.kind)
        if found and (c.count < found[-1][0].count or t.count < found[-1][1].count):
            raise InvalidInput(
                f"Metric {spec.name}: look {number} has fewer observations than look "
                f"{number - 1} ({control_arm} {c.count} after {found[-1][0].count}, {arm} "
                f"{t.count} after {found[-1][1].count}); give each look's cumulative moments, "
                "the sum of every day up to it.")
        found.append((c, t))
    return found


def _decision(looks: list[SequentialLook], direction: Direction, decided_at: int | None,
              has_tau: bool) -> Decision:
    if not has_tau or all(look.interval is None for look in looks):
        return Decision.UNTESTED
    if decided_at is None:
        return Decision.NO_DIFFERENCE
    # the deciding look's interval excludes 0: the side it lies on is the effect's sign
    interval = looks[decided_at - 1].interval
    assert interval is not None  # a look that moved the p-value has an interval
    middle = (interval[0] + interval[1]) / 2
    return Decision.BETTER if middle * toward_better(direction) > 0 else Decision.WORSE
