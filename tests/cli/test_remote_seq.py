"""The remote client reads its own writes through any replica: it remembers the highest
``X-Steward-Seq`` a server answered (errors included) and sends it as ``X-Steward-Min-Seq``."""

from __future__ import annotations

import httpx
import pytest

from modelsteward.errors import StewardError
from modelsteward.remote.client import Client


def test_the_client_sends_the_highest_sequence_number_it_was_answered() -> None:
    answers = iter([("7", 201), ("5", 200), ("", 200), ("x", 200), ("9", 404), ("8", 200)])
    sent: list[str | None] = []

    def replica(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("X-Steward-Min-Seq"))
        seq, status = next(answers)
        body = ({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no"}
                if status == 404 else {})
        headers = {"X-Steward-Seq": seq} if seq else {}
        return httpx.Response(status, json=body, headers=headers)

    with Client("http://registry.test", "stw_x", transport=httpx.MockTransport(replica)) as c:
        c.request("POST", "/models", body={"name": "bot"})  # a write answered with 7
        for _ in range(3):  # an older replica's 5, none, garbage: 7 is kept
            c.request("GET", "/models")
        with pytest.raises(StewardError):
            c.request("GET", "/models/nope")  # an error still says what it reflects
        c.request("GET", "/models")
        assert c.seq == 9
    assert sent == [None, "7", "7", "7", "7", "9"]
