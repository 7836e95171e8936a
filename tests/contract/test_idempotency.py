"""What the HTTP layer keeps in a store: answers to requests with an ``Idempotency-Key``,
through the :class:`~modelsteward.ports.IdempotencyKeys` port of each store."""

from __future__ import annotations

from typing import Any

from modelsteward.ports.idempotency import IdempotencyKeys, KeptRequest
from modelsteward.store.idempotency_sql import SqlIdempotencyKeys
from modelsteward.store.memory import MemoryStore
from modelsteward.store.memory.idempotency import MemoryIdempotencyKeys

from .helpers import at


def _keys(store: Any) -> IdempotencyKeys:
    if isinstance(store, MemoryStore):
        return MemoryIdempotencyKeys(store)
    return SqlIdempotencyKeys(store)


def test_the_first_claim_wins_and_later_ones_see_it(store: Any) -> None:
    keys = _keys(store)
    assert keys.claim("alice", "k1", "fp", at(0), at(60)) is None
    assert keys.claim("alice", "k1", "other", at(1), at(61)) == KeptRequest("fp", None, (), b"")
    assert keys.claim("bob", "k1", "fp", at(1), at(61)) is None


def test_an_answer_is_kept_and_an_expired_key_is_free_again(store: Any) -> None:
    keys = _keys(store)
    keys.claim("alice", "k1", "fp", at(0), at(60))
    keys.answer("alice", "k1", 201, [("Cache-Control", "no-store")], b"{}")
    kept = keys.look_up("alice", "k1")
    assert kept == KeptRequest("fp", 201, (("Cache-Control", "no-store"),), b"{}")
    assert kept.secret and keys.look_up("alice", "nope") is None
    assert keys.claim("alice", "k1", "new", at(60), at(120)) is None


def test_a_released_key_can_be_claimed_again(store: Any) -> None:
    keys = _keys(store)
    keys.claim("alice", "k1", "fp", at(0), at(60))
    keys.release("alice", "k1")
    assert keys.claim("alice", "k1", "fp2", at(1), at(60)) is None
