"""Hostile input over a real socket: version ids and manifest paths that would lead outside a
folder, oversized bodies and fields, deep or odd JSON, and HTTP details (405 ``Allow``,
undecodable bodies). Each is refused with a problem (or the route family's own error shape)
that names the rule, and nothing is written."""

from __future__ import annotations

from tests.api.conftest import Server

SHA = "ab" * 32


def _events(server: Server) -> int:
    return len(server.client.get("/api/v1/events", params={"limit": 1000}).json()["items"])


def test_version_ids_that_name_other_folders_are_refused(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "ft-bot", "kind": "fine-tuned",
                                          "provider": "openai"}).status_code == 201
    events = _events(server)
    for version in ("a/../../escaped", "x..y", "a\\b", "a\u0000b", "a\nb"):
        refused = c.post("/api/v1/models/ft-bot/versions", json={
            "version": version, "files": [{"path": "w.bin", "sha256": SHA, "size": 1}]})
        assert refused.status_code == 400, (version, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        detail = refused.json()["detail"]
        assert "cannot name a version" in detail or "not a provider snapshot id" in detail
    assert c.get("/api/v1/models/ft-bot/versions").json()["items"] == []
    assert _events(server) == events


def test_manifest_paths_must_stay_inside_the_model_folder(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    events = _events(server)
    files = [{"path": "../../etc/passwd", "sha256": SHA, "size": 1},
             {"path": "/etc/passwd", "sha256": SHA, "size": 1},
             {"path": "C:/Windows/win.ini", "sha256": SHA, "size": 1},
             {"path": "a\u0000b", "sha256": SHA, "size": 1},
             {"path": "weights//x", "sha256": SHA, "size": 1},
             {"path": "ok.bin", "sha256": "not-hex", "size": -1}]
    refused = c.post("/api/v1/models/support-bot/versions",
                     json={"version": "1.0.0", "files": files})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["type"] == "/problems/document-invalid"
    assert [e["location"] for e in body["errors"]] == [
        "files[0].path", "files[1].path", "files[2].path", "files[3].path", "files[4].path",
        "files[5].sha256", "files[5].size"]
    assert "'..' segment" in body["errors"][0]["message"]
    assert "absolute" in body["errors"][1]["message"]
    assert c.get("/api/v1/models/support-bot/versions").json()["items"] == []
    assert _events(server) == events
    ok = c.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "files": [{"path": ".gitattributes", "sha256": SHA, "size": 0},
                                      {"path": "weights/...odd name.bin", "sha256": SHA,
                                       "size": 3}]})
    assert ok.status_code == 201, ok.text
