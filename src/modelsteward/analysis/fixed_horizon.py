"""One treatment against the control on one metric, read once at a planned horizon.

* **Mean** metrics: Welch's t-test (unequal variances), ``scipy.stats.ttest_ind_from_stats``;
  the difference's interval uses Welch's t with Welch–Satterthwaite degrees of freedom, so it
  agrees with the test.
* **Proportion** metrics: the two-proportion z-test with the pooled variance,
  ``statsmodels.stats.proportion.proportions_ztest``; the difference's interval is Wald's, with
  each arm's own ``p(1 − p)``.
* The **relative lift** gets a delta-method interval (:func:`~.estimates.lift_standard_error`).
  It carries the control mean's uncertainty as well as the difference's, so it can include 0
  when the test is narrowly significant: a primary metric's decision follows the test.
* **Guardrails** get a one-sided non-inferiority test of the relative lift against the metric's
  ``margin`` on the side the metric's direction calls worse, at level ``alpha / 2``: the
  guardrail is ``non_inferior`` exactly when the worse end of the two-sided ``(1 − alpha)`` lift
  interval lies within the margin, ``inferior`` when the better end lies beyond it, and
  ``inconclusive`` otherwise. (Testing at ``alpha / 2`` is the usual convention that makes the
  verdict and the printed interval agree.)

Quantiles and tail probabilities come from ``scipy.special`` (``ndtri``, ``stdtrit``, ``ndtr``):
the same functions ``scipy.stats.norm`` and ``scipy.stats.t`` evaluate, without their
hundred-microsecond overhead per call.

A p-value read at a horizon is valid only if the data were not peeked at before it: use
:mod:`.sequential` to decide while an experiment runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special, stats

from modelsteward.analysis.decision import Decision
from modelsteward.analysis.estimates import (
    ArmSummary,
    checked,
    lift_standard_error,
    relative_lift,
)
from modelsteward.analysis.figures import (
    finite,
    finite_pair,
    p_text,
    signed,
    signed_percent,
)
from modelsteward.domain.direction import Direction
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec, Moments


@dataclass(frozen=True)
class MetricResult:
    """Treatment ``arm`` against the control on ``metric``.

    Every float is finite or ``None``; ``None`` means "not defined by these data" and the notes
    say why. ``p_value`` is always the two-sided test of no difference (Welch or two-proportion
    z); ``margin_p_value`` is the guardrail's one-sided non-inferiority p-value (``None`` for
    a primary metric). ``lift`` is the relative lift ``(m_t − m_c) / |m_c|``."""

    metric: str
    arm: str
    role: MetricRole
    kind: MetricKind
    direction: Direction
    alpha: float
    control_mean: float | None
    control_count: int
    treatment_mean: float | None
    treatment_count: int
    lift: float | None
    lift_interval: tuple[float, float] | None
    difference: float | None
    difference_interval: tuple[float, float] | None
    p_value: float | None
    margin: float
    margin_p_value: float | None
    decision: Decision
    notes: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        """Whether the two-sided test found a difference at the result's ``alpha``."""
        return self.p_value is not None and self.p_value < self.alpha

    def describe(self) -> str:
        """One sentence: the metric, the effect with its interval, and the decision."""
        role = "guardrail " if self.role is MetricRole.GUARDRAIL else ""
        effect = _effect_text(self.lift, self.lift_interval, self.difference,
                              self.difference_interval)
        p = "" if self.p_value is None else f", {p_text(self.p_value)}"
        return (f"{role}{self.metric} ({self.direction.phrase}): arm {self.arm} {effect} "
                f"against the control{p}: {_verdict(self)}")

    def as_payload(self) -> dict[str, object]:
        """A JSON-able dict (no NaN or infinity; ``None`` where a value is undefined)."""
        return {
            "metric": self.metric, "arm": self.arm, "role": self.role.value,
            "kind": self.kind.value, "direction": self.direction.value, "alpha": self.alpha,
            "control": {"mean": self.control_mean, "count": self.control_count},
            "treatment": {"mean": self.treatment_mean, "count": self.treatment_count},
            "lift": self.lift, "lift_interval": _pair(self.lift_interval),
            "difference": self.difference,
            "difference_interval": _pair(self.difference_interval),
            "p_value": self.p_value, "significant": self.significant,
            "margin": self.margin, "margin_p_value": self.margin_p_value,
            "decision": self.decision.value, "notes": list(self.notes),
        }


def compare(control: Moments, treatment: Moments, spec: MetricSpec, design: Design, *,
            arm: str = "treatment", control_arm: str = "control") -> MetricResult:
    """Compare ``treatment`` with ``control`` (each arm's moments pooled over the experiment)
    on ``spec`` at ``design.alpha``; see the module's docstring for the tests.

    Never raises on what the data are: empty arms, one observation, no variance and a control
    mean of 0 give ``None`` values, an ``untested`` decision where no test applies, and notes
    saying why. Raises :class:`~modelsteward.errors.InvalidInput` only for moments that cannot
    be moments (:func:`~.estimates.checked`)."""
    c = ArmSummary.of(checked(control, spec, control_arm), spec.kind)
    t = ArmSummary.of(checked(treatment, spec, arm), spec.kind)
    notes: list[str] = []
    z = float(special.ndtri(1 - design.alpha / 2))

    difference = lift = None
    if c.mean is not None and t.mean is not None:
        difference = t.mean - c.mean
        lift = relative_lift(c.mean, t.mean)
        if lift is None:
            notes.append(f"The control's mean of {spec.name} is 0, so the relative lift is "
                         "undefined; read the absolute difference instead.")

    p_value = None
    difference_interval = lift_interval = None
    lift_se: float | None = None
    vc, vt = c.mean_variance, t.mean_variance
    if vc is None or vt is None:
        few = " and ".join(f"arm {name} has {s.count} observation{'' if s.count == 1 else 's'}"
                           for name, s in ((control_arm, c), (arm, t)) if s.count < 2)
        notes.append(f"{few[0].upper()}{few[1:]} of {spec.name}; a test needs at least two "
                     "in each arm.")
    elif vc + vt == 0:
        notes.append(f"Neither arm's observations of {spec.name} vary (each arm's have one "
                     "value); no test applies until they do.")
    else:
        assert c.mean is not None and t.mean is not None  # both counts are ≥ 2
        p_value, difference_interval = _test(control, treatment, c, t, spec.kind, design)
        if lift is not None:
            lift_se = lift_standard_error(c.mean, t.mean, vc, vt)
            if lift_se > 0:  # 0 when the treatment is 0 without spread: no interval to give
                lift_interval = finite_pair(lift - z * lift_se, lift + z * lift_se)

    if spec.role is MetricRole.GUARDRAIL:
        if lift is None and c.mean == 0:
            notes.append(f"A margin relative to a control mean of 0 allows no change at all, "
                         f"so guardrail {spec.name} cannot be tested.")
        decision, margin_p = _guardrail(spec, lift, lift_se, lift_interval, notes)
    else:
        decision, margin_p = _primary(spec, difference, p_value, design.alpha), None
    return MetricResult(
        metric=spec.name, arm=arm, role=spec.role, kind=spec.kind, direction=spec.direction,
        alpha=design.alpha, control_mean=finite(c.mean), control_count=c.count,
        treatment_mean=finite(t.mean), treatment_count=t.count, lift=finite(lift),
        lift_interval=lift_interval, difference=finite(difference),
        difference_interval=difference_interval, p_value=finite(p_value),
        margin=spec.margin if spec.role is MetricRole.GUARDRAIL else 0.0,
        margin_p_value=finite(margin_p), decision=decision, notes=tuple(notes))


def toward_better(direction: Direction) -> float:
    """``+1`` when higher is better, ``−1`` when lower is: a change times this is positive
    exactly when it is an improvement."""
    return 1.0 if direction is Direction.HIGHER_IS_BETTER else -1.0


def _test(control: Moments, treatment: Moments, c: ArmSummary, t: ArmSummary,
          kind: MetricKind, design: Design) -> tuple[float | None, tuple[float, float] | None]:
    """The two-sided p-value of no difference and the difference's ``(1 − alpha)`` interval;
    both arms have two or more observations and not both a variance of 0."""
    assert c.mean is not None and t.mean is not None
    assert c.unit_variance is not None and t.unit_variance is not None
    vc, vt = c.unit_variance / c.count, t.unit_variance / t.count
    difference, se = t.mean - c.mean, math.sqrt(vc + vt)
    if kind is MetricKind.PROPORTION:
        # imported here: statsmodels brings pandas (about a second), which mean metrics skip
        from statsmodels.stats.proportion import proportions_ztest

        _, p = proportions_ztest([treatment.total, control.total],
                                 [treatment.count, control.count])
        q = float(special.ndtri(1 - design.alpha / 2))
    else:
        _, p = stats.ttest_ind_from_stats(t.mean, math.sqrt(t.unit_variance), t.count,
                                          c.mean, math.sqrt(c.unit_variance), c.count,
                                          equal_var=False)
        # Welch–Satterthwaite: the degrees of freedom ttest_ind_from_stats uses
        df = (vc + vt) ** 2 / (vc ** 2 / (c.count - 1) + vt ** 2 / (t.count - 1))
        q = float(special.stdtrit(df, 1 - design.alpha / 2))
    return finite(p), finite_pair(difference - q * se, difference + q * se)


def _primary(spec: MetricSpec, difference: float | None, p_value: float | None,
             alpha: float) -> Decision:
    if p_value is None or difference is None:
        return Decision.UNTESTED
    if p_value >= alpha or difference == 0:
        return Decision.NO_DIFFERENCE
    return Decision.BETTER if difference * toward_better(spec.direction) > 0 else Decision.WORSE


def _guardrail(spec: MetricSpec, lift: float | None, lift_se: float | None,
               interval: tuple[float, float] | None,
               notes: list[str]) -> tuple[Decision, float | None]:
    """The non-inferiority verdict and its one-sided p-value (see the module's docstring)."""
    if lift is None or lift_se is None:  # the notes already say why
        return Decision.UNTESTED, None
    if interval is None:
        notes.append(f"The lift of {spec.name} has no measurable spread; the guardrail "
                     "cannot be tested yet.")
        return Decision.UNTESTED, None
    sign = toward_better(spec.direction)
    worst, best = sorted(sign * end for end in interval)
    # H0: the treatment is worse by the margin or more (sign · lift ≤ −margin)
    margin_p = float(special.ndtr(-(sign * lift + spec.margin) / lift_se))
    if worst > -spec.margin:
        return Decision.NON_INFERIOR, margin_p
    if best < -spec.margin:
        return Decision.INFERIOR, margin_p
    return Decision.INCONCLUSIVE, margin_p


def _pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else list(pair)


def _effect_text(lift: float | None, lift_interval: tuple[float, float] | None,
                 difference: float | None,
                 difference_interval: tuple[float, float] | None) -> str:
    if lift is not None:
        shown = signed_percent(lift)
        if lift_interval is not None:
            shown += f" [{signed_percent(lift_interval[0])}, {signed_percent(lift_interval[1])}]"
        return shown
    if difference is not None:
        shown = signed(difference)
        if difference_interval is not None:
            shown += f" [{signed(difference_interval[0])}, {signed(difference_interval[1])}]"
        return shown
    return "has no data to compare"


def _verdict(result: MetricResult) -> str:
    margin = f"{result.margin * 100:g}%"
    match result.decision:
        case Decision.BETTER:
            return "significantly better."
        case Decision.WORSE:
            return "significantly worse."
        case Decision.NO_DIFFERENCE:
            return "no significant difference."
        case Decision.NON_INFERIOR:
            return f"non-inferior (within the {margin} margin)."
        case Decision.INFERIOR:
            return f"inferior (worse than the {margin} margin allows)."
        case Decision.INCONCLUSIVE:
            return f"inconclusive (not yet shown to be within the {margin} margin)."
        case Decision.UNTESTED:
            return "untested. " + " ".join(result.notes)
