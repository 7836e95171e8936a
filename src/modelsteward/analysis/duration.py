"""How many units, and how many more days, an experiment needs to reach the design's power.

Two horizons are estimated for an effect of the design's MDE (``mde · |control mean|`` in the
metric's units) with the observed variance (pooled over the arms) and the current split of
traffic:

* **fixed-horizon**: the units per arm at which the two-sided test at ``alpha`` has the design's
  power, from ``statsmodels.stats.power.NormalIndPower`` with the standardised effect
  ``mde · |control mean| / sd``;
* **sequential**: the units per arm at which the mSPRT (:mod:`.sequential`) has that power
  *at that look alone*: the smallest ``n`` with ``Φ((θ − h_n) / √V_n) ≥ power``, where ``θ`` is
  the MDE, ``V_n`` the variance of the difference and ``h_n`` the half-width of the always-valid
  interval. Rejections at earlier looks only add to the power, so this ``n`` is enough (a
  conservative estimate). It is larger than the fixed-horizon one: always-valid inference pays
  for the freedom to look every day.

The days are the more days the arm that falls furthest behind needs at its current daily
traffic (0 when the units are there already).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from scipy import optimize, stats

from modelsteward.analysis.estimates import ArmSummary, checked
from modelsteward.analysis.figures import finite
from modelsteward.domain.outcomes import Design, MetricSpec, Moments
from modelsteward.errors import InvalidInput

MIN_UNITS = 2  # per arm: no test runs on fewer


@dataclass(frozen=True)
class TimeToDecision:
    """The units each arm needs and the more days until it has them, for the fixed-horizon test
    and for the sequential one, to detect a relative effect of ``mde`` with the design's power;
    every figure is ``None`` when it cannot be estimated, and ``reason`` then says why (it is
    empty otherwise)."""

    metric: str
    mde: float
    fixed_control: int | None = None
    fixed_treatment: int | None = None
    fixed_days: int | None = None
    sequential_control: int | None = None
    sequential_treatment: int | None = None
    sequential_days: int | None = None
    reason: str = ""

    def as_payload(self) -> dict[str, object]:
        return {"metric": self.metric, "mde": self.mde,
                "fixed": {"control": self.fixed_control, "treatment": self.fixed_treatment,
                          "days": self.fixed_days},
                "sequential": {"control": self.sequential_control,
                               "treatment": self.sequential_treatment,
                               "days": self.sequential_days},
                "reason": self.reason or None}


def time_to_decision(control: Moments, treatment: Moments, spec: MetricSpec, design: Design, *,
                     daily_control: float, daily_treatment: float,
                     tau: float | None = None) -> TimeToDecision:
    """The horizons of the module's docstring for ``spec``, from the arms' moments so far and
    their daily traffic (observations of the metric per day). ``tau`` is the sequential test's
    mixing standard deviation (by default the MDE in the metric's units, as :func:`.msprt`).

    Raises :class:`~modelsteward.errors.InvalidInput` for a negative or non-finite daily
    traffic, a ``tau`` that is not a positive number and moments that cannot be moments."""
    if tau is not None and not (math.isfinite(tau) and tau > 0):
        raise InvalidInput(f"Metric {spec.name}: the mixing standard deviation tau {tau!r} is "
                           "not a positive number; leave it unset to derive it from the MDE.")
    for name, daily in (("control", daily_control), ("treatment", daily_treatment)):
        if not (math.isfinite(daily) and daily >= 0):
            raise InvalidInput(f"Metric {spec.name}: the daily traffic of the {name} "
                               f"({daily!r}) is not a count of 0 or more a day.")
    c = ArmSummary.of(checked(control, spec, "control"), spec.kind)
    t = ArmSummary.of(checked(treatment, spec, "treatment"), spec.kind)
    def unknown(reason: str) -> TimeToDecision:
        return TimeToDecision(spec.name, design.mde, reason=reason)

    if daily_control == 0 or daily_treatment == 0:
        quiet = "the control" if daily_control == 0 else "the treatment"
        return unknown(f"There is no traffic yet in {quiet}, so no day of decision can be "
                       "estimated.")
    variance = _pooled_variance(c, t)
    if c.mean is None or variance is None:
        return unknown(f"The control has fewer than two observations of {spec.name}: its "
                       "spread is not known yet.")
    if c.mean == 0:
        return unknown(f"The control's mean of {spec.name} is 0, so a relative effect is no "
                       "effect at all.")
    if variance == 0:
        return unknown(f"The observations of {spec.name} do not vary yet, so the power cannot "
                       "be estimated.")

    effect = design.mde * abs(c.mean)
    ratio = daily_treatment / daily_control
    fixed = _fixed_size(effect / math.sqrt(variance), ratio, design)
    if fixed is None:
        return unknown(f"statsmodels' power solver found no sample size for {spec.name}.")
    sequential = _sequential_size(effect, variance, ratio, design, tau or effect)
    fixed_c, fixed_t = _units(fixed), _units(fixed * ratio)
    seq_c, seq_t = _units(sequential), _units(sequential * ratio)
    return TimeToDecision(
        spec.name, design.mde, fixed_control=fixed_c, fixed_treatment=fixed_t,
        fixed_days=_days(fixed_c, fixed_t, c.count, t.count, daily_control, daily_treatment),
        sequential_control=seq_c, sequential_treatment=seq_t,
        sequential_days=_days(seq_c, seq_t, c.count, t.count, daily_control, daily_treatment))


def _units(n: float) -> int:
    """Whole units, at least the two per arm any test needs."""
    return max(MIN_UNITS, math.ceil(n))


def _fixed_size(standardised: float, ratio: float, design: Design) -> float | None:
    """The control's units for the fixed-horizon test (``NormalIndPower``); ``None`` when the
    solver fails."""
    from statsmodels.stats.power import NormalIndPower  # statsmodels brings pandas: on use

    solver = NormalIndPower()
    settings = {"effect_size": standardised, "alpha": design.alpha, "ratio": ratio,
                "alternative": "two-sided"}
    # the solver cannot go below a couple of units: an effect that large needs no solving
    if float(solver.power(nobs1=MIN_UNITS, **settings)) >= design.power:
        return float(MIN_UNITS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a failure to converge shows as the NaN it returns
        found = solver.solve_power(power=design.power, nobs1=None, **settings)
    return finite(found)


def _pooled_variance(c: ArmSummary, t: ArmSummary) -> float | None:
    """An observation's variance pooled over the arms that have one (each weighted by its
    degrees of freedom); ``None`` when neither has."""
    parts = [(s.count - 1, s.unit_variance) for s in (c, t) if s.unit_variance is not None]
    if not parts:
        return None
    return sum(df * v for df, v in parts) / sum(df for df, _ in parts)


def _sequential_size(effect: float, variance: float, ratio: float, design: Design,
                     tau: float) -> float:
    """The control's units at which the mSPRT alone has ``design.power`` against ``effect``
    (see the module's docstring); the treatment's are ``ratio`` times as many."""
    z_power = float(stats.norm.ppf(design.power))
    tau2, log_threshold = tau * tau, math.log(1 / design.alpha)

    def shortfall(n: float) -> float:  # grows with n: the power's z-score minus the target
        v = variance * (1 + 1 / ratio) / n
        half = math.sqrt(v * (v + tau2) / tau2 * (2 * log_threshold + math.log((v + tau2) / v)))
        return (effect - half) / math.sqrt(v) - z_power

    if shortfall(MIN_UNITS) >= 0:  # an effect so large against the spread that it shows at once
        return float(MIN_UNITS)
    high = 2.0 * MIN_UNITS
    while shortfall(high) < 0:
        high *= 2
    return float(optimize.brentq(shortfall, MIN_UNITS, high, xtol=0.5))


def _days(need_c: int, need_t: int, have_c: int, have_t: int, daily_c: float,
          daily_t: float) -> int:
    return max(0, math.ceil(max((need_c - have_c) / daily_c, (need_t - have_t) / daily_t)))
