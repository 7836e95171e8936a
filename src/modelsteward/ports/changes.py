"""Whether anything was committed since a moment: what lets the HTTP layer cache answers, and
tell which committed state (the chain head's sequence number) an answer reflects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Reading:
    """One look at the committed state. ``marker``: equal markers of two readings mean nothing
    was committed between them (``None``: cannot tell, nothing may be cached on it). ``seq``:
    the event chain head's sequence number as of the reading, or an older one, never a newer
    one (``None``: unknown) — so anything read from the database after the reading reflects at
    least ``seq``."""

    marker: int | None
    seq: int | None


NO_READING = Reading(None, None)


class Changes(Protocol):
    """Markers of the committed state. Thread-safe.

    Two equal :meth:`marker` results mean nothing was committed between the two calls;
    ``None`` means "cannot tell" and nothing may be cached on it."""

    def marker(self) -> int | None: ...
    def reading(self) -> Reading:
        """The marker and the chain head's sequence number it stands for, read together."""
        ...
    def refresh(self) -> Reading:
        """A reading taken from the database now (I/O: call it off the event loop), for a
        caller that must see at least a given sequence number."""
        ...
    def committed(self, seq: int) -> None:
        """This process committed a write whose chain head is ``seq``: markers read from now
        on are not older than it."""
        ...
    def token_state(self) -> tuple[int, int] | None:
        """How many API tokens there are and how many are revoked, as committed now; ``None``
        when this cannot be read cheaply."""
        ...
    @property
    def checks_each_token(self) -> bool:
        """Whether :meth:`token_live` answers: then a cached token is checked on every
        request instead of by the marker."""
        ...
    def token_live(self, token_id: str) -> bool | None:
        """Whether the token exists and is not revoked, as committed now; ``None`` when this
        cannot be told (the caller then asks the store)."""
        ...
    def close(self) -> None: ...
