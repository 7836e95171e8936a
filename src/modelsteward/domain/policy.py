"""Lifecycle policy: what each gate requires, as values. Defaults follow the product's rules.

The policy file (YAML or TOML) is read by :mod:`modelsteward.domain.policy_file`; this module
holds the values and the rules they express.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from modelsteward.domain.direction import Direction
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.model import RiskTier

__all__ = ["Direction", "MetricRule", "ModelRules", "Policy", "Threshold", "TierApproval",
           "default_metric_rules"]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}

@dataclass(frozen=True)
class Threshold:
    """``metric op value``, e.g. ``accuracy >= 0.9`` or ``toxicity_rate <= 0.01``."""

    metric: str
    op: str
    value: float

    def holds(self, measured: float) -> bool:
        return _COMPARE[self.op](measured, self.value)

    @property
    def direction(self) -> Direction:
        return Direction.HIGHER_IS_BETTER if self.op.startswith(">") else Direction.LOWER_IS_BETTER

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True)
class MetricRule:
    """What the policy declares about one metric: which way is better and, optionally, how much
    worse than production it may be (an absolute difference; ``None``: the policy's
    ``regression_tolerance``)."""

    direction: Direction
    tolerance: float | None = None


_HIGHER = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc", "roc_auc",
           "exact_match", "bleu", "rouge1", "rouge2", "rougel", "rouge_l", "pass_at_1",
           "win_rate", "refusal_accuracy", "relevance")
_LOWER = ("loss", "error_rate", "perplexity", "toxicity_rate", "hallucination_rate",
          "refusal_rate", "bias_score", "attack_success_rate", "latency_ms_p50",
          "latency_ms_p95", "latency_ms_p99", "p95_latency_ms", "cost_per_1k_requests")


def default_metric_rules() -> dict[str, MetricRule]:
    """The directions ``Policy()`` declares for common metric names. A metric's direction is
    never guessed from its name: a metric not declared here, in the policy file or in its
    evaluation file, and without a threshold, has no direction."""
    rules = {name: MetricRule(Direction.HIGHER_IS_BETTER) for name in _HIGHER}
    rules.update({name: MetricRule(Direction.LOWER_IS_BETTER) for name in _LOWER})
    return rules


@dataclass(frozen=True)
class TierApproval:
    """Who must approve a version of this risk tier: one approval per role, from different
    people; ``author_may_approve`` False forbids the version's author from approving."""

    roles: tuple[str, ...]
    author_may_approve: bool = True


@dataclass(frozen=True)
class ModelRules:
    """Per-model additions: thresholds for evaluation and for production monitoring, and
    metric declarations (overriding the policy's per metric)."""

    thresholds: tuple[Threshold, ...] = ()
    monitoring: tuple[Threshold, ...] = ()
    auto_rollback: bool | None = None  # None: the policy's default
    metrics: Mapping[str, MetricRule] = field(default_factory=dict)


# what production is watched for without a policy file: more than 5% of requests failing
DEFAULT_MONITORING: tuple[Threshold, ...] = (Threshold("error_rate", "<=", 0.05),)


def _default_tiers() -> dict[RiskTier, TierApproval]:
    return {
        RiskTier.LOW: TierApproval(("lead",)),
        RiskTier.MEDIUM: TierApproval(("product-owner", "ml-lead")),
        RiskTier.HIGH: TierApproval(("risk-committee",), author_may_approve=False),
    }


def _default_suites() -> dict[RiskTier, tuple[str, ...]]:
    return {RiskTier.LOW: (), RiskTier.MEDIUM: ("safety",),
            RiskTier.HIGH: ("safety", "adversarial")}


@dataclass(frozen=True)
class Policy:
    """Everything the gates check. ``Policy()`` is the documented default policy."""

    # validation gate
    require_digest: bool = True
    require_attestation: bool = True
    require_training_metrics: bool = True
    # evaluation gate
    thresholds: tuple[Threshold, ...] = ()
    required_suites: Mapping[RiskTier, tuple[str, ...]] = field(default_factory=_default_suites)
    regression_tolerance: float = 0.01
    # metric name -> its declared direction (and tolerance); see direction_for
    metrics: Mapping[str, MetricRule] = field(default_factory=default_metric_rules)
    # staging
    staging_checks: tuple[str, ...] = ("loads-and-serves", "latency-within-budget",
                                       "rollback-rehearsed")
    # approval
    approvals: Mapping[RiskTier, TierApproval] = field(default_factory=_default_tiers)
    # approval role -> teams whose approvers approve any team's versions in that role; every
    # other approval is by an approver of the model's own team
    committees: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    approval_valid_days: int = 90
    max_review_days: int = 365
    administrators: tuple[str, ...] = ()
    # aliases
    exclusive_aliases: tuple[str, ...] = ("production",)
    # which versions may be chosen for an application (resolution, locks, --fix, migrations)
    eligibility: EligibilityRule = EligibilityRule()
    # production monitoring: a breach marks the version degraded and tells its owner team
    monitoring: tuple[Threshold, ...] = DEFAULT_MONITORING
    auto_rollback: bool = False
    models: Mapping[str, ModelRules] = field(default_factory=dict)
    # deprecation: at a plan's hard deadline, a version holding production hands production to
    # the plan's replacement through the normal gates (False: it stays, overdue, until moved)
    deprecation_move_production: bool = False

    def thresholds_for(self, model: str) -> dict[str, Threshold]:
        """The evaluation thresholds for ``model``: defaults, overridden per metric by its own."""
        found = {t.metric: t for t in self.thresholds}
        found.update({t.metric: t for t in self.models.get(model, ModelRules()).thresholds})
        return found

    def metrics_for(self, model: str) -> dict[str, MetricRule]:
        """The metric declarations for ``model``: the policy's, overridden per metric by its own."""
        found = dict(self.metrics)
        found.update(self.models.get(model, ModelRules()).metrics)
        return found

    def direction_for(self, model: str, metric: str) -> Direction | None:
        """Whether higher or lower values of ``metric`` are better for ``model``: its declaration
        (the model's, else the policy's), else the direction of its evaluation threshold, else
        ``None`` — never a guess from the name."""
        rule = self.metrics_for(model).get(metric)
        if rule is not None:
            return rule.direction
        threshold = self.thresholds_for(model).get(metric)
        return threshold.direction if threshold is not None else None

    def tolerance_for(self, model: str, metric: str) -> float:
        """How much worse than production ``metric`` may be for ``model``: its declared
        tolerance, else the policy's ``regression_tolerance``."""
        rule = self.metrics_for(model).get(metric)
        if rule is not None and rule.tolerance is not None:
            return rule.tolerance
        return self.regression_tolerance

    def monitoring_for(self, model: str) -> dict[str, Threshold]:
        found = {t.metric: t for t in self.monitoring}
        found.update({t.metric: t for t in self.models.get(model, ModelRules()).monitoring})
        return found

    def auto_rollback_for(self, model: str) -> bool:
        rules = self.models.get(model, ModelRules())
        return self.auto_rollback if rules.auto_rollback is None else rules.auto_rollback

    def committee_for(self, role: str) -> tuple[str, ...]:
        """The teams whose approvers may approve any team's versions as ``role``."""
        return self.committees.get(role, ())

    def is_exclusive(self, alias: str) -> bool:
        return alias in self.exclusive_aliases
