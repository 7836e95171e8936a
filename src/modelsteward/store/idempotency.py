"""An answer kept for a request with an ``Idempotency-Key``, as every store gives it back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeptRequest:
    """A request made earlier with the same key: its fingerprint, and its answer once it has
    one (``status`` is ``None`` while it is still running)."""

    fingerprint: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def secret(self) -> bool:
        """Whether the answer held a secret and was not kept (``Cache-Control: no-store``)."""
        return any(name.lower() == "cache-control" and "no-store" in value
                   for name, value in self.headers)
