"""The events page: the event log newest first, in keyset pages, with the hash chain's state.

Verifying the whole chain reads every event, and a registry may hold millions, so a page view
does not. It checks, in bounded work, the events it shows: each one's hash recomputed from its
content, each one linked to its predecessor's hash (the predecessors it does not show are read
by sequence number: at most one a shown event), and, on the newest page of the whole log, the
newest event against the chain-head record. Above that it shows the last full verification this
server process ran (kept in memory: a restart or another worker has its own), which an
administrator runs again with the page's form: the API's own ``GET /api/v1/events/verification``
(chain and state check, administrators only, as in the API)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from modelsteward.api.routes.events import VerificationPublic, verify_events
from modelsteward.domain.events import GENESIS, Event, event_hash
from modelsteward.domain.tokens import Role
from modelsteward.errors import InvalidInput, ModelNotFound, StewardError
from modelsteward.service.registry import Registry
from modelsteward.web import session
from modelsteward.web.respond import (
    error_page,
    page_response,
    reader,
    registry_of,
)
from modelsteward.web.routing import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
EVENT_PAGE = 50  # events a page, newest first
SUMMARY_CHARS = 160  # a payload's summary on the page; the JSON twin has it whole
_LAST = "last_verification"  # the app.state attribute holding the last full verification


@dataclass(frozen=True)
class Verified:
    """A full verification this process ran: when, by whom, and what the API answered."""

    at: datetime
    by: str
    result: VerificationPublic


@dataclass(frozen=True)
class Shown:
    """An event as the page lists it."""

    event: Event
    summary: str
    link: str  # the model or version page of its subject ("" when it is not a model's)
    broken: str  # why its link in the chain does not hold ("" when it holds)


def summary(payload_json: str, limit: int = SUMMARY_CHARS) -> str:
    """``key: value; …`` of a payload (texts as they are, other values as compact JSON), cut
    at ``limit`` characters. Plain text: the template escapes it (payloads are user input)."""
    try:
        payload = json.loads(payload_json)
    except ValueError:
        payload = payload_json
    if isinstance(payload, dict):
        text = "; ".join(f"{key}: {_value(value)}" for key, value in payload.items())
    else:
        text = _value(payload)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def window_breaks(shown: Sequence[Event], predecessors: Mapping[int, Event | None],
                  head: tuple[int, str] | None) -> dict[int, str]:
    """Why each of ``shown`` (any order) breaks the chain, by sequence number: a hash that
    does not match the event's content, or a ``prev_hash`` that is not its predecessor's hash.
    The predecessor of event ``n`` is ``n - 1`` among ``shown`` or in ``predecessors``
    (``None``: it is missing); event 1 links to the genesis hash. With ``head`` (the
    chain-head record), the newest of ``shown`` must be the head."""
    by_seq = {e.seq: e for e in shown}
    found: dict[int, str] = {}
    for event in shown:
        if event_hash(event.seq, event.time, event.actor, event.kind, event.subject,
                      event.payload_json, event.prev_hash) != event.hash:
            found[event.seq] = "its content does not match its hash (edited)"
            continue
        if event.seq == 1:
            expected: str | None = GENESIS
        else:
            before = by_seq.get(event.seq - 1) or predecessors.get(event.seq - 1)
            expected = before.hash if before is not None else None
        if expected is None:
            found[event.seq] = f"event {event.seq - 1} before it is missing"
        elif event.prev_hash != expected:
            found[event.seq] = "it does not link to the previous event's hash"
    if head is not None and shown:
        newest = max(shown, key=lambda e: e.seq)
        if (newest.seq, newest.hash) != head and newest.seq not in found:
            found[newest.seq] = (f"the chain head records event {head[0]} with another hash: "
                                 "events after it are missing or it was replaced")
    return found


@dataclass(frozen=True)
class Window:
    """One page of the log read in one snapshot: the chain head then, the newest
    ``EVENT_PAGE + 1`` events before the cursor (oldest first: the first only tells whether
    there are more), and the predecessors the page lacks."""

    head: tuple[int, str]
    found: list[Event]
    predecessors: dict[int, Event | None]


def _window(registry: Registry, model: str, cursor: int) -> Window:
    """Read a page in one snapshot, so that the head and the events agree. The events just
    before those shown that the page lacks are read by sequence number (at most one read a
    shown event: a model's events are far apart)."""
    with registry.store.snapshot() as tx:
        if model and tx.get_model(model, include_deleted=True) is None:
            raise ModelNotFound(model)
        head = tx.chain_head()
        found = tx.events_before(subject_prefix=model, before_seq=cursor,
                                 limit=EVENT_PAGE + 1)
        page = found[-EVENT_PAGE:]
        seqs = {e.seq for e in page}
        predecessors: dict[int, Event | None] = {}
        for seq in sorted({e.seq - 1 for e in page} - seqs - {0}):
            read = tx.events(after_seq=seq - 1, limit=1)
            predecessors[seq] = read[0] if read and read[0].seq == seq else None
    return Window(head, found, predecessors)


def _link(event: Event) -> str:
    return event.subject if event.kind.startswith("model:") else ""


def _before(text: str) -> int:
    if text and not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"before={text!r} is not an event sequence number.")
    return int(text or 0)


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, model: Annotated[str, Query(max_length=129)] = "",
                before: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The newest :data:`EVENT_PAGE` events (of ``model``), before ``before`` when given,
    newest first, each with its chain link checked (see the module)."""
    try:
        principal, registry = reader(request)
        cursor = _before(before)
        read = _window(registry, model, cursor)
        found, head = read.found, read.head
        page = found[-EVENT_PAGE:]
        breaks = window_breaks(page, read.predecessors,
                               head if not model and not cursor else None)
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    shown = [Shown(e, summary(e.payload_json), _link(e), breaks.get(e.seq, ""))
             for e in reversed(page)]
    verified: Verified | None = getattr(request.app.state, _LAST, None)
    return page_response(request, "events.html", principal, events=shown, model=model,
                         before=cursor,
                         next_before=page[0].seq if len(found) > EVENT_PAGE else 0,
                         first_break=min(breaks) if breaks else 0,
                         window=(page[0].seq, page[-1].seq) if page else None,
                         head=head, verified=verified,
                         may_verify=Role.ADMIN in principal.roles and bool(principal.token_id),
                         page_size=EVENT_PAGE)


@router.post("/events/verification", response_class=HTMLResponse)
def verify_chain(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Verify the whole history through the API's own route function (administrators), keep
    the answer as the server's last full verification, and show the events page again."""
    principal = session.signed_in(request)
    try:
        session.check_csrf(request, csrf)
        principal = session.writer(request)
        registry = registry_of(request, principal)
        result = verify_events(registry, principal, Response())
    except StewardError as error:
        return error_page(request, error, principal)
    setattr(request.app.state, _LAST, Verified(registry.clock.now(), principal.name, result))
    return RedirectResponse("/events#chain", status_code=303)
