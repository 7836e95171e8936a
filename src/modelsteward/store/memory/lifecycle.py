"""Lifecycle records in memory: stages, evaluations, approvals, staging checks, gate overrides,
alias assignments, artefact locations and measurements (as ``store/lifecycle_sql.py``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.errors import StorageError
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import AliasRow, as_json, fresh, stored, utc


class LifecycleQueries(TransactionBase):
    # stages ---------------------------------------------------------------------------------

    def set_stage(self, model: str, version: str, stage: Stage) -> None:
        row = self._version_row(model, version)
        self._write().versions[(model, version)] = replace(
            row, version=replace(row.version, stage=stage))

    def set_blocked(self, model: str, version: str, reason: str) -> None:
        row = self._version_row(model, version)
        self._write().versions[(model, version)] = replace(
            row, version=replace(row.version, blocked_reason=reason))

    # evaluations, approvals, checks, overrides ----------------------------------------------

    def add_evaluation(self, model: str, version: str, e: Evaluation) -> None:
        ref = self._ref(model, version)
        t = self._write()
        kept = stored(replace(e, ref=f"{model}@{version}", metrics=as_json(dict(e.metrics)),
                              latency_ms=as_json(dict(e.latency_ms)),
                              directions=dict(e.directions)))
        t.evaluations[ref] = (*t.evaluations.get(ref, ()), kept)

    def evaluations(self, model: str, version: str) -> list[Evaluation]:
        found = self.t.evaluations.get(self._ref(model, version), ())
        return [fresh(e) for e in sorted(found, key=lambda e: (e.recorded_at, e.seq))]

    def evaluations_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Evaluation]]:
        return {f"{m}@{v}": [fresh(e) for e in sorted(kept, key=lambda e: (e.recorded_at, e.seq))]
                for m, v in dict.fromkeys(refs) if (kept := self.t.evaluations.get((m, v)))}

    def add_approval(self, model: str, version: str, a: Approval) -> None:
        ref = self._ref(model, version)
        t = self._write()
        t.approvals[ref] = (*t.approvals.get(ref, ()), stored(replace(a, ref=f"{model}@{version}")))

    def approvals(self, model: str, version: str) -> list[Approval]:
        return sorted(self.t.approvals.get(self._ref(model, version), ()),
                      key=lambda a: a.approved_at)

    def approvals_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Approval]]:
        return {f"{m}@{v}": sorted(kept, key=lambda a: a.approved_at)
                for m, v in dict.fromkeys(refs) if (kept := self.t.approvals.get((m, v)))}

    def add_check(self, model: str, version: str, check: StagingCheck) -> None:
        ref = self._ref(model, version)
        t = self._write()
        kept = stored(replace(check, ref=f"{model}@{version}", passed=bool(check.passed)))
        t.checks[ref] = (*t.checks.get(ref, ()), kept)

    def checks(self, model: str, version: str) -> list[StagingCheck]:
        return sorted(self.t.checks.get(self._ref(model, version), ()),
                      key=lambda c: c.recorded_at)

    def checks_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[StagingCheck]]:
        return {f"{m}@{v}": sorted(kept, key=lambda c: c.recorded_at)
                for m, v in dict.fromkeys(refs) if (kept := self.t.checks.get((m, v)))}

    def add_override(self, model: str, version: str, o: GateOverride) -> None:
        ref = self._ref(model, version)
        t = self._write()
        t.overrides[ref] = (*t.overrides.get(ref, ()), stored(replace(o, ref=f"{model}@{version}")))

    def overrides(self, model: str, version: str) -> list[GateOverride]:
        return sorted(self.t.overrides.get(self._ref(model, version), ()), key=lambda o: o.at)

    # aliases --------------------------------------------------------------------------------

    def _assignments(self, model: str) -> tuple[AliasRow, ...]:
        self._model_row(model)
        return self.t.aliases.get(model, ())

    def alias_history(self, model: str, alias: str = "") -> list[AliasAssignment]:
        """Every assignment, oldest first (optionally of one alias)."""
        rows = sorted((r for r in self._assignments(model) if not alias or r.alias == alias),
                      key=lambda r: (r.assigned_at, r.number))
        return [_assignment(model, r) for r in rows]

    def current_aliases(self, model: str, alias: str = "") -> list[AliasAssignment]:
        rows = sorted((r for r in self._assignments(model)
                       if r.removed_at is None and (not alias or r.alias == alias)),
                      key=lambda r: (r.alias, r.assigned_at))
        return [_assignment(model, r) for r in rows]

    def current_holders(self, models: Collection[str],
                        alias: str) -> dict[str, list[AliasAssignment]]:
        found = {}
        for model in set(models):
            rows = sorted((r for r in self.t.aliases.get(model, ())
                           if r.removed_at is None and r.alias == alias),
                          key=lambda r: r.assigned_at)
            if rows:
                found[model] = [_assignment(model, r) for r in rows]
        return found

    def assign_alias(self, model: str, alias: str, version: str, *, exclusive: bool,
                     at: datetime, by: str, reason: str) -> None:
        held = self._assignments(model)
        self._ref(model, version)
        if exclusive and any(r.alias == alias and r.exclusive and r.removed_at is None
                             for r in held):
            # the SQL schema's unique index refuses this whatever the code does
            raise StorageError(f"The exclusive alias {alias!r} of {model} has a holder already.")
        t = self._write()
        t.alias_numbers += 1
        row = AliasRow(t.alias_numbers, alias, version, exclusive, utc(at), by, reason)
        t.aliases[model] = (*held, row)

    def remove_alias(self, model: str, alias: str, version: str, at: datetime) -> None:
        self._ref(model, version)
        self._end(model, at, lambda r: r.alias == alias and r.version == version)

    def end_assignment(self, holder: AliasAssignment, at: datetime) -> None:
        """End the current assignment ``holder`` (as :meth:`current_aliases` read it) at ``at``."""
        self._ref(holder.model, holder.version)
        assigned = utc(holder.assigned_at)
        self._end(holder.model, at, lambda r: (r.alias == holder.alias and r.version ==
                                               holder.version and r.assigned_at == assigned))

    def _end(self, model: str, at: datetime, chosen: Callable[[AliasRow], bool]) -> None:
        t = self._write()
        t.aliases[model] = tuple(
            replace(r, removed_at=utc(at)) if r.removed_at is None and chosen(r) else r
            for r in t.aliases.get(model, ()))

    # artefact locations and measurements ----------------------------------------------------

    def add_location(self, model: str, version: str, kind: str, uri: str, at: datetime,
                     verified_digest: str) -> None:
        ref = self._ref(model, version)
        t = self._write()
        t.locations[ref] = (*t.locations.get(ref, ()), (kind, uri, utc(at), verified_digest))

    def locations(self, model: str, version: str) -> list[tuple[str, str, datetime, str]]:
        """(kind, uri, recorded_at, verified_digest), oldest first."""
        return sorted(self.t.locations.get(self._ref(model, version), ()), key=lambda r: r[2])

    def add_measurement(self, model: str, version: str, metric: str, value: float,
                        at: datetime, by: str) -> None:
        ref = self._ref(model, version)
        t = self._write()
        t.measurements[ref] = (*t.measurements.get(ref, ()), (metric, float(value), utc(at)))

    def measurements(self, model: str, version: str) -> list[tuple[str, float, datetime]]:
        return sorted(self.t.measurements.get(self._ref(model, version), ()),
                      key=lambda r: r[2])


def _assignment(model: str, row: AliasRow) -> AliasAssignment:
    return AliasAssignment(model, row.alias, row.version, row.assigned_at, row.assigned_by,
                           row.reason, row.removed_at)
