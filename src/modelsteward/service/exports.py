"""Exports of a version to the standards' formats, and the import of a Hugging Face card.

:meth:`Exports.facts` gathers a :class:`~modelsteward.exports.facts.CardFacts` from the
store; :meth:`Exports.render` renders it. Nothing here writes except :meth:`import_card`.
"""

from __future__ import annotations

from dataclasses import replace

from modelsteward.domain.lineage import walk_lineage
from modelsteward.domain.refs import split_ref
from modelsteward.errors import InvalidInput
from modelsteward.exports import ExportFormat, render
from modelsteward.exports.facts import CardFacts
from modelsteward.ports import Transaction
from modelsteward.service.advisories import Advisories
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver


class Exports:
    def __init__(self, ctx: Context, resolver: Resolver, advisories: Advisories) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.advisories = advisories

    def facts(self, ref: str) -> CardFacts:
        """What the registry records about ``MODEL@VERSION`` for its exports, as of the clock.
        Raises :class:`ModelNotFound` or :class:`VersionNotFound`."""
        split_ref(ref)
        now = self.ctx.clock.now()
        today = now.date()
        with self.ctx.store.read() as tx:
            version = self.resolver.require_version(tx, ref)
            model = tx.get_model(version.model)
            assert model is not None  # require_version checked it
            ref = version.ref
            plan, via = self.resolver.own_plan(tx, ref, today), ""
            if plan is None:
                inherited = self.resolver.inherited_plan(tx, ref, today)
                if inherited is not None:
                    via, plan = inherited
            facts = CardFacts(
                model=model, version=version, as_of=now,
                parents=tuple(tx.parents(ref)),
                ancestors=tuple(walk_lineage([ref], tx.parents, lambda d: d.parent)),
                evaluations=tuple(tx.evaluations(model.name, str(version.id))),
                approvals=tuple(tx.approvals(model.name, str(version.id))),
                plan=plan, plan_via=via,
                replacement=self._replacement(tx, plan.replacement) if plan else "",
            )
        # a second read: the advisory matching is the advisories service's (same clock)
        return replace(facts, advisories=tuple(self.advisories.affecting(ref)))

    def _replacement(self, tx: Transaction, replacement: str) -> str:
        """The version a plan's ``MODEL@PIN`` replacement resolves to, or the pin as written
        when nothing resolves (or it names an upstream model)."""
        name, _, pin = replacement.partition("@")
        model = tx.get_model(name) if name and pin else None
        if model is None:
            return replacement
        try:
            resolution = self.resolver.resolve_in(tx, model, self.resolver.parse_pin(model, pin))
        except InvalidInput:
            return replacement
        return resolution.version.ref if resolution is not None else replacement

    def render(self, ref: str, fmt: ExportFormat) -> str:
        """``MODEL@VERSION`` exported in ``fmt`` (see :mod:`modelsteward.exports`)."""
        return render(self.facts(ref), fmt)
