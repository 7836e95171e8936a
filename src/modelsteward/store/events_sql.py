"""Storage of the event log: the hash chain of events and its head. Mixed into
``SqlTransaction``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, insert, literal, or_, select, update

from modelsteward.domain.events import Event, NewEvent, extend_chain
from modelsteward.domain.mentions import MENTIONING_KINDS, mentioned_models
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.tables import chain_head, event_mentions, events

_INSERT_EVENTS = insert(events)
_INSERT_MENTIONS = insert(event_mentions)
_IN_CHUNK = 500  # subjects per query: well under every database's bound on parameters
# the columns in the order of Event's fields, so that a row unpacks into one: reading each by
# name costs more than building the event (a report reads the whole log)
_SELECT = select(events.c.seq, events.c.time, events.c.actor, events.c.kind, events.c.subject,
                 events.c.payload, events.c.prev_hash, events.c.hash)
_MOVE_HEAD = (update(chain_head).where(chain_head.c.id == 1)
              .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))


class EventQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.EventLog` (``chain_head`` is the base's: the
    catalog numbers registrations by it)."""

    def append_events(self, actor: str, time: datetime, new: Sequence[NewEvent]) -> list[Event]:
        written = extend_chain(self.chain_head(), time, actor, new)
        if written:
            self.c.execute(_INSERT_EVENTS, [
                {"seq": e.seq, "time": e.time, "actor": e.actor, "kind": e.kind,
                 "subject": e.subject, "payload": e.payload_json, "prev_hash": e.prev_hash,
                 "hash": e.hash} for e in written])
            mentions = [{"model": model, "seq": e.seq, "subject": e.subject} for e in written
                        if e.kind in MENTIONING_KINDS
                        for model in mentioned_models(e.kind, e.payload)]
            if mentions:
                self.c.execute(_INSERT_MENTIONS, mentions)
            self.c.execute(_MOVE_HEAD, {"new_seq": written[-1].seq, "new_hash": written[-1].hash})
            self._head = (written[-1].seq, written[-1].hash)
        return written

    def events(self, *, subject_prefix: str = "", after_seq: int = 0,
               limit: int | None = None, kinds: Collection[str] = ()) -> list[Event]:
        query = _SELECT.where(events.c.seq > after_seq).order_by(events.c.seq)
        if subject_prefix:
            query = query.where(self._about(subject_prefix))
        if kinds:
            query = query.where(events.c.kind.in_(sorted(kinds)))
        if limit is not None:
            query = query.limit(limit)
        return _events(self.c.execute(query).all())

    def events_about(self, subject: str, *, kinds: Collection[str] = (), until: str = "",
                     after_seq: int = 0, limit: int | None = None) -> list[Event]:
        query = (_SELECT.where(events.c.seq > after_seq, self._about(subject))
                 .order_by(events.c.seq))
        if kinds:
            query = query.where(events.c.kind.in_(sorted(kinds)))
        if until:
            query = query.where(events.c.time <= until)
        if limit is not None:
            query = query.limit(limit)
        return _events(self.c.execute(query).all())

    def subjects_mentioning(self, models: Collection[str]) -> list[str]:
        if not models:
            return []
        query = (select(event_mentions.c.subject).distinct()
                 .where(event_mentions.c.model.in_(sorted(models)))
                 .order_by(event_mentions.c.subject))
        return [str(row.subject) for row in self.c.execute(query)]

    def events_of(self, subjects: Collection[str], *, kinds: Collection[str] = (),
                  until: str = "") -> list[Event]:
        found: list[Event] = []
        ordered = sorted(set(subjects))
        for start in range(0, len(ordered), _IN_CHUNK):
            query = _SELECT.where(events.c.subject.in_(ordered[start:start + _IN_CHUNK]))
            if kinds:
                query = query.where(events.c.kind.in_(sorted(kinds)))
            if until:
                query = query.where(events.c.time <= until)
            found.extend(_events(self.c.execute(query).all()))
        found.sort(key=lambda e: e.seq)
        return found

    def events_of_models(self, models: Collection[str], *,
                         kinds: Collection[str] = ()) -> list[Event]:
        wanted = set(models)
        if not wanted:
            return []
        # one range of the subject index, from the first model to past the last one's
        # versions ("A" follows "@"), read by subject and kept for the models wanted: a walk's
        # keyset batch is one range scan instead of a probe per model
        query = _SELECT.where(subject_range(self.c.dialect.name, min(wanted), max(wanted) + "A"))
        if kinds:
            query = query.where(events.c.kind.in_(sorted(kinds)))
        found = [e for e in _events(self.c.execute(query).all())
                 if e.subject.partition("@")[0] in wanted]
        found.sort(key=lambda e: e.seq)
        return found

    def events_before(self, *, subject_prefix: str = "", before_seq: int = 0,
                      limit: int) -> list[Event]:
        """The newest ``limit`` events (whose subject is ``subject_prefix`` or one of its
        versions), before ``before_seq`` when it is not 0; oldest first."""
        query = _SELECT.order_by(events.c.seq.desc()).limit(limit)
        if before_seq:
            query = query.where(events.c.seq < before_seq)
        if subject_prefix:
            query = query.where(self._about(subject_prefix))
        found = _events(self.c.execute(query).all())
        found.reverse()
        return found

    def last_event_time(self, subject: str, *, with_versions: bool = False) -> str | None:
        """The time (as stored: ISO 8601 UTC) of the last event about ``subject`` — and, with
        ``with_versions``, about any ``subject@version`` — or None when there is none."""
        condition = self._about(subject) if with_versions else events.c.subject == subject
        found = self.c.execute(select(events.c.time).where(condition)
                               .order_by(events.c.seq.desc()).limit(1)).scalar()
        return str(found) if found is not None else None

    def _about(self, subject: str) -> ColumnElement[bool]:
        return about(self.c.dialect.name, subject)


def about(dialect: str, subject: str, column: Any = None) -> ColumnElement[bool]:
    """Events whose subject is ``subject`` or ``subject@…``, in a form the subject index
    serves: on SQLite (whose LIKE ignores case and skips the index) the byte range from
    ``subject@`` up to ``subjectA`` ("A" follows "@"); elsewhere a LIKE prefix, which
    PostgreSQL's pattern index serves. ``column``: the subject column of another selectable
    of events (default ``events.subject``)."""
    column = events.c.subject if column is None else column
    if dialect == "sqlite":
        return or_(column == subject, and_(column >= subject + "@", column < subject + "A"))
    # the pattern written into the statement, not bound: a statement run often is prepared by
    # the driver, and PostgreSQL's generic plan for LIKE of a parameter cannot use the index
    # (it scanned the whole log backwards: 1.6 s instead of 0.03 ms at 2,000,000 versions)
    pattern = subject.replace("/", "//").replace("%", "/%").replace("_", "/_") + "@%"
    return or_(column == subject, column.like(literal(pattern, literal_execute=True),
                                              escape="/"))


def subject_range(dialect: str, low: str, high: str) -> ColumnElement[bool]:
    """Events whose subject is at or after ``low`` and before ``high``, byte by byte (as
    Python orders strings), in a form the subject index serves: plain comparisons on SQLite
    (binary collation); on PostgreSQL the pattern operators, which compare bytes whatever the
    database's collation and which the index's ``varchar_pattern_ops`` serves."""
    if dialect == "sqlite":
        return and_(events.c.subject >= low, events.c.subject < high)
    return and_(events.c.subject.op("~>=~")(low), events.c.subject.op("~<~")(high))


def _events(rows: Iterable[Sequence[Any]]) -> list[Event]:
    """The events of rows of :data:`_SELECT`, which the callers fetch all at once (``.all()``):
    fetched a row at a time, each row costs a call into the driver."""
    return [Event(*row) for row in rows]
