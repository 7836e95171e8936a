"""The web pages: server-rendered HTML in the same application as the API, over the same
services (see ``docs/web.md``). :func:`install` adds them to an application: the routes of
``pages.py`` (``/`` is the dashboard), ``reach.py`` (deprecations, advisories, consumers),
``experiments.py``, ``events.py`` (``/events``) and
``live.py`` (``/live``), the package's stylesheet and script under ``/static``, and the
security headers of every page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from modelsteward.api.routing import add_routes

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    from modelsteward.web import events, experiments, live, pages, reach

    add_routes(app, pages.router)
    add_routes(app, reach.router)
    add_routes(app, experiments.router)
    add_routes(app, events.router)
    add_routes(app, live.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
