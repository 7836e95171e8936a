"""Storage of the answers given to requests with an ``Idempotency-Key`` (``api/idempotency.py``):
:class:`SqlIdempotencyKeys`, the :class:`~modelsteward.ports.IdempotencyKeys` of a store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from modelsteward.ports.idempotency import KeptRequest
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.sql import SqlStore
from modelsteward.store.tables import idempotency_keys


class IdempotencyQueries(SqlConnectionBase):
    """The statements, on one transaction."""

    def claim_idempotency_key(self, scope: str, key: str, fingerprint: str, now: datetime,
                              expires_at: datetime) -> KeptRequest | None:
        """Claim ``key`` for ``scope``: ``None`` when this request is the first (the key was
        free, or its earlier use expired), else the earlier request. Two concurrent claims of
        one key: one gets ``None``, the other the first's row."""
        table = idempotency_keys
        self.c.execute(delete(table).where(table.c.expires_at <= now))
        values = {"scope": scope, "key": key, "fingerprint": fingerprint, "created_at": now,
                  "expires_at": expires_at}
        dialect = postgresql if self.c.dialect.name == "postgresql" else sqlite
        claimed = self.c.execute(dialect.insert(table).values(**values)
                                 .on_conflict_do_nothing(index_elements=["scope", "key"])
                                 .returning(table.c.key)).first()
        if claimed is not None:
            return None
        return self.idempotency_key(scope, key)

    def idempotency_key(self, scope: str, key: str) -> KeptRequest | None:
        table = idempotency_keys
        row = self.c.execute(select(table).where(table.c.scope == scope,
                                                 table.c.key == key)).first()
        if row is None:
            return None
        headers = tuple((str(name), str(value)) for name, value in (row.headers or []))
        return KeptRequest(str(row.fingerprint), row.status, headers, bytes(row.body or b""))

    def answer_idempotency_key(self, scope: str, key: str, status: int,
                               headers: list[tuple[str, str]], body: bytes) -> None:
        table = idempotency_keys
        self.c.execute(update(table).where(table.c.scope == scope, table.c.key == key)
                       .values(status=status, headers=[list(h) for h in headers], body=body))

    def release_idempotency_key(self, scope: str, key: str) -> None:
        """Forget ``key`` (its request wrote nothing), so that a retry runs again."""
        table = idempotency_keys
        self.c.execute(delete(table).where(table.c.scope == scope, table.c.key == key))


class SqlIdempotencyKeys:
    """:class:`~modelsteward.ports.IdempotencyKeys` on ``store``: claims, answers and releases
    are write transactions of the store's own (serialised like every write), a look-up a read
    one, so a retry waiting for an answer holds no lock."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def claim(self, scope: str, key: str, fingerprint: str, now: datetime,
              expires_at: datetime) -> KeptRequest | None:
        with self._store.write() as tx:
            return IdempotencyQueries(tx.c).claim_idempotency_key(scope, key, fingerprint, now,
                                                                  expires_at)

    def look_up(self, scope: str, key: str) -> KeptRequest | None:
        with self._store.read() as tx:
            return IdempotencyQueries(tx.c).idempotency_key(scope, key)

    def answer(self, scope: str, key: str, status: int, headers: list[tuple[str, str]],
               body: bytes) -> None:
        with self._store.write() as tx:
            IdempotencyQueries(tx.c).answer_idempotency_key(scope, key, status, headers, body)

    def release(self, scope: str, key: str) -> None:
        with self._store.write() as tx:
            IdempotencyQueries(tx.c).release_idempotency_key(scope, key)
