"""Errors answered outside the routes (by middleware), each in the shape of the route family
its path belongs to: MLflow's error JSON, OSV's, or a problem document."""

from __future__ import annotations

from starlette.responses import JSONResponse

from modelsteward.api.mlflow.errors import mlflow_error
from modelsteward.api.mlflow.router import API as MLFLOW
from modelsteward.api.problems import problem, slug_of
from modelsteward.api.routes.osv import osv_error


def error_response(path: str, status: int, message: str) -> JSONResponse:
    """An error answered outside the routes, in the shape of the route family of ``path``."""
    if path.startswith(MLFLOW + "/"):
        return mlflow_error("INVALID_PARAMETER_VALUE", status, message)
    if path.startswith("/v1/"):
        return osv_error(status, message)
    slug = slug_of(status)
    return problem(status, slug, slug.replace("-", " ").capitalize(), message, path)
