"""Request-scoped dependencies: who is calling and the registry acting as them.

The application keeps one :class:`~modelsteward.ports.Store` (an SQL store and its connection
pool, made by ``api/app.py``) in ``app.state.store``; each request gets a light
:class:`Registry` whose actor is the caller, so every event names who did it.

Both dependencies are ``async``: they do no I/O on the common path, and a plain ``def`` would cost
every request two hops through the thread pool. An authenticator that may query the database
(a token not in its cache) is run in the thread pool instead (see ``api/auth.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from modelsteward.api.sequences import scope_reading
from modelsteward.config import Settings
from modelsteward.domain.policy import Policy
from modelsteward.domain.tokens import Principal as Principal  # re-exported
from modelsteward.ports import Clock, Store
from modelsteward.ports.changes import Reading
from modelsteward.service.registry import Registry


def database_reading(request: Request) -> Reading:
    """The database's change marker and chain head (``app.state.changes``, a
    :class:`~modelsteward.ports.Changes`) as of this request: read once, at the first call, and
    the same for the rest of the request, so that the token and the resolution caches judge
    freshness against one state, and the sequence number the answer reports is one its data
    reflects (see ``api/sequences.py``)."""
    return scope_reading(request.scope)


def database_marker(request: Request) -> int | None:
    """The marker of :func:`database_reading`. ``None``: nothing may be cached."""
    return database_reading(request).marker


async def get_principal(request: Request) -> Principal:
    """Who is calling, as the application's authenticator says (see ``api/auth.py``): in place
    when it can tell without I/O (its ``without_io``), else in the thread pool."""
    authenticate = request.app.state.authenticate
    without_io = getattr(authenticate, "without_io", None)
    principal: Principal | None = without_io(request) if without_io is not None else None
    if principal is not None:
        return principal
    decided: Principal = await run_in_threadpool(authenticate, request)
    return decided


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def registry_for(request: Request, principal: Principal) -> Registry:
    """The application's registry acting as ``principal`` (a light object: no I/O)."""
    store: Store = request.app.state.store
    policy: Policy = request.app.state.policy
    clock: Clock | None = request.app.state.clock
    settings: Settings = request.app.state.settings.registry
    return Registry(store,
                    actor=principal.name, clock=clock, policy=policy,
                    default_team=settings.default_team)


async def get_registry(request: Request, principal: PrincipalDep) -> Registry:
    return registry_for(request, principal)


RegistryDep = Annotated[Registry, Depends(get_registry)]
