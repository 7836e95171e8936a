"""The tokens role: API tokens, kept with a hash of their secret (never the secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from modelsteward.domain.tokens import Token


class TokenRecords(Protocol):
    """API tokens by id. A token is only ever added and revoked (once)."""

    def add_token(self, token: Token, secret_hash: str) -> None: ...
    def token(self, token_id: str) -> tuple[Token, str] | None:
        """The token with ``token_id`` and the hash of its secret."""
        ...
    def tokens(self, *, name: str | None = None) -> list[Token]:
        """Tokens by id, all or those issued under ``name``."""
        ...
    def count_tokens(self) -> int: ...
    def revoke_token(self, token_id: str, at: datetime) -> None:
        """Revoke the token at ``at``; a token already revoked keeps its first time."""
        ...
