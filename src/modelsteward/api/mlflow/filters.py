"""The subset of MLflow's search filter grammar the ``mlflow`` client sends, its ``order_by``
clauses and its page tokens.

Filter: comparisons joined by ``AND`` (case-insensitive)::

    name = 'x'      name != 'x'      name LIKE 'x%'      name ILIKE '%X%'
    tags.<key> = 'v'  (or tags.`a key`, tag.<key>)     run_id = '…'     run_id IN ('a', 'b')
    source_path = '…'     version_number = 3

Strings are quoted with ``'`` or ``"``; in ``LIKE``, ``%`` is any run of characters and ``_`` one
character. At most :data:`MAX_TERMS` comparisons, and :data:`MAX_IN_VALUES` values in an ``IN``
list. Anything else raises :class:`~modelsteward.errors.InvalidInput`, which the MLflow routes
report as ``INVALID_PARAMETER_VALUE``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import TypeVar

from modelsteward.errors import InvalidInput

T = TypeVar("T")
Value = str | int

MAX_TERMS = 100
"""Comparisons in one filter (the store turns them into SQL, whose expressions are bounded)."""
MAX_IN_VALUES = 1000
"""Values in one ``IN`` list."""
MAX_PAGE_TOKEN = 4096
"""Characters in a page token (the ones this server makes are far shorter)."""

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:`[^`]+`|[A-Za-z0-9_.\-]+|"[^"]+"))?)
    )""", re.VERBOSE)
_SPACE = re.compile(r"\s*")
_WORD_OPS = {"LIKE", "ILIKE", "IN", "NOT"}
_STRING_OPS = ("=", "!=", "LIKE", "ILIKE")


@dataclass(frozen=True)
class Condition:
    """``field op value``; ``field`` is ``name``, ``run_id``, … or ``tags.<key>``."""

    field: str
    op: str
    value: Value | tuple[str, ...]


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if _SPACE.fullmatch(text, position):  # only spaces left (no copy of the rest)
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidInput(f"Invalid filter {text!r}: cannot read it from position "
                               f"{position} ({text[position:position + 20]!r}). Use "
                               "comparisons like name = 'x' joined by AND.")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _field(token: str, fields: frozenset[str]) -> str:
    prefix = next((p for p in ("tags.", "tag.") if token.lower().startswith(p)), "")
    if prefix:
        key = token[len(prefix):]
        if len(key) >= 2 and key[0] == key[-1] and key[0] in "`\"":
            key = key[1:-1]
        if not key:
            raise InvalidInput(
                "Invalid filter: a tag comparison needs a key, e.g. tags.team = 'x'.")
        return "tags." + key
    if token.lower() in fields:
        return token.lower()
    raise InvalidInput(f"Invalid filter: {token!r} is not a searchable attribute; use "
                       f"{', '.join(sorted(fields))} or tags.<key>.")


def parse_filter(text: str, fields: frozenset[str]) -> tuple[Condition, ...]:
    """The conditions of ``text`` over ``fields`` (and ``tags.<key>``); empty for an empty
    filter. Raises :class:`InvalidInput` for anything outside the grammar."""
    tokens = _tokens(text or "")
    conditions: list[Condition] = []
    index = 0

    def take() -> tuple[str, str]:
        nonlocal index
        if index >= len(tokens):
            raise InvalidInput(f"Invalid filter {text!r}: it ends in the middle of a comparison.")
        index += 1
        return tokens[index - 1]

    while index < len(tokens):
        kind, token = take()
        if kind != "ident":
            raise InvalidInput(f"Invalid filter {text!r}: expected an attribute such as name or "
                               f"tags.<key>, found {token!r}.")
        field = _field(token, fields)
        kind, op = take()
        op = op.upper()
        if kind == "ident" and op in _WORD_OPS:
            if op == "NOT":
                raise InvalidInput(f"Invalid filter {text!r}: NOT is not supported; use !=.")
        elif kind != "op":
            raise InvalidInput(f"Invalid filter {text!r}: expected a comparison operator after "
                               f"{field}, found {op!r}.")
        if len(conditions) == MAX_TERMS:
            raise InvalidInput(f"Invalid filter: it has more than {MAX_TERMS} comparisons; "
                               f"narrow it to at most {MAX_TERMS} (an IN list counts as one).")
        if op == "IN":
            conditions.append(Condition(field, op, _in_list(take, text)))
        else:
            kind, raw = take()
            if kind == "string" and op in _STRING_OPS:
                conditions.append(Condition(field, op, _unquote(raw)))
            elif kind == "number" and field == "version_number" and op not in ("LIKE", "ILIKE"):
                conditions.append(Condition(field, op, int(raw)))
            else:
                raise InvalidInput(f"Invalid filter {text!r}: {field} {op} needs a quoted string "
                                   f"value (found {raw!r}).")
        if index < len(tokens):
            kind, word = take()
            if kind != "ident" or word.upper() != "AND":
                raise InvalidInput(f"Invalid filter {text!r}: join comparisons with AND "
                                   f"(found {word!r}).")
            if index >= len(tokens):
                raise InvalidInput(f"Invalid filter {text!r}: it ends with AND.")
    return tuple(conditions)


def _in_list(take: Callable[[], tuple[str, str]], text: str) -> tuple[str, ...]:
    kind, token = take()
    if token != "(":
        raise InvalidInput(f"Invalid filter {text!r}: IN needs a list such as ('a', 'b').")
    values: list[str] = []
    while True:
        kind, token = take()
        if kind != "string":
            raise InvalidInput(f"Invalid filter {text!r}: IN lists hold quoted strings.")
        values.append(_unquote(token))
        if len(values) > MAX_IN_VALUES:
            raise InvalidInput(f"Invalid filter: an IN list has more than {MAX_IN_VALUES} "
                               f"values; split the search (at most {MAX_IN_VALUES}).")
        kind, token = take()
        if token == ")":
            return tuple(values)
        if token != ",":
            raise InvalidInput(f"Invalid filter {text!r}: separate IN values with commas.")


def _like(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) \
        is not None


def _compare(op: str, actual: Value, expected: Value) -> bool:
    if isinstance(actual, int) != isinstance(expected, int):
        return False
    match op:
        case "=":
            return actual == expected
        case "!=":
            return actual != expected
        case "<":
            return actual < expected  # type: ignore[operator]  # same type, checked above
        case "<=":
            return actual <= expected  # type: ignore[operator]
        case ">":
            return actual > expected  # type: ignore[operator]
        case ">=":
            return actual >= expected  # type: ignore[operator]
        case "LIKE":
            return _like(str(expected), str(actual), False)
        case "ILIKE":
            return _like(str(expected), str(actual), True)
    return False


def matches(conditions: Sequence[Condition], attributes: Mapping[str, Value],
            tags: Mapping[str, str]) -> bool:
    """Whether an object with ``attributes`` and ``tags`` meets every condition. A missing tag
    meets only ``!=`` (the client excludes prompts with ``tag.`mlflow.prompt.is_prompt` !=
    'true'``)."""
    for condition in conditions:
        if condition.field.startswith("tags."):
            found: Value | None = tags.get(condition.field[5:])
        else:
            found = attributes.get(condition.field)
        if found is None:
            if condition.op == "!=":  # a missing tag differs from every value
                continue
            return False
        if isinstance(condition.value, tuple):
            if str(found) not in condition.value:
                return False
        elif not _compare(condition.op, found, condition.value):
            return False
    return True


# ordering and pages -------------------------------------------------------------------------

@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False


def parse_order(clauses: Sequence[str], fields: frozenset[str],
                tiebreak: Sequence[Order]) -> tuple[Order, ...]:
    """``["name ASC", "last_updated_timestamp DESC"]`` as orders, followed by ``tiebreak`` (the
    unique key). Raises :class:`InvalidInput`."""
    orders: list[Order] = []
    for clause in clauses:
        parts = clause.split()
        if not parts or len(parts) > 2 or parts[0].lower() not in fields or (
                len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise InvalidInput(f"Invalid order_by clause {clause!r}: use one of "
                               f"{', '.join(sorted(fields))}, optionally followed by ASC or DESC.")
        orders.append(Order(parts[0].lower(), len(parts) == 2 and parts[1].upper() == "DESC"))
    named = {o.field for o in orders}
    return tuple(orders + [o for o in tiebreak if o.field not in named])


def _cmp(orders: Sequence[Order]) -> Callable[[Sequence[Value], Sequence[Value]], int]:
    def compare(a: Sequence[Value], b: Sequence[Value]) -> int:
        for order, x, y in zip(orders, a, b, strict=True):
            if x == y:
                continue
            less = str(x) < str(y) if isinstance(x, str) or isinstance(y, str) else x < y
            result = -1 if less else 1
            return -result if order.descending else result
        return 0
    return compare


def encode_token(key: Sequence[Value]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_token(token: str, width: int) -> list[Value]:
    """The key in a page token; raises :class:`InvalidInput` for one this server did not make."""
    try:
        key = (json.loads(base64.urlsafe_b64decode(token.encode()))
               if len(token) <= MAX_PAGE_TOKEN else None)
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        key = None
    if (not isinstance(key, list) or len(key) != width
            or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in key)):
        raise InvalidInput(f"Invalid page_token {token[:40]!r}: pass the next_page_token of the "
                           "previous page unchanged, with the same filter and order_by.")
    return key


def paginate(items: Sequence[T], key: Callable[[T], Sequence[Value]], orders: Sequence[Order],
             max_results: int, page_token: str) -> tuple[list[T], str]:
    """Sort ``items`` by ``orders``, start after the key in ``page_token`` (keyset: stable while
    items are added) and take ``max_results``; returns the page and the next token ("" at the
    end)."""
    compare = _cmp(orders)
    def by_key(a: T, b: T) -> int:
        return compare(key(a), key(b))

    ordered: list[T] = sorted(items, key=cmp_to_key(by_key))
    if page_token:
        after = decode_token(page_token, len(orders))
        ordered = [item for item in ordered if compare(key(item), after) > 0]
    shown = ordered[:max_results]
    following = encode_token(key(shown[-1])) if len(ordered) > max_results and shown else ""
    return shown, following
