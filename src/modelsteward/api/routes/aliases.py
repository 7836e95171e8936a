"""Aliases over HTTP, as ``steward alias set|remove|list|history``, ``steward history --at`` and
``steward rollback`` do it:

* ``GET /models/{name}/aliases`` (``?at=`` for what they pointed at, at a moment),
  ``PUT``/``DELETE /models/{name}/aliases/{alias}``;
* ``GET /models/{name}/alias-history`` (every assignment, oldest first);
* ``POST /models/{name}/rollbacks`` (an exclusive alias back to its previous eligible target).

Include this router before the models router, whose ``GET /models/{name:path}`` matches any
path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from modelsteward.api import problems
from modelsteward.api.auth import require_model_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.lifecycle_schemas import (
    AliasChangePublic,
    AliasPublic,
    AliasSet,
    RollbackCreate,
    RollbackPublic,
)
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.domain.names import validate_alias
from modelsteward.errors import InvalidInput, NotFound

router = APIRouter(prefix=API, tags=["aliases"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
MODEL = "/models/{name:path}"


def _current_key(a: AliasPublic) -> str:
    return f"{a.alias}@{a.version}"


def _history_key(a: AliasPublic) -> str:
    return f"{a.assigned_at.isoformat()}/{a.alias}@{a.version}"


@router.put(MODEL + "/aliases/{alias}", response_model=AliasChangePublic)
def set_alias(name: str, alias: str, body: AliasSet, registry: RegistryDep,
              principal: PrincipalDep) -> AliasChangePublic:
    """Point the alias at a version (``production`` only at a version in production). An
    exclusive alias leaves the version it pointed at, named in ``previous``."""
    require_model_writer(principal, registry.get_model(name))
    previous = registry.lifecycle.set_alias(f"{name}@{body.version}", alias, body.reason)
    version = str(registry.get_version(name, body.version).id)
    return AliasChangePublic(model=name, alias=alias, version=version,
                             previous=previous if previous and previous != version else None)


@router.delete(MODEL + "/aliases/{alias}", status_code=status.HTTP_204_NO_CONTENT)
def remove_alias(name: str, alias: str, registry: RegistryDep, principal: PrincipalDep,
                 version: Annotated[str, Query(max_length=200, description=(
                     "The version to take the alias from; needed only when several hold "
                     "it."))] = "") -> Response:
    """Take the alias from a version (the one that holds it, or ``?version=``)."""
    require_model_writer(principal, registry.get_model(name))
    validate_alias(alias)
    lifecycle = registry.lifecycle
    if not version:
        holders = [a.version for a in lifecycle.aliases(name) if a.alias == alias]
        if not holders:
            raise NotFound(f"No version of {name} holds the alias {alias!r}; list them with "
                           f"GET {API}/models/{name}/aliases.")
        if len(holders) > 1:
            raise InvalidInput(f"{len(holders)} versions of {name} hold the alias {alias!r} "
                               f"({', '.join(holders)}); name one with ?version=.")
        version = holders[0]
    lifecycle.remove_alias(f"{name}@{version}", alias)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(MODEL + "/aliases", response_model=Page[AliasPublic])
def list_aliases(name: str, registry: RegistryDep, request: Request, response: Response,
                 at: Annotated[datetime | None, Query(description=(
                     "An RFC 3339 time (UTC when it has no zone): the assignments that held "
                     "then, instead of now."))] = None,
                 after: AfterQuery = "", limit: LimitQuery = 100) -> Page[AliasPublic]:
    """The aliases of the model and the versions they point at, now or ``at`` a moment, by
    alias (the cursor is ``<alias>@<version>``)."""
    lifecycle = registry.lifecycle
    if at is None:
        found = lifecycle.aliases(name)
    else:
        moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        # the same rule as ``steward history --at`` (Lifecycle.aliases_at), with the details
        found = [a for a in lifecycle.alias_history(name) if a.active_at(moment)]
    items = sorted((AliasPublic.of(a) for a in found), key=_current_key)
    return page(request, response, after_key(items, after, _current_key)[:limit + 1], limit,
                _current_key)


@router.get(MODEL + "/alias-history", response_model=Page[AliasPublic])
def list_alias_history(name: str, registry: RegistryDep, request: Request,
                       response: Response,
                       alias: Annotated[str, Query(max_length=63, description=(
                           "Only this alias."))] = "",
                       after: AfterQuery = "", limit: LimitQuery = 100) -> Page[AliasPublic]:
    """Every assignment of the model's aliases (or of one), oldest first (the cursor is
    ``<time>/<alias>@<version>``)."""
    if alias:
        validate_alias(alias)
    items = sorted((AliasPublic.of(a) for a in registry.lifecycle.alias_history(name, alias)),
                   key=_history_key)
    return page(request, response, after_key(items, after, _history_key)[:limit + 1], limit,
                _history_key)


@router.post(MODEL + "/rollbacks", response_model=RollbackPublic)
def rollback_alias(name: str, body: RollbackCreate, registry: RegistryDep,
                   principal: PrincipalDep) -> RollbackPublic:
    """Move an exclusive alias (``production`` by default) back to its most recent earlier
    target that is still eligible; 409 when there is none. The model's owner team gets a
    notice; rolling ``production`` back makes the version it left ineligible as a later
    rollback target (``blocked_reason`` in the answer)."""
    require_model_writer(principal, registry.get_model(name))
    return RollbackPublic.of(name, registry.lifecycle.rollback(name, body.alias, body.reason))
