"""Consumers (applications, pipelines, deployments, notebooks) and their pins, the impact of a
change on them, and deletion with migration of their pins — the API of ``steward consumer``,
``steward impact`` and ``steward delete``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api import problems
from modelsteward.api.auth import require_consumer_writer, require_model_writer, require_writer
from modelsteward.api.deps import Principal, PrincipalDep, RegistryDep
from modelsteward.api.pagination import AfterQuery, LimitQuery, Page, page
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.api.schemas import one_of
from modelsteward.domain.consumers import (
    Consumer,
    ConsumerKind,
    ConsumerPin,
    ConsumerStatus,
    Impact,
)
from modelsteward.domain.model import parse_enum
from modelsteward.domain.names import validate_model_name
from modelsteward.errors import Unresolvable
from modelsteward.results import DeletionReport
from modelsteward.service.registry import Registry

router = APIRouter(prefix=API, tags=["consumers"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)

NameQuery = Annotated[str, Query(max_length=129)]


class PinPublic(BaseModel):
    model: str = Field(max_length=129, examples=["support-bot"])
    pin: str = Field(min_length=1, max_length=200, examples=["^2.1"])


class UnresolvablePublic(BaseModel):
    """Why a pin resolves to nothing: the version it would give, what became of it
    (``retired``, ``deleted``, ``rejected`` or ``ineligible``), since when, why, and what
    replaces it."""

    version: str = Field(examples=["support-bot@2.1.3"])
    state: str = Field(examples=["retired", "deleted", "rejected", "ineligible"])
    since: str | None = Field(default=None, examples=["2026-03-01"])
    reason: str
    replacement: str | None = Field(default=None, examples=["support-bot@^3"])

    @classmethod
    def of(cls, why: Unresolvable) -> UnresolvablePublic:
        return cls(version=why.version, state=why.state, since=why.since or None,
                   reason=why.reason, replacement=why.replacement or None)


class ConsumerPublic(BaseModel):
    name: str
    kind: str
    team: str
    contact: str | None
    environment: str | None
    uses: list[PinPublic]
    resolves_to: dict[str, str | None] | None = Field(
        default=None, description="By model, the version each pin resolves to now (null: "
                                  "nothing resolves; `unresolvable` says why).")
    ineligible: dict[str, str] | None = Field(
        default=None, description="By model, why an exact pin's version is not eligible for "
                                  "applications (only pins naming such a version appear).")
    unresolvable: dict[str, UnresolvablePublic] | None = Field(
        default=None, description="By model, why a pin no longer resolves (only such pins).")

    @classmethod
    def of(cls, c: Consumer, status: ConsumerStatus | None = None) -> ConsumerPublic:
        pins = status.pins if status is not None else ()
        return cls(name=c.name, kind=c.kind.value, team=c.team, contact=c.contact or None,
                   environment=c.environment or None,
                   uses=[PinPublic(model=p.model, pin=p.pin) for p in c.pins],
                   resolves_to={p.model: s.resolves_to or None for p, s in pins}
                   if status is not None else None,
                   ineligible={p.model: s.ineligible for p, s in pins if s.ineligible}
                   if status is not None else None,
                   unresolvable={p.model: UnresolvablePublic.of(s.unresolvable)
                                 for p, s in pins if s.unresolvable is not None}
                   if status is not None else None)


class ConsumerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=129, examples=["checkout-api"])
    kind: str = Field(default="application",
                      examples=["application", "pipeline", "deployment", "notebook"],
                      json_schema_extra=one_of(ConsumerKind))
    team: str = Field(default="", max_length=200,
                      description="The owning team; notices go to it. Default: the caller's.")
    contact: str = Field(default="", max_length=500)
    environment: str = Field(default="", max_length=200, examples=["production"])
    uses: list[PinPublic] = Field(default_factory=list)


class PinUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(min_length=1, max_length=200, examples=["^2.1"])


class PinResolved(BaseModel):
    consumer: str
    model: str
    pin: str
    resolves_to: str
    ineligible: str | None = Field(
        default=None, description="Why the version an exact pin names is not eligible for "
                                  "applications (the pin is accepted, and recorded).")


class AffectedPublic(BaseModel):
    consumer: str
    team: str
    environment: str | None
    kind: str
    pin: str
    resolves_to: str | None
    ineligible: str | None = None
    unresolvable: UnresolvablePublic | None = None


class ImpactPublic(BaseModel):
    target: str
    summary: str
    consumers: int
    by_team: dict[str, int]
    by_environment: dict[str, int]
    by_kind: dict[str, int]
    affected: list[AffectedPublic]

    @classmethod
    def of(cls, r: Impact) -> ImpactPublic:
        return cls(target=r.target, summary=r.summary(), consumers=r.consumers,
                   by_team=r.by_team, by_environment=r.by_environment, by_kind=r.by_kind,
                   affected=[AffectedPublic(consumer=a.consumer.name, team=a.consumer.team,
                                            environment=a.consumer.environment or None,
                                            kind=a.consumer.kind.value, pin=a.pin.pin,
                                            resolves_to=a.resolves_to or None,
                                            ineligible=a.ineligible or None,
                                            unresolvable=UnresolvablePublic.of(a.unresolvable)
                                            if a.unresolvable else None)
                             for a in r.affected])


class DeletionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(max_length=300, examples=["support-bot@2.1.3", "support-bot"],
                        description="MODEL or MODEL@VERSION.")
    reason: str = Field(min_length=1, max_length=2000)
    replacement: str = Field(default="", max_length=300, examples=["support-bot@^3"],
                             description="MODEL@PIN to move every consumer pin to; without it "
                                         "the pins are cleared.")
    dry_run: StrictBool = Field(default=False,
                                description="Report what would change; change nothing.")


class PinChangePublic(BaseModel):
    consumer: str
    team: str
    before: str
    after: str | None


class PinKeptPublic(BaseModel):
    consumer: str
    team: str
    pin: str
    resolves_to: str


class DeletionPublic(BaseModel):
    target: str
    replacement: str | None
    dry_run: bool
    by_team: dict[str, int]
    aliases_removed: list[str]
    changes: list[PinChangePublic]
    unchanged: list[PinKeptPublic] = Field(
        default_factory=list, description="Pins that resolved to the deleted version and still "
                                          "resolve without it: kept, with what they give now.")

    @classmethod
    def of(cls, r: DeletionReport) -> DeletionPublic:
        return cls(target=r.target, replacement=r.replacement or None, dry_run=r.dry_run,
                   by_team=r.by_team, aliases_removed=list(r.aliases_removed),
                   changes=[PinChangePublic(consumer=c.consumer, team=c.team, before=str(c.before),
                                            after=str(c.after) if c.after else None)
                            for c in r.changes],
                   unchanged=[PinKeptPublic(consumer=k.consumer, team=k.team, pin=str(k.pin),
                                            resolves_to=k.resolves_to) for k in r.unchanged])


def _require_consumer_writer(registry: Registry, principal: Principal, name: str) -> Consumer:
    """The consumer ``name``, if the caller may change it (its team's maintainers, admins)."""
    found = registry.consumers.get(name)
    require_consumer_writer(principal, found)
    return found


@router.get("/consumers", response_model=Page[ConsumerPublic])
def list_consumers(registry: RegistryDep, request: Request, response: Response,
                   model: NameQuery = "", after: AfterQuery = "",
                   limit: LimitQuery = 100) -> Page[ConsumerPublic]:
    """Consumers by name, all or those using ``model``."""
    found = registry.consumers.page(model, after=after, limit=limit + 1)
    return page(request, response, [ConsumerPublic.of(c) for c in found], limit,
                lambda c: c.name)


@router.post("/consumers", response_model=ConsumerPublic, status_code=status.HTTP_201_CREATED)
def create_consumer(body: ConsumerCreate, registry: RegistryDep,
                    principal: PrincipalDep) -> ConsumerPublic:
    """Register a consumer and the models it uses; every pin must resolve today and may not
    adopt a version past its soft deadline. A non-strict pin resolves only to an eligible
    version; an exact pin naming a version that is not eligible is accepted and the answer's
    ``ineligible`` says why."""
    team = require_writer(principal, body.team)
    pins = tuple(ConsumerPin(validate_model_name(u.model), u.pin.strip()) for u in body.uses)
    made = registry.consumers.add(Consumer(
        body.name, parse_enum(ConsumerKind, body.kind, "consumer kind"), team, body.contact,
        body.environment, pins))
    return ConsumerPublic.of(made, registry.consumers.show(made.name))


@router.get("/consumers/{name}", response_model=ConsumerPublic)
def get_consumer(name: str, registry: RegistryDep) -> ConsumerPublic:
    """One consumer, with the version each of its pins resolves to now; a pin that no longer
    resolves has ``resolves_to`` null and says why under ``unresolvable``."""
    status = registry.consumers.show(name)
    return ConsumerPublic.of(status.consumer, status)


@router.delete("/consumers/{name}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def remove_consumer(name: str, registry: RegistryDep, principal: PrincipalDep,
                    reason: Annotated[str, Query(min_length=1, max_length=2000)]) -> Response:
    """Remove a consumer (the event keeps what it used)."""
    _require_consumer_writer(registry, principal, name)
    registry.consumers.remove(name, reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/consumers/{name}/pins/{model:path}", response_model=PinResolved)
def pin_consumer(name: str, model: str, body: PinUpdate, registry: RegistryDep,
                 principal: PrincipalDep) -> PinResolved:
    """Make the consumer use ``model`` at ``pin`` (replacing its earlier pin of that model)."""
    _require_consumer_writer(registry, principal, name)
    resolved = registry.consumers.pin(name, ConsumerPin(validate_model_name(model),
                                                        body.pin.strip()))
    return PinResolved(consumer=name, model=model, pin=body.pin.strip(),
                       resolves_to=resolved.resolves_to, ineligible=resolved.ineligible or None)


@router.delete("/consumers/{name}/pins/{model:path}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def unpin_consumer(name: str, model: str, registry: RegistryDep,
                   principal: PrincipalDep) -> Response:
    """Stop recording that the consumer uses ``model``."""
    _require_consumer_writer(registry, principal, name)
    registry.consumers.unpin(name, model)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/impact", response_model=ImpactPublic)
def get_impact(target: Annotated[str, Query(max_length=300, examples=["support-bot@^2"],
                                            description="MODEL, MODEL@VERSION or MODEL@PIN.")],
               registry: RegistryDep) -> ImpactPublic:
    """Which consumers a change to ``target`` reaches, with counts by team, environment and
    kind."""
    return ImpactPublic.of(registry.consumers.impact(target))


@router.post("/deletions", response_model=DeletionPublic)
def delete_target(body: DeletionCreate, registry: RegistryDep,
                  principal: PrincipalDep) -> DeletionPublic:
    """Take a model or version out of use, moving (or clearing) every consumer pin on it; the
    record stays as a tombstone. With ``dry_run`` nothing changes and the report says what
    would."""
    require_model_writer(principal, registry.get_model(body.target.partition("@")[0]))
    return DeletionPublic.of(registry.deletions.delete(
        body.target, reason=body.reason, replacement=body.replacement, dry_run=body.dry_run))
