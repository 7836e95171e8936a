"""The compliance report over HTTP, as ``steward compliance`` gives it:
``GET /compliance?model=…|team=…&format=json|markdown|html`` (a read)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from modelsteward.api import problems
from modelsteward.api.deps import RegistryDep
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute

router = APIRouter(prefix=API, tags=["compliance"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)


@router.get("/compliance", response_class=Response, responses={200: {
    "description": "The report: JSON (default), Markdown or a standalone HTML page.",
    "content": {"application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}}}}})
def compliance_report(registry: RegistryDep,
                      model: Annotated[str, Query(max_length=129)] = "",
                      team: Annotated[str, Query(max_length=63)] = "",
                      format: Literal["json", "markdown", "html"] = "json") -> Response:
    """Factor 15's ten checklist items for ``model``, the models of ``team`` or every model:
    pass / fail / not applicable, with the evidence (event sequence numbers, lock digests,
    experiment ids, plan ids) and the remediation command, plus an EU AI Act Annex IV / NIST
    AI RMF evidence pack for each high-risk model. 404 for an unknown model; 422 when both
    ``model`` and ``team`` are given."""
    report = registry.compliance.report(model or None, team or None)
    if format == "markdown":
        from modelsteward.reports.compliance import to_markdown

        return PlainTextResponse(to_markdown(report), media_type="text/markdown; charset=utf-8")
    if format == "html":
        from modelsteward.reports.compliance import to_html

        return HTMLResponse(to_html(report))
    return JSONResponse(report.as_payload())
