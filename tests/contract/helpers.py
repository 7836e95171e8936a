"""Builders of the records the contract tests store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from modelsteward.domain.events import NewEvent
from modelsteward.domain.model import Model, ModelKind, Version, VersionScheme
from modelsteward.domain.versioning import ChangeKind, ModelVersion, Snapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def add_model(tx: Any, name: str, *, snapshots: bool = False, minutes: float = 0) -> Model:
    model = (Model(name, kind=ModelKind.HOSTED, provider="acme", owner_team="team-a",
                   versioning=VersionScheme.SNAPSHOT) if snapshots
             else Model(name, owner_team="team-a", tags=("nlp",), extra={"k": [1, 2]}))
    tx.add_model(model, at(minutes))
    return model


def add_version(tx: Any, model: str, version: str, *, minutes: float = 0,
                **fields: Any) -> Version:
    """Register ``model@version`` and, as the registry does, an event with it: a registration
    is numbered by the chain head, which only events move."""
    vid = Snapshot.parse(version) if "-20" in version else ModelVersion.parse(version)
    made = Version(model, vid, at(minutes), "alice", change=ChangeKind.RETRAIN,
                   metadata={"origin": "test"}, metrics={"acc": 0.9}, **fields)
    tx.add_version(made)
    tx.append_events("alice", at(minutes), [NewEvent("test:registered", "registry", {})])
    return made


def refs(versions: Any) -> list[str]:
    return [str(v.id) for v in versions]
