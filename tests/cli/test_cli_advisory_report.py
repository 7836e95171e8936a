"""``steward advisory report FILE``: a security reporter's report through a server reaches the
owner team as a draft and publishes nothing; locally it does the same against the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward import Registry
from tests.api.conftest import (
    MakeServer,
    make_server,  # noqa: F401  (the fixture, for this module)
)
from tests.api.test_auth import make_token
from tests.cli.conftest import Steward

RECORD = {"summary": "Role-play prompts bypass refusals",
          "affected": [{"package": {"ecosystem": "modelsteward", "name": "support-bot"}}]}


def test_a_reporter_reports_through_a_server(steward: Steward,
                                             make_server: MakeServer,  # noqa: F811
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server()
    assert server.client.post("/api/v1/models", json={"name": "support-bot",
                                                      "owner_team": "support"}
                              ).status_code == 201
    (tmp_path / "report.json").write_text(json.dumps(RECORD))
    monkeypatch.setenv("STEWARD_URL", server.url)
    monkeypatch.setenv("STEWARD_TOKEN", make_token(server, "researcher", "reporter"))
    reported = steward("advisory", "report", "report.json", "--json").json()
    assert reported == {"teams": ["support"], "models": ["support-bot"], "notices": 1}
    refused = steward("advisory", "import", "report.json", expect=7)  # not authorised
    assert "maintainer" in refused.stderr
    assert server.client.get("/api/v1/advisories").json()["items"] == []
    [notice] = server.client.get("/api/v1/notices", params={"team": "support"}).json()["items"]
    assert notice["kind"] == "advisory-report" and notice["payload"]["record"]["summary"] == \
        RECORD["summary"]


def test_a_report_names_a_model_of_the_registry(steward: Steward, tmp_path: Path,
                                                db_url: str) -> None:
    (tmp_path / "report.json").write_text(json.dumps(RECORD))
    assert "support-bot" in steward("advisory", "report", "report.json", expect=2).stderr
    steward("model", "create", "support-bot", "--owner-team", "support")
    assert "team support" in steward("advisory", "report", "report.json").stdout
    with Registry.open(db_url) as registry:
        assert registry.advisories.all() == []
