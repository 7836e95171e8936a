"""The state check's role: the current state as the records hold it."""

from __future__ import annotations

from typing import Protocol


class StateRecords(Protocol):
    """What the state check compares with the state the events determine."""

    def table_state(self) -> dict[str, dict[str, object]]:
        """Every object the state check compares, keyed and shaped as
        :class:`~modelsteward.domain.state.Replay` keys and shapes them."""
        ...
