"""The interactive API documentation, served from the package: no CDN, so ``/docs`` works
without internet access.

Swagger UI's files come from the ``fastapi-offline`` distribution (a pinned dependency that
ships Swagger UI 5's ``swagger-ui-bundle.js`` and ``swagger-ui.css``, with their licence) and
are served under ``/docs/assets/``. ``/`` is the web pages' dashboard (``modelsteward.web``).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
ASSETS = "/docs/assets"
# Swagger UI with FastAPI's defaults; no online validator (it would call validator.swagger.io)
PARAMETERS = {"dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": True,
              "showExtensions": True, "showCommonExtensions": True, "validatorUrl": None}


def assets_directory() -> str:
    """The folder of Swagger UI's files in the installed ``fastapi-offline`` distribution."""
    return str(files("fastapi_offline") / "static")


def install(app: FastAPI) -> None:
    """Add ``/docs`` and its assets to ``app`` (made with
    ``docs_url=None, redoc_url=None``: FastAPI's own pages load their files from a CDN)."""
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}", title=f"{app.title} API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            oauth2_redirect_url=None, swagger_ui_parameters=PARAMETERS)

    app.add_route(DOCS, swagger_ui, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS, StaticFiles(directory=assets_directory()), name="docs-assets")
