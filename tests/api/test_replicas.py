"""Two replicas (two applications, each on its own socket) over one PostgreSQL schema: an answer
replica B keeps follows a promotion written through replica A within B's poll bound, and a
client that sends ``X-Steward-Min-Seq`` with the sequence number A's write answered gets the new
state from B at once, without waiting for B's poll."""

from __future__ import annotations

import time

import httpx
import pytest

from modelsteward.api.resolutions import ResolutionCache, answer_key
from modelsteward.api.settings import ServerSettings
from modelsteward.errors import InvalidInput
from tests.api.conftest import MakeServer, Server
from tests.api.test_hot_path import pass_the_gates, register
from tests.conftest import FixedClock

RESOLVE = "/api/v1/resolve"
QUERY = {"model": "support-bot", "pin": "^1"}


@pytest.fixture
def db_url(pg_url: str) -> str:
    """Replicas share a PostgreSQL database (SQLite files have no replicas to speak of)."""
    return pg_url


def resolve(c: httpx.Client, min_seq: int | None = None) -> tuple[str, int]:
    """(version, X-Steward-Seq) of ``^1`` of support-bot."""
    headers = {"X-Steward-Min-Seq": str(min_seq)} if min_seq is not None else {}
    answer = c.get(RESOLVE, params=QUERY, headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["version"]), int(answer.headers["X-Steward-Seq"])


def kept(server: Server) -> bool:
    """Whether ``server`` keeps an answer to the resolution (current or not)."""
    cache: ResolutionCache = server.app.state.resolutions
    scope = {"path": RESOLVE, "query_string": b"model=support-bot&pin=%5E1"}
    return answer_key(scope, server.app.state.clock) in cache


def promote_through(a: Server) -> int:
    """Register 1.1.0 through ``a`` and take it through the gates; the sequence number ``a``
    answers a read with after them (at least the last write's: its own commits move it)."""
    pass_the_gates(a.client, "1.1.0", register(a.client, "1.1.0", "b"))
    last = a.client.get("/api/v1/models/support-bot")  # a read after the writes, through a
    return int(last.headers["X-Steward-Seq"])


def two_replicas(make_server: MakeServer, clock: FixedClock, poll: float) -> tuple[Server, Server]:
    a = make_server(clock=clock, change_poll_seconds=poll)
    b = make_server(clock=clock, change_poll_seconds=poll)
    assert a.client.post("/api/v1/models", json={"name": "support-bot", "risk_tier": "low"}
                         ).status_code == 201
    pass_the_gates(a.client, "1.0.0", register(a.client, "1.0.0", "a"))
    return a, b


def test_a_promotion_through_one_replica_reaches_anothers_kept_answer_within_the_bound(
        make_server: MakeServer, clock: FixedClock) -> None:
    a, b = two_replicas(make_server, clock, poll=0.01)
    assert resolve(b.client, min_seq=0)[0] == "1.0.0"  # computed by B (after its first poll)
    assert kept(b)
    assert resolve(b.client)[0] == "1.0.0"
    seq = promote_through(a)
    committed = time.monotonic()
    bound = b.app.state.changes._poller.max_age  # past it B keeps nothing without a new poll
    while True:
        asked = time.monotonic()
        version, answered = resolve(b.client)
        if version == "1.1.0":
            break
        # a stale answer is only ever given to a request made within the bound
        assert asked - committed <= bound, "replica B served a stale answer past its bound"
        time.sleep(0.005)
    # its header is a lower bound: once B has polled the write's head it names it
    while answered < seq:
        assert time.monotonic() - committed < 10, "replica B never named the write's head"
        time.sleep(0.005)
        version, answered = resolve(b.client)
    assert version == "1.1.0" and kept(b)  # and the new answer is kept again


def test_the_min_seq_header_reads_a_write_through_another_replica_at_once(
        make_server: MakeServer, clock: FixedClock) -> None:
    a, b = two_replicas(make_server, clock, poll=3600)  # B polls once, at start
    assert resolve(b.client, min_seq=0) == resolve(b.client)  # kept by B
    before = resolve(b.client)
    seq = promote_through(a)
    assert seq > before[1]
    assert resolve(b.client) == before  # B has not looked at the head since: its kept answer
    version, answered = resolve(b.client, min_seq=seq)
    assert version == "1.1.0" and answered >= seq  # read-your-writes, without a poll
    assert resolve(b.client) == (version, answered)  # B's marker moved: for everyone
    assert resolve(a.client, min_seq=seq) == (version, answered)  # A knew at once


def test_the_poll_interval_is_a_setting() -> None:
    assert ServerSettings.from_env({}).change_poll_seconds == 0.05
    assert ServerSettings.from_env({"STEWARD_CHANGE_POLL_SECONDS": "0"}).change_poll_seconds == 0
    for bad in ("often", "-1", "11", "nan"):
        with pytest.raises(InvalidInput, match="STEWARD_CHANGE_POLL_SECONDS"):
            ServerSettings.from_env({"STEWARD_CHANGE_POLL_SECONDS": bad})
