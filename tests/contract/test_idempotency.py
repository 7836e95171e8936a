"""What the HTTP layer keeps in a store: answers to requests with an ``Idempotency-Key``."""

from __future__ import annotations

from typing import Any

from modelsteward.store.idempotency import KeptRequest

from .helpers import at


def test_the_first_claim_wins_and_later_ones_see_it(store: Any) -> None:
    with store.write() as tx:
        assert tx.claim_idempotency_key("alice", "k1", "fp", at(0), at(60)) is None
    with store.write() as tx:
        assert tx.claim_idempotency_key("alice", "k1", "other", at(1), at(61)) == KeptRequest(
            "fp", None, (), b"")
        assert tx.claim_idempotency_key("bob", "k1", "fp", at(1), at(61)) is None


def test_an_answer_is_kept_and_an_expired_key_is_free_again(store: Any) -> None:
    with store.write() as tx:
        tx.claim_idempotency_key("alice", "k1", "fp", at(0), at(60))
        tx.answer_idempotency_key("alice", "k1", 201, [("Cache-Control", "no-store")], b"{}")
    with store.read() as tx:
        kept = tx.idempotency_key("alice", "k1")
        assert kept == KeptRequest("fp", 201, (("Cache-Control", "no-store"),), b"{}")
        assert kept.secret and tx.idempotency_key("alice", "nope") is None
    with store.write() as tx:
        assert tx.claim_idempotency_key("alice", "k1", "new", at(60), at(120)) is None


def test_a_released_key_can_be_claimed_again(store: Any) -> None:
    with store.write() as tx:
        tx.claim_idempotency_key("alice", "k1", "fp", at(0), at(60))
        tx.release_idempotency_key("alice", "k1")
    with store.write() as tx:
        assert tx.claim_idempotency_key("alice", "k1", "fp2", at(1), at(60)) is None
