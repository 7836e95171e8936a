"""Notices: what a team is told about a change to a model it uses. One notice per team, model,
cause and phase — its ``key`` — so that nothing is said twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Notice:
    key: str
    team: str
    model: str
    kind: str
    message: str
    payload: Mapping[str, object] = field(default_factory=dict)
    created_at: datetime | None = None
