"""The deprecations role: deprecation plans and the notices sent about them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.notices import Notice


class DeprecationRecords(Protocol):
    """Plans of registry models, plans of upstream packages, and notices (each stored once per
    key)."""

    def add_plan(self, plan: DeprecationPlan) -> None: ...
    def plans(self, model: str = "") -> list[DeprecationPlan]:
        """Every plan (of ``model`` when given), oldest first."""
        ...
    def plans_page(self, after: DeprecationPlan | None = None, *, limit: int,
                   by_model: bool = False) -> list[DeprecationPlan]:
        """Up to ``limit`` plans following ``after`` (None: from the first) in the order of
        :meth:`plans` — oldest first: by creation time, then id — or, with ``by_model``, by
        model name and then oldest first. A keyset batch: a caller that walks every plan
        holds one batch at a time, and a batch's cost does not grow with those before it."""
        ...
    def plans_due(self, by: date) -> list[DeprecationPlan]:
        """Every plan (oldest first) of each (model, target) with a plan whose hard deadline
        is on or before ``by``: the plans that can be the latest of a target due by then,
        without reading the others."""
        ...
    def plans_of(self, models: Collection[str]) -> dict[str, list[DeprecationPlan]]:
        """Each of ``models`` → :meth:`plans` of it (empty when it has none or is unknown);
        a few reads whatever the number of models."""
        ...
    def models_without_plan(self, *, limit: int, count_up_to: int | None = None,
                            after: str = "") -> tuple[list[str], int]:
        """The first ``limit`` names (by name, those after ``after``: a keyset page) of the
        live models with neither a deprecation plan nor a support policy, and how many there
        are in all (counted up to ``count_up_to`` at most, when given: the first ones are found
        by name through an index, but a count reads every model)."""
        ...
    def add_upstream_plan(self, plan: DeprecationPlan) -> None:
        """A plan whose ``target`` is a package URL (``model`` is empty)."""
        ...
    def upstream_plans(self) -> list[DeprecationPlan]:
        """Oldest first."""
        ...
    def add_notice(self, notice: Notice) -> bool:
        """Store ``notice`` unless one with its key exists; True when stored. Its outbox
        deliveries (one per active subscription of its team wanting its kind) are written in
        the same unit of work, so a notice is never without its deliveries."""
        ...
    def notices(self, team: str = "") -> list[Notice]:
        """Every notice (to ``team`` when given), oldest first."""
        ...
