"""How every JSON request body is read: the one place that refuses what Python's ``json``
accepts but the registry cannot keep.

``json.loads`` takes ``NaN`` and ``Infinity`` (not JSON), a lone surrogate escape such as
``"\\ud800"`` (a string that cannot be encoded as UTF-8 again, so storing or answering it
fails), nesting deep enough to exhaust the stack, and, given bytes, UTF-16 or UTF-32. Every
route reads its body through :class:`JsonRequest` (``api/routing.py``), which refuses each of
these with a 400 naming the rule: a problem document under ``/api/v1``, and the route family's
own error shape under ``/api/2.0/mlflow`` and ``/v1`` (their routes turn the
:class:`HTTPException` into it). Malformed JSON stays FastAPI's 422 ``json_invalid``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_DEPTH = 64
"""Levels of nesting in any JSON body (a version's metadata has its own, lower, limit)."""

# a \uD800–\uDFFF escape: only these can make a lone surrogate (raw UTF-8 cannot encode one)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")


class BodyInvalid(HTTPException):
    """A body that is not UTF-8 JSON the registry can keep; FastAPI passes an
    :class:`HTTPException` raised while the body is read on to the error handlers."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


def _refuse_constant(name: str) -> Any:
    raise BodyInvalid(f"The request body holds {name}, which is not a JSON number; send a "
                      "finite number, or null for a missing value.")


# built once: json.loads with an option builds a new decoder on every call
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_json(body: bytes) -> Any:
    """The JSON value of ``body``. Raises :class:`BodyInvalid` for a body that is not UTF-8,
    holds ``NaN``/``Infinity``, a lone surrogate or more than :data:`MAX_DEPTH` levels, and
    :class:`json.JSONDecodeError` for malformed JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyInvalid(f"The request body is not valid UTF-8 (byte 0x{body[error.start]:02x} "
                          f"at offset {error.start}); send JSON encoded as UTF-8.") from None
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise BodyInvalid(_too_deep()) from None
    _check(value, strings=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def _too_deep() -> str:
    return (f"The request body nests JSON more than {MAX_DEPTH} levels deep; flatten it "
            f"(at most {MAX_DEPTH} levels).")


def _check(value: Any, *, strings: bool) -> None:
    """Depth, and (when the text has a surrogate escape) every string and key: without
    recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                raise BodyInvalid(_too_deep())
            if strings:
                for key in item:
                    _check_text(key)
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                raise BodyInvalid(_too_deep())
            pending.extend((v, depth + 1) for v in item)
        elif strings and isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyInvalid(f"The request body holds the string {text[:40]!r} with a lone "
                          "surrogate escape (such as \\ud800), which is not valid Unicode; "
                          "send surrogates only in pairs, or the character itself.") from None


class JsonRequest(Request):
    """A request whose :meth:`json` is :func:`decode_json`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decode_json(await self.body())
        return self._json
