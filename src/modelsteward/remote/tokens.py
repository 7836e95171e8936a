"""``RemoteTokens``: the server's API tokens through ``/api/v1/tokens``, with the methods of
:class:`~modelsteward.service.tokens.Tokens` that ``steward token`` uses.

Creating and listing every token needs an administrator's token; a token's own holder may list
and revoke their tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelsteward.domain.tokens import Role, Token
from modelsteward.remote import parse
from modelsteward.remote.client import Json, segment
from modelsteward.remote.part import RemotePart
from modelsteward.results import IssuedToken

if TYPE_CHECKING:
    from datetime import datetime


def token(data: Json) -> Token:
    """A token as ``TokenPublic`` carries it; its last four characters come from the hint."""
    return Token(data["id"], data["name"], data["team"],
                 frozenset(Role(r) for r in data["roles"]), frozenset(data["approval_roles"]),
                 parse.moment(data["created_at"]), data["created_by"],
                 parse.maybe_moment(data["expires_at"]), parse.maybe_moment(data["revoked_at"]),
                 str(data["hint"])[-4:])


class RemoteTokens:
    def __init__(self, registry: RemotePart) -> None:
        self.client = registry.client

    def create(self, name: str, *, team: str, roles: frozenset[Role],
               approval_roles: frozenset[str] = frozenset(),
               expires_at: datetime | None = None) -> IssuedToken:
        data = self.client.post("/tokens", {
            "name": name, "team": team, "roles": sorted(roles),
            "approval_roles": sorted(approval_roles),
            "expires": expires_at.isoformat() if expires_at else ""})
        return IssuedToken(token(data), data["token"])

    def list(self, *, name: str | None = None) -> list[Token]:
        found = [token(t) for t in self.client.pages("/tokens")]
        return [t for t in found if name is None or t.name == name]

    def revoke(self, token_id: str) -> Token:
        return token(self.client.json("DELETE", f"/tokens/{segment(token_id)}"))
