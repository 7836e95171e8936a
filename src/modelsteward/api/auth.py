"""Who may do what. Roles: ``viewer`` reads; ``maintainer`` also changes the models of its own
team; ``approver`` also approves with its approval roles; ``admin`` does everything.

``app.state.authenticate`` turns a request into a :class:`~modelsteward.api.deps.Principal`;
:func:`local_authenticator` is the single-user default (every request acts as the configured
actor, an administrator) until tokens are configured."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from modelsteward.api.deps import Principal
from modelsteward.domain.model import Model
from modelsteward.errors import NotAuthorised

ROLES = ("viewer", "maintainer", "approver", "admin")
Authenticator = Callable[[Request], Principal]


def local_authenticator(actor: str) -> Authenticator:
    principal = Principal(actor, roles=frozenset({"admin"}))

    def authenticate(request: Request) -> Principal:
        return principal

    return authenticate


def is_admin(principal: Principal) -> bool:
    return "admin" in principal.roles


def require_writer(principal: Principal, team: str) -> str:
    """The team a new object belongs to: ``team`` for administrators, else the caller's own
    team, which a maintainer must have. Raises :class:`NotAuthorised`."""
    if is_admin(principal):
        return team or principal.team
    if "maintainer" not in principal.roles:
        raise NotAuthorised(f"{principal.name} may only read; changing the registry needs the "
                            "maintainer role.")
    if team and team != principal.team:
        raise NotAuthorised(f"{principal.name} maintains team {principal.team!r}, not {team!r}; "
                            "ask a maintainer of that team or an administrator.")
    return principal.team


def require_model_writer(principal: Principal, model: Model) -> None:
    """Administrators change any model; maintainers only their own team's."""
    if is_admin(principal):
        return
    require_writer(principal, model.owner_team or principal.team)
