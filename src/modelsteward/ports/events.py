"""The event log role: the hash-chained history of every change."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from modelsteward.domain.events import Event, NewEvent


class EventLog(Protocol):
    """An append-only chain of events, numbered from 1 without gaps, each hashing its
    predecessor; the chain head (last number and hash) is stored beside it.

    Appending happens in a write unit of work, which holds the registry's write lock: nothing
    else moves the head meanwhile."""

    def append_events(self, actor: str, time: datetime, new: Sequence[NewEvent]) -> list[Event]:
        """Chain ``new`` after the head, in order, stamped ``time`` and ``actor``, and move the
        head; the events written."""
        ...
    def events(self, *, subject_prefix: str = "", after_seq: int = 0,
               limit: int | None = None, kinds: Collection[str] = ()) -> list[Event]:
        """Events after ``after_seq``, oldest first: all, or those about ``subject_prefix``
        and any ``subject_prefix@…`` — of one of ``kinds`` when given (filtered by the store,
        so a reader that needs a few kinds does not decode the whole log)."""
        ...
    def events_about(self, subject: str, *, kinds: Collection[str] = (), until: str = "",
                     after_seq: int = 0, limit: int | None = None) -> list[Event]:
        """Events after ``after_seq``, oldest first, about ``subject`` or any ``subject@…`` —
        of one of ``kinds`` when given — stamped at or before ``until`` (an event time as
        stored; "" for no bound)."""
        ...
    def subjects_mentioning(self, models: Collection[str]) -> list[str]:
        """The subjects (sorted, once each) of the events that concern one of ``models``
        beyond their subject (:func:`~modelsteward.domain.mentions.mentioned_models`): the
        advisories that reach them and the consumers that pin them."""
        ...
    def events_of(self, subjects: Collection[str], *, kinds: Collection[str] = (),
                  until: str = "") -> list[Event]:
        """Every event, oldest first, whose subject is exactly one of ``subjects`` — of one of
        ``kinds`` when given — stamped at or before ``until`` ("" for no bound)."""
        ...
    def events_of_models(self, models: Collection[str], *,
                         kinds: Collection[str] = ()) -> list[Event]:
        """Every event, oldest first, about one of ``models`` or any of their ``model@…`` —
        of one of ``kinds`` when given: :meth:`events_about` for a batch of models. The store
        may read the whole range of subjects from the first of ``models`` to the last (by
        name) and leave out the rest: give models that lie close together, a keyset batch of
        them, not names scattered over the registry."""
        ...
    def events_before(self, *, subject_prefix: str = "", before_seq: int = 0,
                      limit: int) -> list[Event]:
        """The newest ``limit`` events (about ``subject_prefix`` and its versions), before
        ``before_seq`` when it is not 0; oldest first."""
        ...
    def chain_head(self) -> tuple[int, str]:
        """(number, hash) of the last event; ``(0, GENESIS)`` for an empty log."""
        ...
    def last_event_time(self, subject: str, *, with_versions: bool = False) -> str | None:
        """The time (as stored: ISO 8601 UTC) of the last event about ``subject`` — and, with
        ``with_versions``, about any ``subject@version`` — or None when there is none."""
        ...
