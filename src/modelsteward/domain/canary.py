"""What a canary does at a tick: advance to its next step, hold, roll back, or — past its last
step — ask for promotion.

The judgement is made on what the analysis says about the canary's guardrails:

* any guardrail **breached** (the canary is worse than the control by more than the margin,
  significantly) → roll back, at once, whatever the step's age or sample;
* the step has not run ``min_duration`` yet, or an arm has fewer than ``min_sample``
  observations of a guardrail → hold ("not enough data yet");
* every guardrail **holds** (non-inferior) → advance; at the last step, promote;
* otherwise (inconclusive) → hold.

A canary without guardrails advances on time and sample alone.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelsteward.domain.experiment import Experiment


class Guard(enum.StrEnum):
    HOLDS = "holds"
    BREACHED = "breached"
    INCONCLUSIVE = "inconclusive"


class Move(enum.StrEnum):
    ADVANCE = "advance"
    HOLD = "hold"
    ROLLBACK = "rollback"
    PROMOTE = "promote"


@dataclass(frozen=True)
class GuardReading:
    """One guardrail as the analysis read it: ``sentence`` says why (estimate, margin, p)."""

    metric: str
    guard: Guard
    sentence: str


@dataclass(frozen=True)
class Verdict:
    move: Move
    reason: str

    @property
    def healthy(self) -> bool:
        """Whether a delivery tool may go on (advance or promote): Argo's and Flagger's
        question."""
        return self.move in (Move.ADVANCE, Move.PROMOTE)


def judge(canary: Experiment, readings: Sequence[GuardReading],
          samples: Mapping[str, int], now: datetime) -> Verdict:
    """The move of the running canary ``canary`` at ``now``, given its guardrail ``readings``
    and ``samples`` (observations per arm of the least observed guardrail; outcome rows when
    it has none)."""
    plan = canary.canary
    if plan is None:
        raise ValueError(f"{canary.name} is not a canary")
    breached = [r for r in readings if r.guard is Guard.BREACHED]
    if breached:
        return Verdict(Move.ROLLBACK, "guardrail breached: " + "; ".join(
            r.sentence for r in breached))
    started = canary.step_started_at or canary.starts_at
    age = now - started
    if age < plan.min_duration:
        left = plan.min_duration - age
        return Verdict(Move.HOLD, f"step {canary.step + 1} has run {_span(age)} of its "
                                  f"{_span(plan.min_duration)} ({_span(left)} to go)")
    short = {arm: n for arm, n in sorted(samples.items()) if n < plan.min_sample}
    missing = [a.name for a in canary.arms if a.name not in samples]
    if short or missing:
        counts = ", ".join([f"{arm} {n}" for arm, n in short.items()]
                           + [f"{arm} 0" for arm in missing])
        return Verdict(Move.HOLD, f"not enough data yet: {counts} observations where each arm "
                                  f"needs {plan.min_sample}")
    unsure = [r for r in readings if r.guard is Guard.INCONCLUSIVE]
    if unsure:
        return Verdict(Move.HOLD, "guardrails not yet shown to hold: " + "; ".join(
            r.sentence for r in unsure))
    held = "; ".join(r.sentence for r in readings) or "no guardrail declared"
    if canary.step + 1 >= len(plan.steps):
        return Verdict(Move.PROMOTE, f"last step passed ({held})")
    return Verdict(Move.ADVANCE, f"step {canary.step + 1} passed ({held}); next "
                                 f"{plan.steps[canary.step + 1]:.0%} of the traffic")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h".replace(".0h", "h")
    return f"{max(seconds, 0) // 60}m"
