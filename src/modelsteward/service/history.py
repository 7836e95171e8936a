"""Reading the history for its verification (the hash chain and signed checkpoints of its head
are checked by :func:`~modelsteward.integrity.chain.check_events`; the state check compares the
tables with what the events say).

Events are read in batches (keyset pages of :data:`BATCH` events), so memory stays bounded
whatever the length of the history; the state check keeps one entry per object (model,
version, alias, token, consumer), not per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import TYPE_CHECKING

from modelsteward.domain.checkpoint import Checkpoint
from modelsteward.domain.events import ChainBreak, Event
from modelsteward.domain.state import Replay, differences
from modelsteward.errors import ModelNotFound
from modelsteward.integrity.chain import check_events
from modelsteward.results import HistoryReport
from modelsteward.service.batches import keyset_pages
from modelsteward.service.context import Context

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

BATCH = 1000


def batches(read: Callable[[int, int], list[Event]], size: int | None = None) -> Iterator[Event]:
    """Every event, read ``size`` (default :data:`BATCH`) at a time by
    ``read(after_seq, limit)``: one batch in memory at a time."""
    return chain.from_iterable(keyset_pages(read, 0, lambda event: event.seq, size or BATCH))


class History:
    """The event log of the context's store: read it, and check its chain and state."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def log(self, model: str = "", *, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        with self.ctx.store.read() as tx:
            if model and tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            return tx.events(subject_prefix=model, after_seq=after_seq, limit=limit)

    def log_tail(self, model: str = "", *, limit: int, before_seq: int = 0) -> list[Event]:
        """The newest ``limit`` events (of ``model``), before ``before_seq`` when given, oldest
        first."""
        with self.ctx.store.read() as tx:
            if model and tx.get_model(model, include_deleted=True) is None:
                raise ModelNotFound(model)
            return tx.events_before(subject_prefix=model, before_seq=before_seq, limit=limit)

    def verify_log(self) -> tuple[int, ChainBreak | None]:
        """Check the whole event chain; return the number of events and the first break."""
        report = self.verify_history(state=False)
        return report.events, report.broken

    def verify_history(self, *, state: bool = True, checkpoint: Checkpoint | None = None,
                       trusted: Ed25519PublicKey | None = None) -> HistoryReport:
        """Check the hash chain against the chain-head record, ``checkpoint`` (signed by
        ``trusted`` when given) and, with ``state``, the tables against the state the events
        determine. Reads events in batches in one consistent snapshot."""
        replay = Replay() if state else None
        with self.ctx.store.snapshot() as tx:
            head_seq, head_hash = tx.chain_head()
            walk, problem = check_events(
                batches(lambda after, size: tx.events(after_seq=after, limit=size)),
                checkpoint=checkpoint, trusted=trusted, replay=replay)
            broken = walk.broken
            if broken is None and walk.count and (walk.last_seq, walk.last_hash) != (
                    head_seq, head_hash):
                last = walk.last_seq
                broken = (ChainBreak(last + 1, "it is missing: the chain head records "
                                               f"{head_seq} events")
                          if head_seq > last else
                          ChainBreak(last, "the chain head does not match the last event"))
            if broken is None and not walk.count and head_seq:
                broken = ChainBreak(1, "events are missing: the chain head records "
                                       f"{head_seq} events")
            found = (tuple(differences(replay, tx.table_state()))
                     if replay is not None and broken is None else None)
        return HistoryReport(walk.count, walk.last_seq, walk.last_hash, broken, checkpoint,
                             problem, found)
