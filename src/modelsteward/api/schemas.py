"""What the API reads and writes: the ``XCreate`` bodies and ``XPublic`` views of the resources,
and the conversions from domain values. Times are RFC 3339 UTC."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api.limits import (
    MAX_DESCRIPTION,
    MAX_FILES,
    MAX_METRICS,
    MAX_TAG,
    MAX_TAGS,
    MAX_TEXT,
)
from modelsteward.domain import metadata as meta
from modelsteward.domain.embedding import Distance, EmbeddingSpec, ReembeddingPlan
from modelsteward.domain.events import Event
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model, ModelKind, RiskTier, Version
from modelsteward.domain.names import MODEL_NAME_PATTERN
from modelsteward.domain.notices import Notice
from modelsteward.domain.versioning import ChangeKind
from modelsteward.integrity.manifest import MANIFEST_PATH_MAX, MANIFEST_PATH_PATTERN, SHA256_PATTERN
from modelsteward.results import Found, Published


def one_of(kind: type[enum.StrEnum], *, nullable: bool = False) -> dict[str, Any]:
    """``kind``'s values as the JSON Schema ``enum`` of a field, so the OpenAPI document states
    what the route's ``parse_enum`` accepts (it answers a 400 that lists them)."""
    values: list[str | None] = [member.value for member in kind]
    return {"enum": [*values, None] if nullable else values}


class OwnerPublic(BaseModel):
    team: str
    contact: str


class SupportPublic(BaseModel):
    """How long each version is supported: ``active_months`` (null: not stated), then what
    follows (``afterwards``)."""

    active_months: int | None
    afterwards: str | None


class ModelPublic(BaseModel):
    name: str
    kind: str
    versioning: str
    description: str
    purpose: str
    owner: OwnerPublic
    provider: str | None
    provider_model: str | None
    risk_tier: str
    license: str | None
    tags: list[str]
    support_policy: SupportPublic
    extra: dict[str, Any]
    deleted: bool = Field(default=False, description="A tombstone (shown only with "
                                                      "include_deleted).")

    @classmethod
    def of(cls, m: Model, *, deleted: bool = False) -> ModelPublic:
        return cls(name=m.name, kind=m.kind.value, versioning=str(m.versioning),
                   description=m.description, purpose=m.purpose,
                   owner=OwnerPublic(team=m.owner_team, contact=m.owner_contact),
                   provider=m.provider or None, provider_model=m.provider_model or None,
                   risk_tier=m.risk_tier.value, license=m.license or None, tags=list(m.tags),
                   support_policy=SupportPublic(active_months=m.support.active_months,
                                                afterwards=m.support.afterwards or None),
                   extra=dict(m.extra), deleted=deleted)


class EmbeddingCreate(BaseModel):
    """Declares an embedding model: moving its consumers to another version is then a data
    migration that needs a re-embedding plan."""

    model_config = ConfigDict(extra="forbid")

    dimension: int = Field(ge=1, le=1_000_000, examples=[1536])
    distance: str = Field(default="cosine", examples=[d.value for d in Distance],
                          json_schema_extra=one_of(Distance))
    normalized: StrictBool = Field(default=False, description="Vectors have unit length.")


class ReembeddingCreate(BaseModel):
    """A re-embedding plan: the documents embedded again, the estimated cost (dollars) and
    duration (hours), and the index rebuilt."""

    model_config = ConfigDict(extra="forbid")

    documents: int = Field(ge=1, examples=[2_000_000])
    cost: float | None = Field(default=None, ge=0, examples=[500])
    hours: float | None = Field(default=None, ge=0, examples=[4])
    index: str = Field(default="", max_length=200, examples=["docs-v2"])

    def plan(self) -> ReembeddingPlan:
        return ReembeddingPlan(self.documents, self.cost, self.hours, self.index.strip())


class ModelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=129, examples=["support-bot"],
                      json_schema_extra={"pattern": MODEL_NAME_PATTERN})
    kind: str = Field(default="self-hosted", examples=["self-hosted", "hosted", "fine-tuned"],
                      json_schema_extra=one_of(ModelKind))
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    purpose: str = Field(default="", max_length=MAX_TEXT)
    owner_team: str = Field(default="", max_length=MAX_TEXT)
    owner_contact: str = Field(default="", max_length=MAX_TEXT)
    provider: str = Field(default="", max_length=MAX_TEXT)
    provider_model: str = Field(default="", max_length=MAX_TEXT)
    risk_tier: str = Field(default="medium", examples=["low", "medium", "high"],
                           json_schema_extra=one_of(RiskTier))
    license: str = Field(default="", max_length=MAX_TEXT)
    tags: list[Annotated[str, Field(max_length=MAX_TAG)]] = Field(default_factory=list,
                                                                  max_length=MAX_TAGS)
    support_months: int | None = Field(default=None, ge=0, le=1200,
                                       description="Active support window of each version.")
    support_after: str = Field(default="", max_length=500,
                               examples=["community-maintained"])
    embedding: EmbeddingCreate | None = Field(
        default=None, description="Declare an embedding model (kept in ``extra.embedding``).")

    def embedding_spec(self) -> EmbeddingSpec | None:
        if self.embedding is None:
            return None
        return EmbeddingSpec.declared(self.embedding.dimension, self.embedding.distance,
                                      self.embedding.normalized)


class FilePublic(BaseModel):
    path: str
    sha256: str
    size: int


class FileCreate(BaseModel):
    """A file of a version being registered: its path relative to the model folder (POSIX,
    normalised: no '..', '.' or empty segment, not absolute, no '\\', ':' or control
    character), its SHA-256 and its size; each path appears once in a version (a 400
    otherwise). The rules are checked together by
    ``Manifest.given``, which reports every problem of every entry at once; the schema states
    them."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(examples=["weights/model.safetensors"], json_schema_extra={
        "minLength": 1, "maxLength": MANIFEST_PATH_MAX, "pattern": MANIFEST_PATH_PATTERN})
    sha256: str = Field(examples=["0" * 64], json_schema_extra={"pattern": SHA256_PATTERN})
    size: int = Field(json_schema_extra={"minimum": 0})


class VersionPublic(BaseModel):
    model: str
    version: str
    ref: str
    digest: str | None
    stage: str
    registered_at: datetime
    registered_by: str
    change: str | None
    forced_reason: str | None = None
    description: str
    status: str | None
    metadata: dict[str, Any]
    metrics: dict[str, Any]
    blocked_reason: str | None
    files: list[FilePublic] | None = None
    deleted: bool = Field(default=False, description="A tombstone (shown only with "
                                                      "include_deleted).")

    @classmethod
    def of(cls, v: Version, *, files: bool = False, deleted: bool = False) -> VersionPublic:
        return cls(model=v.model, version=str(v.id), ref=v.ref,
                   digest=f"sha256:{v.digest}" if v.digest else None, stage=v.stage.value,
                   registered_at=v.registered_at, registered_by=v.registered_by,
                   change=v.change.value if v.change else None,
                   forced_reason=v.forced_reason or None, description=v.description,
                   status=v.status or None, metadata=dict(v.metadata), metrics=dict(v.metrics),
                   blocked_reason=v.blocked_reason or None,
                   files=[FilePublic(path=f.path, sha256=f.sha256, size=f.size)
                          for f in v.files] if files else None, deleted=deleted)


class VersionCreate(BaseModel):
    """A version registered over the API: its files' digests are given (the artefact is hashed
    where it lives, e.g. with ``steward verify``); hosted models give only the snapshot id."""

    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(default=None, max_length=MAX_TEXT,
                                examples=["1.4.2", "claude-sonnet-4-5-20250929"])
    change: str | None = Field(default=None, examples=["retrain"],
                               json_schema_extra=one_of(ChangeKind, nullable=True))
    variant: str = Field(default="", max_length=MAX_TEXT)
    force: StrictBool = False
    reason: str = Field(default="", max_length=MAX_TEXT)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    status: str = Field(default="", max_length=200, examples=["evaluating"])
    files: list[FileCreate] = Field(default_factory=list, max_length=MAX_FILES)
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description=f"Free-form JSON: at most {meta.MAX_DEPTH} levels of nesting and "
                    f"{meta.MAX_BYTES // 1024} KiB as JSON, finite numbers only (a 400 "
                    "problem otherwise).")
    metrics: dict[str, float] = Field(default_factory=dict, max_length=MAX_METRICS)
    derived_from: str = Field(default="", max_length=MAX_TEXT)
    relation: str | None = Field(default=None, json_schema_extra=one_of(Relation, nullable=True))
    requirements: dict[str, Any] | None = Field(
        default=None, examples=[{"framework": "transformers", "framework_version": ">=4.40,<4.47"}],
        description="What the version was tested with, recorded with the registration: "
                    "framework, framework_version (a range such as >=4.40,<4.47), tokenizer, "
                    "hardware, serving_config_digest. Checked as PUT …/requirements checks it: "
                    "every problem is listed with its location (422), nothing is registered.")


class ResolutionPublic(BaseModel):
    model: str
    pin: str
    version: str
    ref: str
    digest: str | None
    stage: str
    warning: str | None = None
    redirected_from: str | None = None
    inherited_from: str | None = None
    eligible: bool = True  # false only for an exact pin naming a version the policy excludes
    ineligible: str | None = None  # why not
    candidates: bool = False  # whether versions below the eligibility minimum were admitted


class EventPublic(BaseModel):
    seq: int
    time: str
    actor: str
    kind: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: Event) -> EventPublic:
        return cls(seq=e.seq, time=e.time, actor=e.actor, kind=e.kind, subject=e.subject,
                   payload=dict(e.payload), prev_hash=e.prev_hash, hash=e.hash)


class NoticePublic(BaseModel):
    key: str
    team: str
    model: str
    kind: str
    message: str
    payload: dict[str, Any]
    created_at: datetime | None

    @classmethod
    def of(cls, n: Notice) -> NoticePublic:
        return cls(key=n.key, team=n.team, model=n.model, kind=n.kind, message=n.message,
                   payload=dict(n.payload), created_at=n.created_at)


class Health(BaseModel):
    status: str
    database: str | None = None
    revision: str | None = None


class AdvisoryHitPublic(BaseModel):
    """An advisory affecting a version: the OSV record, which of its ``affected`` entries
    matched (``affected_index``), how (``matched_by``: version or digest) and, when the match
    is through lineage, the ancestor it comes from."""

    advisory: dict[str, Any]
    affected_index: int
    matched_by: str
    inherited_from: str | None

    @classmethod
    def of(cls, found: Found) -> AdvisoryHitPublic:
        advisory = found.advisory
        return cls(advisory=advisory.to_osv(),
                   affected_index=advisory.affected.index(found.match.affected),
                   matched_by=found.match.by, inherited_from=found.inherited_from or None)


class ProblemPublic(BaseModel):
    location: str
    message: str


class PublishedPublic(BaseModel):
    """An advisory published or updated: the OSV record, whether it is ``new``, the versions
    affected directly and through lineage, the notices written, and warnings (located)."""

    advisory: dict[str, Any]
    new: bool
    affected: list[str]
    inherited: list[str]
    notices: int
    warnings: list[ProblemPublic]

    @classmethod
    def of(cls, p: Published) -> PublishedPublic:
        return cls(advisory=p.advisory.to_osv(), new=p.new, affected=list(p.affected),
                   inherited=list(p.inherited), notices=p.notices,
                   warnings=[ProblemPublic(location=w.location, message=w.message)
                             for w in p.warnings])
