"""A token just issued."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.tokens import Token


@dataclass(frozen=True)
class IssuedToken:
    """A token just made and its text: the only time the text exists outside the caller."""

    token: Token
    text: str
