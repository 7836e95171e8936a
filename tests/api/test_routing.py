"""The route class of the API: a plain ``def`` endpoint runs in the thread pool, and the answer
is validated on the event loop, so a request costs one thread hop; routes are added to the
application directly, with the operation ids and error responses their routers give them."""

from __future__ import annotations

import asyncio
import inspect
import threading

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, field_validator

from modelsteward.api.routing import ThreadedRoute, add_routes, in_thread_pool

SEEN: dict[str, int | None] = {}


class Answer(BaseModel):
    value: int

    @field_validator("value")
    @classmethod
    def record_thread(cls, value: int) -> int:
        SEEN.setdefault("validated", threading.get_ident())
        return value


def double(value: int) -> dict[str, int]:
    """Doubles (the answer is validated as :class:`Answer` by the route)."""
    SEEN["endpoint"] = threading.get_ident()
    return {"value": value * 2}


async def already_async(value: int) -> int:
    return value


def test_a_plain_endpoint_becomes_a_coroutine_with_its_signature() -> None:
    wrapped = in_thread_pool(double)
    assert inspect.iscoroutinefunction(wrapped)
    assert inspect.signature(wrapped) == inspect.signature(double)
    assert wrapped.__name__ == "double" and wrapped.__doc__ == double.__doc__
    assert in_thread_pool(already_async) is already_async
    loop_thread: list[int] = []

    async def call() -> dict[str, int]:
        loop_thread.append(threading.get_ident())
        answer: dict[str, int] = await wrapped(value=2)
        return answer

    assert asyncio.run(call()) == {"value": 4}
    assert SEEN["endpoint"] != loop_thread[0]  # the body ran in the thread pool


def test_the_answer_is_validated_on_the_event_loop_and_the_route_keeps_its_contract() -> None:
    router = APIRouter(prefix="/x", route_class=ThreadedRoute, tags=["x"],
                       responses={418: {"description": "teapot"}})
    router.get("/double", response_model=Answer)(double)
    app = FastAPI()
    add_routes(app, router)
    loop_threads: list[int] = []

    @app.middleware("http")
    async def note_loop(request, call_next):  # type: ignore[no-untyped-def]
        loop_threads.append(threading.get_ident())
        return await call_next(request)

    async def calls() -> dict[str, object]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/x/double", params={"value": 21})).json() == {"value": 42}
            assert (await c.get("/x/double", params={"value": "no"})).status_code == 422
            spec = (await c.get("/openapi.json")).json()
        operation: dict[str, object] = spec["paths"]["/x/double"]["get"]
        return operation

    SEEN.clear()
    operation = asyncio.run(calls())
    assert SEEN["validated"] == loop_threads[0] != SEEN["endpoint"]
    assert operation["operationId"] == "double"
    responses = operation["responses"]
    assert operation["tags"] == ["x"] and isinstance(responses, dict) and "418" in responses
