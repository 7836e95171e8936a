"""A low-, a medium- and a high-risk model from training output to production through every
gate, with each refusal along the way asserted by its message — through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import Policy
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.versioning import ChangeKind
from tests.cli.conftest import Steward
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import evaluation, to_production, to_staging, trained

POLICY = """\
administrators: [platform-admin]
evaluation:
  thresholds: {toxicity_rate: "<= 0.01"}
models:
  shop-low: {thresholds: {accuracy: ">= 0.8"}}
  shop-medium: {thresholds: {accuracy: ">= 0.9"}}
  shop-high: {thresholds: {accuracy: ">= 0.95"}}
"""
SUITES = {"low": [], "medium": ["safety"], "high": ["safety", "adversarial"]}
APPROVERS = {"low": [("lead", "bob")], "medium": [("product-owner", "bob"), ("ml-lead", "carol")],
             "high": [("risk-committee", "dave")]}
DATASET = "sha256:" + "a" * 64


@pytest.fixture
def policy_steward(steward: Steward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Steward:
    (tmp_path / "policy.yaml").write_text(POLICY)
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    return steward


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def approve(steward: Steward, actor: str, ref: str, role: str, expect: int = 0) -> str:
    review = (date.today() + timedelta(days=60)).isoformat()
    return steward("--actor", actor, "approve", ref, "--role", role, "--evidence",
                   "eval report #12", "--risks-accepted", "slight drift on rare intents",
                   "--monitoring-plan", "error-rate dashboard, paging at 5%",
                   "--rollback-plan", "steward rollback", "--next-review", review,
                   expect=expect).stderr


@pytest.mark.parametrize("tier", ["low", "medium", "high"])
def test_training_output_to_production(policy_steward: Steward, tmp_path: Path,
                                       tier: str) -> None:
    steward = policy_steward
    model = f"shop-{tier}"
    ref = f"{model}@1.0.0"
    steward("model", "create", model, "--risk-tier", tier, "--owner-team", "team-shop")
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "model.safetensors").write_bytes(b"\x00" * 2048)
    digest = steward("--actor", "alice", "version", "register", model, "--change",
                     "architecture", "--path", str(weights), "--json").json_object()["digest"][7:]

    # validation gate: every unmet requirement at once
    run = steward("promote", ref, "--to", "evaluated", expect=4)
    assert "3 requirements are unmet" in run.stderr
    assert "no training attestation" in run.stderr and "no evaluation recorded" in run.stderr
    assert "no training metrics" in run.stderr
    # illegal transition
    run = steward("promote", ref, "--to", "production", expect=4)
    assert "From trained the allowed next stages are: evaluated, rejected" in run.stderr

    statement = {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
                 "subject": [{"name": model, "digest": {"sha256": digest}}],
                 "predicate": {"buildDefinition": {"buildType": "https://example.com/t/v1"},
                               "runDetails": {"builder": {"id": "https://example.com/ci"}}}}
    steward("version", "attest", ref, str(write(tmp_path / "att.json", statement)),
            "--metrics", str(write(tmp_path / "m.json", {"loss": 0.3, "curve": [1.2, 0.3]})))
    low_quality = {"suite": "golden", "dataset_digest": DATASET,
                   "metrics": {"accuracy": 0.7, "toxicity_rate": 0.02},
                   "cost_per_1k_requests": 4.0, "latency_ms": {"p50": 90, "p95": 240}}
    steward("eval", "record", ref, str(write(tmp_path / "e1.json", low_quality)))
    steward("promote", ref, "--to", "evaluated")

    # evaluation gate: thresholds and the suites the tier requires
    run = steward("promote", ref, "--to", "registered", expect=4)
    assert "threshold accuracy >=" in run.stderr and "not met: 0.7 on suite 'golden'" in run.stderr
    assert "threshold toxicity_rate <= 0.01 not met: 0.02" in run.stderr
    for suite in SUITES[tier]:
        assert f"requires a '{suite}' evaluation suite" in run.stderr
    good = dict(low_quality, metrics={"accuracy": 0.97, "toxicity_rate": 0.001})
    steward("eval", "record", ref, str(write(tmp_path / "e2.json", good)))
    for suite in SUITES[tier]:
        steward("eval", "record", ref, str(write(tmp_path / f"{suite}.json",
                                                 dict(good, suite=suite))))
    steward("promote", ref, "--to", "registered")
    steward("promote", ref, "--to", "staging")

    # staging and approval gates, refused together
    run = steward("promote", ref, "--to", "production", expect=4)
    assert "staging check 'loads-and-serves' is not recorded" in run.stderr
    assert "staging check 'rollback-rehearsed' is not recorded" in run.stderr
    for role, _ in APPROVERS[tier]:
        assert f"needs an approval by role '{role}'" in run.stderr
    for check in ("loads-and-serves", "latency-within-budget", "rollback-rehearsed"):
        steward("check", "record", ref, check, "--passed", "--evidence", "staging run 7")

    # approvals: the wrong role, and the author for high risk
    wrong = approve(steward, "erin", ref, "intern", expect=2)
    assert "role 'intern' cannot approve" in wrong
    if tier == "high":
        assert "alice registered shop-high@1.0.0 and may not approve it" in approve(
            steward, "alice", ref, "risk-committee", expect=2)
    for role, person in APPROVERS[tier]:
        approve(steward, person, ref, role)
    shown = steward("promote", ref, "--to", "production", "--json").json_object()
    assert shown["stage"] == "production"
    aliases = steward("alias", "list", model, "--json").json_records()
    assert [(a["alias"], a["version"]) for a in aliases] == [("production", "1.0.0")]
    show = steward("version", "show", ref, "--json").json_object()
    assert {a["role"] for a in show["approvals"]} == {r for r, _ in APPROVERS[tier]}
    assert "intact" in steward("log", "verify").stdout


def test_override_is_shown_wherever_the_version_is(policy_steward: Steward) -> None:
    steward = policy_steward
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0")
    run = steward("--actor", "mallory", "override", "bot@1.0.0", "--gate", "validation",
                  "--reason", "trust me", expect=7)
    assert "mallory is not an administrator" in run.stderr
    steward("--actor", "platform-admin", "override", "bot@1.0.0", "--gate", "validation",
            "--reason", "vendor model, no weights here")
    run = steward("promote", "bot@1.0.0", "--to", "evaluated")
    assert "Promoted bot@1.0.0 to evaluated" in run.stdout
    assert "validation gate overridden" in steward("version", "list", "bot").stdout
    assert "GATE OVERRIDDEN" in steward("version", "show", "bot@1.0.0").stdout
    assert steward("version", "show", "bot@1.0.0",
                   "--json").json_object()["overrides"][0]["reason"] == \
        "vendor model, no weights here"


def test_bad_lifecycle_input(policy_steward: Steward, tmp_path: Path) -> None:
    steward = policy_steward
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0")
    assert "not a valid stage" in steward("promote", "bot@1.0.0", "--to", "prod",
                                          expect=2).stderr
    run = steward("promote", "bot@1.0.0", "--to", "deprecated", expect=2)
    assert "deprecated is reached with `steward deprecate` and a reason" in run.stderr
    assert steward("version", "show", "bot@1.0.0", "--json").json_object()["stage"] == "trained"
    (tmp_path / "bad.json").write_text('{"suite": "Golden Set", "metrics": {"acc": "high"}}')
    run = steward("eval", "record", "bot@1.0.0", str(tmp_path / "bad.json"), expect=2)
    for where in ("$.suite", "$.dataset_digest", "$.metrics.acc"):
        assert where in run.stderr
    assert steward("eval", "list", "bot@1.0.0", "--json").json() == []
    run = steward("history", "bot", "--at", "yesterday", expect=2)
    assert "ISO 8601" in run.stderr
    run = steward("monitor", "record", "bot@1.0.0", "error_rate", expect=2)
    assert "METRIC=NUMBER" in run.stderr
    run = steward("rollback", "bot", expect=4)
    assert "nothing to roll back" in run.stderr
    (tmp_path / "broken-policy.yaml").write_text("approval:\n  tiers:\n    extreme: {roles: []}\n")
    run = steward("policy", "check", str(tmp_path / "broken-policy.yaml"), expect=2)
    assert "approval.tiers.extreme" in run.stderr
    run = steward("--policy", str(tmp_path / "broken-policy.yaml"), "model", "list", expect=2)
    assert "approval.tiers.extreme" in run.stderr


def test_history_at_and_rollback_cli(policy_steward: Steward, db_url: str) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    with Registry.open(db_url, actor="alice", clock=clock, policy=Policy()) as registry:
        v1 = trained(registry, "bot")
        to_production(registry, v1)
        clock.advance(hours=4)  # 13:00
        v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
        to_production(registry, v2)
    steward = policy_steward
    assert steward("history", "bot", "--at", "2026-03-01T12:00Z").stdout.strip() == \
        "production: 1.0.0"
    assert steward("history", "bot", "--at", "2026-03-01T14:00Z",
                   "--json").json_object()["aliases"] == {"production": ["1.1.0"]}
    assert "No alias" in steward("history", "bot", "--at", "2026-02-01").stdout
    run = steward("rollback", "bot", "--reason", "p95 latency doubled")
    assert run.stdout.strip() == "production: bot@1.1.0 → bot@1.0.0"
    last = steward("log", "bot", "--json").json_records()[-1]
    assert last["kind"] == "model:alias:rolled-back" and last["payload"]["reason"] == \
        "p95 latency doubled"
    history = steward("alias", "history", "bot", "--json").json_records()
    assert [h["version"] for h in history] == ["1.0.0", "1.1.0", "1.0.0"]


def test_compare_against_production(steward: Steward, db_url: str) -> None:
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        to_production(registry, trained(registry, "bot"), accuracy=0.92)
        candidate = trained(registry, "bot", change=ChangeKind.RETRAIN)
        registry.lifecycle.record_evaluation(candidate, evaluation("golden", accuracy=0.96,
                                                                   toxicity_rate=0.001))
    shown = steward("compare", "bot@1.1.0").stdout
    assert "bot@1.1.0 against bot@1.0.0 on golden" in shown
    assert "Recommendation: PROMOTE" in shown
    assert "accuracy improves on 'golden': 0.92 → 0.96" in shown
    result = steward("compare", "bot@1.1.0", "--against", "1.0.0", "--json").json_object()
    assert result["recommendation"] == "promote"
    assert {d["metric"] for d in result["quality"]} == {"accuracy", "toxicity_rate"}
    assert "neither an alias" in steward("compare", "bot@1.1.0", "--against", "champion",
                                         expect=3).stderr


def test_compare_and_eval_record_use_declared_directions(steward: Steward, db_url: str,
                                                         tmp_path: Path) -> None:
    """refusal_accuracy falling is worse; an undeclared metric is shown as such, with the fix;
    an evaluation file's direction is stored and one that contradicts the policy is refused."""
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        first = trained(registry, "bot")
        to_production(registry, first)
        registry.lifecycle.record_evaluation(first, evaluation(
            "golden", accuracy=0.93, toxicity_rate=0.001, refusal_accuracy=0.95,
            helpfulness=3.0))
        candidate = trained(registry, "bot", change=ChangeKind.RETRAIN)
        registry.lifecycle.record_evaluation(candidate, evaluation(
            "golden", accuracy=0.93, toxicity_rate=0.001, refusal_accuracy=0.91,
            helpfulness=4.0))
    shown = steward("compare", "bot@1.1.0").stdout
    assert "Recommendation: REJECT" in shown
    assert "refusal_accuracy regresses on 'golden': 0.95 → 0.91" in shown
    assert "(no declared direction)" in shown and "(worse)" in shown
    result = steward("compare", "bot@1.1.0", "--json").json_object()
    by_metric = {d["metric"]: d for d in result["quality"]}
    assert by_metric["refusal_accuracy"] == {
        "suite": "golden", "metric": "refusal_accuracy", "candidate": 0.91, "baseline": 0.95,
        "improvement": pytest.approx(-0.04), "direction": "higher", "verdict": "worse"}
    assert by_metric["helpfulness"]["direction"] is None
    assert by_metric["helpfulness"]["improvement"] is None
    assert by_metric["helpfulness"]["verdict"] == "undeclared"
    assert result["cost"][0]["direction"] == "lower"

    document = {"suite": "safety", "dataset_digest": DATASET,
                "metrics": {"refusal_accuracy": 0.9, "helpfulness": 4.0},
                "directions": {"refusal_accuracy": "lower", "helpfulness": "higher"}}
    refused = steward("eval", "record", "bot@1.1.0", str(write(tmp_path / "e.json", document)),
                      expect=2).stderr
    assert "e.json has 1 problem" in refused
    assert "$.directions.refusal_accuracy: says refusal_accuracy is lower-is-better, but the " \
           "policy makes it higher-is-better for bot" in refused
    document["directions"] = {"helpfulness": "higher"}
    stored = steward("eval", "record", "bot@1.1.0", str(write(tmp_path / "e.json", document)),
                     "--json").json_object()
    assert stored["directions"] == {"helpfulness": "higher"}
    listed = steward("eval", "list", "bot@1.1.0", "--json").json_records()
    assert [e["directions"] for e in listed] == [{}, {"helpfulness": "higher"}]


def test_policy_show_lists_the_metric_declarations(policy_steward: Steward,
                                                   tmp_path: Path) -> None:
    shown = policy_steward("policy", "show", "--json").json_object()
    assert shown["metrics"]["refusal_accuracy"] == {"direction": "higher"}
    assert shown["metrics"]["toxicity_rate"] == {"direction": "lower"}
    (tmp_path / "policy.yaml").write_text(POLICY + "metrics:\n  helpfulness: {direction: "
                                                   "higher, tolerance: 0.2}\n")
    text = policy_steward("policy", "show").stdout
    assert "  helpfulness:\n    direction: higher\n    tolerance: 0.2\n" in text


def test_next_review_in_days_or_weeks_from_today(steward: Steward, db_url: str) -> None:
    """``--next-review 180d`` (or ``26w``) counts from today, so a script or the README's
    walk-through never names a date that has passed; anything else is refused with both forms."""
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        ref = trained(registry, "bot")
        to_staging(registry, ref, RiskTier.LOW)
    approval = ["approve", ref, "--role", "lead", "--evidence", "eval #12", "--risks-accepted",
                "none", "--monitoring-plan", "dashboard", "--rollback-plan", "steward rollback"]
    run = steward("--actor", "bob", *approval, "--next-review", "sometime", expect=2)
    assert "neither a date (YYYY-MM-DD) nor days or weeks from today (180d, 26w)" in run.stderr
    today = datetime.now(UTC).date()
    shown = steward("--actor", "bob", *approval, "--next-review", "26w", "--json").json_object()
    assert shown["next_review"] == (today + timedelta(weeks=26)).isoformat()
    shown = steward("--actor", "bob", *approval, "--next-review", "180d", "--json").json_object()
    assert shown["next_review"] == (today + timedelta(days=180)).isoformat()


def test_monitoring_under_the_default_policy_tells_the_owner_team(steward: Steward,
                                                                   db_url: str) -> None:
    """No STEWARD_POLICY: the built-in error_rate <= 0.05 applies; a rollback by hand blocks
    the version production left and is told, a breach degrades the version and is told, and
    `steward log verify` still finds the tables following from the events."""
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        v1 = trained(registry, "bot")
        to_production(registry, v1)
        v2 = trained(registry, "bot", change=ChangeKind.RETRAIN)
        to_production(registry, v2)
    assert "error_rate: <= 0.05" in steward("policy", "show").stdout
    run = steward("monitor", "record", "bot@1.1.0", "error_rate=0.02")
    assert run.stderr == "" and steward("notices", "--json").json() == []
    run = steward("rollback", "bot", "--reason", "checkout errors")
    assert run.stdout.strip() == "production: bot@1.1.0 → bot@1.0.0"
    assert "bot@1.1.0 is no longer a rollback target (rolled back from production on " \
        in run.stderr
    assert steward("version", "show", "bot@1.1.0",
                   "--json").json_object()["blocked_reason"].endswith(": checkout errors")
    [rolled] = steward("notices", "--team", "platform", "--json").json_records()
    assert rolled["kind"] == "rollback"
    assert rolled["message"].startswith("alice@example.com rolled production of bot back from "
                                        "bot@1.1.0 to bot@1.0.0: checkout errors.")
    run = steward("monitor", "record", "bot@1.0.0", "error_rate=0.09", "--json")
    assert run.json_object()["breaches"] == ["error_rate = 0.09 breaks error_rate <= 0.05"]
    notice = steward("notices", "--team", "platform", "--json").json_records()[-1]
    assert notice["kind"] == "monitoring:degraded" and notice["model"] == "bot"
    assert "error_rate measured 0.09, threshold error_rate <= 0.05" in notice["message"]
    assert "Production is still bot@1.0.0" in notice["message"]
    assert steward("log", "verify", "--json").json_object()["state"] == {"checked": True,
                                                                  "differences": []}
