"""The MLflow role: key-value tags of models and versions, and batched reads of what the
MLflow-compatible API shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from modelsteward.domain.model import Model, Version


@dataclass(frozen=True)
class VersionRecord:
    """A version with the facts the MLflow mapping shows."""

    version: Version
    number: int  # 1-based position in registration order, deleted versions counted
    deleted: bool
    last_event: str | None  # time (as stored) of the last event about ``model@version``
    tags: dict[str, str]  # stored tags by key, reserved keys included
    aliases: tuple[str, ...]  # current aliases, sorted


@dataclass(frozen=True)
class ModelRecord:
    """A live model with the facts the MLflow mapping shows."""

    model: Model
    created_at: datetime
    last_event: str | None  # time of the last event about the model or any ``model@…``
    creator: str  # actor of the first such event ("" when none)
    tags: dict[str, str]  # by key, sorted
    aliases: tuple[tuple[str, int], ...]  # (alias, number) held by live versions, sorted
    newest: tuple[VersionRecord, ...]  # the live version with the highest number per stage


@dataclass(frozen=True)
class ModelKey:
    """What a search orders and filters a live model by, without building its view."""

    name: str
    created_at: datetime
    tags: dict[str, str]  # only when asked for, else empty
    last_event: str | None  # only when asked for, else None


class MlflowRecords(Protocol):
    """Tags (by key, sorted) and the records of the MLflow mapping, each read in a fixed
    number of queries whatever the number of models and versions."""

    def model_tags(self, model: str) -> dict[str, str]: ...
    def set_model_tag(self, model: str, key: str, value: str) -> None:
        """Set (insert or replace) the tag ``key`` of ``model``."""
        ...
    def delete_model_tag(self, model: str, key: str) -> bool:
        """Remove the tag; False when there was none."""
        ...
    def version_tags(self, model: str, version: str) -> dict[str, str]: ...
    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None: ...
    def delete_version_tag(self, model: str, version: str, key: str) -> bool: ...

    def mlflow_model_keys(self, conditions: Sequence[tuple[str, str, str]], *,
                          with_tags: bool, with_last_event: bool, after: str = "",
                          limit: int | None = None) -> list[ModelKey]:
        """The live models that may meet ``conditions`` (``(field, op, value)``, field
        ``name`` or ``tags.<key>``), by name: every one that meets them and possibly more, so
        the caller checks them exactly. ``with_tags`` and ``with_last_event`` fill those
        fields. ``after`` and ``limit`` make it a keyset page: the first ``limit`` of them
        whose names sort after ``after``."""
        ...
    def mlflow_models(self, names: Sequence[str]) -> list[ModelRecord]:
        """Records of the live models among ``names``, in the order of ``names``."""
        ...
    def mlflow_versions(self, model: str = "") -> list[VersionRecord]:
        """The live versions of the live model ``model`` (of every live model when empty), by
        model name and number."""
        ...
    def mlflow_version_page(self, model: str, after: tuple[str, int] | None,
                            limit: int) -> list[VersionRecord]:
        """Up to ``limit`` live versions of live models (of the model ``model`` alone when
        given), in MLflow's search order — model name ascending, then number descending —
        starting after ``after`` (a model name and a number; None: from the first). Fewer than
        ``limit`` only at the end. A keyset page: its cost does not grow with the registry."""
        ...
    def mlflow_version(self, model: str, number: int) -> VersionRecord | None:
        """Version ``number`` of the live model ``model``, deleted or not."""
        ...
    def mlflow_version_by_alias(self, model: str, alias: str) -> VersionRecord | None:
        """The version (deleted or not) currently holding ``alias`` of the live model
        ``model`` (the first assigned, when several hold it)."""
        ...
