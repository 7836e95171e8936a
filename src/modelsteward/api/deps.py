"""Request-scoped dependencies: who is calling and the registry acting as them.

The application keeps one :class:`~modelsteward.store.sql.SqlStore` (its connection pool) in
``app.state.store``; each request gets a light :class:`Registry` whose actor is the caller, so
every event names who did it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from modelsteward.domain.policy import Policy
from modelsteward.domain.tokens import Principal as Principal  # re-exported
from modelsteward.ports import Clock
from modelsteward.service.registry import Registry
from modelsteward.store.sql import SqlStore


def get_principal(request: Request) -> Principal:
    """Who is calling, as the application's authenticator says (see ``api/auth.py``)."""
    authenticate = request.app.state.authenticate
    principal: Principal = authenticate(request)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_registry(request: Request, principal: PrincipalDep) -> Registry:
    store: SqlStore = request.app.state.store
    policy: Policy = request.app.state.policy
    clock: Clock | None = request.app.state.clock
    return Registry(store, actor=principal.name, clock=clock, policy=policy)


RegistryDep = Annotated[Registry, Depends(get_registry)]
