"""The living model card: rebuilt from the history at any time, edited section by section.

A card is never stored. :meth:`Cards.card` reads the events about the model (and its ancestors'
derivations, and the advisories and consumers that concern it) up to a time and folds them with
:func:`~modelsteward.domain.card_history.build_card`; the authored sections and each version's
runtime requirements are themselves events (``model:card:edited``,
``model:version:requirements-set``), and so are incidents (``model:version:incident`` and
``model:version:incident-resolved``, see :mod:`modelsteward.domain.incident`), so the card at a
time T is what the history up to T says.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterator
from datetime import datetime

from modelsteward.domain import events as ev
from modelsteward.domain.card import Card, CardSection
from modelsteward.domain.card_history import MAX_ANCESTRY, build_card
from modelsteward.domain.card_markdown import card_diff, render_markdown
from modelsteward.domain.events import Event, NewEvent, format_time
from modelsteward.domain.incident import parse_day, parse_incident
from modelsteward.domain.model import Model, Version, parse_enum
from modelsteward.domain.refs import split_ref
from modelsteward.domain.requirements import Requirements
from modelsteward.errors import Conflict, InvalidInput, ModelNotFound, NotFound, VersionNotFound
from modelsteward.ports import Transaction
from modelsteward.service.context import Context
from modelsteward.service.history import batches
from modelsteward.service.resolution import Resolver

__all__ = ["MAX_SECTION", "Cards"]

MAX_SECTION = 20_000
"""The longest authored section, in characters (a card section, not a document)."""


def _about(event: Event, model: str) -> bool:
    return event.subject == model or event.subject.startswith(model + "@")


class Cards:
    """Model cards over the context's store (see the module's docstring)."""

    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    # reading ---------------------------------------------------------------------------------

    def card(self, ref: str, *, at: datetime | None = None) -> Card:
        """The card of ``ref`` (``MODEL`` or ``MODEL@VERSION``) as the events up to ``at``
        (default: all of them) make it. Raises :class:`ModelNotFound`, and
        :class:`VersionNotFound` when the version was not registered by then."""
        model, version = split_ref(ref, version_required=False)
        cut = format_time(at) if at is not None else ""
        with self.ctx.store.read() as tx:
            if tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            card = build_card(model, version, self._events(tx, model, cut), at=cut)
        if version and not card.versions:
            raise VersionNotFound(model, version)
        return card

    def window(self, model: str, versions: Collection[str]) -> Card:
        """The card of ``model`` folded from a window of its history, for a page that cannot
        fold all of it (a model with very many versions): the events about the model itself,
        about ``versions`` and about its deprecation plans' targets, its ancestors'
        derivations, and the events of the advisories and consumers that concern it. Every
        read is by subject through an index, so the cost follows ``versions``, not the model's
        history. Its facts about the model (sections, known issues of ``versions``,
        deprecations) are those of the whole card; its versions and changelog are those of
        ``versions`` only. Raises :class:`ModelNotFound`."""
        with self.ctx.store.read() as tx:
            if tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            subjects = ({model} | {f"{model}@{v}" for v in versions}
                        | {f"{model}@{p.target}" for p in tx.plans(model)})
            own = tx.events_of(subjects)
            derivations, ancestors = self._ancestors(tx, {
                str(e.payload.get("parent", "")) for e in own if e.kind == ev.VERSION_DERIVED}, "")
            models = {model} | {ref.partition("@")[0] for ref in ancestors}
            found = {e.seq: e for e in tx.events_of(tx.subjects_mentioning(models))}
            found.update((e.seq, e) for e in derivations)
            found.update((e.seq, e) for e in own)
            return build_card(model, "", iter(sorted(found.values(), key=lambda e: e.seq)),
                              at="")

    def markdown(self, ref: str, *, at: datetime | None = None) -> str:
        """:meth:`card` rendered as Markdown: the same history gives the same bytes."""
        return render_markdown(self.card(ref, at=at))

    def diff(self, ref: str, start: datetime, end: datetime | None = None) -> str:
        """A unified diff from the card at ``start`` to the card at ``end`` (default: now, the
        whole history); "" when nothing changed."""
        return card_diff(ref, self.markdown(ref, at=start), self.markdown(ref, at=end), start,
                         end)

    def _events(self, tx: Transaction, model: str, cut: str) -> Iterator[Event]:
        """The events the card of ``model`` folds, oldest first: the model's own (read in
        batches), its ancestors' derivations, and the events of the advisories and consumers
        that concern the model or an ancestor (found through the store's mention index)."""
        derivations, ancestors = self._ancestry(tx, model, cut)
        models = {model} | {ref.partition("@")[0] for ref in ancestors}
        others = {e.seq: e for e in tx.events_of(tx.subjects_mentioning(models), until=cut)}
        others.update((e.seq, e) for e in derivations)

        def read(after: int, size: int) -> list[Event]:
            return tx.events_about(model, until=cut, after_seq=after, limit=size)

        own = (e for e in batches(read) if _about(e, model))  # LIKE is case-blind on SQLite
        last = 0
        for event in heapq.merge(own, sorted(others.values(), key=lambda e: e.seq),
                                 key=lambda e: e.seq):
            if event.seq != last:
                yield event
            last = event.seq

    @staticmethod
    def _ancestry(tx: Transaction, model: str, cut: str) -> tuple[list[Event], set[str]]:
        """The derivation events of ``model``'s ancestors (bases, their bases, …; at most
        :data:`MAX_ANCESTRY` generations), as recorded up to ``cut``, and the ancestors' refs
        (a root base has no derivation event of its own, yet its advisories reach the card)."""
        return Cards._ancestors(tx, {
            str(e.payload.get("parent", ""))
            for e in tx.events_about(model, kinds=(ev.VERSION_DERIVED,), until=cut)
            if _about(e, model)}, cut)

    @staticmethod
    def _ancestors(tx: Transaction, frontier: set[str],
                   cut: str) -> tuple[list[Event], set[str]]:
        """The derivation events of the ancestors of the parents ``frontier`` and those
        ancestors' refs, as :meth:`_ancestry` reads them."""
        found: list[Event] = []
        seen: set[str] = set()
        for _ in range(MAX_ANCESTRY):
            frontier -= seen | {""}
            if not frontier:
                break
            seen |= frontier
            step = tx.events_of(frontier, kinds=(ev.VERSION_DERIVED,), until=cut)
            found.extend(step)
            frontier = {str(e.payload.get("parent", "")) for e in step}
        return found, seen

    # writing ---------------------------------------------------------------------------------

    def edit(self, model_name: str, section: str, text: str, *,
             authorize: Callable[[Model], None] | None = None) -> Event:
        """Record ``text`` as the whole of the authored ``section`` of ``model_name``'s card
        (an empty text clears it). ``authorize`` is called with the model before anything is
        written. Raises :class:`ModelNotFound` and :class:`InvalidInput` (an unknown section, a
        text longer than :data:`MAX_SECTION`)."""
        chosen = parse_enum(CardSection, section, "card section")
        text = text.strip()
        if len(text) > MAX_SECTION:
            raise InvalidInput(f"The {chosen.value} section of {model_name} is {len(text)} "
                               f"characters long; at most {MAX_SECTION} fit in a card section. "
                               "Shorten it and link to a longer document.")
        with self.ctx.store.write() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            if authorize is not None:
                authorize(model)
            [event] = self.ctx.record(tx, NewEvent(ev.CARD_EDITED, model.name,
                                                   {"section": chosen.value, "text": text}))
        return event

    def set_requirements(self, ref: str, requirements: Requirements, *,
                         authorize: Callable[[Model], None] | None = None) -> Event:
        """Record what the version ``ref`` was tested with (replacing what was recorded
        before). Raises :class:`ModelNotFound` and :class:`VersionNotFound`."""
        with self.ctx.store.write() as tx:
            version = self._writable_version(tx, ref, authorize)
            [event] = self.ctx.record(tx, NewEvent(ev.REQUIREMENTS_SET, version.ref,
                                                   requirements.as_payload()))
        return event

    def record_incident(self, ref: str, summary: str, *, severity: str = "medium",
                        started: str = "", resolved: str = "", link: str = "",
                        authorize: Callable[[Model], None] | None = None) -> Event:
        """Record an incident found after release against the version ``ref``; the event's
        sequence number is the incident's id. ``started`` defaults to today; ``resolved``
        records one already over. Raises :class:`InvalidInput` (see
        :func:`~modelsteward.domain.incident.parse_incident`), :class:`ModelNotFound` and
        :class:`VersionNotFound`; nothing is written then."""
        incident = parse_incident(summary, severity=severity, started=started,
                                  resolved=resolved, link=link, today=self.ctx.today())
        with self.ctx.store.write() as tx:
            version = self._writable_version(tx, ref, authorize)
            [event] = self.ctx.record(tx, NewEvent(ev.INCIDENT_RECORDED, version.ref,
                                                   incident.as_payload()))
        return event

    def resolve_incident(self, ref: str, incident: int, *, resolved: str = "",
                         authorize: Callable[[Model], None] | None = None) -> Event:
        """Resolve the open incident ``incident`` (its id: the sequence number of the event
        that recorded it) of the version ``ref``, on ``resolved`` (default today). Raises
        :class:`NotFound` when ``ref`` has no such incident, :class:`Conflict` when it is
        resolved already, :class:`InvalidInput` for a date before it started."""
        day = parse_day(resolved, "resolution date") if resolved.strip() else \
            self.ctx.today().isoformat()
        with self.ctx.store.write() as tx:
            version = self._writable_version(tx, ref, authorize)
            found = tx.events(after_seq=incident - 1, limit=1) if incident > 0 else []
            if not found or found[0].seq != incident or found[0].kind != ev.INCIDENT_RECORDED \
                    or found[0].subject != version.ref:
                raise NotFound(f"{version.ref} has no incident {incident}. Its card lists its "
                               f"incidents with their ids: `steward card show {version.ref}`.")
            started = str(found[0].payload.get("started") or "")
            if found[0].payload.get("resolved") or any(
                    e.kind == ev.INCIDENT_RESOLVED and e.payload.get("incident") == incident
                    for e in tx.events_about(version.ref, kinds=(ev.INCIDENT_RESOLVED,),
                                             after_seq=incident)):
                raise Conflict(f"Incident {incident} of {version.ref} is resolved already.")
            if day < started:
                raise InvalidInput(f"Incident {incident} of {version.ref} started on {started}; "
                                   f"it cannot be resolved on {day}, before that.")
            [event] = self.ctx.record(tx, NewEvent(ev.INCIDENT_RESOLVED, version.ref,
                                                   {"incident": incident, "resolved": day}))
        return event

    def _writable_version(self, tx: Transaction, ref: str,
                          authorize: Callable[[Model], None] | None) -> Version:
        """The version ``ref`` names, once ``authorize`` accepted its model. Raises
        :class:`ModelNotFound` and :class:`VersionNotFound`."""
        version = self.resolver.require_version(tx, ref)
        model = tx.get_model(version.model)
        assert model is not None  # require_version found it
        if authorize is not None:
            authorize(model)
        return version
