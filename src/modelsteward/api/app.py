"""``create_app(settings)``: the FastAPI application. Everything it needs is made here, when it is
called — nothing at import time — so tests and replicas each get their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as package_version

from fastapi import FastAPI
from fastapi.routing import APIRoute

from modelsteward.api import problems
from modelsteward.api.auth import Authenticator, local_authenticator
from modelsteward.api.metrics import Metrics, RequestMetrics
from modelsteward.api.routes import advisories, events, models, ops, resolve
from modelsteward.api.settings import ServerSettings
from modelsteward.config import load_policy
from modelsteward.domain.policy import Policy
from modelsteward.ports import Clock
from modelsteward.store.sql import SqlStore


def operation_id(route: APIRoute) -> str:
    """Readable operation ids: the endpoint function's name (``list_models``)."""
    return route.name


def create_app(settings: ServerSettings | None = None, *, clock: Clock | None = None,
               authenticate: Authenticator | None = None) -> FastAPI:
    """The application over the registry ``settings`` name. The database is opened (and
    migrated) at start-up and closed at shutdown."""
    settings = settings or ServerSettings.from_env()
    policy = (load_policy(settings.registry.policy_path) if settings.registry.policy_path
              else Policy())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = SqlStore.open(settings.registry.database_url)
        app.state.store = store
        try:
            yield
        finally:
            store.close()

    app = FastAPI(title="modelsteward", version=package_version("modelsteward"),
                  summary="Model lifecycle management: registry, gates, deprecations, "
                          "advisories, lock files and audits.",
                  lifespan=lifespan, generate_unique_id_function=operation_id)
    app.state.settings = settings
    app.state.policy = policy
    app.state.clock = clock
    app.state.authenticate = authenticate or local_authenticator(settings.registry.actor)
    app.state.metrics = Metrics()
    problems.install(app)
    for router in (models.router, resolve.router, events.router, advisories.router, ops.router):
        app.include_router(router)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    return app
