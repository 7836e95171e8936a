"""The tokens role: API tokens, kept with their secret's hash, revoked once."""

from __future__ import annotations

from typing import Any

from modelsteward.domain.tokens import Role, Token

from .helpers import at


def _token(ident: str, name: str = "ci", **fields: Any) -> Token:
    return Token(ident, name, "team-a", frozenset({Role.MAINTAINER, Role.VIEWER}),
                 frozenset({"risk"}), at(0), "root", **fields)


def test_tokens_read_back_with_their_hash(store: Any) -> None:
    with store.write() as tx:
        tx.add_token(_token("t2", expires_at=at(60), last_four="abcd"), "hash2")
        tx.add_token(_token("t1"), "hash1")
    with store.read() as tx:
        assert tx.token("t2") == (_token("t2", expires_at=at(60), last_four="abcd"), "hash2")
        assert tx.token("nope") is None
        assert tx.count_tokens() == 2


def test_tokens_list_by_id_and_by_name(store: Any) -> None:
    with store.write() as tx:
        for ident, name in [("c", "ci"), ("a", "deploy"), ("b", "ci")]:
            tx.add_token(_token(ident, name), "h")
    with store.read() as tx:
        assert [t.id for t in tx.tokens()] == ["a", "b", "c"]
        assert [t.id for t in tx.tokens(name="ci")] == ["b", "c"]
        assert tx.tokens(name="nobody") == []


def test_a_token_is_revoked_once(store: Any) -> None:
    with store.write() as tx:
        tx.add_token(_token("t1"), "h")
    with store.write() as tx:
        tx.revoke_token("t1", at(5))
    with store.write() as tx:
        tx.revoke_token("t1", at(9))  # the first revocation stands
        tx.revoke_token("unknown", at(9))
    with store.read() as tx:
        found, _ = tx.token("t1")
        assert found.revoked_at == at(5)
        assert tx.count_tokens() == 1


def test_an_empty_store_has_no_tokens(store: Any) -> None:
    with store.read() as tx:
        assert tx.tokens() == [] and tx.count_tokens() == 0


def test_a_revocation_rolled_back_is_not_kept(store: Any) -> None:
    with store.write() as tx:
        tx.add_token(_token("t1"), "h")
    try:
        with store.write() as tx:
            tx.revoke_token("t1", at(5))
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    with store.read() as tx:
        assert tx.token("t1")[0].revoked_at is None
