"""The living model card over HTTP, as ``steward card …`` does it:

* ``GET /models/{name}/card`` and ``GET /models/{name}/versions/{version}/card`` — the card
  rebuilt from the history (``?at=`` a time: the card as it was then), as Markdown
  (``?format=markdown``, the default; ``text/markdown``) or JSON (``?format=json``);
* ``PUT /models/{name}/card/sections/{section}`` — replace an authored section;
* ``PUT /models/{name}/versions/{version}/requirements`` — what a version was tested with;
* ``POST /models/{name}/versions/{version}/incidents`` — record an incident found after release
  (the answer's ``seq`` is its id), and ``POST …/incidents/{incident}/resolution`` — resolve it.

Writing needs the maintainer role on the model's team (or admin), checked against the model
read in the write transaction. Include this router before the models router, whose
``GET /models/{name:path}`` matches any path.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from modelsteward.api import problems
from modelsteward.api.auth import require_model_writer
from modelsteward.api.deps import PrincipalDep, RegistryDep
from modelsteward.api.routes import API
from modelsteward.api.routing import ThreadedRoute
from modelsteward.domain.card import CardSection
from modelsteward.domain.card_markdown import render_markdown
from modelsteward.domain.incident import MAX_LINK, MAX_SUMMARY
from modelsteward.domain.model import Model
from modelsteward.domain.requirements import parse_requirements
from modelsteward.service.cards import MAX_SECTION
from modelsteward.service.registry import Registry

router = APIRouter(prefix=API, tags=["cards"], route_class=ThreadedRoute,
                   responses=problems.RESPONSES)
MODEL = "/models/{name:path}"
VERSION = MODEL + "/versions/{version}"
MARKDOWN = "text/markdown; charset=utf-8"
REQUIREMENTS_EXAMPLE = {"framework": "transformers", "framework_version": ">=4.40,<4.47",
                        "tokenizer": "meta-llama/Llama-3-8B", "hardware": "nvidia-a100-80gb",
                        "serving_config_digest": "sha256:" + "c" * 64}
_CARD_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {
    "text/markdown": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}}},
    "description": "The card: Markdown (the same history gives the same bytes) or JSON."}}


class CardFormat(enum.StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


class SectionUpdate(BaseModel):
    """The whole new text of one authored section (Markdown; empty clears it)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_SECTION)


class CardChangePublic(BaseModel):
    """The event that recorded the change."""

    seq: int
    kind: str
    subject: str


class IncidentCreate(BaseModel):
    """An incident found after release (see ``docs/cards.md``); dates are ``YYYY-MM-DD``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "summary": "Answers in the wrong language for Catalan tickets", "severity": "high",
        "started": "2026-11-02", "link": "https://status.example.com/incidents/81"}]})
    # the summary's whitespace runs become one space before its length is checked
    summary: str = Field(max_length=4 * MAX_SUMMARY,
                         description=f"One line, 1–{MAX_SUMMARY} characters.")
    severity: str = Field("medium", max_length=20,
                          description="low, medium (the default), high or critical.")
    started: str = Field("", max_length=40, description="The day it started (default today).")
    resolved: str = Field("", max_length=40,
                          description="The day it was resolved, for one already over.")
    link: str = Field("", max_length=MAX_LINK, description="An http(s) URL of its write-up.")


class IncidentResolution(BaseModel):
    """The day an open incident was resolved (default today)."""

    model_config = ConfigDict(extra="forbid")
    resolved: str = Field("", max_length=40)


AtQuery = Annotated[datetime | None, Query(
    description="The card as the history made it at this time (ISO 8601; UTC without a zone).")]
FormatQuery = Annotated[CardFormat, Query(description="markdown (default) or json.")]


def _card(registry: Registry, ref: str, at: datetime | None, fmt: CardFormat) -> Response:
    moment = at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
    card = registry.cards.card(ref, at=moment)
    if fmt is CardFormat.JSON:
        return JSONResponse(card.as_json())
    return PlainTextResponse(render_markdown(card), media_type=MARKDOWN)


@router.get(VERSION + "/card", response_class=Response, responses=_CARD_RESPONSES)
def get_version_card(name: str, version: str, registry: RegistryDep, at: AtQuery = None,
                     format: FormatQuery = CardFormat.MARKDOWN) -> Response:
    """The card of one version, rebuilt from the events up to ``at`` (default: all)."""
    return _card(registry, f"{name}@{version}", at, format)


@router.put(VERSION + "/requirements", response_model=CardChangePublic)
def set_requirements(name: str, version: str, registry: RegistryDep, principal: PrincipalDep,
                     body: Annotated[dict[str, Any],
                                     Body(examples=[REQUIREMENTS_EXAMPLE])]) -> CardChangePublic:
    """Record the runtime requirements the version was tested with: ``framework``,
    ``framework_version`` (a range such as ``>=4.40,<4.47``), ``tokenizer``, ``hardware``,
    ``serving_config_digest``. Every problem is listed with its location (422)."""
    requirements = parse_requirements(body, "the requirements")

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    event = registry.cards.set_requirements(f"{name}@{version}", requirements,
                                            authorize=authorize)
    return CardChangePublic(seq=event.seq, kind=event.kind, subject=event.subject)


@router.post(VERSION + "/incidents", response_model=CardChangePublic,
             status_code=status.HTTP_201_CREATED)
def record_incident(name: str, version: str, body: IncidentCreate, registry: RegistryDep,
                    principal: PrincipalDep) -> CardChangePublic:
    """Record an incident found after release against the version: a known issue on its card
    until it is resolved. The answer's ``seq`` is the incident's id. 400 names a bad field
    (empty or long summary, unknown severity, a date that is not ``YYYY-MM-DD``, a link that is
    not http(s))."""

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    event = registry.cards.record_incident(
        f"{name}@{version}", body.summary, severity=body.severity, started=body.started,
        resolved=body.resolved, link=body.link, authorize=authorize)
    return CardChangePublic(seq=event.seq, kind=event.kind, subject=event.subject)


@router.post(VERSION + "/incidents/{incident}/resolution", response_model=CardChangePublic)
def resolve_incident(name: str, version: str, incident: int, registry: RegistryDep,
                     principal: PrincipalDep,
                     body: IncidentResolution | None = None) -> CardChangePublic:
    """Resolve the version's open incident ``incident`` (its id). 404 when the version has no
    such incident, 409 when it is resolved already."""

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    event = registry.cards.resolve_incident(
        f"{name}@{version}", incident, resolved=body.resolved if body else "",
        authorize=authorize)
    return CardChangePublic(seq=event.seq, kind=event.kind, subject=event.subject)


@router.put(MODEL + "/card/sections/{section}", response_model=CardChangePublic)
def edit_card_section(name: str, section: CardSection, body: SectionUpdate,
                      registry: RegistryDep, principal: PrincipalDep) -> CardChangePublic:
    """Replace one authored section of the model's card (recorded as an event)."""

    def authorize(model: Model) -> None:
        require_model_writer(principal, model)

    event = registry.cards.edit(name, section.value, body.text, authorize=authorize)
    return CardChangePublic(seq=event.seq, kind=event.kind, subject=event.subject)


@router.get(MODEL + "/card", response_class=Response, responses=_CARD_RESPONSES)
def get_card(name: str, registry: RegistryDep, at: AtQuery = None,
             format: FormatQuery = CardFormat.MARKDOWN) -> Response:
    """The card of the model (all its versions), rebuilt from the events up to ``at``."""
    return _card(registry, name, at, format)
