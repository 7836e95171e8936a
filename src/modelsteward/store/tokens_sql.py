"""Storage of API tokens: the token's description and a hash of its secret, never the secret;
and of the web pages' sessions, by a hash of their id. Mixed into ``SqlTransaction``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from modelsteward.domain.tokens import Role, Token, WebSession
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.tables import api_tokens, web_sessions


class TokenQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.TokenRecords`."""

    def add_token(self, token: Token, secret_hash: str) -> None:
        self.c.execute(insert(api_tokens).values(
            id=token.id, name=token.name, team=token.team, roles=sorted(token.roles),
            approval_roles=sorted(token.approval_roles), secret_hash=secret_hash,
            last_four=token.last_four, created_at=token.created_at, created_by=token.created_by,
            expires_at=token.expires_at, revoked_at=token.revoked_at))

    def token(self, token_id: str) -> tuple[Token, str] | None:
        """The token with ``token_id`` and the hash of its secret."""
        row = self.c.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return (_to_token(row), str(row.secret_hash)) if row is not None else None

    def tokens(self, *, name: str | None = None) -> list[Token]:
        """Tokens by id, all or those issued under ``name``."""
        query = select(api_tokens).order_by(api_tokens.c.id)
        if name is not None:
            query = query.where(api_tokens.c.name == name)
        return [_to_token(row) for row in self.c.execute(query)]

    def count_tokens(self) -> int:
        return int(self.c.execute(select(func.count()).select_from(api_tokens)).scalar_one())

    def revoke_token(self, token_id: str, at: datetime) -> None:
        self.c.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                api_tokens.c.revoked_at.is_(None))
                       .values(revoked_at=at))

    def add_web_session(self, session: WebSession) -> None:
        self.c.execute(insert(web_sessions).values(
            id_hash=session.id_hash, token_id=session.token_id, created_at=session.created_at,
            expires_at=session.expires_at, revoked_at=session.revoked_at))

    def web_session(self, id_hash: str) -> WebSession | None:
        row = self.c.execute(select(web_sessions)
                             .where(web_sessions.c.id_hash == id_hash)).first()
        return WebSession(row.id_hash, row.token_id, row.created_at, row.expires_at,
                          row.revoked_at) if row is not None else None

    def revoke_web_session(self, id_hash: str, at: datetime) -> None:
        self.c.execute(update(web_sessions).where(web_sessions.c.id_hash == id_hash,
                                                  web_sessions.c.revoked_at.is_(None))
                       .values(revoked_at=at))

    def prune_web_sessions(self, before: datetime) -> int:
        done = self.c.execute(delete(web_sessions).where(or_(
            web_sessions.c.expires_at < before, web_sessions.c.revoked_at < before)))
        return int(done.rowcount or 0)


def _to_token(row: Any) -> Token:
    return Token(row.id, row.name, row.team, frozenset(Role(r) for r in row.roles),
                 frozenset(row.approval_roles), row.created_at, row.created_by, row.expires_at,
                 row.revoked_at, row.last_four)
