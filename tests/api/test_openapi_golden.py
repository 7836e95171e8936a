"""The OpenAPI document is pinned: ``tests/api/golden/openapi.json`` is what ``/openapi.json``
serves, so a change to any route, schema, parameter or documented response shows in review as
a diff of that file. Rewrite it on purpose with ``STEWARD_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "openapi.json"


async def _served(tmp_path: Path) -> Any:
    """What ``GET /openapi.json`` answers; the document is built from the routes alone, so the
    application is called without starting it (the database is never opened)."""
    app = create_app(ServerSettings(Settings(f"sqlite:///{tmp_path / 'registry.db'}",
                                             "alice@example.com")))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://steward") as client:
        answer = await client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def test_the_openapi_document_is_the_pinned_one(tmp_path: Path) -> None:
    document = asyncio.run(_served(tmp_path))
    # the package's version changes with every release, not with the API
    document["info"]["version"] = "<version>"
    assert_golden(GOLDEN, json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
