"""``create_app(settings)``: the FastAPI application. Everything it needs is made here, when it is
called — nothing at import time — so tests and replicas each get their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as package_version

from fastapi import FastAPI

from modelsteward import web
from modelsteward.api import docs, openapi, problems
from modelsteward.api.auth import Authenticator, token_authenticator
from modelsteward.api.error_shapes import error_response
from modelsteward.api.idempotency import IdempotentPosts
from modelsteward.api.limits import BodyLimit
from modelsteward.api.metrics import Metrics, RequestMetrics
from modelsteward.api.mlflow import router as mlflow_api
from modelsteward.api.reads import ShortReads
from modelsteward.api.resolutions import KeptAnswers, ResolutionCache
from modelsteward.api.routes import (
    advisories,
    aliases,
    cards,
    compliance,
    consumers,
    deprecations,
    events,
    experiments,
    exports,
    lifecycle,
    lineage,
    locks,
    models,
    ops,
    osv,
    resolve,
    subscriptions,
    tokens,
)
from modelsteward.api.routing import add_routes
from modelsteward.api.settings import ServerSettings
from modelsteward.api.ticks import start_ticks
from modelsteward.config import load_policy
from modelsteward.domain.policy import Policy
from modelsteward.ports import Clock
from modelsteward.store.changes import ChangeWatcher
from modelsteward.store.idempotency_sql import SqlIdempotencyKeys
from modelsteward.store.sql import SqlStore


def create_app(settings: ServerSettings | None = None, *, clock: Clock | None = None,
               authenticate: Authenticator | None = None) -> FastAPI:
    """The application over the registry ``settings`` name. The database is opened (and
    migrated) at start-up and closed at shutdown, with its change marker
    (``app.state.changes``), which keeps the token and resolution caches honest. Raises
    :class:`~modelsteward.errors.DocumentInvalid` for inconsistent notification settings."""
    settings = settings or ServerSettings.from_env()
    policy = (load_policy(settings.registry.policy_path) if settings.registry.policy_path
              else Policy())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = SqlStore.open(settings.registry.database_url)
        changes = ChangeWatcher(store.engine, settings.change_poll_seconds)
        store.on_commit(changes.committed)  # this replica's writes invalidate its answers at once
        app.state.store = store
        app.state.changes = changes
        app.state.idempotency_keys = SqlIdempotencyKeys(store)
        app.state.resolutions = ResolutionCache()
        app.state.reads = ShortReads(store.local_read_ready, store.pool_size)
        ticking = start_ticks(store, settings, policy, clock)
        try:
            yield
        finally:
            ticking.cancel()
            changes.close()
            store.close()

    app = FastAPI(title="modelsteward", version=package_version("modelsteward"),
                  summary="Model lifecycle management: registry, gates, deprecations, "
                          "advisories, lock files and audits.",
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # docs.install serves /docs
    app.state.settings = settings
    app.state.notify_settings = settings.notify.check()  # a bad setting stops the server now
    app.state.policy = policy
    app.state.clock = clock
    app.state.authenticate = authenticate or token_authenticator(None, clock,
                                                                 settings.anonymous_read)
    app.state.metrics = Metrics()
    problems.install(app)
    # before models.router: its GET /models/{name:path} would match their paths
    # resolve first: the most frequent call, and no other route's path can match its path
    for router in (resolve.router, lifecycle.router, aliases.router, lineage.router, cards.router,
                   exports.router, models.router, events.router, advisories.router, ops.router,
                   tokens.router, consumers.router, deprecations.router, locks.router,
                   osv.router, subscriptions.router, experiments.router, compliance.router,
                   mlflow_api.router):
        add_routes(app, router)
    docs.install(app)
    web.install(app)  # the web pages: / (dashboard), /models, /approvals, /audit, /signin
    openapi.install(app, settings.anonymous_read)
    app.add_middleware(IdempotentPosts)  # inside RequestMetrics: replays are counted and logged
    # outside IdempotentPosts, which reads a body itself; inside RequestMetrics, so its 413s are
    # counted and logged like the routes'; requests without a body pass straight on
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, answer=error_response)
    # inside RequestMetrics: kept answers and shortcuts' are counted and logged
    app.add_middleware(KeptAnswers, shortcuts={resolve.SHORTCUT_PATH: resolve.SHORTCUT})
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    return app
