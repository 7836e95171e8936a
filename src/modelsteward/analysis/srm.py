"""Sample-ratio mismatch: did the arms get the share of units their weights promise?

A split that differs from the weights by more than chance (a bug in assignment, a redirect that
loses units in one arm, bots filtered from one arm only) biases every comparison, whatever the
metrics say, so a mismatch blocks the experiment's decision until it is explained. The check is
Pearson's chi-square goodness-of-fit test of the unit counts against the split the weights
expect (``scipy.stats.chisquare``), and a mismatch is a p-value below ``threshold``, 0.001 by
default: the strict level GrowthBook, Optimizely and Microsoft's ExP use, since the check runs
on every look of every experiment and a false alarm stops a good one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from modelsteward.analysis.figures import finite, p_text
from modelsteward.errors import InvalidInput

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class ArmShare:
    """One arm's units, its observed share of the units and the share its weight expects."""

    arm: str
    units: int
    observed: float | None  # None when no arm has units yet
    expected: float


@dataclass(frozen=True)
class SrmCheck:
    """The result of :func:`srm`: ``mismatch`` blocks a decision, and ``sentence`` says why
    (or that the split is fine). ``p_value`` is ``None`` when there was nothing to test (fewer
    than two weighted arms, or no units yet)."""

    arms: tuple[ArmShare, ...]
    p_value: float | None
    threshold: float
    mismatch: bool
    sentence: str

    def as_payload(self) -> dict[str, object]:
        """A JSON-able dict (no NaN or infinity)."""
        return {
            "mismatch": self.mismatch, "p_value": self.p_value, "threshold": self.threshold,
            "sentence": self.sentence,
            "arms": [{"arm": a.arm, "units": a.units, "observed": a.observed,
                      "expected": a.expected} for a in self.arms],
        }


def srm(counts: Sequence[int], weights: Sequence[float], names: Sequence[str] | None = None, *,
        threshold: float = SRM_THRESHOLD) -> SrmCheck:
    """Check that ``counts`` (units per arm) follow ``weights`` (any non-negative scale; they
    are normalised over the arms that have weight), the arms named by ``names`` (by default
    ``1``, ``2``, …: the sentence reads "arm 2 got …").

    Arms of weight 0 take no part in the test; one that received units nevertheless is a
    mismatch on its own (nothing should reach it). Raises
    :class:`~modelsteward.errors.InvalidInput` for lists of different lengths, a negative or
    fractional count, a negative or non-finite weight, no positive weight, and a threshold
    outside (0, 1)."""
    labels = list(names) if names is not None else [str(i + 1) for i in range(len(counts))]
    _validate(counts, weights, labels, threshold)
    units = [int(c) for c in counts]
    total, weight_total = sum(units), math.fsum(weights)
    expected = [w / weight_total for w in weights]
    shares = tuple(ArmShare(name, n, n / total if total else None, e)
                   for name, n, e in zip(labels, units, expected, strict=True))

    stray = [s for s, w in zip(shares, weights, strict=True) if w == 0 and s.units > 0]
    if stray:
        arm = stray[0]
        return SrmCheck(shares, None, threshold, True,
                        f"arm {arm.arm} got {arm.units} units where none were expected (its "
                        "weight is 0); the split is broken, the decision is blocked until it "
                        "is fixed")
    tested = [s for s, w in zip(shares, weights, strict=True) if w > 0]
    if len(tested) < 2 or total == 0:
        why = "no units yet" if total == 0 else "only one arm has weight"
        return SrmCheck(shares, None, threshold, False, f"the split cannot be checked: {why}")

    observed = [s.units for s in tested]
    fitted = [total * s.expected for s in tested]
    p = finite(stats.chisquare(observed, fitted).pvalue)
    p = 0.0 if p is None else p  # the statistic overflowed: as far from the weights as can be
    # the arm furthest from its expected share, relative to that share, is the one to name;
    # of two as far (two arms of equal weight always are), the one that got too many
    worst = max(tested, key=lambda s: (round(abs(s.units - total * s.expected) / s.expected, 9),
                                       s.units > total * s.expected))
    split = (f"arm {worst.arm} got {_percent(worst.units / total)} of units where "
             f"{_percent(worst.expected)} were expected ({p_text(p)})")
    if p < threshold:
        return SrmCheck(shares, p, threshold, True,
                        f"{split}; the split is broken, the decision is blocked until it is fixed")
    return SrmCheck(shares, p, threshold, False,
                    f"the split follows the weights: {split}, within chance")


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _validate(counts: Sequence[int], weights: Sequence[float], names: Sequence[str],
              threshold: float) -> None:
    problems: list[str] = []
    if not len(counts) == len(weights) == len(names):
        problems.append(f"there are {len(counts)} counts, {len(weights)} weights and "
                        f"{len(names)} names; give one of each per arm")
    for i, c in enumerate(counts):
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 0:
            problems.append(f"counts[{i}] = {c!r} is not a whole number of units of 0 or more")
    for i, w in enumerate(weights):
        if not isinstance(w, numbers.Real) or not math.isfinite(w) or w < 0:
            problems.append(f"weights[{i}] = {w!r} is not a finite weight of 0 or more")
    if not problems and not any(w > 0 for w in weights):
        problems.append("no arm has a weight above 0; give each arm its share of traffic")
    if not 0 < threshold < 1:
        problems.append(f"threshold {threshold!r} is not a p-value between 0 and 1; 0.001 "
                        "is usual")
    if problems:
        raise InvalidInput(f"The sample-ratio check cannot run: {'; '.join(problems)}.")
