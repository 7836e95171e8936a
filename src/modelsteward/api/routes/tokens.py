"""API tokens: create (administrators; the text is returned once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from modelsteward.api import problems
from modelsteward.api.auth import is_admin, require_admin
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import one_of
from modelsteward.domain.tokens import NAME_MAX, TEAM_MAX, Role, Token, parse_expiry, parse_roles
from modelsteward.errors import TokenNotFound
from modelsteward.service.tokens import TokenCache, Tokens

router = APIRouter(prefix=API, tags=["tokens"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)


class TokenCreate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX, examples=["ci-support"])]
    team: Annotated[str, Field(max_length=TEAM_MAX, examples=["support"])] = ""
    roles: Annotated[list[Annotated[str, Field(json_schema_extra=one_of(Role))]],
                     Field(min_length=1, examples=[["maintainer"]])]
    approval_roles: list[str] = []
    expires: Annotated[str, Field(max_length=64, description="A duration (90d, 12h, 4w) or a "
                                  "date (2027-01-31); empty: never.")] = ""


class TokenPublic(BaseModel):
    id: str
    name: str
    team: str
    roles: list[str]
    approval_roles: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    hint: str = Field(description="The token's prefix and last four characters.")

    @classmethod
    def of(cls, t: Token) -> TokenPublic:
        return cls(id=t.id, name=t.name, team=t.team, roles=sorted(t.roles),
                   approval_roles=sorted(t.approval_roles), created_at=t.created_at,
                   created_by=t.created_by, expires_at=t.expires_at, revoked_at=t.revoked_at,
                   hint=f"stw_{t.id}_…{t.last_four}")


class TokenIssued(TokenPublic):
    token: str = Field(description="The token's text, shown only in this response.")


def _tokens(request: Request, registry: RegistryDep) -> Tokens:
    cache: TokenCache | None = getattr(request.app.state.authenticate, "cache", None)
    return Tokens(registry.context, cache)


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, registry: RegistryDep, principal: PrincipalDep,
                 response: Response) -> TokenIssued:
    """Make a token (administrators). Its text is in this response and nowhere else."""
    require_admin(principal)
    expires_at = parse_expiry(body.expires, registry.clock.now()) if body.expires else None
    issued = registry.tokens.create(body.name, team=body.team, roles=parse_roles(body.roles),
                                     approval_roles=frozenset(body.approval_roles),
                                     expires_at=expires_at)
    response.headers["Cache-Control"] = "no-store"
    return TokenIssued(**TokenPublic.of(issued.token).model_dump(), token=issued.text)


@router.get("/tokens", response_model=Page[TokenPublic])
def list_tokens(registry: RegistryDep, principal: PrincipalDep, request: Request,
                response: Response, after: AfterQuery = "",
                limit: LimitQuery = 100) -> Page[TokenPublic]:
    """Tokens by id: all for administrators, the caller's own (by name) for others."""
    if is_admin(principal):
        found = registry.tokens.list()
    else:  # an anonymous reader holds no token
        found = registry.tokens.list(name=principal.name) if principal.token_id else []
    tokens = after_key(found, after, lambda t: t.id)
    return page(request, response, [TokenPublic.of(t) for t in tokens[:limit + 1]], limit,
                lambda t: t.id)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: str, registry: RegistryDep, principal: PrincipalDep,
                 request: Request) -> TokenPublic:
    """Revoke a token (administrators, or the token's own holder); effective at once."""
    tokens = _tokens(request, registry)
    token = tokens.get(token_id)
    if not is_admin(principal) and (token.name != principal.name or not principal.token_id):
        raise TokenNotFound(token_id)  # others' tokens are not even confirmed to exist
    return TokenPublic.of(tokens.revoke(token_id))
