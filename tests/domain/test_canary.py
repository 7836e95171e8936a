"""What a canary does at a tick: a breach rolls back at once; time and sample hold; holding
guardrails advance, and the last step asks for promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelsteward.domain.canary import Guard, GuardReading, Move, judge
from modelsteward.domain.direction import Direction
from modelsteward.domain.experiment import Arm, CanaryPlan, Experiment
from modelsteward.domain.outcomes import Design, MetricKind, MetricRole, MetricSpec

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _canary(step: int = 0) -> Experiment:
    made = Experiment(
        name="bot-canary", model="bot",
        arms=(Arm("control", "1.0.0", 0.9), Arm("treatment", "2.0.0", 0.1)),
        unit="user_id", coverage=1.0, seed="bot-canary",
        metrics=(MetricSpec("latency_ms", MetricKind.MEAN, Direction.LOWER_IS_BETTER,
                            MetricRole.GUARDRAIL, 0.1),),
        design=Design(), starts_at=T0, ends_at=None,
        canary=CanaryPlan((0.1, 0.5, 1.0), timedelta(hours=1), 100), created_at=T0,
        created_by="alice")
    return made.at_step(step, T0)


HOLDS = [GuardReading("latency_ms", Guard.HOLDS, "latency within 10%")]
BREACHED = [GuardReading("latency_ms", Guard.BREACHED, "latency +100%")]
UNSURE = [GuardReading("latency_ms", Guard.INCONCLUSIVE, "latency +3% [−2%, +12%]")]
ENOUGH = {"control": 900, "treatment": 100}


def test_a_breach_rolls_back_at_once_whatever_the_age_or_sample() -> None:
    verdict = judge(_canary(), BREACHED, {"control": 3, "treatment": 1}, T0)
    assert verdict.move is Move.ROLLBACK and not verdict.healthy
    assert verdict.reason == "guardrail breached: latency +100%"


def test_a_young_step_holds_and_says_how_long_to_go() -> None:
    verdict = judge(_canary(), HOLDS, ENOUGH, T0 + timedelta(minutes=20))
    assert verdict.move is Move.HOLD
    assert verdict.reason == "step 1 has run 20m of its 1h (40m to go)"


def test_short_samples_hold_and_name_the_arms() -> None:
    verdict = judge(_canary(), HOLDS, {"control": 900, "treatment": 40}, T0 + timedelta(hours=2))
    assert (verdict.move, verdict.reason) == (
        Move.HOLD, "not enough data yet: treatment 40 observations where each arm needs 100")


def test_unsure_guardrails_hold() -> None:
    verdict = judge(_canary(), UNSURE, ENOUGH, T0 + timedelta(hours=2))
    assert verdict.move is Move.HOLD and "not yet shown to hold" in verdict.reason


@pytest.mark.parametrize(("step", "move"), [(0, Move.ADVANCE), (1, Move.ADVANCE),
                                            (2, Move.PROMOTE)])
def test_holding_guardrails_advance_and_the_last_step_promotes(step: int, move: Move) -> None:
    verdict = judge(_canary(step), HOLDS, ENOUGH, T0 + timedelta(hours=2))
    assert verdict.move is move and verdict.healthy


def test_a_step_raises_only_the_canarys_share() -> None:
    stepped = _canary().at_step(1, T0 + timedelta(hours=2))
    assert stepped.weights == (0.5, 0.5)
    assert stepped.step_started_at == T0 + timedelta(hours=2)
