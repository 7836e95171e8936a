"""The HTTP side of remote mode: one :class:`Client` per CLI run.

Contracts:

* every request carries ``Authorization: Bearer <token>`` (when a token is set), a
  ``User-Agent`` naming modelsteward and its version, and a timeout;
* :meth:`Client.pages` follows keyset pagination through the ``Link: <…>; rel="next"`` header
  until the last page, yielding items as pages arrive (one page in memory at a time);
* an RFC 9457 problem document becomes the :class:`StewardError` subclass its status and type
  stand for (see :func:`error_of`), carrying the server's ``detail`` — so a remote failure gives
  the same exit code as the local one;
* every ``POST`` that writes carries an ``Idempotency-Key`` (a new UUID, or the one the caller
  gave — see :attr:`Client.idempotency_key`), and is sent again, with the same key, when the
  connection fails or the answer is lost (up to :data:`RETRIES` more times): the server answers
  a retry with the first answer instead of creating twice;
* a server that cannot be reached, or that answers with something other than the API, raises
  :class:`~modelsteward.errors.ServerUnreachable` naming the URL and what to check.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from importlib.metadata import version as package_version
from typing import Any
from urllib.parse import quote

import httpx

from modelsteward.errors import (
    ArtifactError,
    Conflict,
    DeliveryFailed,
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    NotFound,
    ServerUnreachable,
    StewardError,
    StorageError,
)

API = "/api/v1"
RETRIES = 2  # more attempts of a POST whose answer was lost, each with the same Idempotency-Key
BACKOFF = (0.2, 1.0)  # seconds before each of them
# the server's read-your-writes headers (api/sequences.py)
SEQ_HEADER = "X-Steward-Seq"
MIN_SEQ_HEADER = "X-Steward-Min-Seq"
PAGE = 1000  # the API's largest page: fewest round trips
Json = dict[str, Any]
Params = Mapping[str, str | int | bool]


def segment(text: str, *, slashes: bool = False) -> str:
    """``text`` as a URL path segment; model names (``org/name``) keep their slash, because the
    API's routes take them as paths."""
    return quote(text, safe="/" if slashes else "")


def _problem_text(body: object) -> tuple[str, str, list[str]]:
    """(type, detail, located problems) of a problem document; empty when it is not one."""
    if not isinstance(body, dict):
        return "", "", []
    errors = body.get("errors") or []
    located = [f"{e.get('location', '')}: {e.get('message', '')}".lstrip(": ")
               for e in errors if isinstance(e, dict)]
    return str(body.get("type", "")), str(body.get("detail", "")), located


def error_of(url: str, status: int, body: object) -> StewardError:
    """The error a problem document stands for (``url`` is the server's base URL).

    400, 413 (a body above the server's limit) and 422 are invalid input (an artefact problem
    for ``/problems/artefact``), 401 an
    unknown token, 403 a token without the needed role, 404 not found, 409 a conflict, 502
    ``/problems/delivery-failed`` a notification its receiver did not take, 503 an
    unavailable database; anything else is reported as the server failing."""
    kind, detail, located = _problem_text(body)
    if kind == "/problems/validation" and located:
        detail = f"{detail.rstrip('.')}:\n" + "\n".join(f"  - {p}" for p in located)
    detail = detail or f"the server answered HTTP {status}"
    if status == 401:
        return NotAuthenticated(f"The server at {url} refused the token: {detail} Set "
                                "STEWARD_TOKEN (or --token) to a valid token; an administrator "
                                "makes one with `steward token create`.")
    if status == 403:
        return NotAuthorised(f"The server at {url} refused: {detail} Set STEWARD_TOKEN (or "
                             "--token) to a token with the role this needs.")
    if status == 404:
        return NotFound(detail)
    if status == 409:
        return Conflict(detail)
    if status == 422 and kind == "/problems/artefact":
        return ArtifactError(detail)
    if status in (400, 413, 422):
        return InvalidInput(detail)
    if status == 502 and kind == "/problems/delivery-failed":
        return DeliveryFailed(detail)
    if status == 503:
        return StorageError(f"The server at {url} cannot use its database: {detail}")
    return ServerUnreachable(f"The server at {url} failed (HTTP {status}): {detail} Its log "
                             "has the details; try again or ask its operator.")


class Client:
    """HTTP calls to one server. Use as a context manager, or call :meth:`close`."""

    def __init__(self, url: str, token: str = "", *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 idempotency_key: str = "") -> None:
        #: the caller's key (``--idempotency-key``): the first POST sends it, the n-th
        #: ``KEY-n``, so that running the same command again replays every one of its POSTs;
        #: empty: each POST gets a new UUID
        self.idempotency_key = idempotency_key
        self._posts = 0
        #: the highest ``X-Steward-Seq`` the server answered (0: none yet), sent back as
        #: ``X-Steward-Min-Seq`` so that every later answer, from any replica behind the URL,
        #: reflects at least what this client wrote and read before
        self.seq = 0
        self.url = url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise InvalidInput(f"STEWARD_URL {url!r} is not an http:// or https:// URL: write "
                               "e.g. https://registry.example.com (the address `steward "
                               "serve` listens on).")
        headers = {"User-Agent": f"modelsteward/{package_version('modelsteward')}",
                   "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token.strip()}"
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout,
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # requests ------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Params | None = None,
                body: object = None, computes: bool = False) -> httpx.Response:
        """One request under ``/api/v1``; raises the matching :class:`StewardError` for an
        error answer (see :func:`error_of`). A ``POST`` that ``computes`` (an audit, outdated
        locks) writes nothing: it is retried like the others but without a key, so that the server
        keeps no answer of it."""
        target = path if path.startswith("http") else API + path
        headers: dict[str, str] = {MIN_SEQ_HEADER: str(self.seq)} if self.seq else {}
        attempts = 1
        if method == "POST":
            if not computes:
                headers["Idempotency-Key"] = self._next_key()
            attempts += RETRIES
        for attempt in range(attempts):
            try:
                response = self._http.request(method, target, params=params, headers=headers,
                                              json=body if body is not None else None)
                break
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    time.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                    continue
                if isinstance(exc, httpx.TimeoutException):
                    raise ServerUnreachable(
                        f"The server at {self.url} did not answer in time. Check that it is "
                        "running and reachable, or set STEWARD_URL to another one.") from None
                raise ServerUnreachable(f"Cannot reach the server at {self.url} ({exc}). Check "
                                        "STEWARD_URL (or --url) and that `steward serve` runs "
                                        "there.") from None
            except httpx.HTTPError as exc:
                raise ServerUnreachable(f"Cannot reach the server at {self.url} ({exc}). Check "
                                        "STEWARD_URL (or --url) and that `steward serve` runs "
                                        "there.") from None
        # httpx binds a response's stream to the response (a reference cycle): the body, read
        # in full by now, would then live until the cyclic garbage collector runs; a stream of
        # its own frees it as soon as the caller drops the response (a page of a long list)
        response.stream = httpx.ByteStream(b"")
        answered = response.headers.get(SEQ_HEADER, "")
        if answered.isdigit():
            self.seq = max(self.seq, int(answered))
        if response.is_success:
            return response
        try:
            problem: object = response.json()
        except ValueError:
            problem = None
        if problem is None and response.status_code == 404:
            raise ServerUnreachable(f"{self.url} answered 404 without a problem document: it "
                                    "does not look like a modelsteward server. Check "
                                    "STEWARD_URL (the server's base URL, without /api/v1).")
        raise error_of(self.url, response.status_code, problem)

    def _next_key(self) -> str:
        self._posts += 1
        if not self.idempotency_key:
            return str(uuid.uuid4())
        if self._posts == 1:
            return self.idempotency_key
        return f"{self.idempotency_key}-{self._posts}"

    def json(self, method: str, path: str, *, params: Params | None = None,
             body: object = None, computes: bool = False) -> Any:
        response = self.request(method, path, params=params, body=body, computes=computes)
        try:
            return response.json()
        except ValueError:
            raise ServerUnreachable(f"{self.url} answered {method} {path} with something other "
                                    "than JSON; check that STEWARD_URL names a modelsteward "
                                    "server.") from None

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.json("GET", path, params=params)

    def post(self, path: str, body: object = None, params: Params | None = None, *,
             computes: bool = False) -> Any:
        """``POST`` ``body``; ``computes``: the request writes nothing (see :meth:`request`)."""
        return self.json("POST", path, params=params, body=body if body is not None else {},
                         computes=computes)

    def put(self, path: str, body: object) -> Any:
        return self.json("PUT", path, body=body)

    def delete(self, path: str, params: Params | None = None) -> None:
        self.request("DELETE", path, params=params)

    def pages(self, path: str, params: Params | None = None,
              limit: int | None = None) -> Iterator[Any]:
        """The items of a paginated list, page after page through the ``Link`` header (at most
        ``limit`` of them)."""
        query: dict[str, str | int | bool] | None = {**(params or {}),
                                                     "limit": min(limit or PAGE, PAGE)}
        target: str = path
        given = 0
        while True:
            response = self.request("GET", target, params=query)
            for item in response.json()["items"]:
                yield item
                given += 1
                if limit is not None and given >= limit:
                    return
            following = response.links.get("next", {}).get("url")
            if not following:
                return
            # the next link carries the whole query (cursor included): no params at all, since
            # httpx replaces a URL's query string with any params given, even empty ones
            target, query = following, None

    def all(self, path: str, params: Params | None = None) -> list[Any]:
        return list(self.pages(path, params))
