"""Reading the history for its verification (the hash chain and signed checkpoints of its head
are checked by :func:`~modelsteward.integrity.chain.check_events`; the state check compares the
tables with what the events say).

Events are read in batches (keyset pages of :data:`BATCH` events), so memory stays bounded
whatever the length of the history; the state check keeps one entry per object (model,
version, alias, token, consumer), not per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from modelsteward.domain.events import Event

BATCH = 1000


def batches(read: Callable[[int, int], list[Event]], size: int | None = None) -> Iterator[Event]:
    """Every event, read ``size`` (default :data:`BATCH`) at a time by
    ``read(after_seq, limit)``: one batch in memory at a time."""
    size = size or BATCH
    after = 0
    while True:
        page = read(after, size)
        yield from page
        if len(page) < size:
            return
        after = page[-1].seq
