"""The tokens role: API tokens, kept with a hash of their secret (never the secret), and the web
pages' sessions opened with them, kept by a hash of their id."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from modelsteward.domain.tokens import Token, WebSession


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
    def add_web_session(self, session: WebSession) -> None: ...
    def web_session(self, id_hash: str) -> WebSession | None:
        """The web session whose id hashes to ``id_hash`` (revoked and expired ones too)."""
        ...
    def revoke_web_session(self, id_hash: str, at: datetime) -> None:
        """End the session at ``at`` (sign-out); one already ended keeps its first time."""
        ...
    def prune_web_sessions(self, before: datetime) -> int:
        """Forget the sessions that expired or were signed out before ``before``; how many."""
        ...
