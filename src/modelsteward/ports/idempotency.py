"""What the HTTP layer keeps of requests made with an ``Idempotency-Key``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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


class IdempotencyKeys(Protocol):
    """Keys claimed per scope (a caller). Each method commits on its own."""

    def claim(self, scope: str, key: str, fingerprint: str, now: datetime,
              expires_at: datetime) -> KeptRequest | None:
        """Claim ``key`` for ``scope``: ``None`` when this request is the first (the key was
        free, or its earlier use expired by ``now``), else the earlier request. Of two
        concurrent claims of one key, exactly one gets ``None``."""
        ...
    def look_up(self, scope: str, key: str) -> KeptRequest | None:
        """The request that holds ``key``, without waiting for any write."""
        ...
    def answer(self, scope: str, key: str, status: int, headers: list[tuple[str, str]],
               body: bytes) -> None:
        """Keep the answer of the request that holds ``key``."""
        ...
    def release(self, scope: str, key: str) -> None:
        """Forget ``key`` (its request wrote nothing), so that a retry runs again."""
        ...
