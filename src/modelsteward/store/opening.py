"""Opening a store by URL: ``memory://`` is a fresh :class:`~modelsteward.store.memory.MemoryStore`,
anything else a database for :class:`~modelsteward.store.sql.SqlStore`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelsteward.store.memory import MemoryStore
    from modelsteward.store.sql import SqlStore

MEMORY_URL = "memory://"


def open_store(url: str) -> MemoryStore | SqlStore:
    """A new, empty :class:`MemoryStore` for ``memory://`` (each call its own); otherwise
    :meth:`SqlStore.open` of ``url``, which migrates the schema when it is behind and raises
    :class:`~modelsteward.errors.StorageError` when the database cannot be reached."""
    if url == MEMORY_URL:
        from modelsteward.store.memory import MemoryStore

        return MemoryStore()
    # imported here: opening a memory store does not load SQLAlchemy
    from modelsteward.store.sql import SqlStore

    return SqlStore.open(url)
