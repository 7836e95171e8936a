"""The interactive documentation works offline and can call the API: ``/docs`` and every file
it loads come from the server itself (no CDN), the OpenAPI document declares the bearer token
(Swagger UI's "Authorize" button), and ``/`` leads to ``/docs``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from modelsteward.api.app import create_app
from modelsteward.api.settings import ServerSettings
from modelsteward.config import Settings
from tests.api.conftest import Server, run_server

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _operations(spec: dict[str, dict[str, dict[str, dict[str, object]]]]
                ) -> dict[str, dict[str, object]]:
    return {op["operationId"]: op for path in spec["paths"].values()  # type: ignore[misc]
            for op in path.values()}


def test_docs_and_every_file_they_load_come_from_the_server(server: Server) -> None:
    anonymous = httpx.Client(base_url=server.url, timeout=30)  # a browser sends no token
    page = anonymous.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(https?:)?//[a-z0-9]", page.text, re.IGNORECASE), \
        "the page names no other host"
    references = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    references += re.findall(r"""url:\s*["']([^"']+)""", page.text)  # the OpenAPI document
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
            "/openapi.json"} <= set(references)
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        answer = anonymous.get(reference)
        assert answer.status_code == 200, reference
        if reference.endswith(".css"):
            urls = re.findall(r"""url\(\s*["']?([^"')]+)""", answer.text)
            assert all(u.startswith("data:") or "//" not in u for u in urls), urls
        if reference.endswith(".js"):
            assert "SwaggerUIBundle" in answer.text
    assert '"validatorUrl": null' in page.text  # Swagger UI would call validator.swagger.io
    assert anonymous.get("/redoc").status_code == 404  # only Swagger UI is served
    # / is the web pages' dashboard, which links the documentation
    home = anonymous.get("/", follow_redirects=True)
    assert home.status_code == 200 and 'href="/docs"' in home.text


def test_openapi_declares_the_bearer_token_where_one_is_needed(server: Server) -> None:
    spec = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    operations = _operations(spec)
    for name in ("list_models", "create_model", "resolve", "promote_version", "query_affected"):
        assert operations[name]["security"] == BEARER, name
    for name in ("healthz", "readyz", "metrics"):
        assert "security" not in operations[name], name
    needing = [op for op in operations.values() if "security" in op]
    assert len(needing) == len(operations) - 3
    # what the document declares is what the server does
    assert httpx.get(f"{server.url}/api/v1/models", timeout=30).status_code == 401
    assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200


def test_with_anonymous_reads_a_token_is_optional_for_reads_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    app = create_app(ServerSettings(Settings(url, "alice@example.com"), anonymous_read=True))
    serving = run_server(app)
    base = next(serving)
    try:
        operations = _operations(httpx.get(f"{base}/openapi.json", timeout=30).json())
        assert operations["list_models"]["security"] == [*BEARER, {}]
        assert operations["query_affected"]["security"] == [*BEARER, {}]
        assert operations["create_model"]["security"] == BEARER
        assert httpx.get(f"{base}/api/v1/models", timeout=30).status_code == 200
    finally:
        serving.close()
