"""The statistics of online experiments (A/B/n tests and canaries): per-arm sufficient
statistics (:class:`~modelsteward.domain.outcomes.Moments`) in, decisions out.

Pure functions of values (no I/O, no clock) returning frozen values whose ``as_payload()`` is
JSON without NaN or infinity. Distributions and standard tests come from SciPy and statsmodels,
which only this package imports (``import modelsteward`` and ``steward``'s start load neither):

* :func:`compare` — one treatment against the control on one metric at a fixed horizon
  (Welch's t-test or the two-proportion z-test, the relative lift with a delta-method interval,
  guardrails' non-inferiority test);
* :func:`srm` — the sample-ratio mismatch check;
* :func:`msprt` — the mixture sequential probability ratio test, valid under daily looks;
* :func:`time_to_decision` — the units and days each test needs for the design's power;
* :func:`analyse` — all of it for an experiment, with a recommendation;
* :func:`contradicts_offline` — a sentence when live traffic contradicts an offline evaluation.
"""

from __future__ import annotations

from modelsteward.analysis.decision import Decision
from modelsteward.analysis.duration import TimeToDecision, time_to_decision
from modelsteward.analysis.experiment import (
    Action,
    Analysis,
    ArmData,
    Recommendation,
    TreatmentAnalysis,
    analyse,
)
from modelsteward.analysis.fixed_horizon import MetricResult, compare
from modelsteward.analysis.offline import contradicts_offline
from modelsteward.analysis.sequential import SequentialLook, SequentialResult, msprt
from modelsteward.analysis.srm import SRM_THRESHOLD, ArmShare, SrmCheck, srm

__all__ = [
    "SRM_THRESHOLD",
    "Action",
    "Analysis",
    "ArmData",
    "ArmShare",
    "Decision",
    "MetricResult",
    "Recommendation",
    "SequentialLook",
    "SequentialResult",
    "SrmCheck",
    "TimeToDecision",
    "TreatmentAnalysis",
    "analyse",
    "compare",
    "contradicts_offline",
    "msprt",
    "srm",
    "time_to_decision",
]
