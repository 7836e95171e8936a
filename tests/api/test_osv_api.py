"""The OSV query API over a real socket, called the way OSV clients call OSV.dev: a version
affected only through its lineage, a batch in order, a commit of an upstream repository, and
errors in OSV's ``{"code", "message"}`` shape."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import Server

BASE_ADVISORY: dict[str, Any] = {
    "id": "x_MSA-2026-0042",
    "schema_version": "1.7.0",
    "modified": "2026-11-01T12:00:00Z",
    "summary": "Role-play prompts bypass the refusal training of base-llm",
    "affected": [{
        "package": {"ecosystem": "modelsteward", "name": "base-llm"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}],
    }],
    "database_specific": {"severity": "HIGH"},
}
COMMIT = "a" * 40
REPO = "https://huggingface.co/acme/open-llm"
UPSTREAM_ADVISORY = {
    "id": "x_MSA-2026-0043",
    "schema_version": "1.7.0",
    "modified": "2026-11-02T12:00:00Z",
    "summary": "Poisoned tokenizer upstream",
    "affected": [{
        "package": {"ecosystem": "GIT", "name": REPO},
        "ranges": [{"type": "GIT", "repo": REPO,
                    "events": [{"introduced": COMMIT}, {"fixed": "d" * 40}]}],
        "versions": [COMMIT],
    }],
}


def _version(c: httpx.Client, model: str, version: str, byte: str, **extra: object) -> None:
    made = c.post(f"/api/v1/models/{model}/versions", json={
        "version": version, "force": True, "reason": "seed",
        "files": [{"path": "model.safetensors", "sha256": byte * 64, "size": 10}], **extra})
    assert made.status_code == 201, made.text


def seed(server: Server) -> None:
    c = server.client
    for name in ("base-llm", "support-bot", "hf-tune"):
        assert c.post("/api/v1/models", json={"name": name}).status_code == 201
    _version(c, "base-llm", "1.0.0", "a")
    _version(c, "base-llm", "1.1.0", "b")
    _version(c, "support-bot", "1.0.0", "c", derived_from="base-llm@1.0.0", relation="finetune")
    _version(c, "support-bot", "1.1.0", "d", derived_from="base-llm@1.1.0", relation="finetune")
    _version(c, "hf-tune", "1.0.0", "e", derived_from=f"pkg:huggingface/acme/open-llm@{COMMIT}",
             relation="finetune")
    published = c.post("/api/v1/advisories", json=[BASE_ADVISORY, UPSTREAM_ADVISORY])
    assert published.status_code == 201, published.text


def test_query_finds_an_advisory_inherited_through_lineage(server: Server) -> None:
    seed(server)
    # an OSV client knows nothing of /api/v1; it sends only the server's base URL and a token
    osv = httpx.Client(base_url=server.url,
                       headers={"Authorization": f"Bearer {server.admin_token}"})
    response = osv.post("/v1/query", json={
        "package": {"name": "support-bot", "ecosystem": "modelsteward"}, "version": "1.0.0"})
    assert response.status_code == 200, response.text
    [record] = response.json()["vulns"]
    assert record["id"] == "x_MSA-2026-0042" and record["affected"][0]["ranges"]
    by_purl = osv.post("/v1/query", json={
        "package": {"purl": "pkg:generic/modelsteward/support-bot@1.0.0"}})
    assert [v["id"] for v in by_purl.json()["vulns"]] == ["x_MSA-2026-0042"]
    # the fine-tune of base-llm 1.1.0 (fixed) is not affected: OSV's empty answer is {}
    clean = osv.post("/v1/query", json={
        "package": {"name": "support-bot", "ecosystem": "modelsteward"}, "version": "1.1.0"})
    assert clean.status_code == 200 and clean.json() == {}
    # a version the registry does not know is matched by version alone
    unknown = osv.post("/v1/query", json={
        "package": {"name": "base-llm", "ecosystem": "modelsteward"}, "version": "1.0.7"})
    assert [v["id"] for v in unknown.json()["vulns"]] == ["x_MSA-2026-0042"]
    # inherited through an upstream commit the fine-tune derives from
    hf = osv.post("/v1/query", json={
        "package": {"name": "hf-tune", "ecosystem": "modelsteward"}, "version": "1.0.0"})
    assert [v["id"] for v in hf.json()["vulns"]] == ["x_MSA-2026-0043"]
    every = osv.post("/v1/query", json={"package": {"name": "base-llm",
                                                     "ecosystem": "modelsteward"}})
    assert [v["id"] for v in every.json()["vulns"]] == ["x_MSA-2026-0042"]
    osv.close()


def test_querybatch_answers_in_order_with_ids_and_modified_times(server: Server) -> None:
    seed(server)
    response = server.client.post("/v1/querybatch", json={"queries": [
        {"package": {"purl": "pkg:generic/modelsteward/support-bot@1.0.0"}},
        {"commit": COMMIT},
        {"package": {"ecosystem": "modelsteward", "name": "support-bot"}, "version": "1.1.0"},
        {"package": {"ecosystem": "PyPI", "name": "jinja2"}, "version": "2.4.1"},
    ]})
    assert response.status_code == 200, response.text
    assert response.json() == {"results": [
        {"vulns": [{"id": "x_MSA-2026-0042", "modified": "2026-11-01T12:00:00Z"}]},
        {"vulns": [{"id": "x_MSA-2026-0043", "modified": "2026-11-02T12:00:00Z"}]},
        {}, {}]}


def test_query_by_commit_with_and_without_the_repository(server: Server) -> None:
    seed(server)
    c = server.client
    assert [v["id"] for v in c.post("/v1/query", json={"commit": COMMIT}).json()["vulns"]] == [
        "x_MSA-2026-0043"]
    scoped = c.post("/v1/query", json={"commit": COMMIT.upper(),
                                       "package": {"purl": "pkg:huggingface/acme/open-llm"}})
    assert [v["id"] for v in scoped.json()["vulns"]] == ["x_MSA-2026-0043"]
    elsewhere = c.post("/v1/query", json={"commit": COMMIT,
                                          "package": {"purl": "pkg:huggingface/other/llm"}})
    assert elsewhere.json() == {}
    assert c.post("/v1/query", json={"commit": "b" * 40}).json() == {}
    assert c.get("/v1/vulns/x_MSA-2026-0043").json()["summary"] == "Poisoned tokenizer upstream"


def test_errors_take_the_osv_shape(server: Server) -> None:
    c = server.client
    cases = [
        {},  # neither a package nor a commit
        {"commit": COMMIT, "version": "1.0.0"},
        {"package": {"purl": "pkg:generic/modelsteward/x@1.0.0"}, "version": "1.0.0"},
        {"package": {"purl": "pkg:generic/modelsteward/x", "name": "x"}, "version": "1"},
        {"package": {"purl": "not a purl"}},
        {"package": {"name": "x"}, "version": "1.0.0"},
        {"version": 3, "package": "nope"},
    ]
    for body in cases:
        response = c.post("/v1/query", json=body)
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()) == {"code", "message"} and response.json()["code"] == 3
        assert response.json()["message"].startswith("Invalid query")
    bad_batch = c.post("/v1/querybatch", json={"queries": [{"commit": COMMIT}, {}]})
    assert bad_batch.status_code == 400 and "queries[1]" in bad_batch.json()["message"]
    broken = c.post("/v1/query", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["code"] == 3
    missing = c.get("/v1/vulns/x_MSA-2026-9999")
    assert missing.status_code == 404 and missing.json()["code"] == 5
    # /api/v1 keeps its problem documents
    assert c.get("/api/v1/models/nope").json()["type"] == "/problems/not-found"
