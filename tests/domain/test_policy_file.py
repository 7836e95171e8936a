"""The policy file (YAML or TOML): defaults, the example, round trips, every problem located."""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import (
    Direction,
    MetricRule,
    ModelRules,
    Policy,
    Threshold,
    TierApproval,
)
from modelsteward.domain.policy_file import (
    POLICY_EXAMPLE,
    parse_policy,
    parse_threshold,
    render_policy,
)
from modelsteward.errors import DocumentInvalid, Problem

DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy.md"

EXAMPLE_TOML = """\
version = 1
administrators = ["alice@example.com"]

[validation]
require_attestation = false

[evaluation]
thresholds = { toxicity_rate = "<= 0.01" }
required_suites = { high = ["safety", "adversarial", "red-team"] }
regression_tolerance = 0

[approval]
valid_days = 30

[approval.tiers.high]
roles = ["risk-committee", "cto"]

[monitoring]
auto_rollback = true

[models.support-bot]
thresholds = { accuracy = ">= 0.9" }
monitoring = { p95_latency_ms = "<= 800" }
auto_rollback = false
"""


def problems_of(doc: object) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_policy(doc, "policy.yaml")
    assert caught.value.source == "policy.yaml"
    return list(caught.value.problems)


def messages_at(doc: object) -> dict[str, str]:
    """Location → message, asserting that no location is reported twice."""
    problems = problems_of(doc)
    found = {p.location: p.message for p in problems}
    assert len(found) == len(problems), problems
    return found


# --- defaults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [None, {}, yaml.safe_load(""), yaml.safe_load("# nothing\n"),
                                 tomllib.loads("")])
def test_an_empty_document_is_the_default_policy(doc: object) -> None:
    assert parse_policy(doc) == Policy()


def test_empty_sections_keep_their_defaults() -> None:
    doc = yaml.safe_load("validation:\nevaluation:\napproval: {tiers: {high: {}}}\nmodels:\n")
    assert parse_policy(doc) == Policy()


def test_a_tier_left_out_keeps_its_default_and_so_does_a_key_left_out_of_a_tier() -> None:
    policy = parse_policy({"approval": {"tiers": {"high": {"roles": ["risk-committee", "cto"]}}},
                           "evaluation": {"required_suites": {"low": ["smoke"]}}})
    assert policy.approvals[RiskTier.HIGH] == TierApproval(("risk-committee", "cto"),
                                                           author_may_approve=False)
    assert policy.approvals[RiskTier.MEDIUM] == Policy().approvals[RiskTier.MEDIUM]
    assert policy.required_suites == {RiskTier.LOW: ("smoke",), RiskTier.MEDIUM: ("safety",),
                                      RiskTier.HIGH: ("safety", "adversarial")}


# --- the example ------------------------------------------------------------------------------


def test_the_example_parses_to_the_documented_values() -> None:
    policy = parse_policy(yaml.safe_load(POLICY_EXAMPLE))
    assert policy.administrators == ("alice@example.com",)
    assert (policy.require_digest, policy.require_attestation,
            policy.require_training_metrics) == (True, True, True)
    assert policy.thresholds == (Threshold("toxicity_rate", "<=", 0.01),)
    assert policy.required_suites == {RiskTier.LOW: (), RiskTier.MEDIUM: ("safety",),
                                      RiskTier.HIGH: ("safety", "adversarial")}
    assert policy.regression_tolerance == 0.01
    assert policy.staging_checks == ("loads-and-serves", "latency-within-budget",
                                     "rollback-rehearsed")
    assert policy.approval_valid_days == 90
    assert policy.max_review_days == 365
    assert policy.approvals == {
        RiskTier.LOW: TierApproval(("lead",)),
        RiskTier.MEDIUM: TierApproval(("product-owner", "ml-lead")),
        RiskTier.HIGH: TierApproval(("risk-committee",), author_may_approve=False),
    }
    assert policy.exclusive_aliases == ("production",)
    assert policy.monitoring == (Threshold("error_rate", "<=", 0.05),)
    assert policy.auto_rollback is False
    assert policy.models == {"support-bot": ModelRules(
        thresholds=(Threshold("accuracy", ">=", 0.9),),
        monitoring=(Threshold("p95_latency_ms", "<=", 800.0),),
        auto_rollback=True,
        metrics={"csat": MetricRule(Direction.HIGHER_IS_BETTER)},
    )}
    assert policy.metrics == {**Policy().metrics,
                              "refusal_accuracy": MetricRule(Direction.HIGHER_IS_BETTER),
                              "attack_success_rate": MetricRule(Direction.LOWER_IS_BETTER,
                                                                0.005)}
    assert policy.direction_for("support-bot", "csat") is Direction.HIGHER_IS_BETTER
    assert policy.direction_for("other", "csat") is None
    assert policy.tolerance_for("support-bot", "attack_success_rate") == 0.005
    assert policy.tolerance_for("support-bot", "accuracy") == 0.01
    assert policy.thresholds_for("support-bot") == {
        "toxicity_rate": Threshold("toxicity_rate", "<=", 0.01),
        "accuracy": Threshold("accuracy", ">=", 0.9)}
    assert policy.auto_rollback_for("support-bot") is True
    assert policy.auto_rollback_for("other") is False


def test_the_example_differs_from_the_default_only_where_it_says_so() -> None:
    policy = parse_policy(yaml.safe_load(POLICY_EXAMPLE))
    assert policy == Policy(
        administrators=("alice@example.com",),
        thresholds=(Threshold("toxicity_rate", "<=", 0.01),),
        monitoring=(Threshold("error_rate", "<=", 0.05),),
        committees={"risk-committee": ("risk-office",)},
        metrics=policy.metrics,
        models=policy.models,
    )


def test_the_docs_show_the_example() -> None:
    assert POLICY_EXAMPLE.strip() in DOCS.read_text()


def test_the_docs_toml_example_parses() -> None:
    [block] = re.findall(r"```toml\n(.*?)```", DOCS.read_text(), re.DOTALL)
    policy = parse_policy(tomllib.loads(block), "policy.toml")
    assert policy == Policy(
        administrators=("alice@example.com",),
        thresholds=(Threshold("toxicity_rate", "<=", 0.01),),
        models=policy.models)
    assert policy.models["support-bot"].auto_rollback is True


def _keys(value: object) -> set[str]:
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, item in value.items():
        if key not in ("low", "medium", "high", "m"):  # tier and model names: data, not keys
            found.add(key)
        found |= _keys(item)
    return found


def test_every_key_of_the_file_is_documented() -> None:
    text = DOCS.read_text()
    every_key = render_policy(Policy(models={"m": ModelRules(auto_rollback=True)}))
    for key in _keys(every_key):
        assert f"`{key}`" in text or f".{key}`" in text, key


# --- round trips ------------------------------------------------------------------------------

ROUND_TRIP_EXAMPLES = {
    "default": Policy(),
    "example": parse_policy(yaml.safe_load(POLICY_EXAMPLE)),
    "toml": parse_policy(tomllib.loads(EXAMPLE_TOML)),
    "everything changed": Policy(
        require_digest=False, require_attestation=False, require_training_metrics=False,
        thresholds=(Threshold("accuracy", ">", 0.9), Threshold("cost.per_1k", "<", 12.5),
                    Threshold("delta", ">=", -3.0), Threshold("tiny", "<=", 1e-7),
                    Threshold("huge", "<", 1e20), Threshold("third", ">=", 1 / 3)),
        required_suites={RiskTier.LOW: ("smoke",), RiskTier.MEDIUM: (),
                         RiskTier.HIGH: ("safety", "adversarial", "red-team")},
        regression_tolerance=0.0,
        metrics={**Policy().metrics, "tiny": MetricRule(Direction.LOWER_IS_BETTER, 1e-9),
                 "accuracy": MetricRule(Direction.HIGHER_IS_BETTER, 0.0)},
        staging_checks=(),
        approvals={RiskTier.LOW: TierApproval(("lead",), author_may_approve=False),
                   RiskTier.MEDIUM: TierApproval(("ml-lead",)),
                   RiskTier.HIGH: TierApproval(("risk-committee", "cto"), True)},
        approval_valid_days=1, max_review_days=30,
        administrators=("alice@example.com", "Bob Smith"),
        exclusive_aliases=("production", "champion"),
        monitoring=(Threshold("error_rate", "<=", 0.05),),
        auto_rollback=True,
        committees={"risk-committee": ("risk-office", "Audit Team"), "lead": ()},
        models={"org/support-bot": ModelRules(auto_rollback=False),
                "ranker": ModelRules(thresholds=(Threshold("ndcg", ">=", 0.7),),
                                     metrics={"ndcg": MetricRule(Direction.HIGHER_IS_BETTER,
                                                                 0.02)}),
                "empty": ModelRules()},
    ),
}


@pytest.mark.parametrize("policy", ROUND_TRIP_EXAMPLES.values(), ids=ROUND_TRIP_EXAMPLES.keys())
def test_render_then_parse_gives_the_policy_back(policy: Policy) -> None:
    rendered = render_policy(policy)
    assert parse_policy(rendered) == policy
    # …also through the text the CLI prints (YAML and JSON)
    assert parse_policy(yaml.safe_load(yaml.safe_dump(rendered, sort_keys=False))) == policy
    assert parse_policy(json.loads(json.dumps(rendered))) == policy


def _section(rendered: dict[str, object], key: str) -> dict[str, object]:
    """The rendered policy's mapping under ``key``; the test fails if it is not one."""
    section = rendered[key]
    assert isinstance(section, dict), section
    return section


def test_render_writes_every_key_in_the_files_order() -> None:
    rendered = render_policy(Policy())
    assert list(rendered) == ["version", "administrators", "validation", "evaluation", "metrics",
                              "staging", "approval", "aliases", "eligibility", "monitoring",
                              "deprecation", "models"]
    assert _section(rendered, "metrics")["refusal_accuracy"] == {"direction": "higher"}
    assert _section(rendered, "metrics")["toxicity_rate"] == {"direction": "lower"}
    assert rendered["deprecation"] == {"move_production": False}
    assert rendered["approval"] == {
        "valid_days": 90, "max_review_days": 365,
        "tiers": {"low": {"roles": ["lead"], "author_may_approve": True},
                  "medium": {"roles": ["product-owner", "ml-lead"], "author_may_approve": True},
                  "high": {"roles": ["risk-committee"], "author_may_approve": False}},
        "committees": {}}
    example = render_policy(parse_policy(yaml.safe_load(POLICY_EXAMPLE)))
    assert example["models"] == {"support-bot": {"thresholds": {"accuracy": ">= 0.9"},
                                                 "monitoring": {"p95_latency_ms": "<= 800"},
                                                 "auto_rollback": True,
                                                 "metrics": {"csat": {"direction": "higher"}}}}
    assert _section(example, "metrics")["attack_success_rate"] == {"direction": "lower",
                                                                   "tolerance": 0.005}


def test_moving_production_at_a_hard_deadline_is_off_unless_the_policy_says_so() -> None:
    assert Policy().deprecation_move_production is False
    assert parse_policy(yaml.safe_load(POLICY_EXAMPLE)).deprecation_move_production is False
    policy = parse_policy({"deprecation": {"move_production": True}})
    assert policy.deprecation_move_production is True
    assert parse_policy(render_policy(policy)) == policy
    assert set(messages_at({"deprecation": {"move_production": "yes",
                                            "move_prod": True}})) == {
        "deprecation.move_production", "deprecation.move_prod"}


# --- TOML ---------------------------------------------------------------------------------------


def test_a_toml_policy_parses_like_yaml() -> None:
    policy = parse_policy(tomllib.loads(EXAMPLE_TOML), "policy.toml")
    assert policy.require_attestation is False
    assert policy.regression_tolerance == 0.0
    assert policy.required_suites[RiskTier.HIGH] == ("safety", "adversarial", "red-team")
    assert policy.required_suites[RiskTier.MEDIUM] == ("safety",)
    assert policy.approval_valid_days == 30
    assert policy.approvals[RiskTier.HIGH] == TierApproval(("risk-committee", "cto"), False)
    assert policy.auto_rollback is True
    assert policy.auto_rollback_for("support-bot") is False
    # the file leaves monitoring.thresholds out, so the default error_rate threshold stays
    assert policy.monitoring_for("support-bot") == {
        "error_rate": Threshold("error_rate", "<=", 0.05),
        "p95_latency_ms": Threshold("p95_latency_ms", "<=", 800.0)}


def test_toml_problems_are_located_too() -> None:
    doc = tomllib.loads('[monitoring]\nauto_rollback = "true"\n[approval.tiers.urgent]\n'
                        'roles = ["x"]\n')
    assert set(messages_at(doc)) == {"monitoring.auto_rollback", "approval.tiers.urgent"}


# --- every problem, located -------------------------------------------------------------------

BROKEN = """\
version: 2
administrator: [alice@example.com]
validation:
  require_digest: "yes"
evaluation:
  thresholds: {accuracy: "about 0.9", Toxicity: "<= 0.1"}
  required_suites: {hihg: [safety]}
  regression_tolerance: -0.1
approval:
  valid_days: 0
  tiers:
    high: {roles: [risk-committee, risk-committee]}
    critical: {roles: [cto]}
aliases:
  exclusive: [champion]
monitoring:
  auto_rollback: "true"
  thresholds: {error_rate: 0.05}
models:
  Support Bot: {thresholds: {accuracy: ">= 0.9"}}
  ranker: {threshold: {ndcg: ">= 0.7"}}
"""


def test_a_broken_file_reports_every_problem_with_its_location() -> None:
    found = messages_at(yaml.safe_load(BROKEN))
    assert set(found) == {
        "version", "administrator", "validation.require_digest",
        "evaluation.thresholds.accuracy", "evaluation.thresholds.Toxicity",
        "evaluation.required_suites.hihg", "evaluation.regression_tolerance",
        "approval.valid_days", "approval.tiers.high.roles[1]", "approval.tiers.critical",
        "aliases.exclusive", "monitoring.auto_rollback", "monitoring.thresholds.error_rate",
        "models.Support Bot", "models.ranker.threshold",
    }
    assert "did you mean 'administrators'?" in found["administrator"]
    assert found["evaluation.thresholds.accuracy"] == (
        "'about 0.9' is not a threshold: write an operator and a number, e.g. '>= 0.9' or "
        "'<= 0.01'")
    assert "did you mean 'toxicity'?" in found["evaluation.thresholds.Toxicity"]
    assert "did you mean 'high'?" in found["evaluation.required_suites.hihg"]
    assert "use low, medium or high" in found["approval.tiers.critical"]
    assert "repeats 'risk-committee' (already at roles[0])" in (
        found["approval.tiers.high.roles[1]"])
    assert "found the text 'yes'; write true, without quotes" in (
        found["validation.require_digest"])
    assert "write true, without quotes" in found["monitoring.auto_rollback"]
    assert "0 or more" in found["evaluation.regression_tolerance"]
    assert "-0.1" in found["evaluation.regression_tolerance"]
    assert "must include 'production'" in found["aliases.exclusive"]
    assert "a bare number has no direction" in found["monitoring.thresholds.error_rate"]
    assert "not a valid model name" in found["models.Support Bot"]
    assert "did you mean 'support-bot'?" in found["models.Support Bot"].lower()
    assert "did you mean 'thresholds'?" in found["models.ranker.threshold"]


def test_the_error_message_names_the_source_and_counts_the_problems() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_policy(yaml.safe_load(BROKEN), "policy.yaml")
    text = str(caught.value)
    assert text.startswith("policy.yaml has 15 problems")
    assert "  - approval.tiers.high.roles[1]: repeats 'risk-committee'" in text


@pytest.mark.parametrize(("doc", "location", "fragment"), [
    ([], "$", "must be a mapping of sections"),
    ("policy", "$", "must be a mapping of sections"),
    ({"version": "1"}, "version", "must be 1"),
    ({"version": True}, "version", "must be 1"),
    ({"auto_rollback": True}, "auto_rollback", "belongs in the 'monitoring' section"),
    ({"validation": []}, "validation", "must be a mapping"),
    ({"validation": {"require_digest": 1}}, "validation.require_digest", "the number 1"),
    ({"validation": {"require_digest": None}}, "validation.require_digest", "nothing (null)"),
    ({"validation": {"require_digest": "no"}}, "validation.require_digest", "write false"),
    ({"validation": {"require_atestation": True}}, "validation.require_atestation",
     "did you mean 'require_attestation'?"),
    ({"evaluation": {"regression_tolerance": math.inf}}, "evaluation.regression_tolerance",
     "0 or more"),
    ({"evaluation": {"regression_tolerance": "0.01"}}, "evaluation.regression_tolerance",
     "0 or more"),
    ({"evaluation": {"required_suites": {"low": "smoke"}}}, "evaluation.required_suites.low",
     "must be a list"),
    ({"evaluation": {"required_suites": {"high": ["safety", "Red Team"]}}},
     "evaluation.required_suites.high[1]", "did you mean 'red-team'?"),
    ({"staging": {"required_checks": ["loads-and-serves", ""]}}, "staging.required_checks[1]",
     "must be a non-empty string"),
    ({"staging": {"required_check": []}}, "staging.required_check",
     "did you mean 'required_checks'?"),
    ({"approval": {"max_review_days": 30.5}}, "approval.max_review_days", "whole number"),
    ({"approval": {"valid_days": True}}, "approval.valid_days", "whole number"),
    ({"approval": {"tiers": {"low": {"roles": []}}}}, "approval.tiers.low.roles",
     "at least one role"),
    ({"approval": {"tiers": {"low": {"roles": [7]}}}}, "approval.tiers.low.roles[0]",
     "non-empty string"),
    ({"approval": {"tiers": {"low": {"role": ["lead"]}}}}, "approval.tiers.low.role",
     "did you mean 'roles'?"),
    ({"approval": {"tiers": {"low": ["lead"]}}}, "approval.tiers.low", "must be a mapping"),
    ({"approval": {"committees": {"risk-committee": "risk-office"}}},
     "approval.committees.risk-committee", "must be a list"),
    ({"approval": {"committees": {"Risk Committee": ["risk-office"]}}},
     "approval.committees.Risk Committee", "is not an approval role"),
    ({"approval": {"committees": ["risk-office"]}}, "approval.committees", "must be a mapping"),
    ({"approval": {"tiers": {"high": {"author_may_approve": "false"}}}},
     "approval.tiers.high.author_may_approve", "write false"),
    ({"administrators": ["alice", "alice"]}, "administrators[1]", "repeats 'alice'"),
    ({"administrators": "alice"}, "administrators", "must be a list"),
    ({"administrators": ["alice", " bob"]}, "administrators[1]", "did you mean 'bob'?"),
    ({"administrators": ["alice "]}, "administrators[0]", "spaces around it"),
    ({"aliases": {"exclusive": None}}, "aliases.exclusive", "must include 'production'"),
    ({"aliases": {"exclusive": ["production", "v1.x"]}}, "aliases.exclusive[1]",
     "is not an alias name"),
    ({"aliases": {"exclusive": ["production", "Champion"]}}, "aliases.exclusive[1]",
     "did you mean 'champion'?"),
    ({"aliases": {"exclusive": ["production", "production"]}}, "aliases.exclusive[1]",
     "repeats 'production'"),
    ({"monitoring": {"thresholds": ["error_rate <= 0.05"]}}, "monitoring.thresholds",
     "must be a mapping"),
    ({"models": {"bad name!": {}}}, "models.bad name!", "not a valid model name"),
    ({"models": {"m": {"auto_rollback": "yes"}}}, "models.m.auto_rollback", "write true"),
    ({"models": {"m": {"evaluation": {}}}}, "models.m.evaluation", "is not a per-model rule"),
    ({"models": {"m": {"monitoring": {"p95": "< soon"}}}}, "models.m.monitoring.p95",
     "is not a threshold"),
    ({"models": ["m"]}, "models", "must be a mapping"),
    ({1: True}, "1", "keys must be strings"),
])
def test_one_problem_is_reported_where_it_is(doc: object, location: str, fragment: str) -> None:
    [problem] = problems_of(doc)
    assert problem.location == location
    assert fragment in problem.message


# --- thresholds -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "op", "value"), [
    (">= 0.9", ">=", 0.9), ("<=0.01", "<=", 0.01), ("> 3", ">", 3.0), ("< 250", "<", 250.0),
    ("  >=  .5 ", ">=", 0.5), (">= -2", ">=", -2.0), ("<= 1e-3", "<=", 0.001),
    ("< +4.", "<", 4.0),
])
def test_a_threshold_is_an_operator_and_a_number(text: str, op: str, value: float) -> None:
    threshold, problems = parse_threshold("accuracy", text, "here")
    assert problems == []
    assert threshold == Threshold("accuracy", op, value)


@pytest.mark.parametrize("text", ["about 0.9", "0.9", "= 0.9", "== 0.9", "=> 0.9", ">= ",
                                  ">= nan", ">= inf", "<= 1e999", ">= 0.9 accuracy", "≥ 0.9",
                                  "", 0.9, True, None, [">=", 0.9]])
def test_anything_else_is_not_a_threshold(text: object) -> None:
    threshold, problems = parse_threshold("accuracy", text, "evaluation.thresholds.accuracy")
    assert threshold is None
    [problem] = problems
    assert problem.location == "evaluation.thresholds.accuracy"
    assert "is not a threshold" in problem.message


def test_threshold_errors_say_the_expected_form_and_fix_near_misses() -> None:
    _, [bare] = parse_threshold("accuracy", 0.9, "x")
    assert bare.message == ("the number 0.9 is not a threshold: write an operator and a number, "
                            "e.g. '>= 0.9' or '<= 0.01' (a bare number has no direction: write "
                            "'>= 0.9' or '<= 0.9')")
    _, [swapped] = parse_threshold("accuracy", "=> 0.9", "x")
    assert swapped.message.endswith("(write '>=', not '=>')")


@pytest.mark.parametrize("metric", ["Accuracy", "", "_private", "p95 latency", "f1!"])
def test_metric_names_are_lowercase(metric: str) -> None:
    threshold, [problem] = parse_threshold(metric, ">= 0.9", "where")
    assert threshold is None
    assert problem.location == "where"
    assert "is not a metric name" in problem.message


def test_a_bad_metric_and_a_bad_threshold_are_both_reported() -> None:
    _, problems = parse_threshold("Accuracy", "high", "where")
    assert len(problems) == 2


def test_the_default_policy_watches_the_error_rate_until_a_file_says_otherwise() -> None:
    """Without a policy file production is watched for error_rate <= 0.05 (the README's
    monitoring example); a file's monitoring.thresholds replaces that list, `{}` empties it."""
    assert Policy().monitoring_for("any") == {"error_rate": Threshold("error_rate", "<=", 0.05)}
    assert Policy().auto_rollback is False
    assert render_policy(Policy())["monitoring"] == {"thresholds": {"error_rate": "<= 0.05"},
                                                     "auto_rollback": False}
    assert parse_policy({"monitoring": {"thresholds": {}}}).monitoring == ()
    replaced = parse_policy({"monitoring": {"thresholds": {"p95_latency_ms": "<= 800"}}})
    assert replaced.monitoring == (Threshold("p95_latency_ms", "<=", 800.0),)


# --- metric declarations ------------------------------------------------------------------------


def test_metric_declarations_add_to_and_override_the_defaults() -> None:
    policy = parse_policy(yaml.safe_load("""\
metrics:
  helpfulness: {direction: higher, tolerance: 0.1}
  bias_score: {direction: higher}
models:
  ranker: {metrics: {helpfulness: {direction: lower}}}
"""))
    assert policy.metrics == {**Policy().metrics,
                              "helpfulness": MetricRule(Direction.HIGHER_IS_BETTER, 0.1),
                              "bias_score": MetricRule(Direction.HIGHER_IS_BETTER)}
    assert policy.direction_for("ranker", "helpfulness") is Direction.LOWER_IS_BETTER
    assert policy.direction_for("other", "helpfulness") is Direction.HIGHER_IS_BETTER
    assert policy.tolerance_for("other", "helpfulness") == 0.1
    assert policy.tolerance_for("ranker", "helpfulness") == 0.01  # its own entry, no tolerance


def test_no_direction_is_guessed_from_a_name() -> None:
    policy = Policy()
    assert policy.direction_for("m", "refusal_accuracy") is Direction.HIGHER_IS_BETTER
    assert policy.direction_for("m", "refusal_rate") is Direction.LOWER_IS_BETTER
    for name in ("helpfulness", "user_error_budget", "cost_savings", "latency_headroom"):
        assert policy.direction_for("m", name) is None, name


def test_the_default_declarations_cover_the_metrics_the_examples_use() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    used = {name for path in examples.glob("eval-*.json")
            for name in json.loads(path.read_text())["metrics"]}
    used |= {"accuracy", "f1", "loss", "toxicity_rate", "error_rate", "p95_latency_ms",
             "cost_per_1k_requests", "relevance"}  # demo.py, README and the tests
    assert used, "no example evaluation found"
    assert used <= set(Policy().metrics)


def test_a_threshold_implies_a_direction_only_without_a_declaration() -> None:
    policy = parse_policy({"evaluation": {"thresholds": {"helpfulness": ">= 3"}}})
    assert policy.direction_for("m", "helpfulness") is Direction.HIGHER_IS_BETTER


BAD_METRICS = """\
metrics:
  helpfulness: higher
  Helpfulness2: {direction: higher}
  groundedness: {direction: up}
  coherence: {tolerance: 0.1}
  fluency: {direction: lower, tolerance: -1, weight: 2}
  verbosity:
models:
  ranker:
    metrics: {ndcg: {direction: "higher-is-better"}}
"""


def test_bad_metric_declarations_are_each_located() -> None:
    found = messages_at(yaml.safe_load(BAD_METRICS))
    assert found == {
        "metrics.helpfulness": ("must be a mapping of direction and tolerance, found the text "
                                "'higher'; write {direction: higher}"),
        "metrics.Helpfulness2": ("'Helpfulness2' is not a metric name: use lowercase letters, "
                                 "digits, '_', '.' or '-', starting with a letter or digit; "
                                 "did you mean 'helpfulness2'?"),
        "metrics.groundedness.direction": ("must be higher or lower (are higher or lower values "
                                           "of groundedness better?), found the text 'up'"),
        "metrics.coherence.direction": ("is required: higher or lower (are higher or lower "
                                        "values of coherence better?)"),
        "metrics.fluency.tolerance": ("must be a number, 0 or more (e.g. 0.01: a metric may be "
                                      "that much worse than in production), found the number "
                                      "-1"),
        "metrics.fluency.weight": ("is not a metric declaration key: use direction or "
                                   "tolerance"),
        "metrics.verbosity.direction": ("is required: higher or lower (are higher or lower "
                                        "values of verbosity better?)"),
        "models.ranker.metrics.ndcg.direction": (
            "must be higher or lower (are higher or lower values of ndcg better?), found the "
            "text 'higher-is-better'; write higher"),
    }


def test_a_declaration_contradicting_a_threshold_is_located_at_the_threshold() -> None:
    found = messages_at(yaml.safe_load("""\
evaluation:
  thresholds: {refusal_accuracy: "<= 0.5", helpfulness: ">= 3", toxicity_rate: "<= 0.01"}
metrics:
  helpfulness: {direction: lower}
models:
  bot:
    thresholds: {accuracy: "< 0.2"}
    metrics: {toxicity_rate: {direction: higher}}
"""))
    assert found == {
        "evaluation.thresholds.refusal_accuracy": (
            "the threshold refusal_accuracy <= 0.5 makes refusal_accuracy lower-is-better, but "
            "refusal_accuracy is declared higher-is-better by default; fix whichever is wrong — "
            "the threshold, or the declaration (metrics: {refusal_accuracy: {direction: "
            "lower}})"),
        "evaluation.thresholds.helpfulness": (
            "the threshold helpfulness >= 3 makes helpfulness higher-is-better, but helpfulness "
            "is declared lower-is-better at metrics.helpfulness; fix whichever is wrong — the "
            "threshold, or the declaration (metrics: {helpfulness: {direction: higher}})"),
        "models.bot.thresholds.accuracy": (
            "the threshold accuracy < 0.2 makes accuracy lower-is-better, but accuracy is "
            "declared higher-is-better by default; fix whichever is wrong — the threshold, or "
            "the declaration (metrics: {accuracy: {direction: lower}})"),
        "models.bot.metrics.toxicity_rate": (
            "the threshold at evaluation.thresholds.toxicity_rate (toxicity_rate <= 0.01) makes "
            "toxicity_rate lower-is-better, but toxicity_rate is declared higher-is-better for "
            "this model; fix whichever is wrong — the threshold, or the declaration (metrics: "
            "{toxicity_rate: {direction: lower}})"),
    }


def test_a_model_threshold_agreeing_with_its_own_declaration_is_fine() -> None:
    policy = parse_policy(yaml.safe_load("""\
models:
  bot:
    thresholds: {bias_score: ">= 0.8"}
    metrics: {bias_score: {direction: higher}}
"""))
    assert policy.direction_for("bot", "bias_score") is Direction.HIGHER_IS_BETTER
    assert policy.direction_for("other", "bias_score") is Direction.LOWER_IS_BETTER


def test_the_docs_list_exactly_the_default_declarations() -> None:
    rows = dict(re.findall(r"^\| `(higher|lower)` \| (.*) \|$", DOCS.read_text(), re.MULTILINE))
    documented = {name: MetricRule(Direction(direction))
                  for direction, names in rows.items()
                  for name in re.findall(r"`([^`]+)`", names)}
    assert documented == dict(Policy().metrics)
