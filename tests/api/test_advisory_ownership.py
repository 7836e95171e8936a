"""Who may write an advisory, over a real socket with real tokens: only the owner team of the
models it names publishes, re-imports or withdraws it (another team's re-import is refused
whatever its ``modified``, and writes nothing); an advisory naming only an upstream package
belongs to the teams whose models derive from it; security reporters submit reports that
reach the owner team as drafts and publish nothing."""

from __future__ import annotations

import copy

import httpx

from tests.api.conftest import Server
from tests.api.test_auth import client, make_token
from tests.api.test_osv_api import BASE_ADVISORY, COMMIT, UPSTREAM_ADVISORY

FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]


def _teams(server: Server) -> tuple[httpx.Client, httpx.Client]:
    """Support owns base-llm and hf-tune (derived from the upstream repository); billing owns
    billing-bot."""
    admin = server.client
    for name, team in (("base-llm", "support"), ("hf-tune", "support"),
                       ("billing-bot", "billing")):
        assert admin.post("/api/v1/models", json={"name": name, "owner_team": team}
                          ).status_code == 201
    assert admin.post("/api/v1/models/base-llm/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201
    assert admin.post("/api/v1/models/hf-tune/versions", json={
        "version": "1.0.0", "files": [{**FILES[0], "sha256": "cd" * 32}],
        "derived_from": f"pkg:huggingface/acme/open-llm@{COMMIT}", "relation": "finetune"}
                      ).status_code == 201
    support = client(server, make_token(server, "support-ci", "maintainer", team="support"))
    billing = client(server, make_token(server, "billing-ci", "maintainer", team="billing"))
    return support, billing


def test_another_team_cannot_hijack_an_advisory_by_reimporting_it(server: Server) -> None:
    support, billing = _teams(server)
    with support, billing:
        assert support.post("/api/v1/advisories", json=[BASE_ADVISORY]).status_code == 201
        hijack = {**copy.deepcopy(BASE_ADVISORY), "modified": "2099-01-01T00:00:00Z",
                  "summary": "Nothing to see here"}
        for path in ("/api/v1/advisories", "/api/v1/advisories/imports"):
            refused = billing.post(path, json=[hijack])
            assert refused.status_code == 403, refused.text
            assert "support" in refused.json()["detail"]
        # moving the record to billing's own model is still a change of support's advisory
        moved = copy.deepcopy(hijack)
        moved["affected"][0]["package"]["name"] = "billing-bot"
        assert billing.post("/api/v1/advisories", json=[moved]).status_code == 403
        stored = server.client.get(f"/api/v1/advisories/{BASE_ADVISORY['id']}").json()
        assert stored["summary"] == BASE_ADVISORY["summary"]
        assert stored["modified"].startswith("2026-11-01")
        # the owner's correct re-import is applied, not ignored as unchanged
        fixed = {**copy.deepcopy(BASE_ADVISORY), "modified": "2026-11-05T00:00:00Z",
                 "summary": "Role-play prompts bypass refusals (confirmed)"}
        updated = support.post("/api/v1/advisories/imports", json=[fixed])
        assert updated.status_code == 200, updated.text
        assert updated.json()[0]["new"] is False
        assert server.client.get(f"/api/v1/advisories/{BASE_ADVISORY['id']}"
                                 ).json()["summary"] == fixed["summary"]


def test_only_the_owner_team_publishes_and_withdraws(server: Server) -> None:
    support, billing = _teams(server)
    draft = {k: v for k, v in BASE_ADVISORY.items() if k not in ("id", "modified")}
    with support, billing:
        assert billing.post("/api/v1/advisories/drafts", json=draft).status_code == 403
        made = support.post("/api/v1/advisories/drafts", json=draft)
        assert made.status_code == 201, made.text
        advisory_id = made.json()["advisory"]["id"]
        withdrawal = {"reason": "Not reproducible."}
        assert billing.post(f"/api/v1/advisories/{advisory_id}/withdrawal",
                            json=withdrawal).status_code == 403
        assert server.client.get(f"/api/v1/advisories/{advisory_id}").json().get(
            "withdrawn") is None
        assert support.post(f"/api/v1/advisories/{advisory_id}/withdrawal",
                            json=withdrawal).status_code == 200
        # a record naming both teams' models needs both (an administrator)
        both = copy.deepcopy(BASE_ADVISORY)
        both["id"] = "x_MSA-2026-0050"
        both["affected"].append({**both["affected"][0],
                                 "package": {"ecosystem": "modelsteward",
                                             "name": "billing-bot"}})
        assert support.post("/api/v1/advisories", json=[both]).status_code == 403
        assert server.client.post("/api/v1/advisories", json=[both]).status_code == 201


def test_an_upstream_advisory_belongs_to_the_teams_deriving_from_it(server: Server) -> None:
    support, billing = _teams(server)
    with support, billing:
        refused = billing.post("/api/v1/advisories", json=[UPSTREAM_ADVISORY])
        assert refused.status_code == 403 and "derive" in refused.json()["detail"]
        made = support.post("/api/v1/advisories", json=[UPSTREAM_ADVISORY])
        assert made.status_code == 201, made.text


def test_reports_reach_the_owner_team_as_drafts_and_publish_nothing(server: Server) -> None:
    support, billing = _teams(server)
    report = {k: v for k, v in BASE_ADVISORY.items() if k not in ("id", "modified")}
    with support, billing, client(server, make_token(server, "researcher", "reporter")) as rep:
        assert rep.post("/api/v1/advisories", json=[BASE_ADVISORY]).status_code == 403
        assert rep.post("/api/v1/advisories/drafts", json=report).status_code == 403
        assert billing.post("/api/v1/advisories/reports", json=report).status_code == 403
        sent = rep.post("/api/v1/advisories/reports", json=report)
        assert sent.status_code == 202, sent.text
        assert sent.json() == {"teams": ["support"], "models": ["base-llm"], "notices": 1}
        assert rep.post("/api/v1/advisories/reports", json=report).json()["notices"] == 0
        assert server.client.get("/api/v1/advisories").json()["items"] == []
        notices = support.get("/api/v1/notices", params={"team": "support"}).json()["items"]
        [notice] = [n for n in notices if n["kind"] == "advisory-report"]
        assert notice["payload"]["reported_by"] == "researcher"
        # the owner publishes the draft as it came
        published = support.post("/api/v1/advisories/drafts", json=notice["payload"]["record"])
        assert published.status_code == 201, published.text
        unknown = {**report, "affected": [{"package": {"ecosystem": "modelsteward",
                                                       "name": "no-such-model"}}]}
        assert rep.post("/api/v1/advisories/reports", json=unknown).status_code == 422
