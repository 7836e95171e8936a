"""What production monitoring and rollback did."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MonitorResult:
    breaches: tuple[str, ...]
    rolled_back_to: str = ""
    rollback_failed: str = ""  # why an automatic rollback was impossible


@dataclass(frozen=True)
class RollbackResult:
    alias: str
    from_version: str
    to_version: str
    blocked_reason: str = ""  # set when the rollback blocked ``from_version``
    seq: int = 0  # the model:alias:rolled-back event
