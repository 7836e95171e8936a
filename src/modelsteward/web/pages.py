"""The web pages' routes: each reads through the same services as the API (often the API's own
route functions, so that authorisation and gates are literally the same code), and hands plain
values to a template. Nothing here decides a rule of the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from modelsteward.api import problems
from modelsteward.api.auth import require_approver
from modelsteward.api.lifecycle_schemas import ApprovalCreate, PromotionCreate, RejectionCreate
from modelsteward.api.routes.lifecycle import approve_version, promote_version, reject_version
from modelsteward.domain import events as ev
from modelsteward.domain.audit import DEFAULT_FAIL_ON, parse_fail_on, sort_findings
from modelsteward.domain.gates import approval_problems
from modelsteward.domain.lifecycle import Approval, Stage
from modelsteward.domain.model import Model, RiskTier, Version
from modelsteward.domain.tokens import Principal, Role
from modelsteward.errors import (
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    StewardError,
)
from modelsteward.integrity.lock_check import read_lock
from modelsteward.reports import candidates_notes, table
from modelsteward.results.advisories import Found
from modelsteward.service.registry import Registry
from modelsteward.service.tokens import close_session, open_session
from modelsteward.web import session
from modelsteward.web.comparison import compared
from modelsteward.web.lineage import MAX_ROOTS, layout
from modelsteward.web.monitoring import monitoring
from modelsteward.web.respond import (
    error_page,
    error_text,
    page_response,
    reader,
    registry_of,
)
from modelsteward.web.routing import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PAGE_SIZE = 25
SCAN_LIMIT = 500  # models read at most to fill one filtered page (the rest is on the next)
# versions in staging (or production) the dashboard and the approvals queue read, the oldest
# first: each costs a gate report, its approvals and its advisories, a few milliseconds
WATCH_LIMIT = 20
HORIZON_DAYS = 90
MISSING_COUNT = 1000  # models without a plan the dashboard counts at most ("at least 980 more")
SHOWN_VERSIONS = 50  # the model page lists its newest versions; the JSON twin pages the rest
# past this many versions a model page folds the history of its newest ones only (the whole
# card's fold costs about a millisecond per 100 events)
LARGE_MODEL = 2000
MAX_LOCK_BYTES = 1024 * 1024
STAGES = frozenset(s.value for s in Stage)


# --- plumbing ------------------------------------------------------------------------------------


def _today(registry: Registry) -> date:
    return registry.clock.now().date()


def model_href(ref: str) -> str:
    return "/models/" + quote(ref, safe="/@")


# --- sign-in -------------------------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    return page_response(request, "signin.html", session.signed_in(request),
                         next=session.local_path(next), message="")


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, token: Annotated[str, Form(max_length=200)] = "",
           csrf: Annotated[str, Form(max_length=200)] = "",
           next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    target = session.local_path(next)
    try:
        session.check_csrf(request, csrf)
        if not token.strip():
            raise NotAuthenticated("Paste an API token (stw_…) to sign in.")
        session_id, _ = open_session(request.app.state.store, session.now(request), token)
    except NotAuthenticated as refused:
        return page_response(request, "signin.html", None, 401, next=target, message=str(refused))
    response = RedirectResponse(target, status_code=303)
    session.set_session_cookie(request, response, session_id)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        session.check_csrf(request, csrf)
    except NotAuthenticated as refused:
        return error_page(request, refused, session.signed_in(request))
    session_id = request.cookies.get(session.SESSION_COOKIE, "")
    if session_id:
        close_session(request.app.state.store, session.now(request), session_id)
    response = RedirectResponse("/signin", status_code=303)
    session.clear_session_cookie(request, response)
    return response


# --- dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A version in staging and what its production gates still need."""

    version: Version
    model: Model
    unmet: tuple[str, ...]


def _in_stage(registry: Registry, stage: Stage) -> list[tuple[Model, Version]]:
    """Up to :data:`WATCH_LIMIT` versions in ``stage`` (an index read) with their models."""
    with registry.store.read() as tx:
        found = tx.versions_in_stage(stage, limit=WATCH_LIMIT)
        models = tx.get_models({v.model for v in found})
    return [(model, version) for version in found
            if (model := models.get(version.model)) is not None]


def _waiting(registry: Registry) -> list[Waiting]:
    staged = _in_stage(registry, Stage.STAGING)
    reports = registry.lifecycle.gate_reports(staged, Stage.PRODUCTION)
    return [Waiting(version, model, report.unmet)
            for (model, version), report in zip(staged, reports, strict=True)]


def _approvals_given(registry: Registry,
                     versions: list[Version]) -> dict[str, list[Approval]]:
    """The approvals of each of ``versions`` (as just read), in one read transaction."""
    with registry.store.read() as tx:
        found = tx.approvals_for([(v.model, str(v.id)) for v in versions])
    return {v.ref: found.get(v.ref, []) for v in versions}


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    try:
        principal, registry = reader(request)
        upcoming = registry.providers.upcoming(HORIZON_DAYS)
        waiting = _waiting(registry)
        horizon = registry.clock.now() + timedelta(days=HORIZON_DAYS)
        live = _in_stage(registry, Stage.PRODUCTION)
        advised: list[tuple[Version, Found]] = []
        reviews: list[tuple[Version, Approval, str, date]] = []
        affecting = registry.advisories.affecting_each([v.ref for _, v in live])
        given = _approvals_given(registry,
                                 [v for _, v in live] + [item.version for item in waiting])
        for _, production in live:
            advised.extend((production, found) for found in affecting[production.ref])
            reviews.extend((production, a, "review due", a.next_review)
                           for a in given[production.ref] if a.next_review <= horizon.date())
        for item in waiting:
            reviews.extend((item.version, a, "approval expires", a.expires_at.date())
                           for a in given[item.version.ref] if a.expires_at <= horizon)
        reviews.sort(key=lambda r: (r[3], r[0].ref))
        degraded = [version for _, version in live if version.blocked_reason]
        rollbacks = [e for e in registry.history.log_tail(limit=500)
                     if e.kind == ev.ALIAS_ROLLED_BACK][-10:]
        experiments = []
        for experiment in registry.experiments.list(running=True, limit=10):
            try:
                verdict = registry.experiments.report(experiment.name)
                experiments.append((experiment, verdict.action, "; ".join(verdict.reasons)))
            except StewardError as error:
                experiments.append((experiment, "unknown", str(error)))
        missing, unplanned = registry.deprecations.missing_first(20, count_up_to=MISSING_COUNT)
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    return page_response(request, "dashboard.html", principal, upcoming=upcoming, waiting=waiting,
                         advised=advised, rollbacks=rollbacks, experiments=experiments,
                         reviews=reviews, degraded=degraded,
                         missing=missing, missing_more=max(0, unplanned - len(missing)),
                         missing_at_least=unplanned == MISSING_COUNT,
                         horizon=HORIZON_DAYS, watch_limit=WATCH_LIMIT)


# --- models --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""
    team: str = ""
    stage: str = ""
    risk: str = ""
    provider: str = ""
    deprecated: str = ""  # "", "yes" or "no"

    def active(self) -> bool:
        return any((self.q, self.team, self.stage, self.risk, self.provider, self.deprecated))

    def query(self, after: str = "") -> str:
        fields = [(k, v) for k, v in (("q", self.q), ("team", self.team),
                                      ("stage", self.stage), ("risk", self.risk),
                                      ("provider", self.provider),
                                      ("deprecated", self.deprecated), ("after", after)) if v]
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields)


def _matches(registry: Registry, model: Model, filters: Filters, staged: set[str]) -> bool:
    if filters.q and filters.q.lower() not in " ".join(
            (model.name, model.description, model.purpose, " ".join(model.tags))).lower():
        return False
    if filters.team and model.owner_team != filters.team:
        return False
    if filters.risk and model.risk_tier.value != filters.risk:
        return False
    if filters.provider and model.provider != filters.provider:
        return False
    if filters.deprecated:
        planned = bool(registry.deprecations.plans(model.name))
        if planned != (filters.deprecated == "yes"):
            return False
    if filters.stage:
        return model.name in staged
    return True


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, q: Annotated[str, Query(max_length=200)] = "",
                team: Annotated[str, Query(max_length=200)] = "",
                stage: Annotated[str, Query(max_length=40)] = "",
                risk: Annotated[str, Query(max_length=40)] = "",
                provider: Annotated[str, Query(max_length=100)] = "",
                deprecated: Annotated[str, Query(max_length=3)] = "",
                after: Annotated[str, Query(max_length=1024)] = "") -> Response:
    """Keyset pages of models by name. With filters, up to :data:`SCAN_LIMIT` models are read
    per page (in keyset batches); the next page continues after the last one read."""
    filters = Filters(q.strip(), team.strip(), stage, risk, provider.strip(), deprecated)
    try:
        principal, registry = reader(request)
        shown: list[tuple[Model, str]] = []
        cursor, scanned, more = after, 0, False
        while len(shown) < PAGE_SIZE and scanned < SCAN_LIMIT:
            want = PAGE_SIZE + 1 if not filters.active() else min(100, SCAN_LIMIT - scanned)
            with registry.store.read() as tx:
                batch = tx.list_models(after=cursor, limit=want)
                # one index read for the batch, not every version of each model
                staged = (tx.models_with_stage([m.name for m in batch], Stage(filters.stage))
                          if filters.stage in STAGES else set())
            if not batch:
                more = False
                break
            more = len(batch) == want
            for model in batch:
                if len(shown) == PAGE_SIZE:
                    more = True
                    break
                scanned += 1
                cursor = model.name
                if _matches(registry, model, filters, staged):
                    production = registry.lifecycle.production(model.name)
                    shown.append((model, str(production.id) if production else ""))
            else:
                continue
            break
        following = cursor if more else ""
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    return page_response(request, "models.html", principal, models=shown, filters=filters,
                         next_query=filters.query(following) if following else "",
                         stages=[s.value for s in Stage], risks=[r.value for r in RiskTier],
                         after=after)


# --- one model, one version ----------------------------------------------------------------------


def _moment(text: str) -> datetime | None:
    """The end of the day ``text`` (YYYY-MM-DD) in UTC, or ``None`` for an empty text."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"as of {text!r} is not a date: give YYYY-MM-DD.") from None
    return datetime.combine(day, time.max, tzinfo=UTC)


@router.get("/models/{ref:path}", response_class=HTMLResponse)
def model_or_version(request: Request, ref: str,
                     at: Annotated[str, Query(max_length=10)] = "") -> Response:
    try:
        principal, registry = reader(request)
        if "@" in ref:
            return _version_page(request, principal, registry, ref)
        moment = _moment(at)
        model = registry.get_model(ref)
        registered, total = _registrations(registry, ref)
        windowed = moment is None and total > LARGE_MODEL
        card = (registry.cards.window(ref, registered[:SHOWN_VERSIONS]) if windowed
                else registry.cards.card(ref, at=moment))
        current = card if moment is None else registry.cards.card(ref)
        newest = [f"{ref}@{v.version}" for v in card.versions[-MAX_ROOTS:]]
        graph = layout(registry, newest, {ref: current})
        consumers = registry.consumers.list(ref)
        events = list(reversed(card.changelog))[:50]
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))
    shown = card.versions[-SHOWN_VERSIONS:]
    return page_response(request, "model.html", principal, model=model, card=card,
                         versions=list(reversed(shown)),
                         more_versions=(total - len(shown) if windowed
                                        else max(0, len(card.versions) - SHOWN_VERSIONS)),
                         windowed=windowed, shown_versions=SHOWN_VERSIONS,
                         more_events=max(0, len(card.changelog) - 50), roots=len(newest),
                         graph=graph, consumers=consumers, events=events, at=at,
                         today=_today(registry).isoformat())


def _registrations(registry: Registry, name: str) -> tuple[list[str], int]:
    """The newest registrations of model ``name`` (up to :data:`LARGE_MODEL` + 1) and, when
    there are more than :data:`LARGE_MODEL`, how many versions it has (else 0): two index
    reads, whatever the number of versions."""
    with registry.store.read() as tx:
        registered = tx.newest_registrations(name, limit=LARGE_MODEL + 1)
        return registered, tx.version_count(name) if len(registered) > LARGE_MODEL else 0


def _version_page(request: Request, principal: Principal, registry: Registry,
                  ref: str) -> Response:
    name, _, number = ref.partition("@")
    version = registry.get_version(name, number)
    model = registry.get_model(name)
    aliases = [a.alias for a in registry.lifecycle.aliases(name) if a.version == str(version.id)]
    report = (registry.lifecycle.gate_report(version.ref, Stage.PRODUCTION)
              if version.stage is Stage.STAGING else None)
    # the plans covering the version, from the model's card (folded around the version only
    # for a model with very many versions: the plans' events are read either way)
    card = (registry.cards.window(name, [str(version.id)]) if _registrations(registry, name)[1]
            else registry.cards.card(name))
    deprecations = [d for d in card.deprecations if str(version.id) in d.versions]
    return page_response(request, "version.html", principal, model=model, version=version,
                         deprecations=deprecations,
                         aliases=aliases, attestations=registry.attestations(version.ref),
                         evaluations=registry.lifecycle.evaluations(version.ref),
                         approvals=registry.lifecycle.approvals(version.ref),
                         checks=registry.lifecycle.checks(version.ref),
                         advisories=registry.advisories.affecting(version.ref), report=report,
                         compared=compared(registry, version),
                         monitoring=monitoring(registry, version),
                         may_promote=principal is not None and Role.MAINTAINER in principal.roles,
                         message=request.query_params.get("done", "")[:200])


# --- approvals -----------------------------------------------------------------------------------


def _approvable(principal: Principal, registry: Registry, model: Model, role: str) -> str:
    """Why ``principal`` may not approve ``model``'s versions as ``role`` ("" when it may):
    the API's own rule (:func:`~modelsteward.api.auth.require_approver`)."""
    try:
        require_approver(principal, role, model.owner_team, registry.policy.committee_for(role))
    except NotAuthorised as refused:
        return str(refused)
    return ""


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request) -> Response:
    try:
        principal, registry = reader(request)
        return _approvals(request, principal, registry)
    except StewardError as error:
        return error_page(request, error, session.signed_in(request))


def _approvals(request: Request, principal: Principal, registry: Registry, *, status: int = 200,
               refused: str = "", ref: str = "", kept: dict[str, str] | None = None) -> Response:
    """The queue; after a refused approval of ``ref``, with the reason (``refused``) and the
    form's texts as they were sent (``kept``), so that nothing typed is lost."""
    now = registry.clock.now()
    review = now.date() + timedelta(days=90)
    queue = []
    waiting = _waiting(registry)
    given = _approvals_given(registry, [item.version for item in waiting])
    for item in waiting:
        roles = registry.policy.approvals[item.model.risk_tier].roles
        refusals = {role: _approvable(principal, registry, item.model, role) for role in roles}
        if any(not why for why in refusals.values()) or Role.ADMIN in principal.roles:
            # what the gate would answer this approver now, whatever the texts say: the
            # domain's own rule, so that an author of a high-risk version reads why first
            blocked = sorted({problem for role in roles for problem in approval_problems(
                item.model, item.version, principal.name, role, review, now,
                registry.policy, {}) if principal.token_id and not refusals[role]})
            queue.append((item, roles, given[item.version.ref], blocked))
    return page_response(request, "approvals.html", principal, status, queue=queue,
                         review=review.isoformat(),
                         message=request.query_params.get("done", "")[:200],
                         refused=refused, refused_ref=ref, kept=kept or {}, watch_limit=WATCH_LIMIT)


@router.post("/approvals/{ref:path}", response_class=HTMLResponse)
def approve(request: Request, ref: str, role: Annotated[str, Form(max_length=100)] = "",
            evidence: Annotated[str, Form(max_length=2000)] = "",
            risks_accepted: Annotated[str, Form(max_length=2000)] = "",
            monitoring_plan: Annotated[str, Form(max_length=2000)] = "",
            rollback_plan: Annotated[str, Form(max_length=2000)] = "",
            next_review: Annotated[str, Form(max_length=10)] = "",
            csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Approve through the API's own route function: the same authorisation and gates."""
    principal = session.signed_in(request)
    sent = {"role": role, "evidence": evidence, "risks_accepted": risks_accepted,
            "monitoring_plan": monitoring_plan, "rollback_plan": rollback_plan,
            "next_review": next_review}
    try:
        session.check_csrf(request, csrf)
        principal = session.writer(request)
        name, _, number = ref.partition("@")
        body = ApprovalCreate.model_validate(sent)
        registry = registry_of(request, principal)
        try:
            approve_version(name, number, body, registry, principal)
        except InvalidInput as refused:  # the policy refused: ApprovalRefused, every reason
            return _approvals(request, principal, registry, status=400, refused=str(refused),
                              ref=ref, kept=sent)
    except ValidationError as error:
        if principal is None:
            return error_page(request, error, principal)
        return _approvals(request, principal, registry_of(request, principal), status=400,
                          refused=error_text(error), ref=ref, kept=sent)
    except StewardError as error:
        return error_page(request, error, principal)
    done = quote(f"Approved {ref} as {role}.")
    return RedirectResponse(f"{model_href(ref)}?done={done}", status_code=303)


@router.post("/rejections/{ref:path}", response_class=HTMLResponse)
def reject(request: Request, ref: str, reason: Annotated[str, Form(max_length=2000)] = "",
           csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Refuse a waiting version (reject it, with the reason) through the API's own route
    function: the model's team's maintainers and approvers, or administrators."""
    return _act(request, ref, csrf, lambda name, number, registry, principal: reject_version(
        name, number, RejectionCreate.model_validate({"reason": reason}), registry, principal),
        f"Rejected {ref}: it no longer resolves.")


@router.post("/promotions/{ref:path}", response_class=HTMLResponse)
def promote(request: Request, ref: str, to: Annotated[str, Form(max_length=40)] = "",
            csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Promote through the API's own route function: the same authorisation and gates."""
    return _act(request, ref, csrf, lambda name, number, registry, principal: promote_version(
        name, number, PromotionCreate.model_validate({"to": to}), registry, principal),
        f"Promoted {ref} to {to}.")


def _act(request: Request, ref: str, csrf: str,
         action: Callable[[str, str, Registry, Principal], object], done: str) -> Response:
    """Run a form's ``action`` (an API route function, so the same authorisation and gates)
    on the model and version of ``ref`` for the signed-in writer, once the form's CSRF token
    holds; then back to the version's page saying ``done``, or the error's page."""
    principal = session.signed_in(request)
    try:
        session.check_csrf(request, csrf)
        principal = session.writer(request)
        name, _, number = ref.partition("@")
        action(name, number, registry_of(request, principal), principal)
    except (StewardError, ValidationError) as error:
        return error_page(request, error, principal)
    return RedirectResponse(f"{model_href(ref)}?done={quote(done)}", status_code=303)


# --- audit ---------------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_form(request: Request) -> Response:
    try:
        principal = session.reader(request)
    except StewardError as error:
        return error_page(request, error, None)
    return page_response(request, "audit.html", principal, lock="", report=None, rows=[], header=(),
                         notes=(), summary="", fail_on=DEFAULT_FAIL_ON)


@router.post("/audit", response_class=HTMLResponse)
async def audit(request: Request, lock: Annotated[str, Form(max_length=MAX_LOCK_BYTES)] = "",
                lock_file: Annotated[UploadFile | None, File()] = None,
                fail_on: Annotated[str, Form(max_length=200)] = DEFAULT_FAIL_ON,
                csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Audit a pasted or uploaded ``models.lock`` as ``steward audit`` does (it only reads, so
    a reader may; the form still carries its CSRF token)."""
    text = lock
    if lock_file is not None and lock_file.filename:
        data = await lock_file.read(MAX_LOCK_BYTES + 1)
        text = "" if len(data) > MAX_LOCK_BYTES else data.decode("utf-8", errors="replace")
    return await run_in_threadpool(_audit, request, text, fail_on, csrf)


def _audit(request: Request, text: str, fail_on: str, csrf: str) -> Response:
    principal = session.signed_in(request)
    try:
        session.check_csrf(request, csrf)
        principal, registry = reader(request)
        if not text.strip():
            raise InvalidInput("Paste a models.lock or choose the file (at most 1 MiB).")
        found = read_lock(text, "models.lock")
        if not found.models:
            raise InvalidInput("The lock names no models, so there is nothing to audit.")
        report = registry.audits.audit(found, fail_on=parse_fail_on(fail_on))
    except StewardError as error:
        if isinstance(error, NotAuthenticated):
            return error_page(request, error, principal)
        return page_response(request, "audit.html", principal, problems.status_of(error)[0],
                             lock=text, report=None, rows=[], header=(), notes=(), summary="",
                             fail_on=fail_on, message=str(error))
    header, rows = table.rows(report)
    failing = {id(f) for f in report.failing}
    flags = [id(f) in failing for f in sort_findings(report.findings)]
    return page_response(request, "audit.html", principal, lock=text, report=report,
                         rows=list(zip(rows, flags, strict=True)), header=header,
                         notes=candidates_notes(report), summary=table.summary(report),
                         fail_on=fail_on,
                         message="")
