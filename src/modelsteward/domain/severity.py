"""Qualitative severity of an advisory, ordered, as used by ``--fail-on`` and the reports."""

from __future__ import annotations

import enum

from modelsteward.errors import InvalidInput


class Level(enum.StrEnum):
    UNKNOWN = "unknown"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Low 1 … critical 4. An advisory without a severity ranks like ``high``: it is
        assumed to be serious until someone scores it."""
        return _RANKS[self]


_RANKS = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3, Level.UNKNOWN: 3, Level.CRITICAL: 4}
_SYNONYMS = {"moderate": Level.MEDIUM}


def parse_level(text: str) -> Level:
    """``low``, ``medium`` (or ``moderate``), ``high``, ``critical`` in any case."""
    key = text.strip().lower()
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    try:
        level = Level(key)
    except ValueError:
        level = None
    if level is None or level is Level.UNKNOWN:
        raise InvalidInput(f"{text!r} is not a severity level: use low, medium, high or critical.")
    return level


def level_for_score(score: float) -> Level:
    """CVSS base score bands: 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10 critical
    (a score of 0 is treated as low: the advisory was still published)."""
    if score >= 9.0:
        return Level.CRITICAL
    if score >= 7.0:
        return Level.HIGH
    if score >= 4.0:
        return Level.MEDIUM
    return Level.LOW
