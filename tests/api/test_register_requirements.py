"""Registering a version with its runtime requirements over a real socket: a ``requirements``
object in the body is recorded with the registration; a bad one is a 422 problem naming each
field under ``requirements`` and registers nothing; the remote client sends what it is given."""

from __future__ import annotations

from modelsteward.domain.requirements import Requirements
from modelsteward.remote.registry import RemoteRegistry
from tests.api.conftest import Server

PROBLEM = "application/problem+json"
VERSIONS = "/api/v1/models/org/bot/versions"


def _card_requirements(server: Server, version: str) -> dict[str, object] | None:
    card = server.client.get(f"{VERSIONS}/{version}/card", params={"format": "json"})
    assert card.status_code == 200, card.text
    found: dict[str, object] | None = card.json()["versions"][0]["requirements"]
    return found


def test_register_with_requirements_over_http(server: Server) -> None:
    client = server.client
    assert client.post("/api/v1/models", json={"name": "org/bot"}).status_code == 201
    bad = client.post(VERSIONS, json={"version": "1.0.0", "requirements": {
        "framework_version": "4.40+", "gpu": "a100",
        "serving_config_digest": "md5:x"}})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM, bad.text
    assert {p["location"] for p in bad.json()["errors"]} == {
        "requirements.framework", "requirements.framework_version", "requirements.gpu",
        "requirements.serving_config_digest"}
    assert "the requirements" in bad.json()["detail"]
    assert client.get(VERSIONS).json()["items"] == []  # nothing registered
    not_a_mapping = client.post(VERSIONS, json={"version": "1.0.0", "requirements": "torch"})
    assert not_a_mapping.status_code == 422, not_a_mapping.text

    ok = client.post(VERSIONS, json={"version": "1.0.0", "requirements": {
        "framework": "transformers", "framework_version": ">=4.40,<4.47",
        "hardware": "nvidia-a100-80gb"}})
    assert ok.status_code == 201, ok.text
    assert _card_requirements(server, "1.0.0") == {
        "framework": "transformers", "framework_version": ">=4.40,<4.47", "tokenizer": "",
        "hardware": "nvidia-a100-80gb", "serving_config_digest": ""}
    # without the key, nothing is recorded
    assert client.post(VERSIONS, json={"version": "1.1.0", "change": "retrain"}
                       ).status_code == 201
    assert _card_requirements(server, "1.1.0") is None


def test_the_remote_client_sends_the_requirements(server: Server) -> None:
    assert server.client.post("/api/v1/models", json={"name": "org/bot"}).status_code == 201
    tested = Requirements("vllm", ">=0.6,<0.7", tokenizer="org/tok",
                          serving_config_digest="sha256:" + "c" * 64)
    with RemoteRegistry(server.url, server.admin_token) as remote:
        created = remote.register_version("org/bot", "1.0.0", requirements=tested)
    assert created.ref == "org/bot@1.0.0"
    assert Requirements.from_payload(_card_requirements(server, "1.0.0") or {}) == tested
