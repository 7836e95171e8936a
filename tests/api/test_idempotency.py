"""``Idempotency-Key`` on the API's creates, on a real server over SQLite and PostgreSQL: a retry
with the same key and body gets the first answer and writes nothing; another body is a 422."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from modelsteward.domain.versioning import ChangeKind
from modelsteward.errors import InvalidInput
from modelsteward.remote.client import Client
from modelsteward.remote.registry import RemoteRegistry
from tests.api.conftest import MakeServer, Server
from tests.api.test_auth import make_token
from tests.conftest import FixedClock

FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]


@pytest.fixture
def server(make_server: MakeServer, clock: FixedClock) -> Server:
    made = make_server(clock=clock)
    assert made.client.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    return made


def _count(c: httpx.Client, path: str, **params: str) -> int:
    return len(c.get(path, params={**params, "limit": 1000}).json()["items"])


def _events(c: httpx.Client) -> int:
    return len(c.get("/api/v1/events", params={"limit": 1000}).json()["items"])


# (path, body, how to count what it creates)
CREATES: list[tuple[str, dict[str, Any], Callable[[httpx.Client], int]]] = [
    ("/api/v1/models", {"name": "ranker"}, lambda c: _count(c, "/api/v1/models")),
    ("/api/v1/models/support-bot/versions", {"change": "retrain", "files": FILES},
     lambda c: _count(c, "/api/v1/models/support-bot/versions")),
    ("/api/v1/consumers", {"name": "checkout-api", "team": "payments"},
     lambda c: _count(c, "/api/v1/consumers")),
    ("/api/v1/advisories/drafts", {"summary": "a jailbreak", "affected": [{
        "package": {"ecosystem": "modelsteward", "name": "support-bot"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
        "database_specific": {"severity": "HIGH"}},
     lambda c: _count(c, "/api/v1/advisories")),
]


@pytest.mark.parametrize(("path", "body", "count"), CREATES,
                         ids=[path.rsplit("/", 1)[-1] for path, _, _ in CREATES])
def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_nothing(
        server: Server, path: str, body: dict[str, Any],
        count: Callable[[httpx.Client], int]) -> None:
    c = server.client
    before, events = count(c), _events(c)
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    first = c.post(path, json=body, headers=key)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert count(c) == before + 1
    written = _events(c)
    assert written > events
    again = c.post(path, json=body, headers=key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(c) == before + 1 and _events(c) == written
    # the same key with another body names the key and writes nothing
    other = c.post(path, json={**body, "extra": 1}, headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert key["Idempotency-Key"].strip('"') in other.json()["detail"]
    assert count(c) == before + 1 and _events(c) == written
    # without a key, nothing changes: a second request is a second request
    assert c.post(path, json=body).status_code in (201, 409)


def test_deprecation_plans_and_tokens_take_a_key(server: Server, clock: FixedClock) -> None:
    c = server.client
    c.post("/api/v1/models/support-bot/versions", json={"version": "1.0.0", "files": FILES})
    today = clock.now().date()
    plan = {"target": "support-bot@1.0.0", "reason": "replaced",
            "soft_deadline": str(today + timedelta(days=30)),
            "hard_deadline": str(today + timedelta(days=90))}
    key = {"Idempotency-Key": "plan-1"}
    first = c.post("/api/v1/deprecations", json=plan, headers=key)
    assert first.status_code == 201, first.text
    again = c.post("/api/v1/deprecations", json=plan, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert _count(c, "/api/v1/deprecations") == 1
    # a token's answer holds its secret, which is never stored: the retry creates nothing and
    # says how to recover
    token = {"name": "ci", "roles": ["maintainer"], "team": "support"}
    made = c.post("/api/v1/tokens", json=token, headers={"Idempotency-Key": "token-1"})
    assert made.status_code == 201, made.text
    retried = c.post("/api/v1/tokens", json=token, headers={"Idempotency-Key": "token-1"})
    assert retried.status_code == 409 and "revoke" in retried.json()["detail"]
    assert made.json()["token"] not in retried.text
    assert len([t for t in c.get("/api/v1/tokens").json()["items"] if t["name"] == "ci"]) == 1


def test_keys_belong_to_their_caller(server: Server) -> None:
    one = make_token(server, "one", "maintainer", team="support")
    two = make_token(server, "two", "maintainer", team="support")
    key = "shared-key"
    for token, name in ((one, "first"), (two, "second")):
        made = httpx.post(f"{server.url}/api/v1/models", json={"name": name},
                          headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
        assert made.status_code == 201, made.text
    names = {m["name"] for m in server.client.get("/api/v1/models").json()["items"]}
    assert {"first", "second"} <= names


def test_an_error_answer_is_not_kept_and_the_retry_runs_again(server: Server) -> None:
    c = server.client
    key = {"Idempotency-Key": "create-fine-tune"}
    body = {"version": "1.0.0", "files": FILES}
    missing = c.post("/api/v1/models/fine-tune/versions", json=body, headers=key)
    assert missing.status_code == 404
    assert c.post("/api/v1/models", json={"name": "fine-tune"}).status_code == 201
    made = c.post("/api/v1/models/fine-tune/versions", json=body, headers=key)
    assert made.status_code == 201, made.text


def test_a_key_expires_after_24_hours(server: Server, clock: FixedClock) -> None:
    c = server.client
    key = {"Idempotency-Key": "nightly-retrain"}
    body = {"change": "retrain", "files": FILES}
    path = "/api/v1/models/support-bot/versions"
    first = c.post(path, json=body, headers=key).json()
    clock.advance(hours=23)
    assert c.post(path, json=body, headers=key).json() == first
    clock.advance(hours=2)
    later = c.post(path, json=body, headers=key)
    assert later.status_code == 201 and later.json()["version"] != first["version"]
    assert _count(c, path) == 2


@pytest.mark.parametrize("value", ['""', "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_bad_input_and_writes_nothing(server: Server, value: str) -> None:
    made = server.client.post("/api/v1/models", json={"name": "ranker"},
                              headers=[(b"Idempotency-Key", value.encode("utf-8"))])
    assert made.status_code == 400 and "Idempotency-Key" in made.json()["detail"]
    assert server.client.get("/api/v1/models/ranker").status_code == 404


def test_concurrent_retries_with_one_key_create_one_version(server: Server) -> None:
    path = f"{server.url}/api/v1/models/support-bot/versions"
    headers = {**server.client.headers, "Idempotency-Key": "burst"}
    answers: list[httpx.Response] = []
    start = threading.Barrier(8)

    def post() -> None:
        start.wait()
        answers.append(httpx.post(path, json={"change": "retrain", "files": FILES},
                                  headers=headers, timeout=30))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert _count(server.client, "/api/v1/models/support-bot/versions") == 1


class LosesFirstAnswer(httpx.BaseTransport):
    """A real HTTP transport that sends every request but loses the answer to the first POST,
    as a dropped connection after the server committed would."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST":
            self.keys.append(request.headers["Idempotency-Key"])
            if len(self.keys) == 1:
                response.read()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_the_remote_client_retries_a_lost_answer_with_the_same_key(server: Server) -> None:
    lossy = LosesFirstAnswer()
    with Client(server.url, server.admin_token, transport=lossy) as client:
        registry = RemoteRegistry(server.url, client=client)
        version = registry.register_version("support-bot", None, change=ChangeKind.RETRAIN)
    assert len(lossy.keys) == 2 and lossy.keys[0] == lossy.keys[1]
    listed = server.client.get("/api/v1/models/support-bot/versions").json()["items"]
    assert [v["version"] for v in listed] == [str(version.id)]
    # each create gets a key of its own
    with Client(server.url, server.admin_token, transport=LosesFirstAnswer()) as client:
        RemoteRegistry(server.url, client=client).register_version(
            "support-bot", None, change=ChangeKind.RETRAIN)
    assert _count(server.client, "/api/v1/models/support-bot/versions") == 2


def test_mlflow_creates_take_a_key_and_answer_in_mlflow_s_shape(server: Server) -> None:
    c = server.client
    path = "/api/2.0/mlflow/model-versions/create"
    key = {"Idempotency-Key": "mlflow-1"}
    body = {"name": "support-bot", "source": "s3://bucket/1"}
    first = c.post(path, json=body, headers=key)
    assert first.status_code == 200, first.text
    assert c.post(path, json=body, headers=key).content == first.content
    other = c.post(path, json={**body, "source": "s3://bucket/2"}, headers=key)
    assert other.status_code == 422
    assert other.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "mlflow-1" in other.json()["message"]
    assert _count(c, "/api/v1/models/support-bot/versions") == 1


def test_the_remote_client_keys_writes_only_and_numbers_a_given_key(server: Server) -> None:
    seen: list[str | None] = []
    inner = httpx.HTTPTransport()

    class Recording(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.headers.get("Idempotency-Key"))
            return inner.handle_request(request)

    with Client(server.url, server.admin_token, transport=Recording(),
                idempotency_key="run-7") as client:
        client.post("/models", {"name": "first"})
        with pytest.raises(InvalidInput):  # an empty lock: refused, and sent without a key
            client.post("/audits", {"lock": "", "fail_on": "high"}, computes=True)
        client.post("/models", {"name": "second"})
        client.get("/models")
    assert seen == ["run-7", None, "run-7-2", None]
