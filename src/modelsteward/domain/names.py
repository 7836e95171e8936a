"""Model names: a lowercase slug, optionally prefixed by an organisation (``org/name``)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

from modelsteward.errors import InvalidName

_SEGMENT = r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?"
MODEL_NAME_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})?$"
"""A valid model name, as a regular expression (also in the API's OpenAPI document)."""
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
