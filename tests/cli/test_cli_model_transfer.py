"""``steward model transfer`` through a server: administrators give a model to another team;
a maintainer, even of the owning team, is refused (exit 7) and the owner stays."""

from __future__ import annotations

import pytest

from tests.api.conftest import (
    MakeServer,
    make_server,  # noqa: F401  (the fixture, for this module)
)
from tests.api.test_auth import make_token
from tests.cli.conftest import Steward


def test_only_an_administrator_transfers_through_a_server(
        steward: Steward, make_server: MakeServer,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server()
    assert server.client.post("/api/v1/models", json={"name": "support-bot",
                                                      "owner_team": "support"}
                              ).status_code == 201
    monkeypatch.setenv("STEWARD_URL", server.url)
    monkeypatch.setenv("STEWARD_TOKEN", make_token(server, "dev", "maintainer", team="support"))
    refused = steward("model", "transfer", "support-bot", "--team", "billing", "--reason", "x",
                      expect=7)
    assert "administrator" in refused.stderr
    monkeypatch.setenv("STEWARD_TOKEN", server.admin_token)
    moved = steward("model", "transfer", "support-bot", "--team", "billing", "--reason",
                    "billing took it over", "--json").json()
    assert moved["owner"]["team"] == "billing"  # type: ignore[index]
    assert server.client.get("/api/v1/models/support-bot").json()["owner"]["team"] == "billing"
