"""Deprecation plans, ``tick``, retirement with archiving, restoring, and hosted providers'
shutdown schedules — the API of ``steward deprecate|plan|plans --missing|tick``, ``steward
retire|restore`` and ``steward providers import|upcoming``. (Notices are in ``events.py``.)

Archives and restore destinations are paths or fsspec URLs on the *server*, so only
administrators may name them; maintainers retire into the server's configured archive
(STEWARD_ARCHIVE)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api import problems
from modelsteward.api.auth import is_admin, require_model_writer
from modelsteward.api.deps import Principal, PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, after_key, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import ReembeddingCreate, one_of
from modelsteward.api.settings import ServerSettings
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.embedding import ReembeddingRecord
from modelsteward.domain.model import parse_enum
from modelsteward.domain.provider_schedules import parse_provider_schedule
from modelsteward.domain.refs import split_ref
from modelsteward.errors import InvalidInput, NotAuthorised
from modelsteward.notify.settings import NotifySettings

router = APIRouter(prefix=API, tags=["deprecations"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)


def _admin_only(principal: Principal, what: str) -> None:
    """Raise :class:`NotAuthorised` unless the caller is an administrator."""
    if not is_admin(principal):
        raise NotAuthorised(f"{principal.name} may not {what}: that needs the admin role. Ask "
                            "an administrator.")


class PlanPublic(BaseModel):
    id: str
    model: str | None
    target: str
    reason: str
    replacement: str | None
    announced: date
    soft_deadline: date
    hard_deadline: date
    phase: str
    migration_steps: list[str]
    support_window: str | None
    redirect: bool

    @classmethod
    def of(cls, p: DeprecationPlan, today: date) -> PlanPublic:
        return cls(id=p.id, model=p.model or None, target=p.ref, reason=p.reason.value,
                   replacement=p.replacement or None, announced=p.announced,
                   soft_deadline=p.soft_deadline, hard_deadline=p.hard_deadline,
                   phase=p.phase(today).value, migration_steps=list(p.migration_steps),
                   support_window=p.support_window or None, redirect=p.redirect)


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(max_length=300, examples=["support-bot@2.1.3", "support-bot@^2"],
                        description="MODEL@VERSION, MODEL@PIN, or an upstream package URL.")
    reason: str = Field(examples=[r.value for r in DeprecationReason],
                        json_schema_extra=one_of(DeprecationReason))
    replacement: str = Field(default="", max_length=300, examples=["support-bot@^3"])
    announced: date | None = Field(default=None, description="Default: today.")
    soft_deadline: date
    hard_deadline: date
    migration_steps: list[str] = Field(default_factory=list)
    support_window: str = Field(default="", max_length=500)
    redirect: StrictBool = Field(default=False, description="After the hard deadline, resolve "
                                                            "to the replacement instead of "
                                                            "refusing.")
    reembedding: ReembeddingCreate | None = Field(
        default=None, description="An embedding model's data migration: moving its consumers "
                                  "to the replacement re-embeds the documents.")


class ReembeddingRecordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(max_length=300, examples=["text-embedding-3-small@1.0.0"],
                        description="MODEL, MODEL@VERSION or MODEL@PIN moved from.")
    target: str = Field(default="", max_length=300, examples=["text-embedding-3-small@^2"],
                        description="MODEL@PIN moved to; empty: anywhere.")
    consumer: str = Field(default="", max_length=200,
                          description="Only this consumer's move; empty: every consumer's.")
    plan: ReembeddingCreate


class ReembeddingRecordPublic(BaseModel):
    model: str
    source: str | None
    target: str | None
    deprecation_plan: str | None
    consumer: str | None
    plan: ReembeddingCreate
    description: str = Field(examples=["re-embed ~2M documents (~$500, ~4h), rebuilding the "
                                       "index docs-v2"])
    seq: int = Field(description="The event that recorded it.")

    @classmethod
    def of(cls, r: ReembeddingRecord) -> ReembeddingRecordPublic:
        return cls(model=r.model, source=r.source or None, target=r.target or None,
                   deprecation_plan=r.deprecation_plan or None, consumer=r.consumer or None,
                   plan=ReembeddingCreate(documents=r.plan.documents, cost=r.plan.cost,
                                          hours=r.plan.hours, index=r.plan.index),
                   description=r.plan.describe(), seq=r.seq)


class OverduePublic(BaseModel):
    ref: str = Field(examples=["support-bot@2.1.3"])
    plan: str
    why: str = Field(description="Why it was not retired: it holds production and the "
                                 "replacement could not take it.")


class TickPublic(BaseModel):
    retired: list[str]
    notices: int
    failures: list[str]
    reminders: int = Field(description="Deadline reminders written (STEWARD_REMINDER_DAYS).")
    overdue: list[OverduePublic] = Field(
        default_factory=list, description="Versions past their hard deadline that were not "
                                          "retired because they hold production.")
    compliance: dict[str, Any] | None = Field(
        default=None, description="The compliance outcomes recorded: the models whose outcomes "
                                  "changed and the drift notices written (`changed`, `drifted`).")


class RetirementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(max_length=300, examples=["support-bot@2.1.3"])
    reason: str = Field(min_length=1, max_length=2000)
    archive: str | None = Field(default=None, max_length=2000,
                                description="Administrators only: a path or fsspec URL on the "
                                            "server. Default: the server's STEWARD_ARCHIVE.")
    source: str | None = Field(default=None, max_length=2000,
                               description="Administrators only: where the weights are now, on "
                                           "the server. Default: where they were registered "
                                           "from.")
    interview: dict[str, str] | None = Field(
        default=None, description="Answers to the post-deployment interview, by question id.")


class RetirementPublic(BaseModel):
    ref: str
    stage: str
    archive: str | None
    report: str | None


class RestorationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(max_length=300, examples=["support-bot@2.1.3"])
    destination: str = Field(min_length=1, max_length=2000,
                             description="An empty or new folder on the server.")


class RestorationPublic(BaseModel):
    ref: str
    destination: str


class SkippedShutdownPublic(BaseModel):
    file: str
    row: int
    ref: str
    replacement: str | None
    reason: str
    fix: str | None


class ProviderImportPublic(BaseModel):
    shutdowns: int
    planned: list[str]
    unchanged: list[str]
    unmatched: int
    skipped: list[SkippedShutdownPublic]


class UpcomingPublic(BaseModel):
    ref: str
    hard_deadline: date
    phase: str
    reason: str
    replacement: str | None
    consumers: int
    teams: int


@router.get("/deprecations", response_model=Page[PlanPublic])
def list_deprecations(registry: RegistryDep, request: Request, response: Response,
                      model: Annotated[str, Query(max_length=129)] = "",
                      after: AfterQuery = "", limit: LimitQuery = 100) -> Page[PlanPublic]:
    """Deprecation plans, of one model or of every model (by model, then in the order they
    were made; the cursor is a plan id)."""
    today = registry.clock.now().date()
    found = (after_key(registry.deprecations.plans(model), after, lambda p: p.id) if model
             else registry.deprecations.every_plan_page(after, limit + 1))
    return page(request, response, [PlanPublic.of(p, today) for p in found[:limit + 1]], limit,
                lambda p: p.id)


@router.post("/deprecations", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
def create_deprecation(body: PlanCreate, registry: RegistryDep,
                       principal: PrincipalDep) -> PlanPublic:
    """Plan the end of a version or a range (or, for administrators, of an upstream model named
    by package URL): reason, replacement, migration steps and dates."""
    if body.target.startswith("pkg:"):
        _admin_only(principal, "deprecate an upstream model")
    else:
        require_model_writer(principal, registry.get_model(body.target.partition("@")[0]))
    today = registry.clock.now().date()
    made = registry.deprecations.plan(
        body.target, reason=parse_enum(DeprecationReason, body.reason, "deprecation reason"),
        replacement=body.replacement, announced=body.announced or today,
        soft_deadline=body.soft_deadline, hard_deadline=body.hard_deadline,
        migration_steps=tuple(body.migration_steps), support_window=body.support_window,
        redirect=body.redirect,
        reembedding=body.reembedding.plan() if body.reembedding is not None else None)
    return PlanPublic.of(made, today)


@router.post("/reembeddings", response_model=ReembeddingRecordPublic,
             status_code=status.HTTP_201_CREATED)
def record_reembedding(body: ReembeddingRecordCreate, registry: RegistryDep,
                       principal: PrincipalDep) -> ReembeddingRecordPublic:
    """Record the re-embedding plan for moving consumers of an embedding model (all, or one
    consumer's move) to another version or model (the model's team)."""
    require_model_writer(principal, registry.get_model(body.source.partition("@")[0]))
    return ReembeddingRecordPublic.of(registry.deprecations.record_reembedding(
        body.source, body.plan.plan(), target=body.target, consumer=body.consumer))


@router.get("/deprecations/missing", response_model=Page[str])
def list_models_without_plans(registry: RegistryDep, request: Request, response: Response,
                              after: AfterQuery = "", limit: LimitQuery = 100) -> Page[str]:
    """Models with neither a deprecation plan nor a support policy (the cursor is a name)."""
    found = registry.deprecations.missing_page(after, limit + 1)
    return page(request, response, found[:limit + 1], limit, lambda n: n)


@router.post("/deprecations/tick", response_model=TickPublic)
def tick_deprecations(request: Request, registry: RegistryDep,
                      principal: PrincipalDep) -> TickPublic:
    """Bring deprecation phases up to date (administrators): notices, the deadline reminders
    due today, and retirement at the hard deadline — weights are archived into the server's
    archive first."""
    _admin_only(principal, "run the deprecation tick")
    settings: ServerSettings = request.app.state.settings
    notify: NotifySettings = request.app.state.notify_settings
    report = registry.deprecations.tick(archive=settings.registry.archive,
                                        reminder_days=notify.reminder_days)
    recorded = registry.compliance.record()
    return TickPublic(retired=list(report.retired), notices=report.notices,
                      failures=list(report.failures), reminders=report.reminders,
                      overdue=[OverduePublic(ref=o.ref, plan=o.plan, why=o.why)
                               for o in report.overdue], compliance=recorded.as_payload())


@router.post("/retirements", response_model=RetirementPublic,
             status_code=status.HTTP_201_CREATED)
def retire_version(body: RetirementCreate, request: Request, registry: RegistryDep,
                   principal: PrincipalDep) -> RetirementPublic:
    """Retire a deprecated or rejected version: its weights are archived and verified first,
    and a retirement report is written beside them (a hosted snapshot without weights simply
    retires)."""
    model_name, version_text = split_ref(body.ref)
    require_model_writer(principal, registry.get_model(model_name))
    if body.archive is not None or body.source is not None:
        _admin_only(principal, "name a server-side archive or source")
    version = registry.get_version(model_name, version_text)
    if not version.digest:
        if body.interview:
            raise InvalidInput(f"{version.ref} has no weights, so there is no retirement "
                               "report for interview answers; leave `interview` out.")
        moved = registry.lifecycle.retire(body.ref, body.reason)
        return RetirementPublic(ref=moved.ref, stage=moved.stage.value, archive=None,
                                report=None)
    settings: ServerSettings = request.app.state.settings
    result = registry.retirements.retire(
        body.ref, body.archive or settings.registry.archive, reason=body.reason,
        source=Path(body.source) if body.source else None, interview=body.interview)
    return RetirementPublic(ref=result.ref, stage="retired", archive=result.archive,
                            report=f"{result.archive}.retirement-report.md")


@router.post("/restorations", response_model=RestorationPublic,
             status_code=status.HTTP_201_CREATED)
def restore_version(body: RestorationCreate, registry: RegistryDep,
                    principal: PrincipalDep) -> RestorationPublic:
    """Copy a retired version's archived weights to a folder on the server and verify them
    (administrators)."""
    _admin_only(principal, "restore weights onto the server")
    registry.retirements.restore(body.ref, Path(body.destination))
    return RestorationPublic(ref=body.ref, destination=body.destination)


@router.post("/providers/shutdowns", response_model=ProviderImportPublic)
def import_provider_schedule(
        document: Annotated[dict[str, Any], Body(description=(
            "LiteLLM's model_prices_and_context_window.json, or a shutdown table "
            "({\"shutdowns\": [...]}) as JSON."))],
        registry: RegistryDep, principal: PrincipalDep,
        soft_days: Annotated[int, Query(ge=0, le=3650)] = 30) -> ProviderImportPublic:
    """Import a provider shutdown schedule (administrators): matching hosted snapshots get
    provider-shutdown deprecation plans; importing the same schedule again changes nothing.
    Rows that cannot apply, and replacements left out, are listed in ``skipped`` (``file`` is
    ``body``, ``row`` the 1-based entry number); the rest is imported."""
    _admin_only(principal, "import provider schedules")
    shutdowns = parse_provider_schedule(document, source="body")
    result = registry.providers.import_shutdowns(shutdowns, soft_days=soft_days)
    return ProviderImportPublic(
        shutdowns=len(shutdowns), planned=list(result.planned),
        unchanged=list(result.unchanged), unmatched=result.unmatched,
        skipped=[SkippedShutdownPublic(file=s.file, row=s.row, ref=s.ref,
                                       replacement=s.replacement or None, reason=s.reason,
                                       fix=s.fix or None) for s in result.skipped])


@router.get("/providers/upcoming", response_model=Page[UpcomingPublic])
def list_upcoming_shutdowns(registry: RegistryDep, request: Request, response: Response,
                            within_days: Annotated[int, Query(ge=0, le=36500)] = 90,
                            after: AfterQuery = "",
                            limit: LimitQuery = 100) -> Page[UpcomingPublic]:
    """What goes away within ``within_days`` (hard deadlines, soonest first) and how many
    consumers and teams it reaches (the cursor is a ``model@target`` ref)."""
    found = after_key(registry.providers.upcoming(within_days), after, lambda u: u.ref)
    return page(request, response,
                [UpcomingPublic(ref=u.ref, hard_deadline=u.hard_deadline, phase=u.phase,
                                reason=u.reason, replacement=u.replacement or None,
                                consumers=u.consumers, teams=u.teams)
                 for u in found[:limit + 1]], limit, lambda u: u.ref)
