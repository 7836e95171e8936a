"""Errors under ``/api/2.0/mlflow`` in MLflow's shape, ``{"error_code": …, "message": …}``, with
the HTTP status MLflow gives each code, because the ``mlflow`` client reads them. Scoped to these
routes by :class:`MlflowRoute`; everywhere else errors stay RFC 9457 problem documents."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from modelsteward.api.routing import ThreadedRoute
from modelsteward.errors import (
    ArtifactError,
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
    ModelExists,
    NotAuthenticated,
    NotAuthorised,
    NotFound,
    StewardError,
    StorageError,
    VersionExists,
)

log = logging.getLogger("modelsteward.api.mlflow")

# (error class, MLflow error code, HTTP status as MLflow maps the code), most specific first
_CODES: list[tuple[type[StewardError], str, int]] = [
    (IdempotencyKeyReused, "INVALID_PARAMETER_VALUE", 422),
    (ModelExists, "RESOURCE_ALREADY_EXISTS", 400),
    (VersionExists, "RESOURCE_ALREADY_EXISTS", 400),
    (InvalidInput, "INVALID_PARAMETER_VALUE", 400),
    (NotFound, "RESOURCE_DOES_NOT_EXIST", 404),
    (Conflict, "RESOURCE_CONFLICT", 409),
    (ArtifactError, "INVALID_PARAMETER_VALUE", 400),
    (NotAuthenticated, "UNAUTHENTICATED", 401),
    (NotAuthorised, "PERMISSION_DENIED", 403),
    (StorageError, "TEMPORARILY_UNAVAILABLE", 503),
]


def mlflow_error(code: str, status: int, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def code_of(error: StewardError) -> tuple[str, int]:
    """The MLflow error code and HTTP status of ``error``."""
    for cls, code, status in _CODES:
        if isinstance(error, cls):
            return code, status
    return "INVALID_PARAMETER_VALUE", 400


class MlflowRoute(ThreadedRoute):
    """A route whose errors (modelsteward's, and invalid requests) take MLflow's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except StewardError as error:
                code, status = code_of(error)
                headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
                response = mlflow_error(code, status, str(error))
                if headers:
                    response.headers.update(headers)
                return response
            except RequestValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: "
                    f"{e.get('msg', '')}" for e in error.errors())
                return mlflow_error("INVALID_PARAMETER_VALUE", 400,
                                    f"The request is not valid: {problems}. See the MLflow REST "
                                    "API reference for the expected fields.")
            except HTTPException as error:  # a body too large or that cannot be read
                return mlflow_error("INVALID_PARAMETER_VALUE", error.status_code,
                                    str(error.detail))

        return handle


class MlflowErrorBody(BaseModel):
    """MLflow's error document."""

    error_code: str
    message: str


# declared on every MLflow-compatible operation
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": MlflowErrorBody, "description": description}
    for status, description in ((400, "INVALID_PARAMETER_VALUE or RESOURCE_ALREADY_EXISTS"),
                                (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"),
                                (404, "RESOURCE_DOES_NOT_EXIST"), (409, "RESOURCE_CONFLICT"),
                                (413, "INVALID_PARAMETER_VALUE: the body is too large"),
                                (503, "TEMPORARILY_UNAVAILABLE"))}
