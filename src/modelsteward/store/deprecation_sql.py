"""Storage of deprecation plans and notices. Mixed into ``SqlTransaction``."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select

from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.notices import Notice
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.outbox_sql import OutboxQueries
from modelsteward.store.prepared import hot_rows
from modelsteward.store.tables import deprecation_plans, models, notices, upstream_plans

# built once: every resolution reads its model's plans
_PLANS_JOINED = (select(deprecation_plans, models.c.name.label("model_name"))
                 .join(models, models.c.id == deprecation_plans.c.model_id))
_PLANS_ORDER = (deprecation_plans.c.created_at, deprecation_plans.c.id)
_PLANS = _PLANS_JOINED.order_by(*_PLANS_ORDER)
_PLANS_OF = (_PLANS_JOINED.where(deprecation_plans.c.model_id == bindparam("model_id"))
             .order_by(*_PLANS_ORDER))
# the plans of a few models at once (by name), oldest first
_PLANS_OF_MODELS = (_PLANS_JOINED.where(models.c.name.in_(bindparam("names", expanding=True)))
                    .order_by(*_PLANS_ORDER))

# every plan of the (model, target) pairs with a plan due by a day, oldest first, built once
_EARLIER = deprecation_plans.alias("earlier")
_PLANS_DUE = (select(deprecation_plans, models.c.name.label("model_name"))
              .join(models, models.c.id == deprecation_plans.c.model_id)
              .where(select(_EARLIER.c.id)
                     .where(_EARLIER.c.model_id == deprecation_plans.c.model_id,
                            _EARLIER.c.target == deprecation_plans.c.target,
                            _EARLIER.c.hard_deadline <= bindparam("by")).exists())
              .order_by(deprecation_plans.c.created_at, deprecation_plans.c.id))


class DeprecationQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.DeprecationRecords`."""

    def add_plan(self, plan: DeprecationPlan) -> None:
        model_id, _ = self._model_key(plan.model)
        self.c.execute(insert(deprecation_plans).values(
            id=plan.id, model_id=model_id, target=plan.target, reason=plan.reason.value,
            replacement=plan.replacement, announced=plan.announced,
            soft_deadline=plan.soft_deadline, hard_deadline=plan.hard_deadline,
            migration_steps=list(plan.migration_steps), support_window=plan.support_window,
            redirect=plan.redirect, created_at=plan.created_at, created_by=plan.created_by))

    def plans(self, model: str = "") -> list[DeprecationPlan]:
        """Every plan (of ``model`` when given), oldest first."""
        if not model:
            return [_plan(r) for r in self.c.execute(_PLANS)]
        model_id, _ = self._model_key(model)
        return [_plan(r) for r in hot_rows(self.c, _PLANS_OF, {"model_id": model_id})]

    def plans_page(self, after: DeprecationPlan | None = None, *, limit: int,
                   by_model: bool = False) -> list[DeprecationPlan]:
        created, ident = deprecation_plans.c.created_at, deprecation_plans.c.id
        query = _PLANS_JOINED
        if after is not None:
            later = or_(created > after.created_at,
                        and_(created == after.created_at, ident > after.id))
            query = query.where(or_(models.c.name > after.model,
                                    and_(models.c.name == after.model, later))
                                if by_model else later)
        order = (models.c.name, *_PLANS_ORDER) if by_model else _PLANS_ORDER
        return [_plan(r) for r in self.c.execute(query.order_by(*order).limit(max(limit, 0)))]

    def plans_due(self, by: date) -> list[DeprecationPlan]:
        return [_plan(r) for r in self.c.execute(_PLANS_DUE, {"by": by})]

    def plans_of(self, models: Collection[str]) -> dict[str, list[DeprecationPlan]]:
        found: dict[str, list[DeprecationPlan]] = {name: [] for name in models}
        for chunk in chunks(sorted(found)):
            for row in self.c.execute(_PLANS_OF_MODELS, {"names": list(chunk)}):
                found[str(row.model_name)].append(_plan(row))
        return found

    def models_without_plan(self, *, limit: int, count_up_to: int | None = None,
                            after: str = "") -> tuple[list[str], int]:
        unplanned = (select(models.c.name)
                     .where(models.c.deleted_at.is_(None), models.c.support_months.is_(None),
                            ~select(deprecation_plans.c.id)
                            .where(deprecation_plans.c.model_id == models.c.id).exists()))
        listed = unplanned.where(models.c.name > after) if after else unplanned
        names = [str(r.name) for r in
                 self.c.execute(listed.order_by(models.c.name).limit(max(limit, 0)))]
        counted = unplanned if count_up_to is None else unplanned.limit(max(count_up_to, 0))
        total = self.c.execute(select(func.count()).select_from(counted.subquery())).scalar()
        return names, int(total or 0)

    def add_upstream_plan(self, plan: DeprecationPlan) -> None:
        """A plan whose ``target`` is a package URL (``model`` is empty)."""
        self.c.execute(insert(upstream_plans).values(
            id=plan.id, purl=plan.target, reason=plan.reason.value,
            replacement=plan.replacement, announced=plan.announced,
            soft_deadline=plan.soft_deadline, hard_deadline=plan.hard_deadline,
            migration_steps=list(plan.migration_steps), support_window=plan.support_window,
            created_at=plan.created_at, created_by=plan.created_by))

    def upstream_plans(self) -> list[DeprecationPlan]:
        rows = self.c.execute(select(upstream_plans).order_by(upstream_plans.c.created_at,
                                                              upstream_plans.c.id))
        return [DeprecationPlan(
            r.id, "", r.purl, DeprecationReason(r.reason), r.replacement, r.announced,
            r.soft_deadline, r.hard_deadline, tuple(r.migration_steps), r.support_window,
            False, r.created_at, r.created_by) for r in rows]

    def add_notice(self, notice: Notice) -> bool:
        """Store ``notice`` unless one with its key exists; True when stored. Its outbox
        deliveries (one per matching subscription) are written with it."""
        exists = self.c.execute(select(notices.c.id).where(notices.c.key == notice.key)).first()
        if exists is not None:
            return False
        notice_id = str(uuid.uuid4())
        self.c.execute(insert(notices).values(
            id=notice_id, key=notice.key, team=notice.team, model=notice.model,
            kind=notice.kind, message=notice.message, payload=dict(notice.payload),
            created_at=notice.created_at))
        OutboxQueries(self.c).enqueue_deliveries(notice, notice_id)
        return True

    def notices(self, team: str = "") -> list[Notice]:
        query = select(notices)
        if team:
            query = query.where(notices.c.team == team)
        rows = self.c.execute(query.order_by(notices.c.created_at, notices.c.team))
        return [Notice(r.key, r.team, r.model, r.kind, r.message, dict(r.payload), r.created_at)
                for r in rows]


def _plan(row: Any) -> DeprecationPlan:
    created: datetime = row.created_at
    return DeprecationPlan(
        row.id, row.model_name, row.target, DeprecationReason(row.reason), row.replacement,
        row.announced, row.soft_deadline, row.hard_deadline, tuple(row.migration_steps),
        row.support_window, bool(row.redirect), created, row.created_by)
