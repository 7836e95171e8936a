"""Request bodies of the MLflow Model Registry REST API (``model_registry.proto``) and the JSON
of its messages (``RegisteredModel``, ``ModelVersion``) built from modelsteward's views."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from modelsteward.api.limits import (
    MAX_ALIAS,
    MAX_DESCRIPTION,
    MAX_TAG,
    MAX_TAG_VALUE,
    MAX_TAGS,
)
from modelsteward.results import ModelView, VersionView


class _Request(BaseModel):
    # the client sends fields of newer MLflow versions too (deployment_job_id, model_id…)
    model_config = ConfigDict(extra="ignore")


class Tag(BaseModel):
    key: str = Field(max_length=MAX_TAG)
    value: str = Field(default="", max_length=MAX_TAG_VALUE)


class RegisteredModelCreate(_Request):
    name: str
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class RegisteredModelUpdate(_Request):
    name: str
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class RegisteredModelRename(_Request):
    name: str
    new_name: str = ""


class RegisteredModelRef(_Request):
    name: str


class LatestVersionsQuery(_Request):
    name: str
    stages: list[str] = Field(default_factory=list)


class RegisteredModelTagSet(_Request):
    name: str
    key: str = Field(max_length=MAX_TAG)
    value: str = Field(default="", max_length=MAX_TAG_VALUE)


class RegisteredModelTagDelete(_Request):
    name: str
    key: str


class AliasSet(_Request):
    name: str
    alias: str = Field(max_length=MAX_ALIAS)
    version: str


class AliasDelete(_Request):
    name: str
    alias: str


class ModelVersionCreate(_Request):
    name: str
    source: str = ""
    run_id: str = ""
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    run_link: str = ""
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class ModelVersionRef(_Request):
    name: str
    version: str


class ModelVersionUpdate(_Request):
    name: str
    version: str
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class StageTransition(_Request):
    name: str
    version: str
    stage: str
    archive_existing_versions: StrictBool = False


class ModelVersionTagSet(_Request):
    name: str
    version: str
    key: str = Field(max_length=MAX_TAG)
    value: str = Field(default="", max_length=MAX_TAG_VALUE)


class ModelVersionTagDelete(_Request):
    name: str
    version: str
    key: str


def version_json(view: VersionView) -> dict[str, object]:
    """A ``ModelVersion`` message; empty optional strings are left out, as MLflow does."""
    body: dict[str, object] = {
        "name": view.name, "version": str(view.number),
        "creation_timestamp": view.created_ms, "last_updated_timestamp": view.updated_ms,
        "user_id": view.version.registered_by, "current_stage": view.stage,
        "description": view.description, "status": "READY",
        "tags": [{"key": k, "value": v} for k, v in view.tags.items()],
        "aliases": list(view.aliases),
    }
    body.update({key: value for key, value in (("source", view.source), ("run_id", view.run_id),
                                                ("run_link", view.run_link)) if value})
    return body


def model_json(view: ModelView) -> dict[str, object]:
    """A ``RegisteredModel`` message."""
    body: dict[str, object] = {
        "name": view.name, "creation_timestamp": view.created_ms,
        "last_updated_timestamp": view.updated_ms, "description": view.model.description,
        "latest_versions": [version_json(v) for v in view.latest],
        "tags": [{"key": k, "value": v} for k, v in view.tags.items()],
        "aliases": [{"alias": a, "version": str(n)} for a, n in view.aliases],
    }
    if view.creator:
        body["user_id"] = view.creator
    return body
