"""The OpenAPI document: FastAPI's, plus how to authenticate.

Every operation that needs to know who is calling (it depends on
:func:`~modelsteward.api.deps.get_principal`) declares the HTTP bearer scheme ``bearer``
(``Authorization: Bearer <token>``), so that clients, generators and the interactive
documentation's "Authorize" button know to send a token. When anonymous reading is on, reads
(:func:`~modelsteward.api.auth.is_read`) declare the token optional (``{}`` as an alternative).
Operations that need no token (``/healthz``, ``/readyz``, ``/metrics``) declare nothing.

Path parameters state the rules the server checks them by (:data:`PATH_RULES`): a model or
consumer name, an alias and a version id answer 400 naming the rule when they break it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from modelsteward.api.auth import is_read
from modelsteward.api.deps import get_principal
from modelsteward.domain.names import ALIAS_NAME, MODEL_NAME_PATTERN
from modelsteward.domain.versioning import VERSION_ID_PATTERN

SCHEME = "bearer"
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    SCHEME: {"type": "http", "scheme": "bearer",
             "description": "An API token (`stw_…`) made by `steward token create`; on first "
                            "start the server writes an administrator token to "
                            "`$STEWARD_HOME/admin-token`."},
}


# the JSON Schema of each path parameter, by its name (models and consumers share the name rule)
PATH_RULES: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "pattern": MODEL_NAME_PATTERN, "maxLength": 129},
    "model": {"type": "string", "pattern": MODEL_NAME_PATTERN, "maxLength": 129},
    "alias": {"type": "string", "pattern": f"^{ALIAS_NAME.pattern}$", "maxLength": 63},
    "version": {"type": "string", "pattern": VERSION_ID_PATTERN, "minLength": 1,
                "maxLength": 200},
}


def add_parameter_rules(document: dict[str, Any]) -> None:
    """State :data:`PATH_RULES` on every path parameter of ``document`` that they name."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                rule = PATH_RULES.get(parameter.get("name", ""))
                if parameter.get("in") == "path" and rule is not None:
                    parameter["schema"] = {**parameter.get("schema", {}), **rule}


def needs_principal(dependant: Dependant) -> bool:
    """Whether ``dependant`` (or anything it depends on) asks who is calling."""
    return any(sub.call is get_principal or needs_principal(sub)
               for sub in dependant.dependencies)


def add_security(document: dict[str, Any], routes: Iterable[BaseRoute],
                 anonymous_read: bool) -> None:
    """Declare the bearer scheme in ``document`` and on each operation of ``routes`` that
    needs a token (optional for reads when ``anonymous_read``)."""
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(
        SECURITY_SCHEMES)
    paths: dict[str, dict[str, dict[str, Any]]] = document.get("paths", {})
    for route in routes:
        if not (isinstance(route, APIRoute) and route.include_in_schema
                and needs_principal(route.dependant)):
            continue
        operations = paths.get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            # the authenticator's own rule, asked about a request to this operation
            read = is_read(Request({"type": "http", "method": method, "path": route.path}))
            required: list[dict[str, list[str]]] = [{SCHEME: []}]
            operation["security"] = [*required, {}] if anonymous_read and read else required


def install(app: FastAPI, anonymous_read: bool) -> None:
    """Make ``app``'s OpenAPI document (built once, at the first request for it) carry the
    security declarations of :func:`add_security` and the path rules of
    :func:`add_parameter_rules`."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()  # FastAPI's: it keeps it in app.openapi_schema
            add_security(document, app.routes, anonymous_read)
            add_parameter_rules(document)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
