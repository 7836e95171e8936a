"""``GET /api/v1/resolve``: the call every application makes at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from modelsteward.api.routes import API
from modelsteward.api.deps import RegistryDep
from modelsteward.api.headers import mark_deprecated
from modelsteward.api.schemas import ResolutionPublic

router = APIRouter(prefix=API, tags=["resolution"])


@router.get("/resolve", response_model=ResolutionPublic)
def resolve(model: Annotated[str, Query(max_length=129, examples=["support-bot"])],
            pin: Annotated[str, Query(max_length=200, examples=["^2.1"])],
            registry: RegistryDep, response: Response) -> ResolutionPublic:
    """The version ``pin`` resolves to now, with what a deprecation plan says about it (also as
    Deprecation, Sunset and Link headers)."""
    found = registry.resolution(model, pin)
    if found.plan is not None:
        mark_deprecated(response, found.plan)
    version = found.version
    return ResolutionPublic(model=version.model, pin=pin, version=str(version.id),
                            ref=version.ref,
                            digest=f"sha256:{version.digest}" if version.digest else None,
                            stage=version.stage.value, warning=found.warning or None,
                            redirected_from=found.redirected_from or None,
                            inherited_from=found.inherited_from or None)
