"""The idempotency keys of a :class:`~modelsteward.store.memory.MemoryStore`."""

from __future__ import annotations

from datetime import datetime

from modelsteward.ports.idempotency import KeptRequest
from modelsteward.store.memory.store import MemoryStore


class MemoryIdempotencyKeys:
    """:class:`~modelsteward.ports.IdempotencyKeys` on ``store``: each call is one transaction
    of the store's own, as :class:`~modelsteward.store.idempotency_sql.SqlIdempotencyKeys`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def claim(self, scope: str, key: str, fingerprint: str, now: datetime,
              expires_at: datetime) -> KeptRequest | None:
        with self._store.write() as tx:
            return tx.claim_idempotency_key(scope, key, fingerprint, now, expires_at)

    def look_up(self, scope: str, key: str) -> KeptRequest | None:
        with self._store.read() as tx:
            return tx.idempotency_key(scope, key)

    def answer(self, scope: str, key: str, status: int, headers: list[tuple[str, str]],
               body: bytes) -> None:
        with self._store.write() as tx:
            tx.answer_idempotency_key(scope, key, status, headers, body)

    def release(self, scope: str, key: str) -> None:
        with self._store.write() as tx:
            tx.release_idempotency_key(scope, key)
