"""The route class of the pages: a query or form field that breaks its rule (too long, not a
number…) gets the error page in HTML, status 400, naming each problem, where the API answers
its JSON problem document; a person reading a page should not be handed JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from modelsteward.web.respond import invalid_page


class PageRoute(APIRoute):
    """An :class:`APIRoute` whose invalid requests get
    :func:`~modelsteward.web.respond.invalid_page`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                return invalid_page(request, error)

        return handle
