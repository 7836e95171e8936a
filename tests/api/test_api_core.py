"""The core API over a real socket: models and versions, resolution with deprecation headers,
keyset pagination, the one problem shape, events, OpenAPI and the operations endpoints."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import Policy
from tests.api.conftest import Server
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import evaluated_suites, evaluation

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def seed(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot", "owner_team": "support"}
                  ).status_code == 201
    for version in ("2.0.0", "2.1.0", "2.1.3", "3.0.0"):
        created = c.post("/api/v1/models/support-bot/versions", json={
            "version": version, "force": True, "reason": "seed",
            "files": [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]})
        assert created.status_code == 201, created.text


# versions made over HTTP carry a digest but no attestation or training metrics: the validation
# gate asks only for the digest, so that they can pass the evaluation gate
GATES = Policy(require_attestation=False, require_training_metrics=False)


def pass_the_gates(server: Server, clock: FixedClock, *versions: str) -> None:
    """Take seeded versions of support-bot through the evaluation gate (to ``registered``), so
    that a choosing pin may give them to an application."""
    url = server.app.state.settings.registry.database_url
    with Registry.open(url, actor="alice", clock=clock, policy=GATES) as reg:
        for version in versions:
            ref = f"support-bot@{version}"
            for suite in evaluated_suites(RiskTier.MEDIUM):  # the default tier
                reg.lifecycle.record_evaluation(ref, evaluation(suite, accuracy=0.93,
                                                                toxicity_rate=0.001))
            reg.lifecycle.promote(ref, Stage.EVALUATED)
            reg.lifecycle.promote(ref, Stage.REGISTERED)


def test_models_versions_and_resolution(server: Server, clock: FixedClock) -> None:
    seed(server)
    pass_the_gates(server, clock, "2.0.0", "2.1.0", "2.1.3", "3.0.0")
    c = server.client
    assert c.get("/api/v1/models/support-bot").json()["owner"]["team"] == "support"
    version = c.get("/api/v1/models/support-bot/versions/2.1.3").json()
    assert version["files"][0]["path"] == "model.safetensors"
    resolved = c.get("/api/v1/resolve", params={"model": "support-bot", "pin": "~2.1"})
    assert resolved.status_code == 200 and resolved.json()["version"] == "2.1.3"
    assert "Deprecation" not in resolved.headers


def test_deprecated_versions_carry_deprecation_sunset_and_link(server: Server,
                                                               clock: FixedClock) -> None:
    seed(server)
    pass_the_gates(server, clock, "2.1.3", "3.0.0")
    today = clock.now().date()
    with Registry.open(server.app.state.settings.registry.database_url, clock=clock) as reg:
        reg.deprecations.plan("support-bot@2.1.3", reason=DeprecationReason.REPLACED,
                              replacement="support-bot@^3", announced=today,
                              soft_deadline=today + timedelta(days=30),
                              hard_deadline=today + timedelta(days=90))
    for response in (server.client.get("/api/v1/resolve",
                                       params={"model": "support-bot", "pin": "~2.1"}),
                     server.client.get("/api/v1/models/support-bot/versions/2.1.3")):
        assert response.headers["Deprecation"].startswith("@")
        assert response.headers["Sunset"].endswith("GMT")
        assert 'rel="successor-version"' in response.headers["Link"]
    assert "deprecated" in server.client.get(
        "/api/v1/resolve", params={"model": "support-bot", "pin": "~2.1"}).json()["warning"]


def test_keyset_pagination(server: Server) -> None:
    for i in range(5):
        server.client.post("/api/v1/models", json={"name": f"model-{i}"})
    seen: list[str] = []
    url: str | None = "/api/v1/models?limit=2"
    while url:
        response = server.client.get(url)
        body = response.json()
        seen += [m["name"] for m in body["items"]]
        url = response.links.get("next", {}).get("url")
        assert (url is None) == (body["next"] is None)
    assert seen == [f"model-{i}" for i in range(5)]


def test_one_problem_shape_everywhere(server: Server) -> None:
    seed(server)
    c = server.client
    cases = [
        (c.get("/api/v1/models/nope"), 404, "/problems/not-found"),
        (c.post("/api/v1/models", json={"name": "support-bot"}), 409, "/problems/conflict"),
        (c.post("/api/v1/models", json={"name": "Bad Name!"}), 400, "/problems/invalid-input"),
        (c.post("/api/v1/models", json={"nam": "x"}), 422, "/problems/validation"),
        (c.get("/api/v1/resolve", params={"model": "support-bot", "pin": "^9"}), 404,
         "/problems/not-found"),
        (c.get("/api/v1/models?limit=0"), 422, "/problems/validation"),
        (c.get("/api/v1/no-such-route"), 404, "/problems/not-found"),
        (c.delete("/api/v1/models"), 405, "/problems/method-not-allowed"),
        (c.post("/api/v1/models", content=b'{"name": NaN}',
                headers={"Content-Type": "application/json"}), 400, "/problems/bad-request"),
    ]
    for response, status, kind in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert set(body) >= PROBLEM_KEYS and body["status"] == status and body["type"] == kind
    errors = c.post("/api/v1/models", json={"nam": "x"}).json()["errors"]
    assert {e["location"] for e in errors} >= {"body.name", "body.nam"}


def test_a_typo_in_a_model_name_offers_the_nearest_names(server: Server) -> None:
    seed(server)
    c = server.client
    for response in (c.get("/api/v1/models/suport-bot"),
                     c.get("/api/v1/resolve", params={"model": "suport-bot", "pin": "^1"}),
                     c.post("/api/v1/models/suport-bot/versions",
                            json={"version": "1.0.0", "files": []})):
        assert response.status_code == 404, response.text
        detail = response.json()["detail"]
        assert "Did you mean 'support-bot'?" in detail and "model create" not in detail
    assert "steward model create ghost" in c.get("/api/v1/models/ghost").json()["detail"]
    mlflow = c.get("/api/2.0/mlflow/registered-models/get", params={"name": "suport-bot"})
    assert mlflow.status_code == 404 and "Did you mean 'support-bot'?" in mlflow.json()["message"]


def test_events_openapi_and_operations(server: Server) -> None:
    seed(server)
    c = server.client
    events = c.get("/api/v1/events", params={"limit": 3}).json()
    assert [e["seq"] for e in events["items"]] == [1, 2, 3] and events["next"] == "3"
    assert c.get("/api/v1/events", params={"after": "3", "limit": 1}).json()["items"][0][
        "seq"] == 4
    spec = c.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"list_models", "resolve", "get_version", "list_events"} <= ids
    assert c.get("/healthz").json() == {"status": "ok", "database": None, "revision": None}
    assert c.get("/readyz").json()["status"] == "ready"
    metrics = c.get("/metrics").text
    assert 'steward_http_request_duration_seconds_count{method="GET",route="/api/v1/events"' \
        in metrics


def test_every_request_is_logged_as_one_json_line(server: Server, clock: FixedClock,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    seed(server)
    pass_the_gates(server, clock, "2.1.3")
    with caplog.at_level(logging.INFO, logger="modelsteward.access"):
        server.client.get("/api/v1/resolve", params={"model": "support-bot", "pin": "^2"})
        server.client.get("/api/v1/resolve", params={"model": "support-bot", "pin": "^2"})
        server.client.get("/api/v1/models/nobody")
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "modelsteward.access"]
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "/api/v1/resolve", 200), ("GET", "/api/v1/resolve", 200),
        ("GET", "/api/v1/models/{name:path}", 404)]
    assert lines[2]["path"] == "/api/v1/models/nobody"
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_numbers_too_large_for_the_database_are_bad_input(server: Server) -> None:
    seed(server)
    response = server.client.get("/api/v1/resolve", params={
        "model": "support-bot", "pin": "999999999999999999999999999999"})
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"
