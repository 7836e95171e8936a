"""Shared wording and limits for the parsers of user documents (registry file, policy file,
lock file, advisories…).

:func:`check_tree` is the check every loaded document passes before a parser sees it: whatever
its format (JSON, YAML, TOML), a document is a tree of mappings, lists and scalars no deeper
than :data:`MAX_DEPTH`, with at most :data:`MAX_VALUES` values, no key written twice in one
mapping, and no text that cannot be stored or printed (NUL, unpaired surrogates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Final, cast

from modelsteward.errors import DocumentInvalid, Problem

__all__ = ["MAX_DEPTH", "MAX_PROBLEMS", "MAX_VALUES", "Repeats", "check_tree", "describe",
           "indexed", "located", "unreadable"]

MAX_DEPTH: Final = 64
"""How deeply mappings and lists may nest; no document of modelsteward needs more than ten."""
MAX_VALUES: Final = 1_000_000
"""How many values (mappings, lists, scalars) a document may hold once YAML aliases are
expanded; an alias that repeats a large mapping many times counts every copy."""
MAX_PROBLEMS: Final = 50
"""How many limit problems are listed before the rest are summed up."""

Repeats = Mapping[int, Sequence[tuple[object, str]]]
"""Keys a loader found twice in one mapping: ``id(mapping)`` → ``(key, where)`` pairs, where
``where`` says where the repetition is in the file (``line 3, column 5``) or is empty."""

_SCALARS = (str, int, float, bool, type(None), date, datetime, time)


def describe(value: object) -> str:
    """How a wrong value is named in messages: ``found the number 3``, ``found a list``…"""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {_clip(repr(value))}"
    if isinstance(value, str):
        return f"the text {_clip(repr(value))}" if value.strip() else "an empty string"
    if isinstance(value, datetime):
        return f"the timestamp {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a value of type {type(value).__name__}"


def _clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters: a message quotes the start of a huge value."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def unreadable(exc: ValueError, fmt: str) -> Problem:
    """The problem of a document its loader refused with a plain ``ValueError`` (not a syntax
    error): Python reads no integer of more than 4300 digits, and YAML tags such as
    ``!!timestamp`` check their values while constructing them."""
    if "integer string conversion" in str(exc):
        return Problem("$", "holds an integer of more than 4300 digits, which cannot be read; "
                            "shorten it, or write it in quotes as text")
    return Problem("$", f"cannot be read as {fmt}: {exc}")


def located(where: str, key: object) -> str:
    """The location of mapping key ``key`` inside ``where``: ``models`` + ``pin`` →
    ``models.pin``; ``$`` is the document itself, so ``$`` + ``models`` → ``models``. A key
    that would not show (empty, or spaces around it) is quoted: ``$['']``, ``models[' x']``."""
    text = key if isinstance(key, str) else str(key)
    if not text or text != text.strip():
        return f"{where}[{text!r}]"
    return text if where == "$" else f"{where}.{text}"


def indexed(where: str, index: int) -> str:
    """The location of item ``index`` of the list at ``where``: ``models[3]``, ``$[0]``."""
    return f"{where}[{index}]"


def check_tree(document: object, source: str, *, repeats: Repeats | None = None,
               allow_nul: bool = False) -> None:
    """Raise :class:`DocumentInvalid` naming ``source`` when ``document`` (as a JSON, YAML or
    TOML loader returned it) breaks a limit that every document of modelsteward keeps:

    * mappings and lists nest at most :data:`MAX_DEPTH` deep;
    * at most :data:`MAX_VALUES` values in all (YAML aliases counted once per use);
    * no mapping repeats a key (``repeats``, as the loader found them);
    * every text key has a name, without spaces around it (no document uses such a key, and
      it could not be located);
    * keys and texts hold no unpaired surrogate (``"\\ud800"`` written as an escape: not a
      character, it cannot be stored or printed), and no NUL character unless ``allow_nul``
      (for documents whose texts never reach the database, which cannot store NUL in text);
    * values are mappings, lists, text, numbers, booleans, null, dates or times (YAML tags
      such as ``!!set`` or ``!!binary`` are not used by any document).

    Every problem is located by its path (``models.bot.versions[2]``, ``$`` for the whole
    document); returns nothing when there is none.
    """
    problems: list[Problem] = []
    walker = _Walker(problems, repeats or {}, allow_nul)
    walker.walk(document, "$", 0)
    if walker.values > MAX_VALUES:
        problems.append(Problem("$", f"holds more than {MAX_VALUES:,} values (YAML aliases "
                                     "count once per use); split the document or write the "
                                     "repeated parts once"))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems[MAX_PROBLEMS:] = [Problem("$", f"and {extra} more problems like these")]
    if problems:
        raise DocumentInvalid(source, problems)


class _Walker:
    def __init__(self, problems: list[Problem], repeats: Repeats, allow_nul: bool) -> None:
        self.problems = problems
        self.allow_nul = allow_nul
        self.repeats = repeats
        self.values = 0

    def walk(self, value: object, where: str, depth: int) -> None:
        # an explicit bound instead of Python's recursion limit: MAX_DEPTH is far below it
        self.values += 1
        if self.values > MAX_VALUES or len(self.problems) > MAX_PROBLEMS:
            return
        if isinstance(value, str):
            self.text(value, where, "")
        elif isinstance(value, Mapping | list) and depth >= MAX_DEPTH:
            # the path down here is long: its start says where the nesting begins
            shown = where if len(where) <= 100 else f"{where[:100]}…"
            self.problems.append(Problem(shown, f"nests mappings or lists more than {MAX_DEPTH} "
                                                "deep; flatten the nesting"))
        elif isinstance(value, Mapping):
            mapping = cast(Mapping[object, object], value)
            for key, at in self.repeats.get(id(value), ()):
                note = f" (again at {at})" if at else ""
                self.problems.append(Problem(located(where, key), (
                    f"is written twice in one mapping{note}; keep one of them, since which one "
                    "counts would otherwise be a guess")))
            for key, item in mapping.items():
                inner = located(where, key)
                if isinstance(key, str):
                    self.text(key, inner, "key ")
                    if not key.strip():
                        self.problems.append(Problem(inner, (
                            "is a key with no name; name it or remove the entry")))
                    elif key != key.strip():
                        self.problems.append(Problem(inner, (
                            "is a key with spaces around its name; remove them")))
                self.walk(item, inner, depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(cast(list[object], value)):
                self.walk(item, indexed(where, i), depth + 1)
        elif not isinstance(value, _SCALARS):
            self.problems.append(Problem(where, (
                f"is {describe(value)}, which no modelsteward document uses (a YAML tag such "
                "as !!set, !!binary or !!omap?); write text, a number, a list or a mapping")))

    def text(self, text: str, where: str, what: str) -> None:
        if not self.allow_nul and "\x00" in text:
            self.problems.append(Problem(where, f"the {what}text holds a NUL character "
                                                "(\\u0000); remove it"))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(text[exc.start])
            self.problems.append(Problem(where, (
                f"the {what}text holds the unpaired surrogate \\u{code:04x}, which is not a "
                "character; write the character itself (or its escaped surrogate pair)")))
