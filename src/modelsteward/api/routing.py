"""The route class every router of the API uses, and how the application adds routes.

FastAPI runs a plain ``def`` endpoint in its thread pool, then validates and serialises the
answer of such an endpoint in the thread pool *again*: two thread hops per request.
:class:`ThreadedRoute` runs the endpoint's body in the thread pool as a coroutine instead, so
the answer is handled on the event loop and a request costs one hop. Endpoints keep their
signatures (dependencies, validation and OpenAPI read them through ``__wrapped__``).

:func:`add_routes` adds a router's routes to the application itself rather than including the
router: FastAPI matches an included router's routes through a layer per router, which cost
more than the rest of the routing on every request (all routers here carry their full
prefix, tags and error responses, so nothing is lost).

Every route reads a JSON body through :class:`~modelsteward.api.json_body.JsonRequest`, the
one place that refuses what the registry cannot keep (lone surrogates, ``NaN``, deep nesting,
bodies that are not UTF-8).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from modelsteward.api.json_body import JsonRequest


def in_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine function that runs it in the thread pool (itself when it is
    one already)."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


def operation_id(route: APIRoute) -> str:
    """Readable operation ids: the endpoint function's name (``list_models``)."""
    return route.name


class ThreadedRoute(APIRoute):
    """A route whose plain-``def`` endpoint costs one thread hop, not two (see the module),
    whose OpenAPI operation id is its endpoint's name, and whose JSON body is read by
    :class:`JsonRequest`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["generate_unique_id_function"] = operation_id
        super().__init__(path, in_thread_pool(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return handle


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to ``app`` directly, in order (see the module)."""
    app.router.routes.extend(router.routes)
