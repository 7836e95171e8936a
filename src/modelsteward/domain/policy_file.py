"""The policy file: the lifecycle :class:`~modelsteward.domain.policy.Policy` as YAML or TOML.

This module is pure: the caller loads the file (``yaml.safe_load`` or ``tomllib.loads``) and
passes the Python value to :func:`parse_policy`; :func:`render_policy` returns the effective
policy as a value for the caller to print or dump. Nothing here reads or writes files.

The shape is that of :data:`POLICY_EXAMPLE`. Every section and every key is optional and a
missing one keeps its default from :class:`Policy`; so does a risk tier left out of
``evaluation.required_suites`` or ``approval.tiers``, and a key left out of one tier
(``high: {roles: [cto]}`` keeps ``author_may_approve: false``). A section or mapping written
with nothing under it (``evaluation:`` in YAML, i.e. ``null``) counts as empty; a list written
with nothing under it counts as an empty list; a scalar (boolean, number) written as ``null``
is a problem — leave the key out to keep the default.

Validation reports *every* problem, each located by a path such as
``models.support-bot.thresholds.accuracy`` or ``approval.tiers.high.roles[1]`` (``$`` is the
document itself); unknown keys come with "did you mean" when close to a known key. The rules
for each key are in ``docs/policy.md``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, cast

from modelsteward.domain.direction import Direction
from modelsteward.domain.documents import describe
from modelsteward.domain.eligibility import PATH, EligibilityRule, parse_minimum_stage
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import RiskTier
from modelsteward.domain.names import ALIAS_NAME, validate_model_name
from modelsteward.domain.policy import MetricRule, ModelRules, Policy, Threshold, TierApproval
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["POLICY_EXAMPLE", "parse_policy", "parse_threshold", "render_policy"]

POLICY_EXAMPLE: Final = """\
# policy.yaml: what each lifecycle gate requires. Every key is optional; a missing key keeps
# its default (shown by `steward policy show`).
version: 1                                  # the policy file format; only 1 exists

administrators: [alice@example.com]         # may override a gate, with a written reason

validation:                                 # trained -> evaluated
  require_digest: true                      # files hashed (hosted models: a pinned snapshot id)
  require_attestation: true                 # a training attestation is recorded
  require_training_metrics: true            # training metrics are present

evaluation:                                 # evaluated -> registered
  thresholds: {toxicity_rate: "<= 0.01"}    # for every model
  required_suites:                          # suites that must have a recorded evaluation
    low: []
    medium: [safety]
    high: [safety, adversarial]
  regression_tolerance: 0.01                # how much worse than production a metric may be

metrics:                                    # which way each metric is better; common names
  refusal_accuracy: {direction: higher}     # are declared by default (`steward policy show`)
  attack_success_rate: {direction: lower, tolerance: 0.005}  # tolerance: this metric's own

staging:                                    # staging -> production
  required_checks: [loads-and-serves, latency-within-budget, rollback-rehearsed]

approval:                                   # staging -> production
  valid_days: 90                            # an approval expires after this many days
  max_review_days: 365                      # the next review is at most this far away
  tiers:                                    # one approval per role, each by a different person
    low: {roles: [lead]}
    medium: {roles: [product-owner, ml-lead]}
    high: {roles: [risk-committee], author_may_approve: false}
  committees:                               # cross-team: these teams' approvers approve any
    risk-committee: [risk-office]           # team's versions in that role (others: own team)

aliases:
  exclusive: [production]                   # one version per model; must include production

eligibility:                                # what a non-strict pin, lock or --fix may choose
  minimum_stage: registered                 # passed the evaluation gate (or: trained, evaluated,
                                            # staging, production); never rejected, retired,
                                            # degraded or rolled back

monitoring:                                 # checked against production metrics
  thresholds: {error_rate: "<= 0.05"}       # a breach degrades the version, tells its team
  auto_rollback: false                      # on a breach, move production back

deprecation:                                # at a plan's hard deadline
  move_production: false                    # hand production to the plan's replacement (gated)

models:                                     # per-model additions
  support-bot:
    thresholds: {accuracy: ">= 0.9"}        # evaluation thresholds (override per metric)
    monitoring: {p95_latency_ms: "<= 800"}  # monitoring thresholds (override per metric)
    auto_rollback: true                     # overrides monitoring.auto_rollback
    metrics: {csat: {direction: higher}}    # metric declarations (override per metric)
"""

_OPS: Final = (">=", "<=", ">", "<")  # two-character operators are tried first
_NUMBER: Final = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_THRESHOLD: Final = re.compile(rf"^\s*(>=|<=|>|<)\s*({_NUMBER})\s*$")
_SLUG: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class _NameRule:
    """What the entries of a list of names must look like, and how messages say so."""

    pattern: re.Pattern[str]
    singular: str
    plural: str
    form: str


_SLUG_RULE: Final = _NameRule(_SLUG, "a lowercase name", "lowercase names (e.g. ml-lead)",
                              "lowercase letters, digits, '-', '_' or '.'")
# Aliases are assigned under a stricter rule: a letter first, no dots, at most 63 characters.
_ALIAS_RULE: Final = _NameRule(ALIAS_NAME, "an alias name",
                               "alias names (e.g. production)",
                               "1–63 lowercase letters, digits, '-' or '_', starting with a letter")
_ANY_RULE: Final = _NameRule(re.compile(r"\S(?:.*\S)?"), "a name", "non-empty strings (e.g. "
                             "alice@example.com)", "a name without spaces around it")

# The keys of each mapping, in the order render_policy writes them.
_TOP: Final = ("version", "administrators", "validation", "evaluation", "metrics", "staging",
               "approval", "aliases", "eligibility", "monitoring", "deprecation", "models")
_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "validation": ("require_digest", "require_attestation", "require_training_metrics"),
    "evaluation": ("thresholds", "required_suites", "regression_tolerance"),
    "staging": ("required_checks",),
    "approval": ("valid_days", "max_review_days", "tiers", "committees"),
    "aliases": ("exclusive",),
    "eligibility": ("minimum_stage",),
    "monitoring": ("thresholds", "auto_rollback"),
    "deprecation": ("move_production",),
}
_TIER_KEYS: Final = ("roles", "author_may_approve")
_MODEL_KEYS: Final = ("thresholds", "monitoring", "auto_rollback", "metrics")
_METRIC_KEYS: Final = ("direction", "tolerance")
_DIRECTIONS: Final = tuple(d.value for d in Direction)
_TIERS: Final = tuple(tier.value for tier in RiskTier)
_ALWAYS_EXCLUSIVE: Final = "production"


def parse_threshold(metric: str, text: object, location: str) -> tuple[Threshold | None,
                                                                       list[Problem]]:
    """Read ``text`` (e.g. ``">= 0.9"``, ``"<=0.01"``) as the threshold of ``metric``.

    Returns the threshold and no problems, or ``None`` and the problems found, located at
    ``location``: a metric name that is not ``[a-z0-9][a-z0-9_.-]*``, a value that is not a
    string ``<op> <number>`` with op one of ``>=``, ``>``, ``<=``, ``<`` and a finite number.
    """
    problems = _metric_name_problems(metric, location)
    match = _THRESHOLD.match(text) if isinstance(text, str) else None
    if match is None:
        shown = f"{text!r}" if isinstance(text, str) else describe(text)
        problems.append(Problem(location, f"{shown} is not a threshold: write an operator and a "
                                          f"number, e.g. '>= 0.9' or '<= 0.01'"
                                          f"{_threshold_hint(text)}"))
        return None, problems
    value = float(match.group(2))
    if not math.isfinite(value):  # a huge exponent (1e999) overflows to infinity
        problems.append(Problem(location, f"{text!r} is not a threshold: the number must be "
                                          f"finite"))
    if problems:
        return None, problems
    return Threshold(metric, match.group(1), value), problems


def _metric_name_problems(metric: str, location: str) -> list[Problem]:
    if _SLUG.fullmatch(metric):
        return []
    lowered = re.sub(r"[^a-z0-9_.-]+", "_", metric.strip().lower()).strip("_.-")
    hint = f"; did you mean {lowered!r}?" if lowered and _SLUG.fullmatch(lowered) else ""
    return [Problem(location, f"{metric!r} is not a metric name: use lowercase letters, digits, "
                              f"'_', '.' or '-', starting with a letter or digit{hint}")]


def parse_policy(doc: object, source: str = "policy") -> Policy:
    """Read the already-loaded policy file ``doc`` (a YAML or TOML document) into a Policy.

    ``None`` or an empty mapping gives the default ``Policy()``; every missing section or key
    keeps its default. Raises :class:`DocumentInvalid` naming ``source`` with *every* problem
    found, each located (``approval.tiers.high.roles[1]``); nothing is returned partially.
    """
    if doc is None:
        return Policy()
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        problems.append(Problem("$", f"a policy file must be a mapping of sections "
                                     f"({', '.join(_TOP)}), found {describe(doc)}"))
        raise DocumentInvalid(source, problems)
    top = _Reader(cast(Mapping[object, object], doc), "", problems)
    top.check_keys(_TOP, "a top-level key of a policy file")
    default = Policy()
    if "version" in top.raw:
        version = top.raw["version"]
        if type(version) is not int or version != 1:
            top.problem("version", f"must be 1, the only policy file format, found "
                                   f"{describe(version)}")
    administrators = top.names("administrators", default.administrators, kind=_ANY_RULE)

    validation = top.section("validation")
    require_digest = validation.boolean("require_digest", default.require_digest)
    require_attestation = validation.boolean("require_attestation", default.require_attestation)
    require_metrics = validation.boolean("require_training_metrics",
                                         default.require_training_metrics)

    evaluation = top.section("evaluation")
    thresholds = evaluation.thresholds("thresholds", default.thresholds)
    suites = evaluation.required_suites(default.required_suites)
    tolerance = evaluation.tolerance("regression_tolerance", default.regression_tolerance)
    declared = top.metric_rules("metrics")
    metrics = {**default.metrics, **declared}

    staging_checks = top.section("staging").names("required_checks", default.staging_checks)

    approval = top.section("approval")
    valid_days = approval.whole("valid_days", default.approval_valid_days)
    review_days = approval.whole("max_review_days", default.max_review_days)
    approvals = approval.tiers(default.approvals)
    committees = approval.committees()

    aliases = top.section("aliases")
    exclusive = aliases.names("exclusive", default.exclusive_aliases, kind=_ALIAS_RULE)
    if "exclusive" in aliases.raw and _ALWAYS_EXCLUSIVE not in exclusive:
        aliases.problem("exclusive", f"must include {_ALWAYS_EXCLUSIVE!r}: a model has at most "
                                     f"one production version; add it to the list")

    eligibility = top.section("eligibility")
    minimum_stage = eligibility.stage("minimum_stage", default.eligibility.minimum_stage)

    monitoring = top.section("monitoring")
    monitoring_thresholds = monitoring.thresholds("thresholds", default.monitoring)
    auto_rollback = monitoring.boolean("auto_rollback", default.auto_rollback)

    move_production = top.section("deprecation").boolean(
        "move_production", default.deprecation_move_production)

    models = top.models()
    problems.extend(_contradictions(thresholds, metrics, set(declared), models))
    if problems:
        raise DocumentInvalid(source, problems)
    return Policy(
        require_digest=require_digest, require_attestation=require_attestation,
        require_training_metrics=require_metrics, thresholds=thresholds,
        required_suites=suites, regression_tolerance=tolerance, metrics=metrics,
        staging_checks=staging_checks,
        approvals=approvals, approval_valid_days=valid_days, max_review_days=review_days,
        committees=committees,
        administrators=administrators, exclusive_aliases=exclusive,
        eligibility=EligibilityRule(minimum_stage),
        monitoring=monitoring_thresholds, auto_rollback=auto_rollback, models=models,
        deprecation_move_production=move_production,
    )


def render_policy(policy: Policy) -> dict[str, object]:
    """The whole effective ``policy`` in the policy file's shape, every key written.

    The value holds only strings, numbers, booleans, lists and dicts (YAML- and JSON-ready).
    ``parse_policy(render_policy(p)) == p`` for every policy the file can express: every policy
    :func:`parse_policy` returns, ``Policy()`` among them. A policy built in code that the file
    cannot express — two thresholds of one metric in one list, a risk tier missing from
    ``required_suites`` or ``approvals`` — is rendered as far as it goes, and parsing the result
    reports or fills in the difference.
    """
    return {
        "version": 1,
        "administrators": list(policy.administrators),
        "validation": {
            "require_digest": policy.require_digest,
            "require_attestation": policy.require_attestation,
            "require_training_metrics": policy.require_training_metrics,
        },
        "evaluation": {
            "thresholds": _render_thresholds(policy.thresholds),
            "required_suites": {tier.value: list(policy.required_suites[tier])
                                for tier in RiskTier if tier in policy.required_suites},
            "regression_tolerance": policy.regression_tolerance,
        },
        "metrics": _render_metrics(policy.metrics),
        "staging": {"required_checks": list(policy.staging_checks)},
        "approval": {
            "valid_days": policy.approval_valid_days,
            "max_review_days": policy.max_review_days,
            "tiers": {tier.value: {"roles": list(policy.approvals[tier].roles),
                                   "author_may_approve": policy.approvals[tier].author_may_approve}
                      for tier in RiskTier if tier in policy.approvals},
            "committees": {role: list(teams) for role, teams in policy.committees.items()},
        },
        "aliases": {"exclusive": list(policy.exclusive_aliases)},
        "eligibility": {"minimum_stage": policy.eligibility.minimum_stage.value},
        "monitoring": {
            "thresholds": _render_thresholds(policy.monitoring),
            "auto_rollback": policy.auto_rollback,
        },
        "deprecation": {"move_production": policy.deprecation_move_production},
        "models": {name: _render_rules(rules) for name, rules in policy.models.items()},
    }


# --- parsing -------------------------------------------------------------------------------


class _Reader:
    """One mapping of the document at ``where``; its methods read keys and append problems."""

    def __init__(self, raw: Mapping[object, object], where: str, problems: list[Problem]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.at(key), message))

    def check_keys(self, known: Sequence[str], what: str) -> None:
        """Report every key that is not in ``known``, with the closest known key if any."""
        for key in self.raw:
            if not isinstance(key, str):
                self.problem(str(key), f"keys must be strings, found {describe(key)}")
            elif key not in known:
                self.problem(key, f"is not {what}: use {_one_of(known)}{_suggest(key, known)}")

    def mapping(self, key: str, expected: str) -> _Reader | None:
        """The mapping under ``key`` (empty when missing or null), ``None`` when it is not one."""
        value = self.raw.get(key)
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            self.problem(key, f"must be a mapping of {expected}, found {describe(value)}")
            return None
        return _Reader(cast(Mapping[object, object], value), self.at(key), self.problems)

    def section(self, name: str) -> _Reader:
        """A top-level section, its keys checked; an empty reader when it is not a mapping."""
        section = self.mapping(name, _one_of(_SECTIONS[name]))
        if section is None:
            return _Reader({}, self.at(name), self.problems)
        section.check_keys(_SECTIONS[name], f"a key of the '{name}' section")
        return section

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if isinstance(value, bool):
            return value
        fix = ""
        if isinstance(value, str) and value.strip().lower() in ("yes", "true", "on", "y"):
            fix = "; write true, without quotes"
        elif isinstance(value, str) and value.strip().lower() in ("no", "false", "off", "n"):
            fix = "; write false, without quotes"
        self.problem(key, f"must be true or false (a boolean, not text or a number), "
                          f"found {describe(value)}{fix}")
        return default

    def stage(self, key: str, default: Stage) -> Stage:
        """A stage of the way to production (``trained`` … ``production``)."""
        if key not in self.raw:
            return default
        value = self.raw[key]
        if isinstance(value, str):
            try:
                return parse_minimum_stage(value.strip())
            except InvalidInput:
                pass
        self.problem(key, f"must be one of {_one_of([s.value for s in PATH])}, "
                          f"found {describe(value)}")
        return default

    def whole(self, key: str, default: int) -> int:
        """A whole number of days, 1 or more."""
        if key not in self.raw:
            return default
        value = self.raw[key]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.problem(key, f"must be a whole number of days, 1 or more (e.g. {default}), "
                          f"found {describe(value)}")
        return default

    def tolerance(self, key: str, default: float) -> float:
        if key not in self.raw:
            return default
        value = self.raw[key]
        if (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value) and value >= 0):
            return float(value)
        self.problem(key, f"must be a number, 0 or more (e.g. {default:g}: a metric may be that "
                          f"much worse than in production), found {describe(value)}")
        return default

    def names(self, key: str, default: tuple[str, ...], *, kind: _NameRule | None = None,
              non_empty: bool = False) -> tuple[str, ...]:
        """A list of distinct names, each following ``kind`` (default: a lowercase slug);
        ``kind`` None accepts any non-empty string without surrounding spaces."""
        rule = kind if kind is not None else _SLUG_RULE
        if key not in self.raw:
            return default
        value = self.raw[key]
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(key, f"must be a list of {rule.plural}, found {describe(value)}")
            return default
        names: list[str] = []
        first: dict[str, int] = {}  # name -> index of its first occurrence
        for i, item in enumerate(cast(list[object], value)):
            where = f"{key}[{i}]"
            if not isinstance(item, str) or not item.strip():
                self.problem(where, f"must be a non-empty string, found {describe(item)}")
            elif not rule.pattern.fullmatch(item):
                lowered = re.sub(r"[^a-z0-9_.-]+", "-", item.strip().lower()).strip("-_.")
                hint = (f"; did you mean {lowered!r}?"
                        if lowered and rule.pattern.fullmatch(lowered) else "")
                self.problem(where, f"{item!r} is not {rule.singular}: use {rule.form}{hint}")
            elif item != item.strip():
                self.problem(where, f"{item!r} has spaces around it; remove them")
            elif item in first:
                self.problem(where, f"repeats {item!r} (already at {key}[{first[item]}]); "
                                    f"list each once")
            else:
                first[item] = i
                names.append(item)
        if non_empty and not value:
            self.problem(key, "must name at least one role (e.g. [ml-lead]): a version of "
                              "this tier needs someone to approve it")
        return tuple(names)

    def thresholds(self, key: str, default: tuple[Threshold, ...]) -> tuple[Threshold, ...]:
        """``{metric: "<op> <number>", …}`` in document order."""
        if key not in self.raw:
            return default
        found = self.mapping(key, "metric names to thresholds (e.g. accuracy: \">= 0.9\")")
        if found is None:
            return default
        thresholds: list[Threshold] = []
        for metric, text in found.raw.items():
            if not isinstance(metric, str):
                found.problem(str(metric), f"a metric name must be a string, "
                                           f"found {describe(metric)}")
                continue
            threshold, problems = parse_threshold(metric, text, found.at(metric))
            self.problems.extend(problems)
            if threshold is not None:
                thresholds.append(threshold)
        return tuple(thresholds)

    def metric_rules(self, key: str) -> dict[str, MetricRule]:
        """``{metric: {direction: higher|lower, tolerance: <number>}, …}``: the metrics declared
        here (empty when ``key`` is missing)."""
        found = self.mapping(key, "metric names to {direction, tolerance} (e.g. accuracy: "
                                  "{direction: higher})")
        if found is None:
            return {}
        rules: dict[str, MetricRule] = {}
        for metric, value in found.raw.items():
            if not isinstance(metric, str):
                found.problem(str(metric), f"a metric name must be a string, "
                                           f"found {describe(metric)}")
                continue
            name_problems = _metric_name_problems(metric, found.at(metric))
            self.problems.extend(name_problems)
            if isinstance(value, str) and value.strip().lower() in _DIRECTIONS:
                found.problem(metric, f"must be a mapping of direction and tolerance, found "
                                      f"{describe(value)}; write {{direction: "
                                      f"{value.strip().lower()}}}")
                continue
            entry = found.mapping(metric, "direction and tolerance (e.g. {direction: higher})")
            if entry is None:
                continue
            entry.check_keys(_METRIC_KEYS, "a metric declaration key")
            direction = entry.direction(metric)
            tolerance = None
            if "tolerance" in entry.raw:
                tolerance = entry.tolerance("tolerance", 0.01)
            if direction is not None and not name_problems:
                rules[metric] = MetricRule(direction, tolerance)
        return rules

    def direction(self, metric: str) -> Direction | None:
        """The required ``direction`` of the declaration of ``metric``: higher or lower."""
        value = self.raw.get("direction")
        if isinstance(value, str) and value in _DIRECTIONS:
            return Direction(value)
        expected = (f"higher or lower (are higher or lower values of {metric} better?)")
        if "direction" not in self.raw:
            self.problem("direction", f"is required: {expected}")
            return None
        hint = ""
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered.startswith(_DIRECTIONS):
                hint = f"; write {lowered[:lowered.index('er') + 2]}"
        self.problem("direction", f"must be {expected}, found {describe(value)}{hint}")
        return None

    def tier_map(self, key: str, expected: str) -> dict[RiskTier, object]:
        """The mapping under ``key`` keyed by risk tier; other keys are reported."""
        found = self.mapping(key, expected)
        if found is None:
            return {}
        by_tier: dict[RiskTier, object] = {}
        for tier, value in found.raw.items():
            if isinstance(tier, str) and tier in _TIERS:
                by_tier[RiskTier(tier)] = value
            else:
                found.problem(str(tier), f"is not a risk tier: use {_one_of(_TIERS)}"
                                         f"{_suggest(str(tier), _TIERS)}")
        return by_tier

    def required_suites(self, default: Mapping[RiskTier, tuple[str, ...]]
                        ) -> dict[RiskTier, tuple[str, ...]]:
        suites = dict(default)
        key = "required_suites"
        for tier, value in self.tier_map(key, "risk tiers to suite lists").items():
            holder = _Reader({tier.value: value}, self.at(key), self.problems)
            suites[tier] = holder.names(tier.value, default.get(tier, ()))
        return suites

    def tiers(self, default: Mapping[RiskTier, TierApproval]) -> dict[RiskTier, TierApproval]:
        approvals = dict(default)
        for tier, value in self.tier_map("tiers", "risk tiers to {roles, "
                                                  "author_may_approve}").items():
            holder = _Reader({tier.value: value}, self.at("tiers"), self.problems)
            entry = holder.mapping(tier.value, "roles and author_may_approve")
            if entry is None:
                continue
            entry.check_keys(_TIER_KEYS, "a tier approval key")
            base = default.get(tier, TierApproval(("lead",)))
            roles = entry.names("roles", base.roles, non_empty=True)
            author = entry.boolean("author_may_approve", base.author_may_approve)
            approvals[tier] = TierApproval(roles, author)
        return approvals

    def committees(self) -> dict[str, tuple[str, ...]]:
        """``committees``: approval roles (lowercase names) to the teams (any names) whose
        approvers approve every team's versions in that role."""
        found = self.mapping("committees", "approval roles to lists of teams")
        if found is None:
            return {}
        committees: dict[str, tuple[str, ...]] = {}
        for role in found.raw:
            if not isinstance(role, str) or not _SLUG.fullmatch(role):
                found.problem(str(role), f"{role!r} is not an approval role: use "
                                         f"{_SLUG_RULE.form} (e.g. risk-committee)")
                continue
            committees[role] = found.names(role, (), kind=_ANY_RULE)
        return committees

    def models(self) -> dict[str, ModelRules]:
        found = self.mapping("models", "model names to their rules (thresholds, monitoring, "
                                       "auto_rollback, metrics)")
        if found is None:
            return {}
        models: dict[str, ModelRules] = {}
        for name in found.raw:
            if not isinstance(name, str):
                found.problem(str(name), f"a model name must be a string, found {describe(name)}")
                continue
            try:
                validate_model_name(name)
            except InvalidInput as exc:
                found.problem(name, str(exc))
            entry = found.mapping(name, _one_of(_MODEL_KEYS))
            if entry is None:
                continue
            entry.check_keys(_MODEL_KEYS, "a per-model rule")
            default = ModelRules()
            auto: bool | None = None
            if "auto_rollback" in entry.raw:
                auto = entry.boolean("auto_rollback", False)
            models[name] = ModelRules(
                thresholds=entry.thresholds("thresholds", default.thresholds),
                monitoring=entry.thresholds("monitoring", default.monitoring),
                auto_rollback=auto,
                metrics=entry.metric_rules("metrics"),
            )
        return models


def _threshold_hint(text: object) -> str:
    """A targeted fix for the common near misses: a bare number, ``=>``, ``==``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return f" (a bare number has no direction: write '>= {text}' or '<= {text}')"
    if isinstance(text, str):
        stripped = text.strip()
        for wrong, right in (("=>", ">="), ("=<", "<="), ("≥", ">="), ("≤", "<=")):
            if stripped.startswith(wrong):
                return f" (write {right!r}, not {wrong!r})"
        if stripped.startswith(("==", "=")):
            return " (equality is not a threshold; use '>=' or '<=')"
    return ""


def _suggest(key: str, known: Sequence[str]) -> str:
    """"; did you mean 'x'?" for the known key closest to ``key``, or where ``key`` belongs."""
    norm = key.strip().lower().replace("-", "_").replace(" ", "_")
    close = difflib.get_close_matches(norm, list(known), n=1, cutoff=0.75)
    if close:
        return f"; did you mean {close[0]!r}?"
    homes = [name for name, keys in _SECTIONS.items() if norm in keys]
    if norm in _TOP:
        homes.insert(0, "the top level")
    if homes:
        return f"; {norm!r} belongs in {' or '.join(_quoted_home(h) for h in homes)}"
    return ""


def _quoted_home(home: str) -> str:
    return home if home == "the top level" else f"the '{home}' section"


def _one_of(known: Sequence[str]) -> str:
    return ", ".join(known[:-1]) + f" or {known[-1]}" if len(known) > 1 else known[0]


def _render_number(value: float) -> str:
    """``value`` as text that reads back to the same float: ``800``, ``0.9``, ``1e+20``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _render_thresholds(thresholds: Sequence[Threshold]) -> dict[str, str]:
    return {t.metric: f"{t.op} {_render_number(t.value)}" for t in thresholds}


def _render_rules(rules: ModelRules) -> dict[str, object]:
    rendered: dict[str, object] = {
        "thresholds": _render_thresholds(rules.thresholds),
        "monitoring": _render_thresholds(rules.monitoring),
    }
    if rules.auto_rollback is not None:  # None: the policy's default, written by leaving it out
        rendered["auto_rollback"] = rules.auto_rollback
    rendered["metrics"] = _render_metrics(rules.metrics)
    return rendered


def _render_metrics(rules: Mapping[str, MetricRule]) -> dict[str, dict[str, object]]:
    rendered: dict[str, dict[str, object]] = {}
    for metric, rule in rules.items():
        entry: dict[str, object] = {"direction": rule.direction.value}
        if rule.tolerance is not None:
            entry["tolerance"] = rule.tolerance
        rendered[metric] = entry
    return rendered


def _contradictions(thresholds: Sequence[Threshold], metrics: Mapping[str, MetricRule],
                    in_file: set[str], models: Mapping[str, ModelRules]) -> list[Problem]:
    """An evaluation threshold whose direction is the opposite of its metric's declaration,
    located at the threshold (or at a model's declaration that a policy-wide threshold
    contradicts). ``in_file``: the metrics the file itself declares under ``metrics``."""
    found: list[Problem] = []
    for t in thresholds:
        rule = metrics.get(t.metric)
        if rule is not None and rule.direction is not t.direction:
            where = (f"at metrics.{t.metric}" if t.metric in in_file else "by default")
            found.append(_contradiction(f"evaluation.thresholds.{t.metric}", t, rule, where))
    policy_wide = {t.metric: t for t in thresholds}
    for name, model in models.items():
        own = {t.metric: t for t in model.thresholds}
        for metric, t in {**policy_wide, **own}.items():
            rule = model.metrics.get(metric) or metrics.get(metric)
            if rule is None or rule.direction is t.direction:
                continue
            if metric in model.metrics:
                where = f"at models.{name}.metrics.{metric}"
            else:
                where = f"at metrics.{metric}" if metric in in_file else "by default"
            if metric in own:
                found.append(_contradiction(f"models.{name}.thresholds.{metric}", t, rule, where))
            elif metric in model.metrics:
                found.append(_contradiction(f"models.{name}.metrics.{metric}", t, rule,
                                            "for this model",
                                            f"evaluation.thresholds.{metric}"))
    return found


def _contradiction(location: str, threshold: Threshold, rule: MetricRule, where: str,
                   threshold_at: str = "") -> Problem:
    metric, wanted = threshold.metric, threshold.direction
    said = f"the threshold at {threshold_at} ({threshold})" if threshold_at else \
        f"the threshold {threshold}"
    return Problem(location, (
        f"{said} makes {metric} {wanted.phrase}, but {metric} is declared "
        f"{rule.direction.phrase} {where}; fix whichever is wrong — the threshold, or the "
        f"declaration (metrics: {{{metric}: {{direction: {wanted.value}}}}})"))
