"""Support windows and embedding models over HTTP: the model's create body declares both, the
resolve answer's ``warning`` says when the active support has ended, and a re-embedding plan is
recorded with ``POST /api/v1/reembeddings`` (and refused for a model that is not an embedding
model)."""

from __future__ import annotations

from tests.api.conftest import Server
from tests.conftest import FixedClock


def test_support_window_and_embedding_over_http(server: Server, clock: FixedClock) -> None:
    c = server.client
    created = c.post("/api/v1/models", json={
        "name": "text-embedding-3-small", "owner_team": "search", "support_months": 12,
        "support_after": "community-maintained",
        "embedding": {"dimension": 1536, "distance": "cosine", "normalized": True}})
    assert created.status_code == 201, created.text
    assert created.json()["extra"]["embedding"] == {"dimension": 1536, "distance": "cosine",
                                                    "normalized": True}
    assert c.post("/api/v1/models/text-embedding-3-small/versions", json={
        "version": "1.0.0", "files": [{"path": "model.safetensors", "sha256": "ab" * 32,
                                       "size": 10}]}).status_code == 201
    bad = c.post("/api/v1/models", json={"name": "bad", "embedding": {"dimension": 0}})
    assert bad.status_code == 422

    recorded = c.post("/api/v1/reembeddings", json={
        "source": "text-embedding-3-small@1.0.0", "target": "text-embedding-3-small@^2",
        "plan": {"documents": 2_000_000, "cost": 500, "hours": 4, "index": "docs-v2"}})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["description"] == ("re-embed ~2M documents (~$500, ~4h), rebuilding "
                                              "the index docs-v2")
    assert c.post("/api/v1/models", json={"name": "plain"}).status_code == 201
    refused = c.post("/api/v1/reembeddings", json={"source": "plain",
                                                   "plan": {"documents": 1}})
    assert refused.status_code == 400 and "not declared an embedding model" in refused.text

    resolved = c.get("/api/v1/resolve", params={"model": "text-embedding-3-small",
                                                "pin": "1.0.0"})
    assert resolved.status_code == 200, resolved.text
    assert not resolved.json().get("warning")
    clock.advance(days=366)
    late = c.get("/api/v1/resolve", params={"model": "text-embedding-3-small", "pin": "1.0.0"})
    assert "reached the end of its active support" in late.json()["warning"]
