"""Model names: a lowercase slug, optionally prefixed by an organisation (``org/name``)."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from modelsteward.domain.name_pattern import MODEL_NAME_PATTERN as MODEL_NAME_PATTERN
from modelsteward.errors import InvalidName

_NAME = re.compile(MODEL_NAME_PATTERN)
# aliases (production, champion, …): a letter first, then lowercase letters, digits, '-' or '_'
ALIAS_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")


def validate_model_name(name: str) -> str:
    """Return ``name`` unchanged when it is a valid model name, else raise :class:`InvalidName`.

    A valid name is one or two segments separated by ``/``; each segment has 1–64 characters from
    ``a-z 0-9 . _ -``, starting and ending with a letter or digit.
    """
    if _NAME.fullmatch(name):
        return name
    hint = re.sub(r"[^a-z0-9._/-]+", "-", name.strip().lower()).strip("-./_")
    suggestion = f" Did you mean {hint!r}?" if hint and _NAME.fullmatch(hint) else ""
    raise InvalidName(
        f"{name!r} is not a valid model name: use 1–64 lowercase letters, digits, '.', '_' or '-', "
        f"starting and ending with a letter or digit, optionally as 'org/name'.{suggestion}"
    )


def validate_alias(name: str) -> str:
    """Return ``name`` when it is a valid alias name, else raise :class:`InvalidName`."""
    if ALIAS_NAME.fullmatch(name):
        return name
    raise InvalidName(
        f"{name!r} is not an alias name: use 1–63 lowercase letters, digits, '-' or '_', "
        "starting with a letter (e.g. 'production', 'champion')."
    )


# how alike two names must be to suggest one for the other (difflib's ratio, its default)
CLOSENESS = 0.6


def close_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The at most ``n`` names of ``candidates`` nearest to ``name``, best first: those whose
    :class:`difflib.SequenceMatcher` ratio with ``name`` is at least :data:`CLOSENESS` (letter
    case ignored), so that a typo (``suport-bot``) finds the name meant (``support-bot``)."""
    by_key: dict[str, str] = {}
    for candidate in candidates:
        if candidate != name:
            by_key.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(name.lower(), list(by_key), n=n, cutoff=CLOSENESS)
    return [by_key[key] for key in found]


def close_name_lengths(name: str) -> tuple[int, int]:
    """The lengths a name close to ``name`` (:func:`close_names`) can have, for a query that
    reads only those. The ratio is 2·M/(a+b) with M ≤ min(a, b) matched characters, so a
    ratio of at least c needs c/(2-c) ≤ b/a ≤ (2-c)/c."""
    length = len(name)
    return (math.ceil(length * CLOSENESS / (2 - CLOSENESS) - 1e-9),
            math.floor(length * (2 - CLOSENESS) / CLOSENESS + 1e-9))


# scripts that are written together in one name (Japanese mixes kanji and kana)
_SCRIPT_FAMILIES = {"CJK": "Han", "HIRAGANA": "Han", "KATAKANA": "Han", "IDEOGRAPHIC": "Han"}


@lru_cache(maxsize=4096)
def label_problem(text: str) -> str:
    """What makes ``text`` unfit as a name people read and compare (a team, a token, an actor),
    or ``""``: a control or invisible character (bidi controls such as U+202E reorder what is
    shown, zero-width ones hide), or letters of more than one script (a Cyrillic U+0430 in a Latin
    name imitates the Latin 'a'). The same rule a model name keeps by being a lowercase ASCII
    slug, for names that may hold spaces, '@' or letters of any one script. Remembered for the
    last few thousand texts: every team of every model read is checked again, and teams repeat."""
    for ch in text:
        if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            name = unicodedata.name(ch, "")
            shown = f"U+{ord(ch):04X}" + (f" ({name})" if name else "")
            return (f"holds the invisible or control character {shown}, which can disguise "
                    "what is shown; remove it")
    scripts: dict[str, str] = {}
    for ch in text:
        if ch.isalpha():
            word = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            scripts.setdefault(_SCRIPT_FAMILIES.get(word, word.title()), ch)
    if len(scripts) > 1:
        mixed = " and ".join(f"{script} ({ch!r})" for script, ch in scripts.items())
        return (f"mixes letters of {mixed}, which can imitate another name; write it in one "
                "script")
    return ""


def validate_label(text: str, what: str) -> str:
    """Return ``text`` when :func:`label_problem` finds nothing, else raise
    :class:`InvalidName` naming ``what`` (``The team``, ``The actor``) and the fix."""
    problem = label_problem(text)
    if problem:
        raise InvalidName(f"{what} {text!r} {problem}.")
    return text
