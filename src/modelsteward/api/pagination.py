"""Keyset pagination, the same on every list: ``?after=<cursor>&limit=<n>`` in, ``{"items": […],
"next": <cursor or null>}`` out, plus a ``Link: <…>; rel="next"`` header. A cursor is the key of
the last item of the page (a name, a version, an id or a sequence number), so pages stay stable
while rows are added."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

T = TypeVar("T")
MAX_LIMIT = 1000

AfterQuery = Annotated[str, Query(description="Return items after this cursor (the `next` of "
                                              "the previous page).", max_length=1024)]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


def page(request: Request, response: Response, items: Sequence[T], limit: int,
         cursor: Callable[[T], str]) -> Page[T]:
    """``items`` holds up to ``limit + 1`` rows after the requested cursor: the extra one only
    says that another page exists."""
    shown = list(items[:limit])
    following = cursor(shown[-1]) if len(items) > limit and shown else None
    if following is not None:
        url = request.url.include_query_params(after=following, limit=limit)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return Page[T](items=shown, next=following)


def after_key(items: Sequence[T], after: str, key: Callable[[T], str]) -> list[T]:
    """The items following the one whose key is ``after`` (all when ``after`` is empty or
    unknown keys sort before): for lists the store returns whole, in a stable order."""
    if not after:
        return list(items)
    for index, item in enumerate(items):
        if key(item) == after:
            return list(items[index + 1:])
    return [item for item in items if key(item) > after]
