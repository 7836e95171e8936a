"""Live pages: every page carries the sequence number of the chain head it was read at
(``<body data-seq>``), and ``GET /live`` answers the current one (``{"seq": N}``). Every change
of the registry appends an event and so moves the chain head, which makes the one-row head the
cheapest complete "did anything change?" marker; ``static/steward.js`` polls ``/live`` once a
second while the tab is visible and, when the number moved, fetches the page again and
replaces its ``<main>``.

``/live`` is a route of the pages, not of the API: the pages authenticate with the session
cookie, the API with bearer tokens only, and a page's script cannot hold a token. Without a
session (and without anonymous reading) it answers 401 and the script stops asking."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from modelsteward.api.sequences import scope_reading
from modelsteward.errors import NotAuthenticated
from modelsteward.ports import Store
from modelsteward.web import session

router = APIRouter(include_in_schema=False)
_HEAD = "modelsteward.web.head"  # where a request keeps the head it read first


def head_seq(request: Request) -> int:
    """The chain head's sequence number as of the first call in this request (later calls
    answer the same). A page reads it before its data, so a change committed while the page
    is read makes the page's number older than the head, and the script fetches it again."""
    scope = request.scope
    if _HEAD not in scope:
        # the request's reading of the change marker when it is current (SQLite's, or a
        # PostgreSQL poll within its bound): its head costs no transaction; else the database
        reading = scope_reading(scope)
        if reading.marker is not None and reading.seq is not None:
            scope[_HEAD] = reading.seq
        else:
            store: Store = request.app.state.store
            with store.read() as tx:
                scope[_HEAD] = tx.chain_head()[0]
    seq: int = scope[_HEAD]
    return seq


@router.get("/live")
def live(request: Request) -> Response:
    """``{"seq": N}``: the chain head now, for any reader of the pages."""
    headers = {"cache-control": "no-store"}
    try:
        session.reader(request)
    except NotAuthenticated as refused:
        return JSONResponse({"detail": str(refused)}, status_code=401, headers=headers)
    return JSONResponse({"seq": head_seq(request)}, headers=headers)
