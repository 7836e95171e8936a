"""Models and versions as the MLflow Model Registry API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modelsteward.domain.mlflow_stages import METADATA_KEY, mlflow_stage
from modelsteward.domain.model import Model, Version


@dataclass(frozen=True)
class VersionView:
    """A version as MLflow sees it."""

    version: Version
    number: int
    created_ms: int
    updated_ms: int
    description: str
    tags: dict[str, str]
    aliases: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.version.model

    @property
    def stage(self) -> str:
        return mlflow_stage(self.version.stage)

    def _meta(self, key: str) -> str:
        found = self.version.metadata.get(METADATA_KEY)
        value = found.get(key, "") if isinstance(found, Mapping) else ""
        return str(value) if value else ""

    @property
    def source(self) -> str:
        return self._meta("source")

    @property
    def run_id(self) -> str:
        return self._meta("run_id")

    @property
    def run_link(self) -> str:
        return self._meta("run_link")


@dataclass(frozen=True)
class ModelView:
    """A model as MLflow sees it (a registered model)."""

    model: Model
    created_ms: int
    updated_ms: int
    creator: str
    tags: dict[str, str]
    aliases: tuple[tuple[str, int], ...]  # (alias, version number)
    latest: tuple[VersionView, ...]  # the newest version of each MLflow stage

    @property
    def name(self) -> str:
        return self.model.name


@dataclass(frozen=True)
class ModelSummary:
    """What a search filters and orders a registered model by, before its view is built."""

    name: str
    created_ms: int
    updated_ms: int
    tags: dict[str, str]
