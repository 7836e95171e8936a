"""``GET /api/v1/compliance`` over a real socket: the same report as ``steward compliance``,
as JSON, Markdown or HTML; problems for an unknown model and for model and team together."""

from __future__ import annotations

from pathlib import Path

from modelsteward import Registry
from modelsteward.demo import build
from modelsteward.domain.compliance import Item
from tests.api.conftest import Server


def test_the_report_in_each_format(server: Server, tmp_path: Path) -> None:
    build(Registry(server.app.state.store, actor="demo@modelsteward"), tmp_path / "weights")
    report = server.client.get("/api/v1/compliance").json()
    assert [m["model"] for m in report["models"]] == ["acme/support-base", "claude-sonnet",
                                                        "support-bot"]
    assert all([f["item"] for f in m["findings"]] == [i.value for i in Item]
               for m in report["models"])
    assert list(report["evidence_packs"]) == ["support-bot"]
    one = server.client.get("/api/v1/compliance", params={"team": "team-support"}).json()
    assert [m["model"] for m in one["models"]] == ["support-bot"]
    markdown = server.client.get("/api/v1/compliance",
                                 params={"model": "support-bot", "format": "markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Model lifecycle compliance")
    page = server.client.get("/api/v1/compliance", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<h2>claude-sonnet" in page.text
    missing = server.client.get("/api/v1/compliance", params={"model": "nope"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    both = server.client.get("/api/v1/compliance", params={"model": "a", "team": "b"})
    assert both.status_code in (400, 422)
    assert server.client.get("/api/v1/compliance",
                             params={"format": "pdf"}).status_code == 422
