"""The free-form metadata of a version: a JSON object, bounded so that every reader can
serialise it again.

A version's metadata is written once and read by every list, page and event that shows the
version; an object nested hundreds of levels deep was stored and then made every one of those
answers fail. So metadata is checked before it is written, wherever it comes from (the API, the
CLI, a registry file, the library): at most :data:`MAX_DEPTH` levels of nesting, at most
:data:`MAX_BYTES` bytes as JSON, finite numbers only (JSON has no ``NaN`` or ``Infinity``),
strings that are valid Unicode (no lone surrogate such as ``"\\ud800"``), string keys, and only
JSON values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from modelsteward.errors import InvalidInput, Problem

MAX_DEPTH = 32
"""Levels of nesting: the metadata object itself is level 1."""
MAX_BYTES = 64 * 1024
"""The metadata's size as compact UTF-8 JSON."""


def check_metadata(metadata: Mapping[str, object], where: str = "metadata") -> None:
    """Raise :class:`InvalidInput` naming every problem of ``metadata`` (see the module) and
    the limit it breaks; return when it may be stored."""
    problems = metadata_problems(metadata, where)
    if problems:
        listed = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput(
            f"The {where} cannot be stored: {listed}{more}. Metadata is a JSON object of at most "
            f"{MAX_DEPTH} levels and {MAX_BYTES // 1024} KiB, with finite numbers and valid "
            "Unicode strings; flatten or shorten it, or keep large documents elsewhere and "
            "store their address.")


def metadata_problems(metadata: object, where: str = "metadata") -> list[Problem]:
    """Every problem of ``metadata`` with its location (``metadata.a[2].b``). Walks without
    recursion, so any nesting is reported rather than overflowing the stack."""
    if not isinstance(metadata, Mapping):
        return [Problem(where, "must be a JSON object")]
    problems: list[Problem] = []
    pending: list[tuple[object, int, str]] = [(metadata, 1, where)]
    while pending:
        value, depth, at = pending.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_DEPTH:
                problems.append(Problem(at, f"nests deeper than {MAX_DEPTH} levels"))
                continue
            if isinstance(value, Mapping):
                for key, item in value.items():
                    if not isinstance(key, str):
                        problems.append(Problem(at, f"has the key {key!r}, which is not a "
                                                    "string"))
                        continue
                    if not _valid_text(key):
                        problems.append(Problem(at, f"has a key {_shown(key)} with a lone "
                                                    "surrogate (not valid Unicode)"))
                        continue
                    pending.append((item, depth + 1, f"{at}.{key}"))
            else:
                pending.extend((item, depth + 1, f"{at}[{index}]")
                               for index, item in enumerate(value))
        elif isinstance(value, str):
            if not _valid_text(value):
                problems.append(Problem(at, "holds a lone surrogate (not valid Unicode)"))
        elif isinstance(value, float):
            if not math.isfinite(value):
                problems.append(Problem(at, f"is {value}, which JSON cannot hold; use a "
                                            "finite number or null"))
        elif value is not None and not isinstance(value, bool | int):
            problems.append(Problem(at, f"is not a JSON value (a {type(value).__name__})"))
    if not problems:
        size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_BYTES:
            problems.append(Problem(where, f"is {size} bytes as JSON, more than "
                                           f"{MAX_BYTES} ({MAX_BYTES // 1024} KiB)"))
    problems.sort(key=lambda p: p.location)
    return problems


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(text: str) -> str:
    return repr(text[:40])
