"""A version's card in the standards' formats over HTTP, as ``steward export card`` writes
it: ``GET /models/{name}/versions/{version}/exports/{format}`` with ``format`` one of ``hf``
(a Hugging Face README.md, ``text/markdown``), ``cyclonedx`` (a CycloneDX 1.6 ML-BOM) or
``spdx`` (an SPDX 3.0.1 AI document). Read-only; the bytes are the CLI's.

Include this router before the models router, whose ``GET /models/{name:path}`` matches any
path."""

from __future__ import annotations

from fastapi import APIRouter, Response

from modelsteward.api import problems
from modelsteward.api.deps import RegistryDep
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.exports import ExportFormat

router = APIRouter(prefix=API, tags=["provenance"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)


@router.get("/models/{name:path}/versions/{version}/exports/{fmt}",
            response_class=Response,
            responses={200: {"description": "The export, in its format's media type.",
                             "content": {f.media_type.split(";")[0]: {}
                                         for f in ExportFormat}}})
def export_version_card(name: str, version: str, fmt: ExportFormat,
                        registry: RegistryDep) -> Response:
    """The version as a Hugging Face card (``hf``), a CycloneDX 1.6 ML-BOM (``cyclonedx``) or
    an SPDX 3.0.1 AI document (``spdx``), from the registry's records as of now."""
    text = registry.exports.render(f"{name}@{version}", fmt)
    return Response(text, media_type=fmt.media_type, headers={
        "Content-Disposition": f'inline; filename="{fmt.file_name}"'})
