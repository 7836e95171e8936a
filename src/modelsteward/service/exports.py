"""Exports of a version to the standards' formats, and the import of a Hugging Face card.

:meth:`Exports.facts` gathers a :class:`~modelsteward.exports.facts.CardFacts` from the
store; :meth:`Exports.render` renders it. Nothing here writes except :meth:`import_card`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from modelsteward.document_reader import read_text
from modelsteward.domain import events as ev
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lineage import Derivation, Relation, walk_lineage
from modelsteward.domain.model import Model
from modelsteward.domain.names import validate_label
from modelsteward.domain.payloads import model_payload
from modelsteward.domain.refs import split_ref
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem
from modelsteward.exports import ExportFormat, render
from modelsteward.exports.card_reader import CardImport, read_card
from modelsteward.exports.facts import CardFacts
from modelsteward.ports import Transaction
from modelsteward.service.advisories import Advisories
from modelsteward.service.catalog import Catalog
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver


@dataclass(frozen=True)
class ImportedCard:
    """What ``steward import card`` did: the model as it now is, whether it was created, the
    lineage recorded (empty when none was) and notes on what was not done and why."""

    model: Model
    created: bool
    card: CardImport
    lineage: tuple[Derivation, ...] = ()
    notes: tuple[str, ...] = ()


class Exports:
    def __init__(self, ctx: Context, resolver: Resolver, catalog: Catalog,
                 advisories: Advisories) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.catalog = catalog
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

    def import_card(self, path: Path, *, model: str = "", team: str = "",
                    version: str = "") -> ImportedCard:
        """Pre-fill a model from the Hugging Face card at ``path``: create ``model`` (default:
        the card's ``model_name`` or ``model-index`` name) owned by ``team`` with the card's
        licence and tags, or give an existing one the card's licence and the union of the
        tags; with ``version``, record
        the lineage of ``model@version`` to the card's ``base_model`` (a registry version, the
        latest version of a registry model, or an upstream package URL), unless it has a
        parent already. One transaction; raises :class:`DocumentInvalid` with every problem
        located, before anything is written."""
        source = str(path)
        card = read_card(read_text(path, what="model card"), source)
        name = model or card.model_name
        if not name:
            raise DocumentInvalid(source, [Problem("model_name", (
                "the card names no model; pass --model NAME"))])
        if team:
            validate_label(team, "The owner team")
        notes: list[str] = []
        with self.ctx.store.write() as tx:
            parents = self._parents(tx, card, source)
            existing = tx.get_model(name)
            if existing is None:
                current = self.catalog.owned(Model(name, license=card.license, tags=card.tags,
                                                   owner_team=team))
                self.catalog.create_model_in(tx, current)
            else:
                current = replace(existing, license=card.license or existing.license,
                                  tags=tuple(dict.fromkeys((*existing.tags, *card.tags))))
                if current != existing:
                    tx.update_model(current)
                    self.ctx.record(tx, NewEvent(ev.MODEL_UPDATED, name,
                                                 model_payload(current)))
                if team and team != existing.owner_team:
                    notes.append(f"{name} stays with team {existing.owner_team}: use "
                                 "`steward model transfer` to move it.")
            lineage = self._record_lineage(tx, name, version, parents, card, notes)
        return ImportedCard(current, existing is None, card, lineage, tuple(notes))

    def _parents(self, tx: Transaction, card: CardImport, source: str) -> list[str]:
        """The card's base models as lineage parents, each once, in the card's order; a registry
        model or version that does not exist is a located problem."""
        parents: list[str] = []
        problems: list[Problem] = []
        many = len(card.base_models) > 1
        for index, base in enumerate(card.base_models):
            where = f"base_model[{index}]" if many else "base_model"
            if base.startswith("pkg:"):
                parents.append(base)
                continue
            name, _, number = base.partition("@")
            if tx.get_model(name) is None:
                if number:
                    problems.append(Problem(where, f"{name!r} is not a model in this registry"))
                else:
                    parents.append(f"pkg:huggingface/{name}")  # a Hub id without owner
                continue
            if not number:
                latest = tx.latest_release(name)
                if latest is None:
                    problems.append(Problem(where, f"{name!r} has no version to derive from"))
                    continue
                number = str(latest.id)
            if tx.get_version(name, number) is None:
                problems.append(Problem(where, f"{name}@{number} is not a registered version"))
                continue
            parents.append(f"{name}@{number}")
        if problems:
            raise DocumentInvalid(source, problems)
        return list(dict.fromkeys(parents))  # a base named twice (or by name and version) once

    def _record_lineage(self, tx: Transaction, name: str, version: str, parents: list[str],
                        card: CardImport, notes: list[str]) -> tuple[Derivation, ...]:
        if not parents:
            return ()
        if not version:
            notes.append(f"The card's base model ({', '.join(parents)}) is not recorded: pass "
                         "--version to record it as that version's lineage, or register with "
                         f"--derived-from {parents[0]}.")
            return ()
        child = self.resolver.require_version(tx, f"{name}@{version}").ref
        if tx.parents(child):
            notes.append(f"{child} already derives from "
                         f"{', '.join(d.parent for d in tx.parents(child))}; lineage unchanged.")
            return ()
        relation = card.relation or (Relation.MERGE if len(parents) > 1 else Relation.FINETUNE)
        if card.relation is None:
            notes.append(f"The card states no base_model_relation; recorded as {relation}.")
        derivations = tuple(Derivation(child, parent, relation) for parent in parents)
        for derivation in derivations:
            tx.add_derivation(derivation)
            self.ctx.record(tx, NewEvent(ev.VERSION_DERIVED, child, {
                "parent": derivation.parent, "relation": relation.value}))
        return derivations
