"""The catalog role: models, their versions, provenance and lineage."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.lineage import Derivation
from modelsteward.domain.model import Model, SupportPolicy, Version
from modelsteward.domain.pins import Bounds
from modelsteward.domain.versioning import ModelVersion


class Catalog(Protocol):
    """Models and versions, live or deleted (tombstones), with their attestations, lineage
    and the order they were registered in.

    Reads skip deleted models and versions unless asked (``include_deleted``). Methods taking
    a model name of a model that does not exist raise
    :class:`~modelsteward.errors.ModelNotFound`; those taking a version that does not exist
    raise :class:`~modelsteward.errors.VersionNotFound` (lookups by ``get_…`` return ``None``).
    """

    def close_model_names(self, name: str) -> list[str]:
        """The live models' names nearest to ``name``, nearest first (for "did you mean")."""
        ...

    def get_model(self, name: str, include_deleted: bool = False) -> Model | None: ...
    def get_models(self, names: Collection[str]) -> dict[str, Model]:
        """Name → :meth:`get_model` of each of ``names`` that is live (the others left out);
        a few reads whatever the number of names."""
        ...
    def is_deleted(self, model: str, version: str = "") -> bool:
        """Whether ``model`` (or ``model@version``) is a tombstone."""
        ...
    def mark_deleted(self, model: str, version: str, at: datetime) -> None:
        """Make ``model`` (or, with ``version``, one version of it) a tombstone."""
        ...
    def list_models(self, *, after: str = "", limit: int = 1000) -> list[Model]:
        """Live models by name, those after ``after`` (keyset pagination)."""
        ...
    def add_model(self, model: Model, created_at: datetime) -> None: ...
    def update_model(self, model: Model) -> None: ...
    def model_created_at(self, model: str) -> datetime:
        """When ``model`` was created (deleted models included)."""
        ...

    def get_version(self, model: str, version: str,
                    include_deleted: bool = False) -> Version | None:
        """The version with its files."""
        ...
    def get_versions(self, refs: Sequence[tuple[str, str]]) -> dict[str, Version]:
        """``model@version`` → :meth:`get_version` (live, with its files) of each of ``refs``
        (model, version) that exists and is not deleted (the others left out); a few reads
        whatever the number of refs."""
        ...
    def list_versions(self, model: str, include_deleted: bool = False) -> list[Version]:
        """Versions in ascending version order (files not read)."""
        ...
    def list_versions_page(self, model: str, after: ModelVersion | None, limit: int,
                           include_deleted: bool = False) -> list[Version]:
        """The first ``limit`` versions of the semantically versioned ``model`` above
        ``after`` (None: from the lowest), in ascending version order (files not read). A
        keyset page: its cost does not grow with the model's number of versions."""
        ...
    def latest_release(self, model: str) -> Version | None:
        """The highest semantic version without pre-release and variant (for a snapshot model,
        the newest snapshot), if any."""
        ...
    def predecessor(self, model: str, version: Version) -> Version | None:
        """The highest release (no variant, no pre-release) below ``version``'s core."""
        ...
    def add_version(self, version: Version) -> None:
        """Register ``version``: it takes the next place in the registration order (call it
        in a write unit of work, which serialises registrations)."""
        ...
    def candidates(self, model: str, bounds: Bounds, variant: str,
                   allow_prerelease: bool, *, stages: Collection[Stage] | None = None,
                   unblocked: bool = False, include_deleted: bool = False) -> Iterator[Version]:
        """Versions that may satisfy a pin, best first (highest semantic version, or newest
        snapshot), not deleted unless ``include_deleted``; at one of ``stages`` (default: any
        stage but retired and rejected); with ``unblocked``, none degraded or rolled back.
        Lazy: a caller that stops at the first match reads little."""
        ...
    def version_at(self, model: str, number: int) -> Version | None:
        """The live version with MLflow number ``number`` (its 1-based place in the
        registration order, deleted versions counted); None when there is none or it is
        deleted."""
        ...
    def registration_order(self, model: str) -> list[str]:
        """Every version of ``model``, deleted ones included, in registration order: the
        1-based position is the version's MLflow number."""
        ...
    def version_count(self, model: str) -> int:
        """How many versions ``model`` has, deleted ones included."""
        ...
    def newest_registrations(self, model: str, *, limit: int) -> list[str]:
        """The ids of the ``limit`` versions of ``model`` registered last (deleted ones
        included), the newest first: an index read, however many versions it has."""
        ...
    def versions_in_stage(self, stage: Stage, *, limit: int = 100) -> list[Version]:
        """Live versions (without their files) of live models in ``stage``, the oldest
        registration first, at most ``limit``: what waits in staging, read through an index."""
        ...
    def models_with_stage(self, names: Collection[str], stage: Stage) -> set[str]:
        """Those of the live models ``names`` that have a live version in ``stage``: one
        index read however many versions each has (a list filtered by stage)."""
        ...
    def version_states(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str],
                                                                        tuple[str, Stage, str]]:
        """(model, version) → (root digest, stage, blocked reason) for the refs that exist and
        are not deleted; a few reads whatever the number of refs."""
        ...
    def support_terms(self, refs: Sequence[tuple[str, str]]
                      ) -> dict[tuple[str, str], tuple[datetime, SupportPolicy]]:
        """(model, version) → (registration time, the model's support policy) for the refs
        that exist, are not deleted and whose model declares active months; a few reads
        whatever the number of refs (the audit's end-of-support findings)."""
        ...

    def add_attestation(self, model: str, version: str, statement: dict[str, object],
                        metrics: dict[str, object], attached_at: datetime, actor: str) -> None: ...
    def attestations(self, model: str, version: str) -> list[dict[str, object]]:
        """Attestations oldest first, each with ``statement``, ``metrics``, ``attached_at``
        (ISO 8601) and ``attached_by``."""
        ...

    def attested(self, refs: Sequence[tuple[str, str]]) -> set[str]:
        """The ``model@version`` of those of ``refs`` (model, version) with an attestation;
        unknown versions are left out; a few reads whatever the number of refs."""
        ...

    def add_derivation(self, derivation: Derivation) -> None: ...
    def parents(self, ref: str) -> list[Derivation]:
        """What ``ref`` derives from, by parent."""
        ...
    def parents_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        """Each of ``refs`` → :meth:`parents` of it (empty when none); a few reads whatever
        the number of refs."""
        ...
    def children(self, ref: str) -> list[Derivation]:
        """What derives from ``ref``, by child."""
        ...
    def children_of(self, refs: Collection[str]) -> dict[str, list[Derivation]]:
        """Each of ``refs`` → :meth:`children` of it (empty when none), as :meth:`parents_of`."""
        ...
    def upstream_children(self, purl: str) -> list[Derivation]:
        """Derivations from ``purl`` or, when it names no revision, from any revision of it,
        by child."""
        ...
