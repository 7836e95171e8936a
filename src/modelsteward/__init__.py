"""modelsteward: model lifecycle management.

The library's entry point is :class:`Registry`::

    from modelsteward import Registry
    with Registry.open("sqlite:///registry.db") as registry:
        registry.resolve("support-bot", "^2.1")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelsteward.errors import StewardError

if TYPE_CHECKING:
    from modelsteward.service.registry import Registry
    from modelsteward.store.memory import MemoryStore

__all__ = ["MemoryStore", "Registry", "StewardError"]


def __getattr__(name: str) -> object:
    # imported on first use, so that `import modelsteward.domain…` stays free of the database
    if name == "Registry":
        from modelsteward.service.registry import Registry

        return Registry
    if name == "MemoryStore":
        from modelsteward.store.memory import MemoryStore

        return MemoryStore
    raise AttributeError(f"module 'modelsteward' has no attribute {name!r}")
