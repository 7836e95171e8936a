"""Who may call every write route, generated from the application's route table.

Every operation of ``app.routes`` that is not GET or HEAD must have a rule in :data:`RULES`
(a new write route without one fails :func:`test_every_write_route_has_a_rule`). A rule says
who owns the call — a maintainer of the owning team (``alpha``), an approver of it, an
administrator, a security reporter, a token's holder, or any reader — and builds a valid
request (a fresh model, version, advisory… made by an administrator first). Then, over one real
server (a socket, real tokens, anonymous reading on):

* without a token: ``401`` — writes always need one; reads that may be anonymous (OSV's query
  POSTs) answer;
* a maintainer of another team, an approver of another team, a viewer of the owning team and a
  reporter: ``403`` — except for objects private to a team or to a token's holder (tokens,
  subscriptions, deliveries), which other teams cannot even see: ``404`` for them, as their
  lists already hide them;
* the owner: accepted (2xx), the request having been refused to everyone before without
  writing anything (else the owner's call would fail).

Routes that only read although they are POSTs (OSV queries, ``locks/outdated``, ``audits``,
MLflow's ``get-latest-versions``) are rules of kind ``reader``: a viewer is accepted.

The web pages' forms are write routes too: their rules send the form from a browser session
signed in with the caller's token (:func:`_send_web`), with the form's CSRF token, so that the
pages are held to the same rules as the API. Signing in and out only open and close a session
(:data:`SESSION_ROUTES`; ``tests/web`` tests them).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import create_engine, text

from modelsteward import Registry
from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.policy import Policy
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from modelsteward.domain.tokens import Role
from modelsteward.notify.settings import NotifySettings
from tests.api.conftest import run_server
from tests.conftest import FixedClock, fresh_pg_schema

OWNER_TEAM = "alpha"
OTHER_TEAM = "beta"
READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    params: dict[str, str] | None = None
    form: dict[str, str] | None = None  # a web page's form, sent from a signed-in session


@dataclass
class World:
    """The running server and what builders need: an administrator's client, the database and
    fresh names."""

    url: str
    db_url: str
    admin: httpx.Client
    clock: FixedClock
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock_text: str = ""

    def name(self, prefix: str = "m") -> str:
        return f"{prefix}-{next(self.counter)}"

    def ok(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def model(self, team: str = OWNER_TEAM, **extra: object) -> str:
        name = self.name()
        self.ok(self.admin.post("/api/v1/models", json={"name": name, "owner_team": team,
                                                        "risk_tier": "low", **extra}))
        return name

    def version(self, model: str, version: str = "1.0.0", **extra: object) -> str:
        seed = f"{next(self.counter):064x}"
        self.ok(self.admin.post(f"/api/v1/models/{model}/versions", json={
            "version": version, "force": True, "reason": "matrix",
            "files": [{"path": "model.safetensors", "sha256": seed, "size": 10}], **extra}))
        return version

    def versioned(self, stage: Stage | None = None) -> tuple[str, str]:
        model = self.model()
        version = self.version(model)
        if stage is not None:
            self.stage(model, version, stage)
        return model, version

    def stage(self, model: str, version: str, stage: Stage) -> None:
        with (Registry.open(self.db_url, clock=self.clock) as registry,
              registry.store.write() as tx):
            tx.set_stage(model, version, stage)

    def sql(self, statement: str, **values: object) -> list[Any]:
        engine = create_engine(self.db_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), values)
                return list(result.all()) if result.returns_rows else []
        finally:
            engine.dispose()

    def advisory(self, model: str, advisory_id: str = "") -> dict[str, Any]:
        record: dict[str, Any] = {
            "schema_version": "1.7.0", "modified": "2026-11-01T12:00:00Z",
            "summary": "Role-play prompts bypass refusals",
            "affected": [{"package": {"ecosystem": "modelsteward", "name": model},
                          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
            "database_specific": {"severity": "HIGH"}}
        if advisory_id:
            record["id"] = advisory_id
        return record

    def advisory_id(self) -> str:
        return f"x_MSA-2026-{next(self.counter) + 1000}"

    def manifest(self, model: str, application: str = "", team: str = OWNER_TEAM) -> str:
        return (f'[application]\nname = "{application or self.name("app")}"\n'
                f'team = "{team}"\n\n[models]\n{model} = "^1.0"\n')

    def consumer(self, model: str) -> str:
        name = self.name("consumer")
        self.ok(self.admin.post("/api/v1/consumers", json={
            "name": name, "team": OWNER_TEAM, "uses": [{"model": model, "pin": "^1.0"}]}))
        return name

    def subscription(self) -> str:
        made = self.ok(self.admin.post("/api/v1/subscriptions", json={
            "team": OWNER_TEAM, "webhook": f"http://127.0.0.1:9/{self.name('hook')}"}))
        return str(made["id"])

    def mlflow_model(self) -> str:
        """A model of the owning team with MLflow version 1 (and a tag on both)."""
        model, _ = self.versioned()
        self.ok(self.admin.post("/api/2.0/mlflow/registered-models/set-tag",
                                json={"name": model, "key": "k", "value": "v"}))
        self.ok(self.admin.post("/api/2.0/mlflow/model-versions/set-tag",
                                json={"name": model, "version": "1", "key": "k", "value": "v"}))
        return model


Build = Callable[[World], Call]


@dataclass(frozen=True)
class Rule:
    """``owner``: who is accepted — ``maintainer`` (of the owning team), ``approver`` (of the
    owning team, with the approval role), ``admin``, ``reporter``, ``holder`` (the token's own
    holder) or ``reader`` (a POST that only reads). ``hidden``: the object is private to its
    team or holder, so other teams get 404. ``authorised_only``: a valid call needs what a test
    cannot cheaply make (archived weights on the server); the owner's call must pass the
    authorisation (anything but 401 and 403). ``anonymous``: reads open to anonymous callers."""

    owner: str
    build: Build
    hidden: bool = False
    authorised_only: bool = False
    anonymous: bool = False
    why: str = ""


def _version_call(path: str, body: Any, stage: Stage | None = None) -> Build:
    def build(w: World) -> Call:
        model, version = w.versioned(stage)
        return Call("POST", f"/api/v1/models/{model}/versions/{version}/{path}", body)
    return build


def _statement_call(w: World) -> Call:
    model = w.model()
    registered = w.ok(w.admin.post(f"/api/v1/models/{model}/versions", json={
        "version": "1.0.0", "files": [{"path": "model.safetensors",
                                       "sha256": f"{next(w.counter):064x}", "size": 10}]}))
    digest = registered["digest"].removeprefix("sha256:")
    statement = {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
                 "subject": [{"name": model, "digest": {"sha256": digest}}],
                 "predicate": {"buildDefinition": {"buildType": "https://example.com/train/v1"},
                               "runDetails": {"builder": {"id": "https://example.com/ci"}}}}
    return Call("POST", f"/api/v1/models/{model}/versions/1.0.0/attestations",
                {"statement": statement, "metrics": {"loss": 0.2}})


def _approval_call(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    review = (w.clock.now().date() + timedelta(days=30)).isoformat()
    return Call("POST", f"/api/v1/models/{model}/versions/{version}/approvals", {
        "role": "lead", "evidence": "eval run 42", "risks_accepted": "none known",
        "monitoring_plan": "dashboards", "rollback_plan": "alias back", "next_review": review})


def _alias_set(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    return Call("PUT", f"/api/v1/models/{model}/aliases/champion", {"version": version})


def _requirements(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    return Call("PUT", f"/api/v1/models/{model}/versions/{version}/requirements",
                {"framework": "transformers", "framework_version": ">=4.40,<4.47"})


def _incident(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    return Call("POST", f"/api/v1/models/{model}/versions/{version}/incidents",
                {"summary": "Timeouts", "severity": "high"})


def _incident_resolution(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    made = w.ok(w.admin.post(f"/api/v1/models/{model}/versions/{version}/incidents",
                             json={"summary": "Timeouts"}))
    return Call("POST", f"/api/v1/models/{model}/versions/{version}/incidents/{made['seq']}"
                        "/resolution", {})


def _alias_removal(w: World) -> Call:
    model, version = w.versioned(Stage.REGISTERED)
    w.ok(w.admin.put(f"/api/v1/models/{model}/aliases/champion", json={"version": version}))
    return Call("DELETE", f"/api/v1/models/{model}/aliases/champion", params={"reason": "done"})


def _rollback(w: World) -> Call:
    model = w.model()
    for version in ("1.0.0", "1.1.0"):
        w.version(model, version)
        w.stage(model, version, Stage.PRODUCTION)
        w.ok(w.admin.put(f"/api/v1/models/{model}/aliases/production",
                         json={"version": version}))
    return Call("POST", f"/api/v1/models/{model}/rollbacks", {"alias": "production",
                                                               "reason": "regression"})


def _promotion(w: World) -> Call:
    model, version = w.versioned()
    w.ok(w.admin.post(f"/api/v1/models/{model}/versions/{version}/evaluations",
                      json=EVALUATION))
    return Call("POST", f"/api/v1/models/{model}/versions/{version}/promotions",
                {"to": "evaluated"})


def _query(w: World) -> dict[str, Any]:
    return {"package": {"ecosystem": "modelsteward", "name": w.versioned()[0]},
            "version": "1.0.0"}


def _advisory_publish(path: str) -> Build:
    def build(w: World) -> Call:
        return Call("POST", path, [w.advisory(w.model(), w.advisory_id())])
    return build


def _advisory_draft(w: World) -> Call:
    return Call("POST", "/api/v1/advisories/drafts", w.advisory(w.model()))


def _advisory_report(w: World) -> Call:
    return Call("POST", "/api/v1/advisories/reports", w.advisory(w.model()))


def _withdrawal(w: World) -> Call:
    advisory_id = w.advisory_id()
    w.ok(w.admin.post("/api/v1/advisories", json=[w.advisory(w.model(), advisory_id)]))
    return Call("POST", f"/api/v1/advisories/{advisory_id}/withdrawal", {"reason": "wrong"})


def _token_revocation(w: World) -> Call:
    made = w.ok(w.admin.post("/api/v1/tokens", json={"name": "alpha-dev", "team": OWNER_TEAM,
                                                     "roles": ["viewer"]}))
    return Call("DELETE", f"/api/v1/tokens/{made['id']}")


def _consumer_call(method: str, suffix: str, body: Any = None,
                   params: dict[str, str] | None = None) -> Build:
    def build(w: World) -> Call:
        model, _ = w.versioned(Stage.REGISTERED)
        consumer = w.consumer(model)
        return Call(method, f"/api/v1/consumers/{consumer}{suffix.format(model=model)}", body,
                    params)
    return build


def _retirement(w: World) -> Call:
    """A rejected hosted snapshot: it holds no weights, so it retires without an archive."""
    model = w.model(kind="hosted", provider="openai")
    snapshot = f"gpt-x-{next(w.counter):04d}"
    w.ok(w.admin.post(f"/api/v1/models/{model}/versions", json={"version": snapshot}))
    w.stage(model, snapshot, Stage.REJECTED)
    return Call("POST", "/api/v1/retirements", {"ref": f"{model}@{snapshot}",
                                                "reason": "provider shutdown"})


def _restoration(w: World) -> Call:
    model, version = w.versioned()
    return Call("POST", "/api/v1/restorations", {"ref": f"{model}@{version}",
                                                 "destination": "/nonexistent/restore"})


def _mlflow(method: str, path: str, body: Callable[[str], dict[str, Any]]) -> Build:
    def build(w: World) -> Call:
        return Call(method, f"/api/2.0/mlflow/{path}", body(w.mlflow_model()))
    return build


def _transition(w: World) -> Call:
    model = w.mlflow_model()
    w.stage(model, "1.0.0", Stage.PRODUCTION)
    return Call("POST", f"{M}/model-versions/transition-stage",
                {"name": model, "version": "1", "stage": "Archived"})


def _mlflow_alias_removal(w: World) -> Call:
    model = w.mlflow_model()
    w.ok(w.admin.post("/api/2.0/mlflow/registered-models/alias",
                      json={"name": model, "alias": "champion", "version": "1"}))
    return Call("DELETE", "/api/2.0/mlflow/registered-models/alias",
                {"name": model, "alias": "champion"})


def _delivery_replay(w: World) -> Call:
    subscription = w.subscription()
    model = w.model()
    # an administrator may report too: the report's notice reaches the owning team
    w.ok(w.admin.post("/api/v1/advisories/reports", json=w.advisory(model)))
    [(delivery,)] = w.sql("SELECT id FROM deliveries WHERE subscription_id = :s", s=subscription)
    w.sql("UPDATE deliveries SET status = 'dead' WHERE id = :d", d=delivery)
    return Call("POST", f"/api/v1/deliveries/{delivery}/replay")


def _lock_read(path: str, extra: dict[str, Any] | None = None) -> Build:
    def build(w: World) -> Call:
        return Call("POST", path, {"lock": w.lock_text, **(extra or {})})
    return build


def _experiment_body(w: World) -> dict[str, Any]:
    """An experiment between two registered versions of a fresh model of the owning team."""
    model, _ = w.versioned(Stage.REGISTERED)
    w.version(model, "1.1.0")
    w.stage(model, "1.1.0", Stage.REGISTERED)
    return {"name": w.name("exp"), "model": model, "control": "1.0.0", "treatment": "1.1.0",
            "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
            "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}


def _experiment(w: World) -> str:
    """A running experiment started by an administrator."""
    return str(w.ok(w.admin.post("/api/v1/experiments", json=_experiment_body(w)))["name"])


def _outcomes(w: World) -> Call:
    return Call("POST", f"/api/v1/experiments/{_experiment(w)}/outcomes",
                [{"unit": "u1", "metrics": {"thumbs_up": 1, "latency_ms": 120}}])


def _reembedding(w: World) -> Call:
    """A re-embedding plan for the consumers of a fresh embedding model of the owning team."""
    model = w.model(embedding={"dimension": 1536, "distance": "cosine"})
    return Call("POST", "/api/v1/reembeddings", {
        "source": model, "plan": {"documents": 2_000_000, "cost": 500, "hours": 4,
                                  "index": "docs-v2"}})


def _flagger_rollback(w: World) -> Call:
    """A stopped experiment: Flagger's rollback webhook gets 200 (roll back)."""
    name = _experiment(w)
    w.ok(w.admin.post(f"/api/v1/experiments/{name}/decisions",
                      json={"action": "stop", "reason": "matrix"}))
    return Call("POST", f"/api/v1/experiments/{name}/flagger", {"phase": "Progressing"},
                params={"rollback": "true"})


SHUTDOWNS = {"shutdowns": [{"provider": "openai", "model": "gpt-x-0613",
                            "shutdown": "2027-06-01", "announced": "2026-06-01",
                            "source": "https://platform.openai.com/docs/deprecations"}]}
EVALUATION = {"suite": "golden", "dataset_digest": "sha256:" + "d" * 64,
              "metrics": {"accuracy": 0.9}}
def _web(build: Build, page: str) -> Build:
    """The API call ``build`` makes, sent as the web page's form ``page`` instead (its path
    names the version as ``/page/MODEL@VERSION``)."""
    def web(w: World) -> Call:
        call = build(w)
        model, _, version = call.url.removeprefix("/api/v1/models/").partition("/versions/")
        return Call("POST", f"/{page}/{model}@{version.partition('/')[0]}",
                    form={k: str(v) for k, v in call.json.items()})
    return web


V = "/api/v1/models/{name:path}/versions/{version}"
M = "/api/2.0/mlflow"

RULES: dict[tuple[str, str], Rule] = {
    # lifecycle
    ("POST", V + "/promotions"): Rule("maintainer", _promotion),
    ("POST", V + "/rejections"): Rule("maintainer", _version_call(
        "rejections", {"reason": "fails review"})),
    ("POST", V + "/overrides"): Rule("maintainer", _version_call(
        "overrides", {"gate": "staging", "reason": "rehearsed by hand"}),
        why="the owner is also a policy administrator, which overriding needs besides"),
    ("POST", V + "/approvals"): Rule("approver", _approval_call),
    ("POST", V + "/checks"): Rule("maintainer", _version_call(
        "checks", {"name": "loads-and-serves", "passed": True, "evidence": "ci"},
        Stage.STAGING)),
    ("POST", V + "/evaluations"): Rule("maintainer", _version_call("evaluations", EVALUATION)),
    ("POST", V + "/measurements"): Rule("maintainer", _version_call(
        "measurements", {"values": {"error_rate": 0.01}}, Stage.PRODUCTION)),
    ("POST", V + "/attestations"): Rule("maintainer", _statement_call),
    # aliases
    ("PUT", "/api/v1/models/{name:path}/aliases/{alias}"): Rule("maintainer", _alias_set),
    ("DELETE", "/api/v1/models/{name:path}/aliases/{alias}"): Rule("maintainer",
                                                                   _alias_removal),
    ("POST", "/api/v1/models/{name:path}/rollbacks"): Rule("maintainer", _rollback),
    # the living card
    ("PUT", "/api/v1/models/{name:path}/card/sections/{section}"): Rule(
        "maintainer", lambda w: Call("PUT", f"/api/v1/models/{w.model()}/card/sections/summary",
                                     {"text": "Answers tickets."})),
    ("PUT", V + "/requirements"): Rule("maintainer", _requirements),
    ("POST", V + "/incidents"): Rule("maintainer", _incident),
    ("POST", V + "/incidents/{incident}/resolution"): Rule("maintainer", _incident_resolution),
    # models
    ("POST", "/api/v1/models"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/models", {"name": w.name(), "owner_team": OWNER_TEAM}),
        why="the body names the owning team; another team's maintainer may not use it"),
    ("POST", "/api/v1/models/{name:path}/versions"): Rule("maintainer", lambda w: Call(
        "POST", f"/api/v1/models/{w.model()}/versions", {"version": "1.0.0", "files": [
            {"path": "w.bin", "sha256": f"{next(w.counter):064x}", "size": 3}]})),
    ("POST", "/api/v1/models/{name:path}/transfers"): Rule("admin", lambda w: Call(
        "POST", f"/api/v1/models/{w.model()}/transfers", {"team": OTHER_TEAM,
                                                           "reason": "reorganised"})),
    # advisories
    ("POST", "/api/v1/advisories"): Rule("maintainer", _advisory_publish("/api/v1/advisories")),
    ("POST", "/api/v1/advisories/imports"): Rule("maintainer", _advisory_publish(
        "/api/v1/advisories/imports")),
    ("POST", "/api/v1/advisories/drafts"): Rule("maintainer", _advisory_draft),
    ("POST", "/api/v1/advisories/reports"): Rule("reporter", _advisory_report),
    ("POST", "/api/v1/advisories/{advisory_id}/withdrawal"): Rule("maintainer", _withdrawal),
    # tokens
    ("POST", "/api/v1/tokens"): Rule("admin", lambda w: Call(
        "POST", "/api/v1/tokens", {"name": w.name("token"), "roles": ["viewer"]})),
    ("DELETE", "/api/v1/tokens/{token_id}"): Rule(
        "holder", _token_revocation, hidden=True,
        why="another holder's token is not confirmed to exist"),
    # consumers and deletion
    ("POST", "/api/v1/consumers"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/consumers", {"name": w.name("consumer"), "team": OWNER_TEAM})),
    ("DELETE", "/api/v1/consumers/{name}"): Rule("maintainer", _consumer_call(
        "DELETE", "", params={"reason": "gone"})),
    ("PUT", "/api/v1/consumers/{name}/pins/{model:path}"): Rule("maintainer", _consumer_call(
        "PUT", "/pins/{model}", {"pin": "1.0.0"})),
    ("DELETE", "/api/v1/consumers/{name}/pins/{model:path}"): Rule(
        "maintainer", _consumer_call("DELETE", "/pins/{model}")),
    ("POST", "/api/v1/deletions"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/deletions", {"target": w.model(), "reason": "unused",
                                      "dry_run": False})),
    # deprecations, retirement, providers
    ("POST", "/api/v1/deprecations"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/deprecations", {
            "target": f"{w.versioned()[0]}@^1", "reason": "replaced",
            "soft_deadline": "2027-01-01", "hard_deadline": "2027-06-01"})),
    ("POST", "/api/v1/deprecations/tick"): Rule("admin", lambda w: Call(
        "POST", "/api/v1/deprecations/tick")),
    ("POST", "/api/v1/retirements"): Rule("maintainer", _retirement),
    ("POST", "/api/v1/restorations"): Rule(
        "admin", _restoration, authorised_only=True,
        why="restoring needs archived weights on the server"),
    ("POST", "/api/v1/providers/shutdowns"): Rule("admin", lambda w: Call(
        "POST", "/api/v1/providers/shutdowns", SHUTDOWNS)),
    # lock files
    ("POST", "/api/v1/locks"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/locks", {"manifest": w.manifest(w.versioned(Stage.REGISTERED)[0])}),
        why="models.toml names the owning team"),
    ("POST", "/api/v1/reembeddings"): Rule("maintainer", _reembedding),
    # experiments
    ("POST", "/api/v1/experiments"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/experiments", _experiment_body(w))),
    ("POST", "/api/v1/experiments/{name}/outcomes"): Rule("maintainer", _outcomes),
    ("POST", "/api/v1/experiments/{name}/decisions"): Rule("maintainer", lambda w: Call(
        "POST", f"/api/v1/experiments/{_experiment(w)}/decisions",
        {"action": "stop", "reason": "no longer needed"})),
    ("POST", "/api/v1/experiments/{name}/flagger"): Rule(
        "reader", _flagger_rollback, anonymous=True,
        why="Flagger's webhook judges a canary, writes nothing, and cannot send a token"),
    ("POST", "/api/v1/route"): Rule("reader", lambda w: Call(
        "POST", "/api/v1/route", {"experiment": _experiment(w), "units": ["u1", "u2"]}),
        why="routes units; writes nothing"),
    ("POST", "/api/v1/locks/outdated"): Rule("reader", _lock_read("/api/v1/locks/outdated"),
                                             why="reads the lock against the registry"),
    ("POST", "/api/v1/audits"): Rule("reader", _lock_read("/api/v1/audits"),
                                     why="audits the lock; writes nothing"),
    # the web pages' forms
    ("POST", "/approvals/{ref:path}"): Rule("approver", _web(_approval_call, "approvals")),
    ("POST", "/promotions/{ref:path}"): Rule("maintainer", _web(_promotion, "promotions")),
    ("POST", "/rejections/{ref:path}"): Rule("maintainer", _web(_version_call(
        "rejections", {"reason": "fails review"}), "rejections")),
    ("POST", "/audit"): Rule("reader", lambda w: Call("POST", "/audit",
                                                      form={"lock": w.lock_text}),
                             anonymous=True, why="audits the lock; writes nothing"),
    ("POST", "/events/verification"): Rule("admin", lambda w: Call(
        "POST", "/events/verification", form={}),
        why="verifies the whole history, as GET /api/v1/events/verification (administrators)"),
    # OSV's query API: reads, anonymous ones included when anonymous reading is on
    ("POST", "/v1/query"): Rule("reader", lambda w: Call("POST", "/v1/query", _query(w)),
                                anonymous=True, why="OSV query: a read"),
    ("POST", "/v1/querybatch"): Rule("reader", lambda w: Call(
        "POST", "/v1/querybatch", {"queries": [_query(w)]}), anonymous=True,
        why="OSV batch query: a read"),
    # notifications
    ("POST", "/api/v1/subscriptions"): Rule("maintainer", lambda w: Call(
        "POST", "/api/v1/subscriptions", {"team": OWNER_TEAM,
                                          "webhook": "http://127.0.0.1:9/hook"})),
    ("DELETE", "/api/v1/subscriptions/{subscription_id}"): Rule(
        "maintainer", lambda w: Call("DELETE", f"/api/v1/subscriptions/{w.subscription()}"),
        hidden=True, why="another team's subscriptions are not shown"),
    ("POST", "/api/v1/subscriptions/{subscription_id}/backfill"): Rule(
        "maintainer", lambda w: Call("POST", f"/api/v1/subscriptions/{w.subscription()}/backfill",
                                     {"since": "2026-11-01"}),
        hidden=True, why="another team's subscriptions are not shown"),
    ("POST", "/api/v1/deliveries/replay"): Rule("admin", lambda w: Call(
        "POST", "/api/v1/deliveries/replay")),
    ("POST", "/api/v1/deliveries/{delivery_id}/replay"): Rule(
        "maintainer", _delivery_replay, hidden=True,
        why="another team's deliveries are not shown"),
    # the MLflow-compatible API
    ("POST", M + "/registered-models/create"): Rule(
        "maintainer", lambda w: Call("POST", M + "/registered-models/create",
                                     {"name": w.name()}),
        why="MLflow names no team: the model is the caller's team's (checked below)"),
    ("PATCH", M + "/registered-models/update"): Rule("maintainer", _mlflow(
        "PATCH", "registered-models/update", lambda m: {"name": m, "description": "new"})),
    ("POST", M + "/registered-models/rename"): Rule("maintainer", _mlflow(
        "POST", "registered-models/rename", lambda m: {"name": m, "new_name": m + "-renamed"}),
        authorised_only=True, why="renames are refused (400) to everyone allowed to ask"),
    ("DELETE", M + "/registered-models/delete"): Rule("maintainer", _mlflow(
        "DELETE", "registered-models/delete", lambda m: {"name": m})),
    ("POST", M + "/registered-models/get-latest-versions"): Rule("reader", _mlflow(
        "POST", "registered-models/get-latest-versions", lambda m: {"name": m}),
        why="MLflow's read by POST; needs a token"),
    ("POST", M + "/registered-models/set-tag"): Rule("maintainer", _mlflow(
        "POST", "registered-models/set-tag", lambda m: {"name": m, "key": "k2", "value": "v"})),
    ("DELETE", M + "/registered-models/delete-tag"): Rule("maintainer", _mlflow(
        "DELETE", "registered-models/delete-tag", lambda m: {"name": m, "key": "k"})),
    ("POST", M + "/registered-models/alias"): Rule("maintainer", _mlflow(
        "POST", "registered-models/alias",
        lambda m: {"name": m, "alias": "champion", "version": "1"})),
    ("DELETE", M + "/registered-models/alias"): Rule("maintainer", _mlflow_alias_removal),
    ("POST", M + "/model-versions/create"): Rule("maintainer", _mlflow(
        "POST", "model-versions/create", lambda m: {"name": m, "source": "s3://bucket/x"})),
    ("PATCH", M + "/model-versions/update"): Rule("maintainer", _mlflow(
        "PATCH", "model-versions/update",
        lambda m: {"name": m, "version": "1", "description": "new"})),
    ("POST", M + "/model-versions/transition-stage"): Rule("maintainer", _transition),
    ("DELETE", M + "/model-versions/delete"): Rule("maintainer", _mlflow(
        "DELETE", "model-versions/delete", lambda m: {"name": m, "version": "1"})),
    ("POST", M + "/model-versions/set-tag"): Rule("maintainer", _mlflow(
        "POST", "model-versions/set-tag",
        lambda m: {"name": m, "version": "1", "key": "k2", "value": "v"})),
    ("DELETE", M + "/model-versions/delete-tag"): Rule("maintainer", _mlflow(
        "DELETE", "model-versions/delete-tag", lambda m: {"name": m, "version": "1",
                                                          "key": "k"})),
}


# opening and closing a browser session: no change to the registry (tests/web tests them)
SESSION_ROUTES = frozenset({("POST", "/signin"), ("POST", "/signout")})
WEB = "web"  # the family of the web pages' routes


def write_routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every operation of the route table that is not a GET or HEAD."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        methods = getattr(route, "methods", None) or set()
        for method in sorted(set(methods) - READS):
            found.add((method, getattr(route, "path", "")))
    return found


ROUTES = sorted(write_routes(create_app(ServerSettings(Settings("sqlite://", "x"))).routes)
                - SESSION_ROUTES)


def _family(path: str) -> str:
    parts = path.split("/")
    return f"{parts[1]}/{parts[2]}" if parts[1] in ("api", "v1") else WEB


def test_every_write_route_has_a_rule() -> None:
    missing = sorted(set(ROUTES) - set(RULES))
    stale = sorted(set(RULES) - set(ROUTES))
    assert not missing, f"write routes without an authorisation rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"
    # the generator sees every family of write routes (MLflow's and OSV's included; this server
    # has no /ajax-api routes: MLflow's web UI is not served)
    assert {_family(p) for _, p in ROUTES} == {
        "api/v1", "api/2.0", "v1/query", "v1/querybatch", WEB}
    # every route really is a FastAPI operation (no mounted sub-application hides writes)
    app = create_app(ServerSettings(Settings("sqlite://", "x")))
    assert write_routes(app.routes) >= SESSION_ROUTES
    assert all(isinstance(r, APIRoute) for r in app.routes
               if set(getattr(r, "methods", None) or ()) - READS)


# --- the server and the callers -----------------------------------------------------------------

CALLERS = {  # name: (roles, team, approval roles)
    "owner": ((Role.MAINTAINER,), OWNER_TEAM, ()),
    "owner-approver": ((Role.APPROVER,), OWNER_TEAM, ("lead",)),
    "other": ((Role.MAINTAINER,), OTHER_TEAM, ()),
    "other-approver": ((Role.APPROVER,), OTHER_TEAM, ("lead",)),
    "viewer": ((Role.VIEWER,), OWNER_TEAM, ()),
    "reporter": ((Role.REPORTER,), "", ()),
}
TOKEN_NAMES = {"owner": "alpha-dev", "owner-approver": "alpha-lead"}


@dataclass
class Matrix:
    world: World
    clients: dict[str, httpx.Client]
    web: dict[str, httpx.Client] = field(default_factory=dict)  # signed-in browser sessions


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the module: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'registry.db'}"
        return
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def matrix(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    db_url = database
    clock = FixedClock()
    settings = ServerSettings(Settings(db_url, "matrix", archive=str(
        Path(tmp_path_factory.mktemp("archive")))), anonymous_read=True,
        notify=NotifySettings(allow_private=True))  # webhooks to 127.0.0.1:9 (closed)
    app = create_app(settings, clock=clock)
    # the owner is also a policy administrator (overrides); the validation gate asks only
    # for a digest, so that a promotion needs nothing else
    app.state.policy = Policy(administrators=(TOKEN_NAMES["owner"],), require_attestation=False,
                              require_training_metrics=False)
    serving = run_server(app)
    url = next(serving)
    with Registry.open(db_url, actor="matrix-setup", clock=clock) as registry:
        tokens = registry.tokens
        admin_text = tokens.create("matrix-admin", team="platform",
                                   roles=frozenset({Role.ADMIN})).text
        texts = {who: tokens.create(TOKEN_NAMES.get(who, who), team=team,
                                    roles=frozenset(roles),
                                    approval_roles=frozenset(approval)).text
                 for who, (roles, team, approval) in CALLERS.items()}
    clients = {who: httpx.Client(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {text}"})
               for who, text in texts.items()}
    clients["anonymous"] = httpx.Client(base_url=url, timeout=30)
    admin = httpx.Client(base_url=url, timeout=30,
                         headers={"Authorization": f"Bearer {admin_text}"})
    clients["admin"] = admin
    world = World(url, db_url, admin, clock)
    locked = world.ok(admin.post("/api/v1/locks", json={
        "manifest": world.manifest(world.versioned(Stage.REGISTERED)[0])}))
    world.lock_text = locked["lock"]
    web = {who: _signed_in(url, text) for who, text in {**texts, "admin": admin_text}.items()}
    web["anonymous"] = _signed_in(url, "")
    try:
        yield Matrix(world, clients, web)
    finally:
        for c in (*clients.values(), *web.values()):
            c.close()
        next(serving, None)


_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def _signed_in(url: str, token: str) -> httpx.Client:
    """A browser session signed in with ``token`` (none for ``""``)."""
    client = httpx.Client(base_url=url, timeout=30)
    if token:
        form = _CSRF.search(client.get("/signin").text)
        assert form is not None
        signed = client.post("/signin", data={"csrf": form.group(1), "token": token})
        assert signed.status_code == 303, signed.text
    return client


def _send_web(client: httpx.Client, call: Call) -> httpx.Response:
    form = _CSRF.search(client.get("/signin").text)  # this session's CSRF token
    assert form is not None and call.form is not None
    return client.post(call.url, data={**call.form, "csrf": form.group(1)},
                       follow_redirects=True)


def _send(matrix: Matrix, who: str, call: Call) -> httpx.Response:
    if call.form is not None:
        return _send_web(matrix.web[who], call)
    client = matrix.clients[who]
    return client.request(call.method, call.url, json=call.json, params=call.params)


def _accepted_by(rule: Rule) -> str:
    return {"maintainer": "owner", "approver": "owner-approver", "admin": "admin",
            "reporter": "reporter", "holder": "owner", "reader": "viewer"}[rule.owner]


def _refused(rule: Rule) -> dict[str, int]:
    """The callers refused and the status each gets."""
    if rule.owner == "reader":
        return {} if rule.anonymous else {"anonymous": 401}
    others = 404 if rule.hidden else 403
    refused = {"anonymous": 401, "other": others, "other-approver": others, "viewer": 403,
               "reporter": others if rule.owner != "reporter" else 0}
    if rule.owner == "holder":
        refused.update(viewer=404, reporter=404)
    if rule.owner in ("approver", "admin", "reporter"):
        refused["owner"] = 403
    if rule.owner in ("admin", "reporter"):
        refused["owner-approver"] = 403
    return {who: status for who, status in refused.items() if status}


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_only_the_owner_may_call(matrix: Matrix, route: tuple[str, str]) -> None:
    rule = RULES.get(route)
    if rule is None:
        pytest.fail(f"{route} has no rule in RULES")
    call = rule.build(matrix.world)
    own_team_create = route == ("POST", M + "/registered-models/create")
    for who, status in _refused(rule).items():
        if own_team_create and who in ("other", "other-approver"):
            continue  # checked below: they create for their own team
        response = _send(matrix, who, call)
        assert response.status_code == status, (who, response.text)
    if rule.owner == "reader" and rule.anonymous:
        response = _send(matrix, "anonymous", call)
        assert response.status_code == 200, response.text
    response = _send(matrix, _accepted_by(rule), call)
    if rule.authorised_only:
        assert response.status_code not in (401, 403), response.text
    else:
        assert 200 <= response.status_code < 300, response.text
    if own_team_create:
        other = _send(matrix, "other", Call(
            "POST", call.url, {"name": matrix.world.name()}))
        assert other.status_code == 200, other.text
        made = other.json()["registered_model"]["name"]
        owner = matrix.world.admin.get(f"/api/v1/models/{made}").json()["owner"]["team"]
        assert owner == OTHER_TEAM
        assert matrix.world.admin.get(f"/api/v1/models/{call.json['name']}"
                                      ).json()["owner"]["team"] == OWNER_TEAM
