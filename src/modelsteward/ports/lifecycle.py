"""The lifecycle role: what moves a version through its stages, and its aliases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    GateOverride,
    Stage,
    StagingCheck,
)


class LifecycleRecords(Protocol):
    """Stages, evaluations, approvals, staging checks, gate overrides, alias assignments,
    artefact locations and production measurements of versions.

    Every method names an existing version (deleted or not) and raises
    :class:`~modelsteward.errors.VersionNotFound` otherwise. Lists are oldest first."""

    def set_stage(self, model: str, version: str, stage: Stage) -> None: ...
    def set_blocked(self, model: str, version: str, reason: str) -> None:
        """Mark the version degraded or rolled back (``reason``), or clear it (``""``)."""
        ...
    def add_evaluation(self, model: str, version: str, e: Evaluation) -> None: ...
    def evaluations(self, model: str, version: str) -> list[Evaluation]:
        """Oldest first (by recording time, then sequence)."""
        ...
    def evaluations_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Evaluation]]:
        """``model@version`` → :meth:`evaluations` of each of ``refs`` (model, version) that has
        some; unknown versions are left out; a few reads whatever the number of refs."""
        ...
    def add_approval(self, model: str, version: str, a: Approval) -> None: ...
    def approvals(self, model: str, version: str) -> list[Approval]: ...
    def approvals_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Approval]]:
        """``model@version`` → :meth:`approvals` of each of ``refs`` that has some, as
        :meth:`evaluations_for`."""
        ...
    def add_check(self, model: str, version: str, check: StagingCheck) -> None: ...
    def checks(self, model: str, version: str) -> list[StagingCheck]: ...
    def checks_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[StagingCheck]]:
        """``model@version`` → :meth:`checks` of each of ``refs`` that has some, as
        :meth:`evaluations_for`."""
        ...
    def add_override(self, model: str, version: str, o: GateOverride) -> None: ...
    def overrides(self, model: str, version: str) -> list[GateOverride]: ...
    def overrides_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[GateOverride]]:
        """``model@version`` → its gate overrides, oldest first (only refs that have some);
        a few reads whatever the number of refs."""
        ...

    def alias_history(self, model: str, alias: str = "") -> list[AliasAssignment]:
        """Every assignment, oldest first (optionally of one alias)."""
        ...
    def current_aliases(self, model: str, alias: str = "") -> list[AliasAssignment]:
        """The assignments not removed, by alias, then oldest first."""
        ...
    def current_holders(self, models: Collection[str],
                        alias: str) -> dict[str, list[AliasAssignment]]:
        """Model → :meth:`current_aliases` of ``alias`` for each of ``models`` with a current
        holder (unknown models left out), oldest first; a few reads whatever the number."""
        ...
    def assign_alias(self, model: str, alias: str, version: str, *, exclusive: bool,
                     at: datetime, by: str, reason: str) -> None: ...
    def remove_alias(self, model: str, alias: str, version: str, at: datetime) -> None: ...
    def end_assignment(self, holder: AliasAssignment, at: datetime) -> None:
        """End the current assignment ``holder`` (as :meth:`current_aliases` read it) at
        ``at``: :meth:`remove_alias` for that one assignment."""
        ...

    def add_location(self, model: str, version: str, kind: str, uri: str, at: datetime,
                     verified_digest: str) -> None: ...
    def locations(self, model: str, version: str) -> list[tuple[str, str, datetime, str]]:
        """(kind, uri, recorded_at, verified_digest), oldest first."""
        ...
    def add_measurement(self, model: str, version: str, metric: str, value: float,
                        at: datetime, by: str) -> None: ...
    def measurements(self, model: str, version: str) -> list[tuple[str, float, datetime]]:
        """(metric, value, recorded_at), oldest first."""
        ...
