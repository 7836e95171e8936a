"""The consumers role: who uses which models, pinned how."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from modelsteward.domain.consumers import Consumer, ConsumerPin


class ConsumerRecords(Protocol):
    """Consumers by unique name, each with at most one pin per model. A pin names an existing
    model (:class:`~modelsteward.errors.ModelNotFound` otherwise)."""

    def add_consumer(self, consumer: Consumer, at: datetime) -> None: ...
    def set_consumer_pin(self, name: str, pin: ConsumerPin) -> None:
        """Use ``pin.model`` at ``pin.pin`` from now on (replacing an earlier pin of it)."""
        ...
    def remove_consumer_pin(self, name: str, model: str) -> None: ...
    def remove_consumer(self, name: str) -> None:
        """Forget the consumer and its pins."""
        ...
    def get_consumer(self, name: str) -> Consumer | None: ...
    def list_consumers(self, model: str = "", *, after: str = "",
                       limit: int | None = None) -> list[Consumer]:
        """Every consumer (of ``model`` when given), by name, pins by model name; with
        ``after`` and ``limit``, the keyset page of those named after ``after``."""
        ...
    def consumers_of(self, models: Sequence[str]) -> dict[str, list[Consumer]]:
        """Model → :meth:`list_consumers` of it, for each of ``models`` with a consumer
        (unknown models left out); a few reads whatever the number of models."""
        ...
