"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from modelsteward.api.metrics import Metrics
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import Health
from modelsteward.errors import StorageError
from modelsteward.ports import SchemaStatus

router = APIRouter(tags=["operations"], route_class=ThreadedRoute)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health)
def readyz(request: Request) -> Health:
    """The database answers and its schema is current; 503 otherwise."""
    store: SchemaStatus = request.app.state.store
    try:
        current, head = store.revision()
    except Exception as exc:  # any driver error means "not ready", reported as a problem
        raise StorageError(f"The database does not answer: {exc}") from None
    if current != head:
        raise StorageError(f"The database schema is at {current}, not {head}: run "
                           "`steward db upgrade`.")
    return Health(status="ready", database=store.backend, revision=current)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics: request latency by route, outbox backlog (of every worker
    process when the server runs several)."""
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
