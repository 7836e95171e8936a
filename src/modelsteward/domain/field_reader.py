"""Reading the fields of one mapping of a document while collecting every problem.

The pipeline definition and the evidence of its runs are documents of many small mappings
(a step, a split, a trigger's parameters); :class:`FieldReader` reads one of them. Each reader
method appends a located problem (``fine_tuning.pipeline[3].threshold``) when the field is
wrong and returns a safe default, so that parsing goes on and reports every problem at once.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TypeGuard, TypeVar

from modelsteward.domain.documents import describe, located
from modelsteward.errors import Problem

__all__ = ["MAX_TEXT", "FieldReader", "is_number", "is_text"]

E = TypeVar("E", bound=enum.StrEnum)

MAX_TEXT = 500
"""The longest text a field holds (a source, a path, a reason); longer is a mistake."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


def is_number(value: object) -> TypeGuard[int | float]:
    """A finite int or float that is not a boolean (YAML reads ``yes`` as ``True``), small
    enough to be a float (``float(10**400)`` overflows)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def is_text(value: object) -> TypeGuard[str]:
    """A non-blank string of at most :data:`MAX_TEXT` characters, without spaces around it and
    without control characters (it is quoted in one-line messages and notice keys)."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_TEXT and value == value.strip()
            and not any(unicodedata.category(c) == "Cc" for c in value))


class FieldReader:
    """The fields of the mapping ``raw``, found at ``where`` in its document."""

    def __init__(self, raw: Mapping[object, object], where: str,
                 problems: list[Problem]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def at(self, key: str) -> str:
        """The location of ``key`` in this mapping."""
        return located(self.where, key)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.at(key), message))

    def unknown_keys(self, known: Sequence[str], what: str) -> None:
        """A problem for each key that is not one of ``known`` (``what`` names the mapping)."""
        for key in self.raw:
            if key not in known:
                self.problems.append(Problem(located(self.where, key), (
                    f"is not a field of {what}; its fields are {', '.join(known)}")))

    def _wrong(self, key: str, what: str) -> None:
        """The problem of a field that is missing or is not ``what``."""
        if key not in self.raw:
            self.problem(key, f"is required: {what}")
        else:
            self.problem(key, f"must be {what}, found {describe(self.raw[key])}")

    def text(self, key: str, what: str, *, required: bool = True) -> str:
        """A text field (see :func:`is_text`); ``""`` when absent or wrong."""
        value = self.raw.get(key)
        if is_text(value):
            return value
        if key in self.raw or required:
            self._wrong(key, f"{what} (text of at most {MAX_TEXT} characters on one line)")
        return ""

    def name(self, key: str, what: str, *, required: bool = True) -> str:
        """A lowercase name: letters, digits, ``.``, ``_`` or ``-``, at most 100."""
        value = self.raw.get(key)
        if isinstance(value, str) and _NAME.fullmatch(value):
            return value
        if key in self.raw or required:
            self._wrong(key, f"{what} (lowercase letters, digits, '.', '_' or '-', at most "
                             "100)")
        return ""

    def number(self, key: str, what: str, *, required: bool = True) -> float | None:
        """A finite number; ``None`` when absent or wrong."""
        value = self.raw.get(key)
        if is_number(value):
            return float(value)
        if key in self.raw or required:
            self._wrong(key, what)
        return None

    def count(self, key: str, what: str, *, minimum: int = 0,
              required: bool = True) -> int | None:
        """A whole number of at least ``minimum``; ``None`` when absent or wrong."""
        value = self.raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        if key in self.raw or required:
            self._wrong(key, f"{what} (a whole number of at least {minimum})")
        return None

    def flag(self, key: str, what: str) -> bool | None:
        """A required boolean; ``None`` when absent or wrong."""
        value = self.raw.get(key)
        if isinstance(value, bool):
            return value
        self._wrong(key, f"{what} (true or false)")
        return None

    def choice(self, key: str, kind: type[E], *, required: bool = True) -> E | None:
        """One of the values of the string enum ``kind``; ``None`` when absent or wrong."""
        value = self.raw.get(key)
        allowed = [member.value for member in kind]
        if isinstance(value, str) and value in allowed:
            return kind(value)
        if key in self.raw or required:
            self._wrong(key, f"one of {', '.join(allowed)}")
        return None

    def mapping(self, key: str, what: str, *,
                required: bool = True) -> Mapping[object, object] | None:
        """A mapping field; ``None`` when absent or wrong."""
        value = self.raw.get(key)
        if isinstance(value, Mapping):
            return value
        if key in self.raw or required:
            self._wrong(key, what)
        return None
