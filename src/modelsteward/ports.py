"""The interfaces the core needs from the outside world.

The service layer only knows these roles; ``store/`` implements :class:`Store` for SQL databases,
and tests can substitute fakes (a fixed :class:`Clock`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.lineage import Derivation
from modelsteward.domain.model import Model, Version
from modelsteward.domain.pins import Bounds


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Transaction(Protocol):
    """One unit of work. Everything written through it commits together or not at all.

    A write transaction holds the registry's write lock from its start: writers are serialised,
    so reading "the latest version" and then registering the next one cannot race.
    """

    def get_model(self, name: str) -> Model | None: ...
    def list_models(self, *, after: str = "", limit: int = 1000) -> list[Model]: ...
    def add_model(self, model: Model, created_at: datetime) -> None: ...
    def update_model(self, model: Model) -> None: ...

    def get_version(self, model: str, version: str) -> Version | None: ...
    def list_versions(self, model: str) -> list[Version]: ...
    def latest_release(self, model: str) -> Version | None:
        """The highest semantic version without pre-release and variant, if any."""
        ...
    def predecessor(self, model: str, version: Version) -> Version | None:
        """The highest release (no variant, no pre-release) below ``version``'s core."""
        ...
    def add_version(self, version: Version) -> None: ...
    def candidates(self, model: str, bounds: Bounds, variant: str,
                   allow_prerelease: bool) -> Iterator[Version]:
        """Versions that may satisfy a pin, highest first (semantic versions only)."""
        ...

    def add_attestation(self, model: str, version: str, statement: dict[str, object],
                        metrics: dict[str, object], attached_at: datetime, actor: str) -> None: ...
    def attestations(self, model: str, version: str) -> list[dict[str, object]]: ...

    def add_derivation(self, derivation: Derivation) -> None: ...
    def parents(self, ref: str) -> list[Derivation]: ...
    def children(self, ref: str) -> list[Derivation]: ...

    def append_events(self, actor: str, time: datetime, events: Sequence[NewEvent]) -> list[Event]: ...
    def events(self, *, subject_prefix: str = "", after_seq: int = 0,
               limit: int | None = None) -> list[Event]: ...
    def chain_head(self) -> tuple[int, str]: ...


class Store(Protocol):
    def read(self) -> AbstractContextManager[Transaction]: ...
    def write(self) -> AbstractContextManager[Transaction]: ...
    def close(self) -> None: ...
