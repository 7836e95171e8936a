"""The caches of the resolve hot path never serve a stale answer: a resolution follows every
change to the registry made through this server at once, and one made by another process at
once on SQLite (its marker is read on each request) and as soon as the server has polled the
chain head on PostgreSQL (``caught_up``; ``tests/api/test_replicas.py`` checks the bound); a
token revoked by another process or replica is refused at once (on SQLite by the change marker,
on PostgreSQL by a check of the cached token; see ``api/auth.py``)."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
from starlette.types import Message, Receive, Scope, Send

from modelsteward import Registry
from modelsteward.api.resolutions import Answer, KeptAnswers, ResolutionCache
from modelsteward.domain.model import FileDigest, Model, RiskTier
from modelsteward.domain.tokens import split_token
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import Manifest
from tests.api.conftest import MakeServer, Server, caught_up
from tests.api.test_api_lifecycle import evaluation, statement
from tests.api.test_auth import assert_401, client, make_token
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_staging, trained

VERSIONS = "/api/v1/models/support-bot/versions"


def files(byte: str) -> list[dict[str, object]]:
    return [{"path": "model.safetensors", "sha256": byte * 64, "size": 10}]


def register(c: httpx.Client, version: str, byte: str) -> str:
    """Register ``version`` of support-bot over HTTP; its root digest (hex)."""
    made = c.post(VERSIONS, json={"version": version, "files": files(byte), "force": True,
                                  "reason": "test"})
    assert made.status_code == 201, made.text
    digest: str = made.json()["digest"].removeprefix("sha256:")
    return digest


def pass_the_gates(c: httpx.Client, version: str, digest: str) -> None:
    """Take a low-risk ``version`` of support-bot through the evaluation gate over HTTP, so
    that a choosing pin may give it to an application."""
    steps = [(f"{VERSIONS}/{version}/attestations",
              {"statement": statement(digest), "metrics": {"loss": 0.2}}),
             (f"{VERSIONS}/{version}/evaluations", evaluation()),
             (f"{VERSIONS}/{version}/promotions", {"to": "evaluated"}),
             (f"{VERSIONS}/{version}/promotions", {"to": "registered"})]
    for url, body in steps:
        answer = c.post(url, json=body)
        assert answer.status_code in (200, 201), answer.text


def resolved(c: httpx.Client, pin: str = "^1") -> str:
    answer = c.get("/api/v1/resolve", params={"model": "support-bot", "pin": pin})
    assert answer.status_code == 200, answer.text
    version: str = answer.json()["version"]
    return version


def test_a_resolution_follows_changes_made_here_and_elsewhere(server: Server, db_url: str,
                                                              clock: FixedClock) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot", "risk_tier": "low"}
                  ).status_code == 201
    pass_the_gates(c, "1.0.0", register(c, "1.0.0", "a"))
    assert resolved(c) == resolved(c) == "1.0.0"  # the second may come from memory
    # a registration, then a promotion through the gates, made here
    digest = register(c, "1.1.0", "b")
    assert resolved(c) == "1.0.0"  # 1.1.0 has not passed the evaluation gate yet
    pass_the_gates(c, "1.1.0", digest)
    assert resolved(c) == "1.1.0"
    with Registry.open(db_url, actor="elsewhere", clock=clock) as other:  # another process
        made = trained(other, "support-bot", RiskTier.LOW, ChangeKind.RETRAIN)
        assert made == "support-bot@1.2.0"
        assert resolved(c) == "1.1.0"  # not through the gates yet
        to_staging(other, made, RiskTier.LOW)
    caught_up(server)
    assert resolved(c) == "1.2.0"
    missing = c.get("/api/v1/resolve", params={"model": "support-bot", "pin": "^3"})
    assert missing.status_code == 404  # errors are answered, never kept


def test_a_token_revoked_by_another_process_is_refused_at_once(server: Server, db_url: str,
                                                               clock: FixedClock) -> None:
    text = make_token(server, "ci", "viewer")
    with client(server, text) as ci:
        assert ci.get("/api/v1/models").status_code == 200  # the token is cached now
        with Registry.open(db_url, actor="admin", clock=clock) as other:
            other.tokens.revoke(split_token(text)[0])
        assert_401(ci.get("/api/v1/models"), "revoked")
        assert_401(ci.get("/api/v1/resolve", params={"model": "x", "pin": "^1"}), "revoked")


def test_a_token_revoked_through_one_replica_is_refused_by_another_at_once(
        make_server: MakeServer, clock: FixedClock) -> None:
    one, two = make_server(clock=clock), make_server(clock=clock)  # two replicas, one database
    text = make_token(one, "ci", "maintainer", team="platform")
    with client(two, text) as ci:
        assert ci.get("/api/v1/models").status_code == 200  # the token is cached by both now
        assert ci.post("/api/v1/models", json={"name": "bot-a"}).status_code == 201
        with client(one, text) as same:
            assert same.get("/api/v1/models").status_code == 200
        assert one.client.delete(f"/api/v1/tokens/{split_token(text)[0]}").status_code == 200
        assert_401(ci.post("/api/v1/models", json={"name": "bot-b"}), "revoked")
        assert_401(ci.get("/api/v1/models"), "revoked")
        assert_401(ci.get("/api/v1/resolve", params={"model": "bot-a", "pin": "^1"}), "revoked")
    assert two.client.get("/api/v1/models/bot-b").status_code == 404  # nothing was written
    assert two.client.get("/api/v1/models/bot-a").status_code == 200  # the others still pass


def test_writes_keep_the_token_cache_and_token_changes_empty_it(server: Server, db_url: str,
                                                                  clock: FixedClock) -> None:
    c = server.client
    authenticator = server.app.state.authenticate
    assert c.get("/api/v1/models").status_code == 200
    cache = authenticator.cache
    assert cache.get(split_token(server.admin_token)[0]) is not None
    for name in ("bot-a", "bot-b"):  # writes that leave the tokens alone
        assert c.post("/api/v1/models", json={"name": name}).status_code == 201
    with Registry.open(db_url, actor="elsewhere", clock=clock) as other:  # and another process
        other.create_model(Model("bot-c"))
    assert c.get("/api/v1/models").status_code == 200
    assert authenticator.cache is cache  # no token look-up after a write
    if not db_url.startswith("sqlite"):
        return  # without a change marker (PostgreSQL) the cache lives by its TTL alone
    text = make_token(server, "ci", "viewer")  # a new token: the tokens changed
    assert c.get("/api/v1/models").status_code == 200
    assert authenticator.cache is not cache
    cache = authenticator.cache
    with client(server, text) as ci:
        assert ci.get("/api/v1/models").status_code == 200
        with Registry.open(db_url, actor="admin", clock=clock) as other:
            other.tokens.revoke(split_token(text)[0])  # revoked elsewhere
        assert_401(ci.get("/api/v1/models"), "revoked")
    assert authenticator.cache is not cache


def test_kept_answers_are_served_only_under_the_marker_they_were_computed_at() -> None:
    cache = ResolutionCache(size=2)
    day = date(2026, 11, 22)
    answer = Answer(b"{}", ())
    cache.put(("a", "^1", day), 5, answer)
    assert cache.get(("a", "^1", day), 5) is answer
    assert cache.get(("a", "^1", day), 6) is None  # something was committed since
    assert cache.get(("a", "^1", day), None) is None  # no marker: nothing is kept
    cache.put(("a", "^1", day), 4, Answer(b"old", ()))  # computed before: not kept
    assert cache.get(("a", "^1", day), 5) is answer
    for pin in ("^2", "^3"):
        cache.put(("a", pin, day), 5, answer)
    assert cache.get(("a", "^1", day), 5) is None  # the oldest went first
    cache.put(("a", "^1", day), None, answer)
    assert cache.get(("a", "^1", day), 5) is None


def test_kept_answers_stay_within_their_byte_budget() -> None:
    cache = ResolutionCache(size=100, max_bytes=1600)
    cache.put(("big",), 1, Answer(b"x" * 101, ()))  # above a sixteenth: never kept
    assert cache.get(("big",), 1) is None
    for n in range(20):
        cache.put(("n", str(n)), 1, Answer(b"y" * 100, ()))
    kept = [n for n in range(20) if cache.get(("n", str(n)), 1) is not None]
    assert kept == list(range(4, 20))  # 16 × 100 bytes: the oldest four went
    cache.put(("n", "19"), 1, Answer(b"z" * 100, ()))  # replacing does not count twice
    assert cache.get(("n", "4"), 1) is not None


def test_mlflow_get_by_alias_follows_changes_made_here_and_elsewhere(
        server: Server, db_url: str, clock: FixedClock) -> None:
    c = server.client
    mlflow = "/api/2.0/mlflow"
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    for version, byte in (("1.0.0", "a"), ("1.1.0", "b")):
        assert c.post("/api/v1/models/support-bot/versions",
                      json={"version": version, "files": files(byte), "force": True,
                            "reason": "test"}).status_code == 201

    def by_alias() -> httpx.Response:
        return c.get(f"{mlflow}/registered-models/alias",
                     params={"name": "support-bot", "alias": "champion"})

    assert by_alias().status_code == 404
    c.post(f"{mlflow}/registered-models/alias",
           json={"name": "support-bot", "alias": "champion", "version": "1"})
    first, again = by_alias().json(), by_alias().json()  # the second may come from memory
    assert first == again and first["model_version"]["version"] == "1"
    assert first["model_version"]["aliases"] == ["champion"]
    with Registry.open(db_url, actor="elsewhere", clock=clock) as other:  # another process
        other.mlflow().set_alias("support-bot", "champion", 2)
    caught_up(server)
    assert by_alias().json()["model_version"]["version"] == "2"
    c.request("DELETE", f"{mlflow}/registered-models/alias",
              json={"name": "support-bot", "alias": "champion"})
    assert by_alias().status_code == 404


def test_mlflow_searches_and_gets_follow_changes_made_elsewhere(
        server: Server, db_url: str, clock: FixedClock) -> None:
    c = server.client
    mlflow = "/api/2.0/mlflow"
    for name in ("bot-a", "bot-b"):
        assert c.post("/api/v1/models", json={"name": name}).status_code == 201
    query: dict[str, str | int] = {"filter": "tags.tier = 'gold'", "max_results": 10}

    def gold() -> list[str]:
        answer = c.get(f"{mlflow}/registered-models/search", params=query)
        assert answer.status_code == 200, answer.text
        return [m["name"] for m in answer.json().get("registered_models", [])]

    def description() -> str:
        found = c.get(f"{mlflow}/registered-models/get", params={"name": "bot-b"}).json()
        return str(found["registered_model"].get("description", ""))

    assert gold() == gold() == []  # the second may come from memory
    assert description() == description() == ""
    with Registry.open(db_url, actor="elsewhere", clock=clock) as other:  # another process
        other.mlflow().set_model_tag("bot-b", "tier", "gold")
        other.mlflow().update_model("bot-b", "answers questions")
    caught_up(server)
    assert gold() == ["bot-b"]
    assert description() == "answers questions"
    bad = c.get(f"{mlflow}/registered-models/search", params={"max_results": 0})
    assert bad.status_code == 400 and bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"


class Recording:
    """An ASGI application behind :class:`KeptAnswers` that records the requests it gets (the
    ones the layer did not answer) and answers 599."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def through_layer(server: Server, behind: Recording, path: str, query: str, token: str | None,
                  method: str = "GET") -> tuple[int, dict[str, str], bytes, object]:
    """One request to :class:`KeptAnswers` over the running server's application state,
    with a :class:`Recording` behind it: (status, headers, body, the route it was counted on)."""
    headers = [(b"authorization", f"Bearer {token}".encode())] if token is not None else []
    scope: dict[str, object] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": headers, "app": server.app,
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(KeptAnswers(behind)(scope, receive, send))
    start, body = sent
    return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
            body["body"], scope.get("route"))



def test_a_kept_answer_is_sent_before_routing_exactly_as_the_route_sent_it(
        server: Server, db_url: str, clock: FixedClock) -> None:
    behind = Recording()
    c, token = server.client, server.admin_token
    assert c.post("/api/v1/models", json={"name": "support-bot", "risk_tier": "low"}
                  ).status_code == 201
    for version, byte in (("1.0.0", "a"), ("2.0.0", "b")):
        pass_the_gates(c, version, register(c, version, byte))
    planned = c.post("/api/v1/deprecations", json={
        "target": "support-bot@1.0.0", "reason": "replaced", "replacement": "support-bot@^2",
        "soft_deadline": "2026-12-01", "hard_deadline": "2027-01-01"})
    assert planned.status_code == 201, planned.text
    path, query = "/api/v1/resolve", "model=support-bot&pin=%5E1"
    assert through_layer(server, behind, path, query, token)[0] == 599  # nothing kept yet: routed
    routed = c.get(f"{path}?{query}")  # computed by the route, and kept (SQLite)
    status, headers, body, route = through_layer(server, behind, path, query, token)
    if not db_url.startswith("sqlite"):
        # each cached token is checked in the database (api/auth.py): the route answers, from
        # what it keeps
        assert status == 599 and behind.paths == [path, path]
        return
    assert (status, body) == (200, routed.content)
    assert behind.paths == [path]  # answered here, not routed
    assert getattr(route, "path", None) == path  # counted on the route's metrics
    for name in ("content-type", "content-length", "deprecation", "sunset", "link"):
        assert headers.get(name) == routed.headers.get(name), name
    assert "sunset" in headers  # the plan's headers are kept with the answer
    # everything else is left to the route, which refuses or computes as it always does
    refused = [(path, query, "stw_AAAAAAAAAAAA_" + "B" * 43),  # an unknown token
               (path, query, None),  # no token, and anonymous reads are off
               (path, "model=support-bot&pin=%5E1&x=1", token),  # another query string
               ("/api/v1/models", "", token)]  # a route that keeps nothing
    for other_path, other_query, other_token in refused:
        assert through_layer(server, behind, other_path, other_query, other_token)[0] == 599
    assert through_layer(server, behind, path, query, token, method="HEAD")[0] == 599
    with Registry.open(db_url, actor="elsewhere", clock=clock) as other:  # a commit elsewhere
        other.register_version("support-bot", "1.0.1", manifest=Manifest.of(
            [FileDigest("model.safetensors", "d" * 64, 10)]), force=True, reason="test")
    assert through_layer(server, behind, path, query, token)[0] == 599  # stale: routed again
    assert behind.paths == [path] * 4 + ["/api/v1/models"] + [path] * 2
