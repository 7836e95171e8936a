"""When live traffic and the offline evaluation disagree about a metric."""

from __future__ import annotations

import math

from modelsteward.analysis.figures import p_text, signed, signed_percent
from modelsteward.analysis.fixed_horizon import MetricResult, toward_better


def contradicts_offline(online: MetricResult, offline_delta: float | None) -> str:
    """A sentence when ``online`` is significant (two-sided, at its ``alpha``) in the opposite
    direction of ``offline_delta``, the signed offline difference candidate − production on
    the same metric; ``""`` otherwise (no offline delta, a delta of 0, or no significant
    online difference). The treatment arm is taken to run the candidate and the control
    production."""
    if offline_delta is None or not math.isfinite(offline_delta) or offline_delta == 0:
        return ""
    if not online.significant or online.difference is None or online.difference == 0:
        return ""
    if (online.difference > 0) == (offline_delta > 0):
        return ""
    better = toward_better(online.direction)
    online_way = "higher" if online.difference > 0 else "lower"
    offline_way = "higher" if offline_delta > 0 else "lower"
    online_verdict = "better" if online.difference * better > 0 else "worse"
    offline_verdict = "better" if offline_delta * better > 0 else "worse"
    effect = signed_percent(online.lift) if online.lift is not None else signed(online.difference)
    p = "" if online.p_value is None else f", {p_text(online.p_value)}"
    return (f"Online, {online.metric} is significantly {online_way} ({online_verdict}) in arm "
            f"{online.arm} than in the control ({effect}{p}), but the offline evaluation found "
            f"the candidate {offline_way} ({offline_verdict}) than production "
            f"({signed(offline_delta)}): the offline suite may not represent live traffic; "
            "look at both before trusting either.")
