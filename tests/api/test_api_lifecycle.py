"""The lifecycle over a real socket: a model named ``acme/support-base`` taken through every
promotion gate (attestation, evaluation, staging checks, approval) to production, aliases with
their history, rollback by hand and by a monitoring breach, dry runs, refusals as problem
documents, who may do what, and keyset pages of every list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request

from modelsteward.api.app import create_app
from modelsteward.api.deps import Principal
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from tests.api.conftest import run_server
from tests.conftest import FixedClock

MODEL = "acme/support-base"
BASE = f"/api/v1/models/{MODEL}"
PROBLEM = "application/problem+json"
POLICY = """\
administrators: [platform-admin]
approval:
  committees: {lead: [risk], ml-lead: [risk]}  # bob and carol approve for every team
evaluation:
  thresholds: {accuracy: ">= 0.8"}
monitoring:
  thresholds: {error_rate: "<= 0.05"}
  auto_rollback: true
"""
# who may call: the fake of the authenticator port picks one by the X-Caller header
PEOPLE = {
    "alice": Principal("alice", "support", frozenset({"viewer", "maintainer"})),
    "bob": Principal("bob", "risk", frozenset({"viewer", "maintainer", "approver"}),
                     frozenset({"lead"})),
    "carol": Principal("carol", "risk", frozenset({"viewer", "maintainer", "approver"}),
                       frozenset({"ml-lead"})),
    "victor": Principal("victor", "support", frozenset({"viewer"})),
    "mallory": Principal("mallory", "other", frozenset({"viewer", "maintainer"})),
    "platform-admin": Principal("platform-admin", "", frozenset({"admin"})),
}


def by_header(request: Request) -> Principal:
    return PEOPLE[request.headers.get("x-caller", "alice")]


@pytest.fixture
def api(db_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[httpx.Client]:
    (tmp_path / "policy.yaml").write_text(POLICY)
    settings = ServerSettings(Settings(db_url, "alice", policy_path=str(tmp_path / "policy.yaml")))
    serving = run_server(create_app(settings, clock=clock, authenticate=by_header))
    with httpx.Client(base_url=next(serving), timeout=30) as client:
        yield client
    next(serving, None)  # resumes the generator past its yield: the server shuts down


def as_(who: str) -> dict[str, str]:
    return {"X-Caller": who}


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"] == f"/problems/{slug}"
    assert body["instance"] == response.request.url.path
    return body


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def register(c: httpx.Client, version: str, seed: str, **extra: object) -> str:
    """Register ``version`` by alice; return its root digest (hex)."""
    body = ok(c.post(f"{BASE}/versions", json={
        "version": version, "force": True, "reason": "test",
        "files": [{"path": "model.safetensors", "sha256": seed * 64, "size": 10}], **extra}),
        201)
    digest: str = body["digest"].removeprefix("sha256:")
    return digest


def statement(digest: str) -> dict[str, object]:
    return {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
            "subject": [{"name": MODEL, "digest": {"sha256": digest}}],
            "predicate": {"buildDefinition": {"buildType": "https://example.com/train/v1"},
                          "runDetails": {"builder": {"id": "https://example.com/ci"}}}}


def evaluation(suite: str = "golden", accuracy: float = 0.9) -> dict[str, object]:
    return {"suite": suite, "dataset_digest": "sha256:" + "d" * 64,
            "metrics": {"accuracy": accuracy}, "cost_per_1k_requests": 10.0,
            "latency_ms": {"p50": 100, "p95": 300}}


def approval(clock: FixedClock, role: str = "lead") -> dict[str, object]:
    return {"role": role, "evidence": "eval report #12", "risks_accepted": "slight drift",
            "monitoring_plan": "error-rate dashboard", "rollback_plan": "POST rollbacks",
            "next_review": (clock.now().date() + timedelta(days=60)).isoformat()}


def promote(c: httpx.Client, version: str, to: str, **extra: object) -> httpx.Response:
    return c.post(f"{BASE}/versions/{version}/promotions", json={"to": to, **extra})


def to_production(c: httpx.Client, clock: FixedClock, version: str, seed: str) -> None:
    digest = register(c, version, seed)
    ok(c.post(f"{BASE}/versions/{version}/attestations",
              json={"statement": statement(digest), "metrics": {"loss": 0.2}}), 201)
    ok(c.post(f"{BASE}/versions/{version}/evaluations", json=evaluation()), 201)
    for stage in ("evaluated", "registered", "staging"):
        assert ok(promote(c, version, stage))["version"]["stage"] == stage
    for check in ("loads-and-serves", "latency-within-budget", "rollback-rehearsed"):
        ok(c.post(f"{BASE}/versions/{version}/checks",
                  json={"name": check, "passed": True, "evidence": "ci run 42"}), 201)
    ok(c.post(f"{BASE}/versions/{version}/approvals", json=approval(clock), headers=as_("bob")),
       201)
    assert ok(promote(c, version, "production"))["version"]["stage"] == "production"


def test_a_version_through_every_gate_to_production(api: httpx.Client,
                                                     clock: FixedClock) -> None:
    c = api
    ok(c.post("/api/v1/models", json={"name": MODEL, "risk_tier": "low"}), 201)
    digest = register(c, "1.0.0", "a")
    v1 = f"{BASE}/versions/1.0.0"

    # a dry run lists every unmet requirement and changes nothing; any reader may ask
    dry = ok(promote(c, "1.0.0", "evaluated", dry_run=True), 200)
    assert dry["dry_run"] is True and dry["passed"] is False
    assert any("no training attestation" in item for item in dry["unmet"])
    assert any("no evaluation recorded" in item for item in dry["unmet"])
    assert dry["version"]["stage"] == "trained"
    assert ok(c.post(f"{v1}/promotions", json={"to": "evaluated", "dry_run": True},
                     headers=as_("victor")))["passed"] is False
    # the real promotion is refused with the same list, as a problem document
    refused = problem(promote(c, "1.0.0", "evaluated"), 409, "conflict")
    assert "no training attestation" in refused["detail"]
    assert "From trained the allowed next stages are: evaluated, rejected" in problem(
        promote(c, "1.0.0", "production"), 409, "conflict")["detail"]
    assert "'launched' is not" in problem(promote(c, "1.0.0", "launched"), 400,
                                          "invalid-input")["detail"]

    # validation gate: an attestation of this very artefact, and an evaluation
    problem(c.post(f"{v1}/attestations", json={"statement": statement("f" * 64)}), 409,
            "conflict")
    attested = ok(c.post(f"{v1}/attestations",
                         json={"statement": statement(digest), "metrics": {"loss": 0.2}}), 201)
    assert attested["attached_by"] == "alice" and attested["metrics"] == {"loss": 0.2}
    invalid = problem(c.post(f"{v1}/evaluations", json={"suite": "Golden Set", "metrics": {},
                                                        "colour": "red"}), 422,
                      "document-invalid")
    assert {e["location"] for e in invalid["errors"]} == {
        "$.suite", "$.dataset_digest", "$.metrics", "$.colour"}
    contradicting = {**evaluation(), "directions": {"accuracy": "lower"}}
    invalid = problem(c.post(f"{v1}/evaluations", json=contradicting), 422, "document-invalid")
    assert [e["location"] for e in invalid["errors"]] == ["$.directions.accuracy"]
    assert ok(c.get(f"{v1}/evaluations"))["items"] == []
    declaring = {**evaluation(), "directions": {"accuracy": "higher"}}
    recorded = ok(c.post(f"{v1}/evaluations", json=declaring), 201)
    assert recorded["ref"] == f"{MODEL}@1.0.0" and recorded["recorded_by"] == "alice"
    assert recorded["directions"] == {"accuracy": "higher"}
    assert ok(promote(c, "1.0.0", "evaluated"))["version"]["stage"] == "evaluated"
    assert ok(promote(c, "1.0.0", "registered"))["version"]["stage"] == "registered"
    assert ok(promote(c, "1.0.0", "staging"))["version"]["stage"] == "staging"

    # staging and approval gates
    unmet = ok(promote(c, "1.0.0", "production", dry_run=True))["unmet"]
    assert any(item.startswith("staging gate") for item in unmet)
    assert any(item.startswith("approval gate") for item in unmet)
    problem(c.post(f"{v1}/checks", json={"name": "loads-and-serves", "passed": True},
                   headers=as_("victor")), 403, "not-authorised")
    problem(c.post(f"{v1}/checks", json={"name": "loads-and-serves", "passed": True},
                   headers=as_("mallory")), 403, "not-authorised")
    problem(c.post(f"{v1}/checks", json={"name": "Loads And Serves", "passed": True}), 400,
            "invalid-input")
    for check in ("loads-and-serves", "latency-within-budget", "rollback-rehearsed"):
        made = ok(c.post(f"{v1}/checks", json={"name": check, "passed": True,
                                               "evidence": "ci run 42"}), 201)
        assert made["passed"] is True and made["recorded_by"] == "alice"

    # the approver is the caller, never a name in the body
    body = {**approval(clock), "approver": "mallory"}
    assert "body.approver" in {e["location"] for e in problem(
        c.post(f"{v1}/approvals", json=body, headers=as_("bob")), 422, "validation")["errors"]}
    problem(c.post(f"{v1}/approvals", json=approval(clock), headers=as_("alice")), 403,
            "not-authorised")
    problem(c.post(f"{v1}/approvals", json=approval(clock), headers=as_("carol")), 403,
            "not-authorised")
    refused_approval = problem(c.post(f"{v1}/approvals", json=approval(clock, "ml-lead"),
                                      headers=as_("carol")), 400, "invalid-input")
    assert "role 'ml-lead' cannot approve a low-risk model" in refused_approval["detail"]
    approved = ok(c.post(f"{v1}/approvals", json=approval(clock), headers=as_("bob")), 201)
    assert approved["approver"] == "bob" and approved["role"] == "lead"
    assert [a["approver"] for a in ok(c.get(f"{v1}/approvals"))["items"]] == ["bob"]

    promoted = ok(promote(c, "1.0.0", "production"))
    assert promoted["passed"] is True and promoted["dry_run"] is False
    assert promoted["version"]["stage"] == "production"
    aliases = ok(c.get(f"{BASE}/aliases"))["items"]
    assert [(a["alias"], a["version"]) for a in aliases] == [("production", "1.0.0")]
    # the version's own GET still answers under the model name with a slash
    assert ok(c.get(f"{v1}"))["stage"] == "production"
    assert ok(c.get(f"{BASE}"))["name"] == MODEL


def test_aliases_history_rollback_and_monitoring(api: httpx.Client, clock: FixedClock) -> None:
    c = api
    ok(c.post("/api/v1/models", json={"name": MODEL, "risk_tier": "low"}), 201)
    to_production(c, clock, "1.0.0", "a")
    first = clock.now()
    clock.advance(days=1)
    to_production(c, clock, "1.1.0", "b")
    second = clock.now()
    clock.advance(days=1)

    # comparison of the two production versions
    compared = ok(c.get(f"{BASE}/versions/1.0.0/comparison", params={"against": "production"}))
    assert compared["baseline"] == f"{MODEL}@1.1.0" and compared["suites"] == ["golden"]
    assert {(d["metric"], d["direction"], d["verdict"]) for d in compared["quality"]} >= {
        ("accuracy", "higher", "same")}
    problem(c.get(f"{BASE}/versions/1.0.0/comparison", params={"against": "nightly"}), 404,
            "not-found")

    rolled = ok(c.post(f"{BASE}/rollbacks", json={"reason": "latency regression"}))
    assert (rolled["from_version"], rolled["to_version"]) == ("1.1.0", "1.0.0")
    assert rolled["blocked_reason"] == (f"rolled back from production on {clock.now().date()}: "
                                        "latency regression")
    problem(c.post(f"{BASE}/rollbacks", json={"alias": "champion"}), 400, "invalid-input")
    problem(c.post(f"{BASE}/rollbacks", json={}, headers=as_("victor")), 403, "not-authorised")

    # what production pointed at, at a moment (?at=), and every assignment
    def production_at(moment: str) -> list[str]:
        items = ok(c.get(f"{BASE}/aliases", params={"at": moment}))["items"]
        return [a["version"] for a in items if a["alias"] == "production"]
    assert production_at((first + timedelta(hours=1)).isoformat()) == ["1.0.0"]
    assert production_at((second + timedelta(hours=1)).isoformat()) == ["1.1.0"]
    assert production_at((first - timedelta(days=1)).isoformat()) == []
    problem(c.get(f"{BASE}/aliases", params={"at": "yesterday"}), 422, "validation")
    history = ok(c.get(f"{BASE}/alias-history", params={"alias": "production"}))["items"]
    assert [a["version"] for a in history] == ["1.0.0", "1.1.0", "1.0.0"]
    assert history[0]["removed_at"] is not None and history[-1]["removed_at"] is None

    # aliases set and removed by PUT and DELETE; production only points at production
    changed = ok(c.put(f"{BASE}/aliases/champion", json={"version": "1.1.0", "reason": "a/b"}))
    assert changed == {"model": MODEL, "alias": "champion", "version": "1.1.0",
                       "previous": None}
    problem(c.put(f"{BASE}/aliases/Champion", json={"version": "1.1.0"}), 400, "invalid-input")
    register(c, "1.2.0", "c")
    assert "only points at versions promoted to production" in problem(
        c.put(f"{BASE}/aliases/production", json={"version": "1.2.0"}), 409,
        "conflict")["detail"]
    assert c.delete(f"{BASE}/aliases/champion").status_code == 204
    problem(c.delete(f"{BASE}/aliases/champion"), 404, "not-found")

    # a breach of a monitoring threshold degrades the version; production would roll back, but
    # 1.1.0, which production was rolled back from, is no rollback target any more
    calm = ok(c.post(f"{BASE}/versions/1.0.0/measurements", json={"values": {"error_rate": 0.01}}),
              201)
    assert calm == {"ref": f"{MODEL}@1.0.0", "breaches": [], "rolled_back_to": None,
                    "rollback_failed": None}
    breach = ok(c.post(f"{BASE}/versions/1.0.0/measurements",
                       json={"values": {"error_rate": 0.2}}), 201)
    assert breach["breaches"] == ["error_rate = 0.2 breaks error_rate <= 0.05"]
    assert breach["rolled_back_to"] is None
    assert "no earlier target is still eligible" in breach["rollback_failed"]
    assert ok(c.get(f"{BASE}/versions/1.0.0"))["blocked_reason"]
    problem(c.post(f"{BASE}/versions/1.0.0/measurements", json={"values": {}}), 400,
            "invalid-input")
    problem(c.post(f"{BASE}/versions/1.0.0/measurements", json={"values": {"x": "lots"}}), 422,
            "validation")

    # rejection before production; the reason is required
    problem(c.post(f"{BASE}/versions/1.2.0/rejections", json={"reason": "  "}), 400,
            "invalid-input")
    assert ok(c.post(f"{BASE}/versions/1.2.0/rejections",
                     json={"reason": "bad data"}))["stage"] == "rejected"
    problem(c.post(f"{BASE}/versions/1.1.0/rejections", json={"reason": "late"}), 409,
            "conflict")


def test_overrides_need_a_policy_administrator(api: httpx.Client) -> None:
    c = api
    ok(c.post("/api/v1/models", json={"name": MODEL, "risk_tier": "low"}), 201)
    register(c, "1.0.0", "a")
    v1 = f"{BASE}/versions/1.0.0"
    body = {"gate": "validation", "reason": "hosted weights, attested elsewhere"}
    assert "not an administrator" in problem(c.post(f"{v1}/overrides", json=body), 403,
                                             "not-authorised")["detail"]
    problem(c.post(f"{v1}/overrides", json={**body, "gate": "vibes"},
                   headers=as_("platform-admin")), 400, "invalid-input")
    made = ok(c.post(f"{v1}/overrides", json=body, headers=as_("platform-admin")), 201)
    assert made["actor"] == "platform-admin" and made["gate"] == "validation"
    assert [o["gate"] for o in ok(c.get(f"{v1}/overrides"))["items"]] == ["validation"]
    # the override waives the validation gate, not the rule that an evaluation comes first
    dry = ok(promote(c, "1.0.0", "evaluated", dry_run=True))
    assert dry["passed"] is True and [o["gate"] for o in dry["overridden"]] == ["validation"]


def collect(c: httpx.Client, url: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page by page through the ``Link`` header."""
    seen: list[dict[str, Any]] = []
    next_url: str | None = f"{url}?limit={limit}"
    pages = 0
    while next_url:
        response = c.get(next_url)
        body = ok(response)
        assert len(body["items"]) <= limit
        seen += body["items"]
        next_url = response.links.get("next", {}).get("url")
        assert (next_url is None) == (body["next"] is None)
        pages += 1
    assert pages >= 2 or len(seen) <= limit
    return seen


def test_every_list_is_paged(api: httpx.Client, clock: FixedClock) -> None:
    c = api
    ok(c.post("/api/v1/models", json={"name": MODEL, "risk_tier": "low"}), 201)
    to_production(c, clock, "1.0.0", "a")
    v1 = f"{BASE}/versions/1.0.0"
    for i in range(4):
        clock.advance(minutes=1)
        ok(c.post(f"{v1}/evaluations", json=evaluation(f"suite-{i}")), 201)
        ok(c.post(f"{v1}/checks", json={"name": f"extra-{i}", "passed": i % 2 == 0}), 201)
        ok(c.put(f"{BASE}/aliases/canary-{i}", json={"version": "1.0.0"}))
    evaluations = collect(c, f"{v1}/evaluations", 2)
    assert [e["suite"] for e in evaluations] == ["golden", *(f"suite-{i}" for i in range(4))]
    checks = collect(c, f"{v1}/checks", 2)
    assert [x["name"] for x in checks][-4:] == [f"extra-{i}" for i in range(4)]
    assert len(checks) == 7 and len({(x["name"], x["recorded_at"]) for x in checks}) == 7
    aliases = collect(c, f"{BASE}/aliases", 2)
    assert [a["alias"] for a in aliases] == [*(f"canary-{i}" for i in range(4)), "production"]
    assert len(collect(c, f"{BASE}/alias-history", 3)) == 5
    assert len(collect(c, f"{v1}/approvals", 1)) == 1
    assert len(collect(c, f"{v1}/attestations", 1)) == 1
    assert [a["version"] for a in ok(c.get(f"{BASE}/aliases", params={
        "after": "canary-3@1.0.0"}))["items"]] == ["1.0.0"]
    problem(c.get(f"{v1}/checks", params={"limit": 0}), 422, "validation")


def test_lineage_not_found_and_operation_ids(api: httpx.Client) -> None:
    c = api
    ok(c.post("/api/v1/models", json={"name": MODEL, "risk_tier": "low"}), 201)
    register(c, "1.0.0", "a")
    ok(c.post("/api/v1/models", json={"name": "acme/support-tuned"}), 201)
    ok(c.post("/api/v1/models/acme/support-tuned/versions", json={
        "version": "1.0.0", "derived_from": f"{MODEL}@1.0.0", "relation": "finetune",
        "files": [{"path": "adapter.safetensors", "sha256": "e" * 64, "size": 5}]}), 201)
    tree = ok(c.get(f"{BASE}/versions/1.0.0/lineage"))
    assert [(n["child"], n["relation"]) for n in tree["descendants"]] == [
        ("acme/support-tuned@1.0.0", "finetune")]
    ancestors = ok(c.get("/api/v1/models/acme/support-tuned/lineage"))["ancestors"]
    assert [n["parent"] for n in ancestors] == [f"{MODEL}@1.0.0"]

    problem(c.get("/api/v1/models/acme/nope/versions/1.0.0/evaluations"), 404, "not-found")
    problem(c.get(f"{BASE}/versions/9.9.9/checks"), 404, "not-found")
    problem(c.post("/api/v1/models/acme/nope/versions/1.0.0/promotions",
                   json={"to": "evaluated"}), 404, "not-found")
    problem(c.get("/api/v1/models/acme/nope/aliases"), 404, "not-found")

    spec = ok(c.get("/openapi.json"))
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"promote_version", "reject_version", "override_gate", "list_overrides",
            "approve_version", "list_approvals", "record_check", "list_checks",
            "record_evaluation", "list_evaluations", "compare_version", "record_measurements",
            "set_alias", "remove_alias", "list_aliases", "list_alias_history",
            "rollback_alias", "get_version_lineage", "get_model_lineage", "attest_version",
            "list_attestations"} <= ids
