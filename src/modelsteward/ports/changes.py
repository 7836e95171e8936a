"""Whether anything was committed since a moment: what lets the HTTP layer cache answers."""

from __future__ import annotations

from typing import Protocol


class Changes(Protocol):
    """Markers of the committed state. Thread-safe.

    Two equal :meth:`marker` results mean nothing was committed between the two calls;
    ``None`` means "cannot tell" and nothing may be cached on it."""

    def marker(self) -> int | None: ...
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
