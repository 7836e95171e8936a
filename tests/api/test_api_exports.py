"""``GET …/versions/{version}/exports/{format}``: the CLI's bytes, in each format's media
type; an unknown format or version is a problem."""

from __future__ import annotations

from modelsteward import Registry
from modelsteward.exports import ExportFormat
from tests.api.conftest import Server
from tests.conftest import FixedClock
from tests.exports.story import BOT, build

URL = "/api/v1/models/support-bot/versions/1.0.0/exports"


def test_each_format_is_served_with_its_media_type(server: Server, clock: FixedClock) -> None:
    registry = Registry(server.app.state.store, actor="alice", clock=clock)
    build(registry)
    for fmt, media in (("hf", "text/markdown"), ("cyclonedx", "application/vnd.cyclonedx+json"),
                       ("spdx", "application/spdx+json")):
        response = server.client.get(f"{URL}/{fmt}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert response.text == registry.exports.render(BOT, ExportFormat(fmt))
    assert server.client.get(f"{URL}/pdf").status_code == 422
    missing = server.client.get("/api/v1/models/support-bot/versions/9.9.9/exports/hf")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
