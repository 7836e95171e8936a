"""Experiments and canaries over HTTP, as ``steward experiment …`` does it:

* ``POST /experiments`` starts one from the document a file holds (``steward experiment start``);
  ``GET /experiments`` and ``GET /experiments/{name}`` read them;
* ``GET /route?experiment=…&unit=…`` and ``POST /route`` (many units) give units their version;
* ``POST /experiments/{name}/outcomes`` keeps a batch of outcomes (a JSON array, or JSON lines
  with ``Content-Type: application/x-ndjson``);
* ``GET /experiments/{name}/results`` analyses it; ``POST /experiments/{name}/decisions`` ends
  it (a promotion goes through the production gates);
* ``GET /experiments/{name}/verdict`` (for an Argo Rollouts ``web`` metric) and
  ``POST /experiments/{name}/flagger`` (a Flagger webhook: 200 to go on, 409 to halt) judge it.

Starting, reporting outcomes and deciding need the maintainer role on the model's team (or
admin), checked against the model read in the write transaction; routing is a read.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from modelsteward.api import problems
from modelsteward.api.auth import require_model_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.experiment_schemas import (
    EXPERIMENT_EXAMPLE,
    OUTCOMES_EXAMPLE,
    DecisionCreate,
    ExperimentPublic,
    ExperimentReportPublic,
    IngestedPublic,
    RouteBatch,
    RoutingPublic,
    RoutingsPublic,
    VerdictPublic,
)
from modelsteward.api.json_body import BodyInvalid, decode_json
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.domain.experiment import Action
from modelsteward.domain.experiment_file import parse_experiment
from modelsteward.domain.model import Model

router = APIRouter(prefix=API, tags=["experiments"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-lines")


@router.post("/experiments", response_model=ExperimentPublic, status_code=201)
def start_experiment(body: Annotated[dict[str, Any], Body(examples=[EXPERIMENT_EXAMPLE])],
                     registry: RegistryDep, principal: PrincipalDep) -> ExperimentPublic:
    """Start an A/B/n experiment or a canary from its definition (the fields of an
    experiment file: ``name``, ``model``, ``control``, ``treatment`` or ``treatments``,
    ``traffic_split`` or ``weights``, ``coverage``, ``unit``, ``seed``, ``start``,
    ``duration``, ``primary``, ``guardrails``, ``design``, ``canary``). Every arm must be a
    version the policy calls eligible. Every problem of the document is listed with its
    location (422)."""
    spec = parse_experiment(body, source="the experiment")

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    return ExperimentPublic.of(registry.experiments.start(spec, authorize=authorize))


@router.get("/experiments", response_model=Page[ExperimentPublic])
def list_experiments(registry: RegistryDep, request: Request, response: Response,
                     model: Annotated[str, Query(max_length=129)] = "",
                     running: bool = False, after: AfterQuery = "",
                     limit: LimitQuery = 100) -> Page[ExperimentPublic]:
    """Experiments by name (of ``model``; only running ones with ``running``)."""
    found = registry.experiments.list(model, running=running, after=after, limit=limit + 1)
    return page(request, response, [ExperimentPublic.of(e) for e in found], limit,
                lambda e: e.name)


@router.get("/experiments/{name}", response_model=ExperimentPublic)
def get_experiment(name: str, registry: RegistryDep) -> ExperimentPublic:
    """One experiment: its arms (with their current weights), metrics, design and state."""
    return ExperimentPublic.of(registry.experiments.get(name))


@router.get("/route", response_model=RoutingPublic)
def route(experiment: Annotated[str, Query(max_length=100, examples=["summarizer-sonnet-ab"])],
          unit: Annotated[str, Query(max_length=200, examples=["user-42"])],
          registry: RegistryDep) -> RoutingPublic:
    """The version ``unit`` gets from ``experiment``: its arm's, the same on every call (and
    the same arm a GrowthBook SDK gives for the experiment's seed and weights). A unit outside
    the experiment (beyond its coverage, before its start, after its end) gets the version
    everyone else gets, with ``arm: null``. A version that is no longer eligible is never
    given out: its units get the control's."""
    return RoutingPublic.of(registry.experiments.route(experiment, unit))


@router.post("/route", response_model=RoutingsPublic)
def route_many(body: RouteBatch, registry: RegistryDep) -> RoutingsPublic:
    """``GET /route`` for up to 10,000 units at once, in the order given."""
    return RoutingsPublic(items=[RoutingPublic.of(r) for r in
                                 registry.experiments.route_many(body.experiment, body.units)])


@router.post("/experiments/{name}/outcomes", response_model=IngestedPublic, status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "array", "items": {"type": "object"}},
                                      "example": OUTCOMES_EXAMPLE},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def ingest_outcomes(name: str, request: Request, registry: RegistryDep,
                          principal: PrincipalDep) -> IngestedPublic:
    """Keep a batch of outcomes: per outcome ``unit``, ``metrics`` (the experiment's metrics
    and their values; a proportion's is 0 or 1), and optionally ``arm`` (default: the unit's
    arm) and ``at`` (default: now). Only per-arm, per-day sums are kept. One bad outcome
    refuses the whole batch, every problem located (``$[3].metrics.latency_p95_ms``)."""
    # decoded in the thread pool: a large batch would hold up every other request on the loop
    items = await run_in_threadpool(_outcomes, await request.body(),
                                    request.headers.get("content-type", ""))

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    ingested = await run_in_threadpool(registry.experiments.ingest, name, items,
                                       authorize=authorize)
    return IngestedPublic.of(ingested)


@router.get("/experiments/{name}/results", response_model=ExperimentReportPublic)
def experiment_results(name: str, registry: RegistryDep) -> ExperimentReportPublic:
    """The analysis now: per treatment and metric the estimate (relative lift) with its
    interval, the p-value and the decision; the always-valid sequential test of the primary
    metric; the sample-ratio check (a mismatch blocks the decision); the days to a decision at
    the current traffic; contradictions with the offline comparison; and what to do."""
    return ExperimentReportPublic.of(registry.experiments.report(name))


@router.post("/experiments/{name}/decisions", response_model=ExperimentPublic)
def decide_experiment(name: str, body: DecisionCreate, registry: RegistryDep,
                      principal: PrincipalDep) -> ExperimentPublic:
    """End the experiment: ``promote`` a treatment (through the production gates — the
    approvals the model's risk tier needs — with the analysis recorded as evidence; refused
    while the split of units is broken or a guardrail of the arm is worse than its margin),
    ``rollback`` or ``stop``. The model's team and the teams using it are told."""
    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    return ExperimentPublic.of(registry.experiments.decide(
        name, Action(body.action), body.reason, arm=body.arm, authorize=authorize))


@router.get("/experiments/{name}/verdict", response_model=VerdictPublic)
def experiment_verdict(name: str, registry: RegistryDep) -> VerdictPublic:
    """The verdict a delivery tool judges: ``pass``, ``hold`` or ``fail`` (and ``healthy``).
    For an Argo Rollouts ``web`` metric: ``successCondition: result.verdict == 'pass'``,
    ``failureCondition: result.verdict == 'fail'`` (a hold is inconclusive)."""
    report = registry.experiments.report(name)
    return VerdictPublic.of(report, registry.experiments.get(name))


@router.post("/experiments/{name}/flagger", response_model=VerdictPublic,
             responses={409: {"model": VerdictPublic,
                              "description": "Halt: the verdict is hold or fail"}})
def flagger_webhook(name: str, registry: RegistryDep,
                    body: Annotated[dict[str, Any] | None, Body()] = None,
                    rollback: Annotated[bool, Query(description=(
                        "Answer as Flagger's rollback webhook: 200 when the canary must be "
                        "rolled back"))] = False) -> Response:
    """A Flagger webhook: 200 to proceed (the verdict is ``pass``), 409 to halt, with the
    verdict as the body. With ``rollback=true`` it answers as Flagger's ``rollback`` webhook:
    200 when the verdict is ``fail``. Flagger's own payload (name, namespace, phase, metadata)
    is accepted and not needed."""
    report = registry.experiments.report(name)
    verdict = VerdictPublic.of(report, registry.experiments.get(name))
    go = verdict.verdict == "fail" if rollback else verdict.verdict == "pass"
    return JSONResponse(verdict.model_dump(), status_code=200 if go else 409)


def _outcomes(body: bytes, content_type: str) -> list[Any]:
    """The outcomes of a body: a JSON array, or one JSON object per line."""
    if content_type.split(";")[0].strip().lower() in NDJSON:
        items = []
        for number, line in enumerate(body.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(decode_json(line))
            except json.JSONDecodeError as exc:
                raise BodyInvalid(f"Line {number} of the JSON lines is not JSON ({exc.msg} at "
                                  f"column {exc.colno}); send one outcome object per "
                                  "line.") from None
        return items
    try:
        value = decode_json(body)
    except json.JSONDecodeError as exc:
        raise BodyInvalid(f"The body is not JSON ({exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}); send a JSON array of outcomes, or JSON lines with "
                          "Content-Type: application/x-ndjson.") from None
    if not isinstance(value, list):
        raise BodyInvalid("The body must be a JSON array of outcomes (or JSON lines with "
                          "Content-Type: application/x-ndjson).")
    return value
