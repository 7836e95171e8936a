"""Reading the TOML files of an application (``models.toml``, ``models.lock``,
``.steward-ignore.toml``): syntax errors as located problems, and a reader that checks keys and
types while collecting *every* problem.

Locations are paths into the document: ``application.name``, ``models.embedder.pin``,
``models[2].files[0].hashes.sha256``, ``ignore[1].reason``; ``$`` is the whole document and a
syntax error is located by ``line L, column C``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import cast

from modelsteward.domain.documents import check_tree, describe, unreadable
from modelsteward.errors import DocumentInvalid, Problem

__all__ = ["TomlTable", "join", "load_toml", "one_of"]

_WHERE = re.compile(r"^(?P<what>.*?)\s*\(at (?P<where>line \d+, column \d+|end of document)\)$",
                    re.DOTALL)


def load_toml(text: str, source: str) -> dict[str, object]:
    """``text`` read as TOML; raise :class:`DocumentInvalid` naming ``source`` with one problem,
    located by line and column, when it is not valid TOML, or with every problem
    :func:`~modelsteward.domain.documents.check_tree` finds (nesting, values)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _WHERE.match(str(exc))
        where, what = (match["where"], match["what"]) if match else ("$", str(exc))
        message = (f"is not valid TOML ({what[:1].lower()}{what[1:]}); correct the syntax "
                   f"there (https://toml.io describes it)")
        raise DocumentInvalid(source, [Problem(where, message)]) from None
    except ValueError as exc:  # not a TOMLDecodeError: an integer of more than 4300 digits
        raise DocumentInvalid(source, [unreadable(exc, "TOML")]) from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively
        raise DocumentInvalid(source, [Problem("$", "nests arrays or tables too deeply to be "
                                                    "read; flatten the nesting")]) from None
    # the TOML documents (manifest, lock, ignores, policy) are never stored in the database
    check_tree(document, source, allow_nul=True)
    return document


def join(where: str, key: str) -> str:
    """The location of ``key`` inside ``where`` (``models`` + ``pin`` → ``models.pin``)."""
    return f"{where}.{key}" if where else key


def one_of(options: Sequence[str]) -> str:
    return ", ".join(options)


class TomlTable:
    """One table of a loaded document at location ``where``; its methods read keys, append
    problems to the shared ``problems`` list and return a neutral value when a key is wrong."""

    def __init__(self, raw: Mapping[str, object], where: str, problems: list[Problem]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def at(self, key: str) -> str:
        return join(self.where, key)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.at(key), message))

    def check_keys(self, known: Sequence[str]) -> None:
        """Report every key not in ``known``: ``unknown key; expected a, b, c`` (plus the closest
        known key when one is near)."""
        for key in self.raw:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.problem(key, f"unknown key; expected {one_of(known)}{hint}")

    def text(self, key: str, *, required: str = "", strip: bool = False) -> str:
        """The string under ``key``; ``""`` when it is missing (a problem saying ``required``
        when that is given) or not a string. An empty string counts as missing when required.
        ``strip``: surrounding spaces are a problem."""
        if key not in self.raw:
            if required:
                self.problem(key, f"missing; {required}")
            return ""
        value = self.raw[key]
        if not isinstance(value, str):
            self.problem(key, f"must be text, found {describe(value)}; write it in quotes")
            return ""
        if required and not value.strip():
            self.problem(key, f"must not be empty; {required}")
            return ""
        if strip and value != value.strip():
            self.problem(key, f"{value!r} has spaces around it; remove them")
            return ""
        return value

    def flag(self, key: str) -> bool:
        """The boolean under ``key``; ``False`` when it is missing or not a boolean (a
        problem)."""
        if key not in self.raw:
            return False
        value = self.raw[key]
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, found {describe(value)}")
            return False
        return value

    def table(self, key: str, expected: str) -> TomlTable | None:
        """The table under ``key``; ``None`` when missing or not a table (a problem)."""
        if key not in self.raw:
            return None
        value = self.raw[key]
        if not isinstance(value, Mapping):
            self.problem(key, f"must be a table {expected}, found {describe(value)}")
            return None
        return TomlTable(cast(Mapping[str, object], value), self.at(key), self.problems)

    def tables(self, key: str, expected: str) -> list[TomlTable]:
        """The array of tables under ``key`` (empty when missing); entries that are not tables
        are problems located ``key[i]``."""
        if key not in self.raw:
            return []
        value = self.raw[key]
        if not isinstance(value, list):
            self.problem(key, f"must be an array of tables ({expected}), found {describe(value)}")
            return []
        found: list[TomlTable] = []
        for i, item in enumerate(cast(list[object], value)):
            where = f"{key}[{i}]"
            if isinstance(item, Mapping):
                found.append(TomlTable(cast(Mapping[str, object], item), self.at(where),
                                       self.problems))
            else:
                self.problem(where, f"must be a table ({expected}), found {describe(item)}")
        return found
