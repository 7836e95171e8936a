"""The endpoints remote mode of the CLI needs beyond the first API: a model's support policy,
a version's status and forced reason, tombstones with ``include_deleted``, the advisories
affecting a version, and advisory drafts, imports with their results, and withdrawal."""

from __future__ import annotations

from tests.api.conftest import Server

FILES = [{"path": "model.safetensors", "sha256": "ab" * 32, "size": 10}]


def _seed(server: Server) -> None:
    c = server.client
    made = c.post("/api/v1/models", json={"name": "support-bot", "owner_team": "support",
                                          "support_months": 12,
                                          "support_after": "community-maintained"})
    assert made.status_code == 201, made.text
    assert made.json()["support_policy"] == {"active_months": 12,
                                             "afterwards": "community-maintained"}
    for version in ("1.0.0", "2.0.0"):
        created = c.post("/api/v1/models/support-bot/versions", json={
            "version": version, "force": True, "reason": "seeded", "status": "evaluating",
            "files": FILES})
        assert created.status_code == 201, created.text


def test_support_status_and_forced_reason_are_shown(server: Server) -> None:
    _seed(server)
    c = server.client
    assert c.get("/api/v1/models/support-bot").json()["support_policy"]["active_months"] == 12
    version = c.get("/api/v1/models/support-bot/versions/2.0.0").json()
    assert version["status"] == "evaluating"
    assert version["forced_reason"] == "seeded"
    assert version["deleted"] is False
    refused = c.post("/api/v1/models", json={"name": "other", "support_months": -1})
    assert refused.status_code == 422


def test_tombstones_answer_only_with_include_deleted(server: Server) -> None:
    _seed(server)
    c = server.client
    deleted = c.post("/api/v1/deletions", json={"target": "support-bot@1.0.0",
                                                "reason": "withdrawn"})
    assert deleted.status_code == 200, deleted.text
    path = "/api/v1/models/support-bot/versions"
    assert c.get(f"{path}/1.0.0").status_code == 404
    assert c.get(f"{path}/1.0.0", params={"include_deleted": True}).json()["deleted"] is True
    listed = c.get(path, params={"include_deleted": True}).json()["items"]
    assert [(v["version"], v["deleted"]) for v in listed] == [("1.0.0", True), ("2.0.0", False)]
    assert [v["version"] for v in c.get(path).json()["items"]] == ["2.0.0"]
    assert c.get("/api/v1/models/support-bot",
                 params={"include_deleted": True}).json()["deleted"] is False


def test_drafts_imports_withdrawal_and_the_advisories_of_a_version(server: Server) -> None:
    _seed(server)
    c = server.client
    draft = {"modified": "2026-01-01T00:00:00Z", "summary": "Role-play bypasses refusals",
             "affected": [{"package": {"ecosystem": "modelsteward", "name": "support-bot"},
                           "ranges": [{"type": "SEMVER", "events": [
                               {"introduced": "0"}, {"fixed": "2.0.0"}]}]}]}
    made = c.post("/api/v1/advisories/drafts", json=draft)
    assert made.status_code == 201, made.text
    published = made.json()
    advisory_id = published["advisory"]["id"]
    assert advisory_id.startswith("x_MSA-") and published["new"] is True
    assert published["affected"] == ["support-bot@1.0.0"]

    hits = c.get("/api/v1/models/support-bot/versions/1.0.0/advisories").json()
    assert [(h["advisory"]["id"], h["matched_by"], h["affected_index"]) for h in hits] == [
        (advisory_id, "version", 0)]
    assert c.get("/api/v1/models/support-bot/versions/2.0.0/advisories").json() == []

    again = c.post("/api/v1/advisories/imports", json=[published["advisory"]])
    assert again.status_code == 200 and again.json()[0]["new"] is False

    bad = c.post("/api/v1/advisories/drafts", json={**draft, "summary": 3})
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/document-invalid"

    withdrawn = c.post(f"/api/v1/advisories/{advisory_id}/withdrawal",
                       json={"reason": "not reproducible"})
    assert withdrawn.status_code == 200 and "withdrawn" in withdrawn.json()
    assert c.get("/api/v1/models/support-bot/versions/1.0.0/advisories").json() == []
    twice = c.post(f"/api/v1/advisories/{advisory_id}/withdrawal", json={"reason": "again"})
    assert twice.status_code == 400
    missing = c.post("/api/v1/advisories/x_MSA-2026-0099/withdrawal", json={"reason": "x"})
    assert missing.status_code == 404
