"""An in-memory :class:`~modelsteward.ports.Store`, for testing code that uses modelsteward::

    from modelsteward import MemoryStore, Registry
    registry = Registry(MemoryStore(), actor="ci")

It behaves as the SQL store does — the contract suite (``tests/contract``) runs the same tests on
memory, SQLite and PostgreSQL — but keeps nothing after the process ends and is shared with no
other process. It does not import SQLAlchemy.
"""

from __future__ import annotations

from modelsteward.store.memory.store import MemoryStore, MemoryTransaction

__all__ = ["MemoryStore", "MemoryTransaction"]
