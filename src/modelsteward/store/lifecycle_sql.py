"""Storage of the lifecycle records: stages, evaluations, approvals, staging checks, gate
overrides, alias assignments and production measurements. Mixed into ``SqlTransaction``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, insert, select, update

from modelsteward.domain.direction import Direction
from modelsteward.domain.lifecycle import (
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
)
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.rows import new_id
from modelsteward.store.tables import (
    alias_assignments,
    approvals,
    artifact_locations,
    evaluations,
    gate_overrides,
    measurements,
    models,
    staging_checks,
    versions,
)

# the statements of an alias move, built once
_CURRENT_HOLDERS = (
    select(alias_assignments, versions.c.version)
    .join(versions, versions.c.id == alias_assignments.c.version_id)
    .where(alias_assignments.c.model_id == bindparam("model_id"),
           alias_assignments.c.removed_at.is_(None),
           alias_assignments.c.alias == bindparam("alias"))
    .order_by(alias_assignments.c.alias, alias_assignments.c.assigned_at))
# one assignment, found by the lookup index's whole key rather than by scanning every past
# assignment of the alias
_END_ASSIGNMENT = (
    update(alias_assignments)
    .where(alias_assignments.c.model_id == bindparam("b_model_id"),
           alias_assignments.c.alias == bindparam("b_alias"),
           alias_assignments.c.assigned_at == bindparam("b_assigned_at"),
           alias_assignments.c.version_id == bindparam("b_version_id"),
           alias_assignments.c.removed_at.is_(None))
    .values(removed_at=bindparam("b_at")))
_INSERT_ASSIGNMENT = insert(alias_assignments)
# the current holders of one alias of a few models at once
_CURRENT_HOLDERS_OF = (
    select(alias_assignments, versions.c.version, models.c.name.label("model_name"))
    .join(versions, versions.c.id == alias_assignments.c.version_id)
    .join(models, models.c.id == alias_assignments.c.model_id)
    .where(models.c.name.in_(bindparam("names", expanding=True)),
           alias_assignments.c.removed_at.is_(None),
           alias_assignments.c.alias == bindparam("alias"))
    .order_by(alias_assignments.c.assigned_at))
# the records of a few versions at once (by primary key), in the order of the one-version reads
_IDS: BindParameter[str] = bindparam("ids", expanding=True)
_EVALUATIONS_OF = (select(evaluations).where(evaluations.c.version_id.in_(_IDS))
                   .order_by(evaluations.c.recorded_at, evaluations.c.seq))
_APPROVALS_OF = (select(approvals).where(approvals.c.version_id.in_(_IDS))
                 .order_by(approvals.c.approved_at))
_CHECKS_OF = (select(staging_checks).where(staging_checks.c.version_id.in_(_IDS))
              .order_by(staging_checks.c.recorded_at))


class LifecycleQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.LifecycleRecords` (with ``AuditQueries``'
    ``overrides_for``)."""

    # stages ---------------------------------------------------------------------------------

    def set_stage(self, model: str, version: str, stage: Stage) -> None:
        self.c.execute(update(versions).where(versions.c.id == self._version_pk(model, version))
                       .values(stage=stage.value))

    def set_blocked(self, model: str, version: str, reason: str) -> None:
        self.c.execute(update(versions).where(versions.c.id == self._version_pk(model, version))
                       .values(blocked_reason=reason))

    # evaluations ----------------------------------------------------------------------------

    def add_evaluation(self, model: str, version: str, e: Evaluation) -> None:
        self.c.execute(insert(evaluations).values(
            id=e.id, version_id=self._version_pk(model, version), suite=e.suite,
            dataset_digest=e.dataset_digest, metrics=e.metrics,
            cost_per_1k_requests=e.cost_per_1k_requests, latency_ms=e.latency_ms,
            recorded_at=e.recorded_at, recorded_by=e.recorded_by, seq=e.seq,
            directions={k: v.value for k, v in e.directions.items()} or None))

    def evaluations(self, model: str, version: str) -> list[Evaluation]:
        ref = f"{model}@{version}"
        rows = self.c.execute(select(evaluations).where(
            evaluations.c.version_id == self._version_pk(model, version))
            .order_by(evaluations.c.recorded_at, evaluations.c.seq))
        return [Evaluation(r.id, ref, r.suite, r.dataset_digest, dict(r.metrics),
                           r.cost_per_1k_requests, dict(r.latency_ms), r.recorded_at,
                           r.recorded_by, r.seq,
                           {k: Direction(v) for k, v in (r.directions or {}).items()})
                for r in rows]

    def evaluations_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Evaluation]]:
        found: dict[str, list[Evaluation]] = defaultdict(list)
        for ref, r in self._records_of(_EVALUATIONS_OF, refs):
            found[ref].append(Evaluation(
                r.id, ref, r.suite, r.dataset_digest, dict(r.metrics), r.cost_per_1k_requests,
                dict(r.latency_ms), r.recorded_at, r.recorded_by, r.seq,
                {k: Direction(v) for k, v in (r.directions or {}).items()}))
        return dict(found)

    def _records_of(self, statement: Any, refs: Sequence[tuple[str, str]]
                    ) -> Iterator[tuple[str, Any]]:
        """(``model@version``, row) of ``statement``'s rows for the versions ``refs`` name."""
        keys = self._version_pks_for(refs)
        for chunk in chunks(sorted(keys)):
            for row in self.c.execute(statement, {"ids": list(chunk)}):
                yield keys[str(row.version_id)], row

    # approvals, checks, overrides -----------------------------------------------------------

    def add_approval(self, model: str, version: str, a: Approval) -> None:
        self.c.execute(insert(approvals).values(
            id=a.id, version_id=self._version_pk(model, version), approver=a.approver,
            role=a.role, evidence=a.evidence, risks_accepted=a.risks_accepted,
            monitoring_plan=a.monitoring_plan, rollback_plan=a.rollback_plan,
            next_review=a.next_review, approved_at=a.approved_at, expires_at=a.expires_at,
            replaces=a.replaces))

    def approvals(self, model: str, version: str) -> list[Approval]:
        ref = f"{model}@{version}"
        rows = self.c.execute(select(approvals).where(
            approvals.c.version_id == self._version_pk(model, version))
            .order_by(approvals.c.approved_at))
        return [Approval(r.id, ref, r.approver, r.role, r.evidence, r.risks_accepted,
                         r.monitoring_plan, r.rollback_plan, r.next_review, r.approved_at,
                         r.expires_at, r.replaces) for r in rows]

    def approvals_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[Approval]]:
        found: dict[str, list[Approval]] = defaultdict(list)
        for ref, r in self._records_of(_APPROVALS_OF, refs):
            found[ref].append(Approval(r.id, ref, r.approver, r.role, r.evidence,
                                       r.risks_accepted, r.monitoring_plan, r.rollback_plan,
                                       r.next_review, r.approved_at, r.expires_at, r.replaces))
        return dict(found)

    def add_check(self, model: str, version: str, check: StagingCheck) -> None:
        self.c.execute(insert(staging_checks).values(
            id=new_id(), version_id=self._version_pk(model, version), name=check.name,
            passed=check.passed, evidence=check.evidence, recorded_at=check.recorded_at,
            recorded_by=check.recorded_by))

    def checks(self, model: str, version: str) -> list[StagingCheck]:
        ref = f"{model}@{version}"
        rows = self.c.execute(select(staging_checks).where(
            staging_checks.c.version_id == self._version_pk(model, version))
            .order_by(staging_checks.c.recorded_at))
        return [StagingCheck(ref, r.name, bool(r.passed), r.evidence, r.recorded_at,
                             r.recorded_by) for r in rows]

    def checks_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[StagingCheck]]:
        found: dict[str, list[StagingCheck]] = defaultdict(list)
        for ref, r in self._records_of(_CHECKS_OF, refs):
            found[ref].append(StagingCheck(ref, r.name, bool(r.passed), r.evidence,
                                           r.recorded_at, r.recorded_by))
        return dict(found)

    def add_override(self, model: str, version: str, o: GateOverride) -> None:
        self.c.execute(insert(gate_overrides).values(
            id=new_id(), version_id=self._version_pk(model, version), gate=o.gate.value,
            reason=o.reason, actor=o.actor, at=o.at))

    def overrides(self, model: str, version: str) -> list[GateOverride]:
        ref = f"{model}@{version}"
        rows = self.c.execute(select(gate_overrides).where(
            gate_overrides.c.version_id == self._version_pk(model, version))
            .order_by(gate_overrides.c.at))
        return [GateOverride(ref, Gate(r.gate), r.reason, r.actor, r.at) for r in rows]

    # aliases --------------------------------------------------------------------------------

    def _alias_query(self, model: str) -> Any:
        model_id, _ = self._model_key(model)
        return (select(alias_assignments, versions.c.version)
                .join(versions, versions.c.id == alias_assignments.c.version_id)
                .where(alias_assignments.c.model_id == model_id))

    def alias_history(self, model: str, alias: str = "") -> list[AliasAssignment]:
        """Every assignment, oldest first (optionally of one alias)."""
        query = self._alias_query(model)
        if alias:
            query = query.where(alias_assignments.c.alias == alias)
        rows = self.c.execute(query.order_by(alias_assignments.c.assigned_at,
                                             alias_assignments.c.id))
        return [AliasAssignment(model, r.alias, r.version, r.assigned_at, r.assigned_by,
                                r.reason, r.removed_at) for r in rows]

    def current_aliases(self, model: str, alias: str = "") -> list[AliasAssignment]:
        if alias:
            model_id, _ = self._model_key(model)
            rows = self.c.execute(_CURRENT_HOLDERS, {"model_id": model_id, "alias": alias})
        else:
            rows = self.c.execute(self._alias_query(model)
                                  .where(alias_assignments.c.removed_at.is_(None))
                                  .order_by(alias_assignments.c.alias,
                                            alias_assignments.c.assigned_at))
        found = []
        for r in rows:
            # what ending the assignment would look up
            self._version_pks[(model, r.version)] = r.version_id
            found.append(AliasAssignment(model, r.alias, r.version, r.assigned_at,
                                         r.assigned_by, r.reason, None))
        return found

    def current_holders(self, models: Collection[str],
                        alias: str) -> dict[str, list[AliasAssignment]]:
        found: dict[str, list[AliasAssignment]] = defaultdict(list)
        for chunk in chunks(sorted(set(models))):
            for r in self.c.execute(_CURRENT_HOLDERS_OF, {"names": list(chunk), "alias": alias}):
                model = str(r.model_name)
                self._version_pks[(model, r.version)] = r.version_id
                found[model].append(AliasAssignment(model, r.alias, r.version, r.assigned_at,
                                                    r.assigned_by, r.reason, None))
        return dict(found)

    def assign_alias(self, model: str, alias: str, version: str, *, exclusive: bool,
                     at: datetime, by: str, reason: str) -> None:
        model_id, _ = self._model_key(model)
        self.c.execute(_INSERT_ASSIGNMENT, {
            "id": new_id(), "model_id": model_id, "alias": alias,
            "version_id": self._version_pk(model, version), "exclusive": exclusive,
            "assigned_at": at, "assigned_by": by, "reason": reason, "removed_at": None})

    def remove_alias(self, model: str, alias: str, version: str, at: datetime) -> None:
        model_id, _ = self._model_key(model)
        self.c.execute(update(alias_assignments).where(
            alias_assignments.c.model_id == model_id, alias_assignments.c.alias == alias,
            alias_assignments.c.version_id == self._version_pk(model, version),
            alias_assignments.c.removed_at.is_(None)).values(removed_at=at))

    def end_assignment(self, holder: AliasAssignment, at: datetime) -> None:
        """End the current assignment ``holder`` (as :meth:`current_aliases` read it) at
        ``at``: :meth:`remove_alias` for that one assignment, found by its key."""
        model_id, _ = self._model_key(holder.model)
        self.c.execute(_END_ASSIGNMENT, {
            "b_model_id": model_id, "b_alias": holder.alias, "b_assigned_at": holder.assigned_at,
            "b_version_id": self._version_pk(holder.model, holder.version), "b_at": at})

    # artefact locations ---------------------------------------------------------------------

    def add_location(self, model: str, version: str, kind: str, uri: str, at: datetime,
                     verified_digest: str) -> None:
        self.c.execute(insert(artifact_locations).values(
            id=new_id(), version_id=self._version_pk(model, version), kind=kind, uri=uri,
            recorded_at=at, verified_digest=verified_digest))

    def locations(self, model: str, version: str) -> list[tuple[str, str, datetime, str]]:
        """(kind, uri, recorded_at, verified_digest), oldest first."""
        rows = self.c.execute(select(artifact_locations).where(
            artifact_locations.c.version_id == self._version_pk(model, version))
            .order_by(artifact_locations.c.recorded_at, artifact_locations.c.id))
        return [(r.kind, r.uri, r.recorded_at, r.verified_digest) for r in rows]

    # monitoring -----------------------------------------------------------------------------

    def add_measurement(self, model: str, version: str, metric: str, value: float,
                        at: datetime, by: str) -> None:
        self.c.execute(insert(measurements).values(
            id=new_id(), version_id=self._version_pk(model, version), metric=metric,
            value=value, recorded_at=at, recorded_by=by))

    def measurements(self, model: str, version: str) -> list[tuple[str, float, datetime]]:
        rows = self.c.execute(select(measurements).where(
            measurements.c.version_id == self._version_pk(model, version))
            .order_by(measurements.c.recorded_at))
        return [(r.metric, r.value, r.recorded_at) for r in rows]
