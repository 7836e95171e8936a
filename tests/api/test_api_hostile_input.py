"""Hostile input over a real socket: version ids and manifest paths that would lead outside a
folder, oversized bodies and fields, deep or odd JSON, and HTTP details (405 ``Allow``,
undecodable bodies). Each is refused with a problem (or the route family's own error shape)
that names the rule, and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from modelsteward.api.limits import MAX_DESCRIPTION, MAX_FILES
from modelsteward.api.settings import ServerSettings
from modelsteward.domain.consumers import ConsumerKind
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import ModelKind, RiskTier
from modelsteward.domain.names import MODEL_NAME_PATTERN
from modelsteward.domain.tokens import Role
from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import InvalidInput
from modelsteward.integrity.manifest import MANIFEST_PATH_PATTERN
from tests.api.conftest import MakeServer, Server

SHA = "ab" * 32


def _events(server: Server) -> int:
    return len(server.client.get("/api/v1/events", params={"limit": 1000}).json()["items"])


def test_version_ids_that_name_other_folders_are_refused(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "ft-bot", "kind": "fine-tuned",
                                          "provider": "openai"}).status_code == 201
    events = _events(server)
    for version in ("a/../../escaped", "x..y", "a\\b", "a\u0000b", "a\nb"):
        refused = c.post("/api/v1/models/ft-bot/versions", json={
            "version": version, "files": [{"path": "w.bin", "sha256": SHA, "size": 1}]})
        assert refused.status_code == 400, (version, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        detail = refused.json()["detail"]
        assert "cannot name a version" in detail or "not a provider snapshot id" in detail
    assert c.get("/api/v1/models/ft-bot/versions").json()["items"] == []
    assert _events(server) == events


def test_manifest_paths_must_stay_inside_the_model_folder(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    events = _events(server)
    files = [{"path": "../../etc/passwd", "sha256": SHA, "size": 1},
             {"path": "/etc/passwd", "sha256": SHA, "size": 1},
             {"path": "C:/Windows/win.ini", "sha256": SHA, "size": 1},
             {"path": "a\u0000b", "sha256": SHA, "size": 1},
             {"path": "weights//x", "sha256": SHA, "size": 1},
             {"path": "ok.bin", "sha256": "not-hex", "size": -1}]
    refused = c.post("/api/v1/models/support-bot/versions",
                     json={"version": "1.0.0", "files": files})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["type"] == "/problems/document-invalid"
    assert [e["location"] for e in body["errors"]] == [
        "files[0].path", "files[1].path", "files[2].path", "files[3].path", "files[4].path",
        "files[5].sha256", "files[5].size"]
    assert "'..' segment" in body["errors"][0]["message"]
    assert "absolute" in body["errors"][1]["message"]
    assert c.get("/api/v1/models/support-bot/versions").json()["items"] == []
    assert _events(server) == events
    ok = c.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "files": [{"path": ".gitattributes", "sha256": SHA, "size": 0},
                                      {"path": "weights/...odd name.bin", "sha256": SHA,
                                       "size": 3}]})
    assert ok.status_code == 201, ok.text


# limits -----------------------------------------------------------------------------------------

def test_bodies_above_the_limit_get_413_in_each_route_familys_shape(
        make_server: MakeServer) -> None:
    server = make_server(max_body_bytes=4096)
    c = server.client
    big = {"name": "support-bot", "description": "x" * 5000}
    refused = c.post("/api/v1/models", json=big)
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/content-too-large"
    assert "4096 bytes" in refused.json()["detail"]
    assert "STEWARD_MAX_BODY_BYTES" in refused.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b'{"name": "chunked", "description": "' + b"y" * 1000
        yield b'"}'

    streamed = c.post("/api/v1/models", content=chunks(),
                      headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert "4096 bytes" in streamed.json()["detail"]

    mlflow = c.post("/api/2.0/mlflow/registered-models/create", json=big)
    assert mlflow.status_code == 413
    assert mlflow.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "4096 bytes" in mlflow.json()["message"]
    mlflow_streamed = c.post("/api/2.0/mlflow/registered-models/create", content=chunks(),
                             headers={"Content-Type": "application/json"})
    assert mlflow_streamed.status_code == 413 and "error_code" in mlflow_streamed.json()
    osv = c.post("/v1/querybatch", json={"queries": [{"commit": "a" * 100}] * 60})
    assert osv.status_code == 413 and osv.json()["code"] == 8, osv.text
    osv_streamed = c.post("/v1/query", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert osv_streamed.status_code == 413 and osv_streamed.json()["code"] == 8

    assert c.get("/api/v1/models").json()["items"] == []  # nothing was written
    assert c.post("/api/v1/models", json={"name": "small"}).status_code == 201


def test_field_limits_are_enforced_and_stated_in_openapi(server: Server) -> None:
    c = server.client
    too_long = c.post("/api/v1/models", json={"name": "support-bot",
                                              "description": "x" * (MAX_DESCRIPTION + 1)})
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["errors"][0]["location"] == "body.description"
    assert str(MAX_DESCRIPTION) in too_long.json()["errors"][0]["message"]
    tags = c.post("/api/v1/models", json={"name": "support-bot", "tags": ["t" * 251]})
    assert tags.status_code == 422
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    files = [{"path": f"shard-{i}.bin", "sha256": SHA, "size": 1}
             for i in range(MAX_FILES + 1)]
    many = c.post("/api/v1/models/support-bot/versions", json={"version": "1.0.0",
                                                               "files": files})
    assert many.status_code == 422 and str(MAX_FILES) in many.text
    mlflow = c.post("/api/2.0/mlflow/registered-models/set-tag",
                    json={"name": "support-bot", "key": "k" * 251, "value": "v"})
    assert mlflow.status_code == 400 and mlflow.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert c.get("/api/v1/models/support-bot/versions").json()["items"] == []

    schemas = c.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["ModelCreate"]["properties"]["description"]["maxLength"] == MAX_DESCRIPTION
    assert schemas["VersionCreate"]["properties"]["files"]["maxItems"] == MAX_FILES
    assert "32 levels" in schemas["VersionCreate"]["properties"]["metadata"]["description"]
    assert schemas["Tag"]["properties"]["key"]["maxLength"] == 250


def test_metadata_above_its_size_limit_is_refused_naming_it(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    refused = c.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "metadata": {"notes": "n" * (65 * 1024)}})
    assert refused.status_code == 400, refused.text
    assert "64 KiB" in refused.json()["detail"]
    assert c.get("/api/v1/models/support-bot/versions").json()["items"] == []


def test_the_body_limit_is_a_setting() -> None:
    settings = ServerSettings.from_env({"STEWARD_MAX_BODY_BYTES": "1048576"})
    assert settings.max_body_bytes == 1048576
    assert ServerSettings.from_env({}).max_body_bytes == 10 * 1024 * 1024
    for bad in ("ten", "-1", "12"):
        with pytest.raises(InvalidInput, match="STEWARD_MAX_BODY_BYTES"):
            ServerSettings.from_env({"STEWARD_MAX_BODY_BYTES": bad})


# depth ------------------------------------------------------------------------------------------

def _nested(levels: int) -> dict[str, object]:
    value: dict[str, object] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_deep_metadata_is_refused_before_it_is_written(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    events = _events(server)
    for levels, rule in ((33, "at most 32 levels"), (63, "at most 32 levels"),
                         (256, "at most 64 levels"), (600, "at most 64 levels")):
        refused = c.post("/api/v1/models/support-bot/versions",
                         json={"version": "1.0.0", "metadata": _nested(levels)})
        assert refused.status_code == 400, (levels, refused.text[:300])
        assert rule in refused.json()["detail"]  # metadata's own limit, or any body's
    # nothing was written, and every reader still answers
    assert c.get("/api/v1/models/support-bot/versions").json()["items"] == []
    assert _events(server) == events
    accepted = c.post("/api/v1/models/support-bot/versions",
                      json={"version": "1.0.0", "metadata": _nested(32)})
    assert accepted.status_code == 201, accepted.text
    assert c.get("/api/v1/models/support-bot/versions/1.0.0").status_code == 200
    assert c.get("/api/v1/models/support-bot/versions").status_code == 200
    assert c.get("/api/v1/events", params={"limit": 1000}).status_code == 200


# odd JSON ---------------------------------------------------------------------------------------

LONE_SURROGATE = b'{"name": "support-bot", "description": "bad \\ud800 text"}'


def _post_raw(server: Server, path: str, body: bytes) -> httpx.Response:
    return server.client.post(path, content=body, headers={"Content-Type": "application/json"})


def test_lone_surrogates_infinity_and_nan_are_refused_in_any_body(server: Server) -> None:
    c = server.client
    refused = _post_raw(server, "/api/v1/models", LONE_SURROGATE)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "lone surrogate" in refused.json()["detail"]
    # a key, a nested string, any route: the same one check
    assert _post_raw(server, "/api/v1/consumers",
                     b'{"name": "x", "team": "t", "\\udc00": 1}').status_code == 400
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    for body in (b'{"version": "1.0.0", "metadata": {"loss": Infinity}}',
                 b'{"version": "1.0.0", "metadata": {"loss": NaN}}',
                 b'{"version": "1.0.0", "metadata": {"x": ["\\ud83d"]}}'):
        answer = _post_raw(server, "/api/v1/models/support-bot/versions", body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["type"] == "/problems/bad-request"
    # a surrogate pair is one character and is kept
    paired = _post_raw(server, "/api/v1/models/support-bot/versions",
                       b'{"version": "1.0.0", "description": "\\ud83d\\ude00"}')
    assert paired.status_code == 201 and paired.json()["description"] == "\U0001F600"
    mlflow = _post_raw(server, "/api/2.0/mlflow/registered-models/create",
                       b'{"name": "other", "description": "\\ud800"}')
    assert mlflow.status_code == 400
    assert mlflow.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "lone surrogate" in mlflow.json()["message"]
    osv = _post_raw(server, "/v1/query", b'{"package": {"name": "\\ud800", "ecosystem": "x"}}')
    assert osv.status_code == 400 and osv.json()["code"] == 3, osv.text
    assert [m["name"] for m in c.get("/api/v1/models").json()["items"]] == ["support-bot"]
    assert [v["version"] for v in c.get("/api/v1/models/support-bot/versions").json()["items"]
            ] == ["1.0.0"]


def test_json_nested_past_the_body_limit_is_refused(server: Server) -> None:
    deep = b'{"name": "x", "team": "t", "uses": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    answer = _post_raw(server, "/api/v1/consumers", deep)
    assert answer.status_code == 400, answer.text
    assert "64 levels" in answer.json()["detail"]
    answer = _post_raw(server, "/api/v1/consumers", b"[" * 100 + b"]" * 100)
    assert answer.status_code == 400 and "64 levels" in answer.json()["detail"]


# HTTP details -----------------------------------------------------------------------------------

def test_405_allow_names_every_method_of_the_path(server: Server) -> None:
    c = server.client
    paths = c.get("/openapi.json").json()["paths"]
    several = 0
    for template, operations in paths.items():
        declared = {method.upper() for method in operations}
        concrete = re.sub(r"\{[^}]+\}", "x", template)
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in declared)
        answer = c.request(method, concrete)
        if answer.status_code != 405:  # e.g. another template takes the method there
            continue
        allowed = set(answer.headers["Allow"].split(", "))
        assert declared <= allowed, (template, method, answer.headers["Allow"])
        assert answer.json()["type"] == "/problems/method-not-allowed"
        several += len(declared) > 1
    assert several >= 15
    answer = c.put("/api/v1/models")
    assert answer.headers["Allow"] == "GET, POST"
    assert "use GET or POST" in answer.json()["detail"]


def test_bodies_that_are_not_utf8_get_each_route_familys_error_shape(server: Server) -> None:
    latin1 = '{"name": "caf\u00e9"}'.encode("latin-1")
    problem = _post_raw(server, "/api/v1/models", latin1)
    assert problem.status_code == 400
    assert problem.headers["content-type"] == "application/problem+json"
    assert "not valid UTF-8" in problem.json()["detail"]
    mlflow = _post_raw(server, "/api/2.0/mlflow/registered-models/create", latin1)
    assert mlflow.status_code == 400
    assert mlflow.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "not valid UTF-8" in mlflow.json()["message"]
    osv = _post_raw(server, "/v1/query", b'{"package": {"name": "caf\xe9", "ecosystem": "x"}}')
    assert osv.status_code == 400 and osv.json()["code"] == 3
    assert "not valid UTF-8" in osv.json()["message"]
    assert server.client.get("/api/v1/models").json()["items"] == []


def test_openapi_states_the_values_and_patterns_the_server_checks(server: Server) -> None:
    """Deterministic companion of the schemathesis check ``no_unstated_rule``."""
    schemas = server.client.get("/openapi.json").json()["components"]["schemas"]

    def prop(schema: str, name: str) -> dict[str, object]:
        found: dict[str, object] = schemas[schema]["properties"][name]
        return found

    assert prop("ModelCreate", "kind")["enum"] == [k.value for k in ModelKind]
    assert prop("ModelCreate", "risk_tier")["enum"] == [r.value for r in RiskTier]
    assert prop("ModelCreate", "name")["pattern"] == MODEL_NAME_PATTERN
    assert prop("VersionCreate", "change")["enum"] == [c.value for c in ChangeKind] + [None]
    assert prop("VersionCreate", "relation")["enum"] == [r.value for r in Relation] + [None]
    assert prop("FileCreate", "path")["pattern"] == MANIFEST_PATH_PATTERN
    assert prop("FileCreate", "size")["minimum"] == 0
    assert prop("PromotionCreate", "to")["enum"] == [s.value for s in Stage]
    assert prop("OverrideCreate", "gate")["enum"] == [g.value for g in Gate]
    assert prop("ConsumerCreate", "kind")["enum"] == [k.value for k in ConsumerKind]
    assert prop("PlanCreate", "reason")["enum"] == [r.value for r in DeprecationReason]
    assert prop("TokenCreate", "roles")["items"] == {
        "type": "string", "enum": [r.value for r in Role]}


def test_the_body_limit_holds_for_idempotent_posts_too(make_server: MakeServer) -> None:
    """The idempotent-POST layer reads a body itself, so the limit is enforced outside it: an
    oversized body is refused before the key is claimed, and the key stays free."""
    server = make_server(max_body_bytes=4096)
    c = server.client

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "support-bot", "description": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    headers = {"Content-Type": "application/json", "Idempotency-Key": '"create-1"'}
    refused = c.post("/api/v1/models", content=chunks(), headers=headers)
    assert refused.status_code == 413, refused.text
    assert refused.json()["type"] == "/problems/content-too-large"
    created = c.post("/api/v1/models", json={"name": "support-bot"}, headers=headers)
    assert created.status_code == 201, created.text
    assert "Idempotent-Replayed" not in created.headers


# a value each path rule refuses, and the path it is sent in
_BROKEN_PATH_VALUES = {
    "name": ("/api/v1/models/{}", "Support Bot"),
    "alias": ("/api/v1/models/support-bot/aliases/{}", "Prod!"),
    "version": ("/api/v1/models/support-bot/versions/{}", "1..0"),
}


def test_path_parameters_state_the_rules_the_server_checks(server: Server) -> None:
    """Every model name, consumer name, alias and version id in a path carries its pattern in
    the OpenAPI document, and a value that breaks it is refused (400 naming the rule, or 404: no
    object can have such a name)."""
    paths = server.client.get("/openapi.json").json()["paths"]
    stated: dict[str, set[str]] = {}
    for operations in paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "path":
                    stated.setdefault(parameter["name"], set()).add(
                        parameter["schema"].get("pattern", ""))
    for name in ("name", "model", "alias", "version"):
        assert len(stated[name]) == 1 and "" not in stated[name], (name, stated[name])
    assert server.client.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    for name, (path, value) in _BROKEN_PATH_VALUES.items():
        [pattern] = stated[name]
        assert re.search(pattern, value) is None, (name, value)
        answer = server.client.get(path.format(value))
        assert answer.status_code in (400, 404), (name, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
