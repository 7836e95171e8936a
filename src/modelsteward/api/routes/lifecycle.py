"""The lifecycle of one version over HTTP, as ``steward promote|approve|reject|override``,
``steward check``, ``steward eval``, ``steward compare`` and ``steward monitor record`` do it:

* ``POST …/versions/{version}/promotions`` (``dry_run`` lists what the gates require),
  ``/rejections``, ``/overrides``, ``/approvals``, ``/checks``, ``/evaluations``,
  ``/measurements``;
* ``GET`` of the same collections (keyset pages, oldest first) and of ``/comparison``.

Changes need the maintainer role on the model's team (or admin); approvals need the approver
role on the model's team (or a cross-team committee the policy names) and are signed by the
caller (``principal.name``), never by a name in the body. Retirement
and restoration (which archive weights) are not served here.

Every route sits under ``/models/{name:path}/versions/{version}/…``: the router must be
included before the models router, whose ``GET /models/{name:path}`` matches any path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from modelsteward.api import problems
from modelsteward.api.auth import require_approver, require_model_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.lifecycle_schemas import (
    EVALUATION_EXAMPLE,
    ApprovalCreate,
    ApprovalPublic,
    CheckCreate,
    CheckPublic,
    ComparisonPublic,
    EvaluationPublic,
    MeasurementCreate,
    MonitorPublic,
    OverrideCreate,
    OverridePublic,
    PromotionCreate,
    PromotionPublic,
    RejectionCreate,
)
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import VersionPublic
from modelsteward.domain.evaluation_file import parse_evaluation
from modelsteward.domain.gates import GateReport
from modelsteward.domain.lifecycle import Gate, Stage
from modelsteward.domain.model import parse_enum
from modelsteward.service.registry import Registry

router = APIRouter(prefix=API, tags=["lifecycle"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
VERSION = "/models/{name:path}/versions/{version}"


def _ref(name: str, version: str) -> str:
    return f"{name}@{version}"


def _writable(registry: Registry, principal: PrincipalDep, name: str) -> None:
    """Refuse (:class:`NotAuthorised`) a caller who may not change ``name``; 404 first for a
    model that does not exist."""
    require_model_writer(principal, registry.get_model(name))


# promotion, rejection, overrides ----------------------------------------------------------------


@router.post(VERSION + "/promotions", response_model=PromotionPublic)
def promote_version(name: str, version: str, body: PromotionCreate, registry: RegistryDep,
                    principal: PrincipalDep) -> PromotionPublic:
    """Move the version one stage on through that stage's gates (to production: also the
    ``production`` alias). A refusal is a 409 problem listing every unmet requirement; with
    ``dry_run`` the answer lists them instead and nothing changes (any reader may ask)."""
    ref = _ref(name, version)
    target = parse_enum(Stage, body.to, "stage")
    if not body.dry_run:
        _writable(registry, principal, name)
    lifecycle = registry.lifecycle
    # the report is read first to show the overrides used; promote() checks the gates again
    # inside its own transaction and is the one that decides
    report = lifecycle.gate_report(ref, target)
    if body.dry_run:
        current = VersionPublic.of(registry.get_version(name, version))
        return PromotionPublic.of(report, current, target.value, dry_run=True)
    moved = lifecycle.promote(ref, target)
    passed = GateReport(unmet=(), overridden=report.overridden)
    return PromotionPublic.of(passed, VersionPublic.of(moved), target.value, dry_run=False)


@router.post(VERSION + "/rejections", response_model=VersionPublic)
def reject_version(name: str, version: str, body: RejectionCreate, registry: RegistryDep,
                   principal: PrincipalDep) -> VersionPublic:
    """Reject the version at any gate before production (the reason is recorded); it then no
    longer resolves."""
    _writable(registry, principal, name)
    return VersionPublic.of(registry.lifecycle.reject(_ref(name, version), body.reason))


@router.post(VERSION + "/overrides", response_model=OverridePublic, status_code=201)
def override_gate(name: str, version: str, body: OverrideCreate, registry: RegistryDep,
                  principal: PrincipalDep) -> OverridePublic:
    """Waive one gate (validation, evaluation, staging or approval) for this version, with a
    reason. Only callers listed as administrators in the policy may, and only on models they
    may change."""
    _writable(registry, principal, name)
    gate = parse_enum(Gate, body.gate, "gate")
    return OverridePublic.of(registry.lifecycle.override(_ref(name, version), gate, body.reason))


@router.get(VERSION + "/overrides", response_model=Page[OverridePublic])
def list_overrides(name: str, version: str, registry: RegistryDep, request: Request,
                   response: Response, after: AfterQuery = "",
                   limit: LimitQuery = 100) -> Page[OverridePublic]:
    """The gate overrides of the version, oldest first (the cursor is ``<time>/<gate>``)."""
    def key(o: OverridePublic) -> str:
        return f"{o.at.isoformat()}/{o.gate}"
    found = sorted((OverridePublic.of(o)
                    for o in registry.lifecycle.overrides(_ref(name, version))), key=key)
    return page(request, response, after_key(found, after, key)[:limit + 1], limit, key)


# approvals --------------------------------------------------------------------------------------


@router.post(VERSION + "/approvals", response_model=ApprovalPublic, status_code=201)
def approve_version(name: str, version: str, body: ApprovalCreate, registry: RegistryDep,
                    principal: PrincipalDep) -> ApprovalPublic:
    """Approve the version for production in ``role``, as the caller. Needs the approver role
    (signing for ``role``) or admin; the policy may still refuse (400, every problem listed):
    a role that cannot approve the model's risk tier, the author of a high-risk version, a
    review date in the past or too far away. An approver approves only its own team's
    models, unless the policy names its team a committee for ``role``
    (``approval.committees``)."""
    require_approver(principal, body.role, registry.get_model(name).owner_team,
                     registry.policy.committee_for(body.role))
    approval = registry.lifecycle.approve(
        _ref(name, version), role=body.role, evidence=body.evidence,
        risks_accepted=body.risks_accepted, monitoring_plan=body.monitoring_plan,
        rollback_plan=body.rollback_plan, next_review=body.next_review)
    return ApprovalPublic.of(approval)


@router.get(VERSION + "/approvals", response_model=Page[ApprovalPublic])
def list_approvals(name: str, version: str, registry: RegistryDep, request: Request,
                   response: Response, after: AfterQuery = "",
                   limit: LimitQuery = 100) -> Page[ApprovalPublic]:
    """The approvals of the version, oldest first (the cursor is an approval id)."""
    found = sorted((ApprovalPublic.of(a)
                    for a in registry.lifecycle.approvals(_ref(name, version))),
                   key=lambda a: (a.approved_at, a.id))
    return page(request, response, after_key(found, after, lambda a: a.id)[:limit + 1], limit,
                lambda a: a.id)


# staging checks ---------------------------------------------------------------------------------


@router.post(VERSION + "/checks", response_model=CheckPublic, status_code=201)
def record_check(name: str, version: str, body: CheckCreate, registry: RegistryDep,
                 principal: PrincipalDep) -> CheckPublic:
    """Record the outcome of a staging check (``loads-and-serves``, ``rollback-rehearsed``,
    …); a later record of the same check supersedes an earlier one."""
    _writable(registry, principal, name)
    return CheckPublic.of(registry.lifecycle.record_check(_ref(name, version), body.name,
                                                          body.passed, body.evidence))


@router.get(VERSION + "/checks", response_model=Page[CheckPublic])
def list_checks(name: str, version: str, registry: RegistryDep, request: Request,
                response: Response, after: AfterQuery = "",
                limit: LimitQuery = 100) -> Page[CheckPublic]:
    """The staging checks recorded for the version, oldest first (the cursor is
    ``<time>/<check>``)."""
    def key(c: CheckPublic) -> str:
        return f"{c.recorded_at.isoformat()}/{c.name}"
    found = sorted((CheckPublic.of(c) for c in registry.lifecycle.checks(_ref(name, version))),
                   key=key)
    return page(request, response, after_key(found, after, key)[:limit + 1], limit, key)


# evaluations and comparison ---------------------------------------------------------------------


@router.post(VERSION + "/evaluations", response_model=EvaluationPublic, status_code=201)
def record_evaluation(name: str, version: str,
                      body: Annotated[dict[str, Any], Body(examples=[EVALUATION_EXAMPLE])],
                      registry: RegistryDep, principal: PrincipalDep) -> EvaluationPublic:
    """Store an immutable evaluation result: the document ``steward eval record`` reads
    (``suite``, ``dataset_digest``, ``metrics``, optional ``cost_per_1k_requests``,
    ``latency_ms`` and ``directions``). Every problem of the document is listed with its
    location (422), a direction that contradicts the policy's among them."""
    _writable(registry, principal, name)
    result = parse_evaluation(body, source="the evaluation")
    stored = registry.lifecycle.record_evaluation(_ref(name, version), result)
    return EvaluationPublic.of(stored)


@router.get(VERSION + "/evaluations", response_model=Page[EvaluationPublic])
def list_evaluations(name: str, version: str, registry: RegistryDep, request: Request,
                     response: Response, after: AfterQuery = "",
                     limit: LimitQuery = 100) -> Page[EvaluationPublic]:
    """The evaluation results of the version, oldest first (the cursor is an evaluation id)."""
    found = [EvaluationPublic.of(e)
             for e in registry.lifecycle.evaluations(_ref(name, version))]
    return page(request, response, after_key(found, after, lambda e: e.id)[:limit + 1], limit,
                lambda e: e.id)


@router.get(VERSION + "/comparison", response_model=ComparisonPublic)
def compare_version(name: str, version: str, registry: RegistryDep,
                    against: Annotated[str, Query(max_length=200, description=(
                        "The baseline: an alias or a version of the same model."))] = "production",
                    ) -> ComparisonPublic:
    """Quality, cost and latency deltas against a baseline on the suites both have, and a
    recommendation."""
    return ComparisonPublic.of(registry.lifecycle.compare(_ref(name, version), against))


# monitoring -------------------------------------------------------------------------------------


@router.post(VERSION + "/measurements", response_model=MonitorPublic, status_code=201)
def record_measurements(name: str, version: str, body: MeasurementCreate, registry: RegistryDep,
                        principal: PrincipalDep) -> MonitorPublic:
    """Store production measurements. A value beyond a policy monitoring threshold marks the
    version degraded and, when the policy says so, rolls production back in the same
    transaction; the answer says which thresholds broke and where production went."""
    _writable(registry, principal, name)
    ref = _ref(name, version)
    return MonitorPublic.of(ref, registry.lifecycle.record_measurements(ref, body.values))
