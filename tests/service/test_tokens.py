"""API tokens: stored hashed, shown once, revocable, expiring; every failure says which it is."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from modelsteward import Registry
from modelsteward.cli.tokens import bootstrap_admin_token
from modelsteward.domain import events as ev
from modelsteward.domain.tokens import (
    Role,
    check_token,
    effective_roles,
    hash_secret,
    parse_expiry,
    parse_roles,
    split_token,
)
from modelsteward.errors import InvalidInput, NotAuthenticated, StewardError, TokenNotFound
from modelsteward.service.tokens import TokenCache, Tokens, new_secret
from modelsteward.store.tables import api_tokens
from tests.conftest import FixedClock, sql_store

MAINTAINER = frozenset({Role.MAINTAINER})


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="root", clock=clock) as reg:
        yield reg


@pytest.fixture
def sql_registry(sql_url: str, clock: FixedClock) -> Iterator[Registry]:
    """A registry on a database, for a test that reads the table its tokens are stored in."""
    with Registry.open(sql_url, actor="root", clock=clock) as reg:
        yield reg


def test_the_secret_is_never_stored_and_the_text_is_shown_once(sql_registry: Registry) -> None:
    registry = sql_registry
    issued = registry.tokens.create("ci", team="support", roles=MAINTAINER)
    token_id, secret = split_token(issued.text)
    assert token_id == issued.token.id and len(secret) == 43
    with sql_store(registry).read() as tx:
        rows = [row._mapping for row in tx.c.execute(select(api_tokens))]
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0].values())
    assert secret not in stored and issued.text not in stored
    assert rows[0]["secret_hash"] == hash_secret(secret)
    assert rows[0]["last_four"] == issued.text[-4:]
    listed = registry.tokens.list()
    assert [t.id for t in listed] == [token_id]
    assert not any(secret in str(v) for v in vars(listed[0]).values())


def test_events_record_create_and_revoke_without_the_secret(registry: Registry) -> None:
    tokens = registry.tokens
    issued = tokens.create("ci", team="support", roles=MAINTAINER)
    tokens.revoke(issued.token.id)
    tokens.revoke(issued.token.id)  # again: nothing more happens
    log = [e for e in registry.log() if e.subject == f"token:{issued.token.id}"]
    assert [e.kind for e in log] == [ev.TOKEN_CREATED, ev.TOKEN_REVOKED]
    assert all(e.actor == "root" for e in log)
    _, secret = split_token(issued.text)
    assert not any(secret in e.payload_json for e in log)
    assert log[0].payload["roles"] == ["maintainer"]


def test_authenticate_gives_the_principal(registry: Registry) -> None:
    issued = registry.tokens.create("release-bot", team="support",
                                     roles=frozenset({Role.APPROVER}),
                                     approval_roles=frozenset({"ml-lead"}))
    who = registry.tokens.authenticate(issued.text)
    assert who.name == "release-bot" and who.team == "support"
    assert who.roles == {"viewer", "maintainer", "approver"}
    assert who.approval_roles == {"ml-lead"} and who.token_id == issued.token.id


def test_each_failure_says_what_is_wrong(registry: Registry, clock: FixedClock) -> None:
    tokens = registry.tokens
    revoked = tokens.create("old", team="t", roles=MAINTAINER)
    tokens.revoke(revoked.token.id)
    expiring = tokens.create("short", team="t", roles=MAINTAINER,
                             expires_at=parse_expiry("1d", clock.now()))
    assert tokens.authenticate(expiring.text).name == "short"
    clock.advance(days=1)
    _, secret = split_token(expiring.text)
    cases = {
        "malformed": "bearer-nonsense",
        "not known": f"stw_{'0' * 16}_{secret}",
        "revoked": revoked.text,
        "expired": expiring.text,
    }
    for word, text in cases.items():
        with pytest.raises(NotAuthenticated, match=word):
            tokens.authenticate(text)
    wrong_secret = f"stw_{expiring.token.id}_{new_secret()}"
    with pytest.raises(NotAuthenticated, match="not known"):
        tokens.authenticate(wrong_secret)


def test_revocation_clears_the_cache_at_once(registry: Registry) -> None:
    cache = TokenCache(ttl=30)
    tokens = Tokens(registry.context, cache)
    issued = tokens.create("ci", team="t", roles=MAINTAINER)
    assert tokens.authenticate(issued.text).name == "ci"
    assert cache.get(issued.token.id) is not None
    tokens.revoke(issued.token.id)
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.authenticate(issued.text)


def test_cache_is_bounded_and_expires() -> None:
    from modelsteward.domain.tokens import Token

    cache = TokenCache(ttl=30, size=2)
    made = [Token(f"{i:016x}", "n", "t", MAINTAINER, frozenset(), datetime.now(UTC), "me")
            for i in range(3)]
    for token in made:
        cache.put(token, "h")
    assert cache.get(made[0].id) is None and cache.get(made[2].id) is not None
    stale = TokenCache(ttl=-1)
    stale.put(made[0], "h")
    assert stale.get(made[0].id) is None


def test_revoking_an_unknown_token(registry: Registry) -> None:
    with pytest.raises(TokenNotFound, match="steward token list"):
        registry.tokens.revoke("0" * 16)


def test_bootstrap_only_on_an_empty_table(registry: Registry, tmp_path: Path) -> None:
    issued = bootstrap_admin_token(registry.tokens, tmp_path / "home")
    assert issued is not None and issued.token.name == "bootstrap"
    path = tmp_path / "home" / "admin-token"
    assert path.read_text().strip() == issued.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert registry.tokens.authenticate(issued.text).roles >= {"admin"}
    assert bootstrap_admin_token(registry.tokens, tmp_path / "home") is None


def test_token_requests_are_checked_whole() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_token("", "", frozenset({Role.MAINTAINER}), frozenset({"ml-lead"}))
    message = str(raised.value)
    assert "name" in message and "needs a team" in message and "--role approver" in message
    with pytest.raises(InvalidInput, match="Unknown role 'root'"):
        parse_roles(["viewer", "root"])
    with pytest.raises(InvalidInput, match="at least one role"):
        parse_roles([])
    assert effective_roles(frozenset({Role.ADMIN})) == frozenset(Role)


def test_expiry_forms() -> None:
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert parse_expiry("90d", now) == now + timedelta(days=90)
    assert parse_expiry("12h", now) == now + timedelta(hours=12)
    assert parse_expiry("2027-01-31", now) == datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_expiry("2027-01-31T10:00:00+01:00", now) == datetime(2027, 1, 31, 9,
                                                                     tzinfo=UTC)
    for bad in ("soon", "0d", "2026-01-01", "2027-01-31T10:00:00", "-5d"):
        with pytest.raises(InvalidInput):
            parse_expiry(bad, now)


@given(st.text(max_size=120))
def test_no_text_crashes_the_token_parser(text: str) -> None:
    """Any text either splits into an id and a secret or raises NotAuthenticated."""
    try:
        token_id, secret = split_token(text)
    except StewardError as error:
        assert isinstance(error, NotAuthenticated)
    else:
        assert text == f"stw_{token_id}_{secret}"


@given(st.text(max_size=40))
def test_no_text_crashes_the_expiry_parser(text: str) -> None:
    try:
        parse_expiry(text, datetime(2026, 11, 22, tzinfo=UTC))
    except StewardError as error:
        assert isinstance(error, InvalidInput)
