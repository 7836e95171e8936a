"""Long ``IN (…)`` lists split into batches the databases accept."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# bound parameters per IN (...) list: under SQLite's 32,766 and PostgreSQL's 65,535
CHUNK = 2000


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most :data:`CHUNK`."""
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
