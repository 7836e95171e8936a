"""``X-Steward-Seq`` on every response under ``/api/``: a write answers a number past every
earlier one (its own event's, or later), a read one at least as new as the writes this server
answered before it, kept answers included, and the numbers never go back. ``X-Steward-Min-Seq``
past the database's head is answered from the database, never from memory."""

from __future__ import annotations

import httpx

from modelsteward.api.resolutions import Answer, ResolutionCache, answer_key
from tests.api.conftest import Server
from tests.api.test_hot_path import pass_the_gates, register


def seq(answer: httpx.Response) -> int:
    assert answer.status_code in (200, 201, 404), answer.text
    return int(answer.headers["X-Steward-Seq"])


def test_every_answer_names_the_head_it_reflects_and_the_numbers_never_go_back(
        server: Server) -> None:
    c = server.client
    resolve = "/api/v1/resolve?model=support-bot&pin=%5E1"
    seen: list[int] = []
    made = c.post("/api/v1/models", json={"name": "support-bot", "risk_tier": "low"})
    seen.append(seq(made))
    pass_the_gates(c, "1.0.0", register(c, "1.0.0", "a"))
    for _ in range(3):  # the first computed, the others kept
        answer = c.get(resolve)
        assert answer.json()["version"] == "1.0.0"
        seen.append(seq(answer))
    seen.append(seq(c.get("/api/v1/models")))
    seen.append(seq(c.get("/api/v1/models/no-such-model")))  # errors too
    written = seq(c.post("/api/v1/models", json={"name": "bot-b"}))
    assert written > seen[-1]  # a write's own event is past every earlier answer
    seen.append(written)
    read = c.get(resolve)
    assert seq(read) >= written  # this server's own commit is seen at once
    seen.append(seq(read))
    assert seen == sorted(seen) and seen[0] > 0
    assert "X-Steward-Seq" not in c.get("/healthz").headers  # only the API's answers


def test_a_min_seq_the_database_has_not_reached_is_answered_from_the_database(
        server: Server) -> None:
    c = server.client
    resolve = "/api/v1/resolve?model=support-bot&pin=%5E1"
    assert c.post("/api/v1/models", json={"name": "support-bot", "risk_tier": "low"}
                  ).status_code == 201
    pass_the_gates(c, "1.0.0", register(c, "1.0.0", "a"))
    computed = c.get(resolve)
    # an answer planted in memory under the current marker shows which answers come from there
    cache: ResolutionCache = server.app.state.resolutions
    key = answer_key({"path": "/api/v1/resolve", "query_string": b"model=support-bot&pin=%5E1"},
                     server.app.state.clock)
    cache.put(key, server.app.state.changes.marker(), Answer(b'{"version": "planted"}', ()))
    assert c.get(resolve).json() == {"version": "planted"}
    met = c.get(resolve, headers={"X-Steward-Min-Seq": str(seq(computed))})
    assert met.json() == {"version": "planted"}  # memory reflects that head already
    ahead = c.get(resolve, headers={"X-Steward-Min-Seq": str(seq(computed) + 1000)})
    assert ahead.status_code == 200 and ahead.content == computed.content  # from the database
    assert seq(ahead) < seq(computed) + 1000  # the number it reflects, not the one asked for
    for odd in ("", "abc", "-1", "9" * 40):  # not a sequence number: as if not sent
        assert c.get(resolve, headers={"X-Steward-Min-Seq": odd}).status_code == 200
