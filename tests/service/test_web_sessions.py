"""The web pages' sessions and the versions-by-stage read they use, on every store: a session
is kept by the hash of its id, lasts its hours, ends at sign-out and with its token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from modelsteward import Registry
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model
from modelsteward.domain.tokens import Role
from modelsteward.errors import NotAuthenticated
from modelsteward.service.tokens import (
    SESSION_HOURS,
    SESSION_KEEP_DAYS,
    close_session,
    open_session,
    session_hash,
    session_principal,
)
from tests.conftest import FixedClock


@pytest.fixture
def registry(db_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(db_url, actor="admin", clock=clock) as opened:
        yield opened


def test_a_session_stands_for_its_token_until_sign_out(registry: Registry,
                                                       clock: FixedClock) -> None:
    issued = registry.tokens.create("rita", team="support", roles=frozenset({Role.APPROVER}),
                                    approval_roles=frozenset({"lead"}))
    session_id, principal = open_session(registry.store, clock.now(), issued.text)
    assert (principal.name, principal.team, principal.token_id) == ("rita", "support",
                                                                    issued.token.id)
    with registry.store.read() as tx:
        kept = tx.web_session(session_hash(session_id))
        assert tx.web_session(session_id) is None  # kept by its hash only
    assert kept is not None and kept.token_id == issued.token.id
    assert kept.expires_at == clock.now() + timedelta(hours=SESSION_HOURS)
    assert session_principal(registry.store, clock.now(), session_id) == principal
    assert session_principal(registry.store, clock.now(), "not-a-session") is None
    close_session(registry.store, clock.now(), session_id)
    assert session_principal(registry.store, clock.now(), session_id) is None
    close_session(registry.store, clock.now() + timedelta(hours=1), session_id)  # kept first
    with registry.store.read() as tx:
        ended = tx.web_session(session_hash(session_id))
    assert ended is not None and ended.revoked_at == clock.now()


def test_a_session_ends_when_it_expires_or_its_token_is_revoked(registry: Registry,
                                                                clock: FixedClock) -> None:
    issued = registry.tokens.create("viewer", team="support", roles=frozenset({Role.VIEWER}))
    first, _ = open_session(registry.store, clock.now(), issued.text)
    later = clock.now() + timedelta(hours=SESSION_HOURS)
    assert session_principal(registry.store, later - timedelta(seconds=1), first) is not None
    assert session_principal(registry.store, later, first) is None
    second, _ = open_session(registry.store, clock.now(), issued.text)
    registry.tokens.revoke(issued.token.id)
    assert session_principal(registry.store, clock.now(), second) is None
    with pytest.raises(NotAuthenticated, match="was revoked"):
        open_session(registry.store, clock.now(), issued.text)


def test_sessions_ended_long_ago_are_forgotten_at_a_sign_in(registry: Registry,
                                                            clock: FixedClock) -> None:
    issued = registry.tokens.create("viewer", team="support", roles=frozenset({Role.VIEWER}))
    old, _ = open_session(registry.store, clock.now(), issued.text)
    signed_out, _ = open_session(registry.store, clock.now(), issued.text)
    close_session(registry.store, clock.now(), signed_out)
    live, _ = open_session(registry.store, clock.now() + timedelta(days=SESSION_KEEP_DAYS),
                           issued.text)
    with registry.store.read() as tx:  # ended exactly SESSION_KEEP_DAYS ago: kept still
        assert tx.web_session(session_hash(signed_out)) is not None
    open_session(registry.store, clock.now() + timedelta(days=SESSION_KEEP_DAYS, hours=13),
                 issued.text)
    with registry.store.read() as tx:
        assert tx.web_session(session_hash(old)) is None
        assert tx.web_session(session_hash(signed_out)) is None
        assert tx.web_session(session_hash(live)) is not None


def test_versions_in_stage_are_read_oldest_first(registry: Registry,
                                                 clock: FixedClock) -> None:
    for name in ("zeta", "alpha"):
        registry.create_model(Model(name, owner_team="support"))
        for number in ("1.0.0", "1.1.0"):
            registry.register_version(name, number, force=True, reason="test")
            clock.advance(minutes=1)
    with registry.store.write() as tx:
        for model, version in (("zeta", "1.0.0"), ("alpha", "1.1.0"), ("alpha", "1.0.0")):
            tx.set_stage(model, version, Stage.STAGING)
    with registry.store.read() as tx:
        waiting = tx.versions_in_stage(Stage.STAGING)
        assert [v.ref for v in waiting] == ["zeta@1.0.0", "alpha@1.0.0", "alpha@1.1.0"]
        assert all(v.stage is Stage.STAGING and v.files == () for v in waiting)
        assert [v.ref for v in tx.versions_in_stage(Stage.STAGING, limit=1)] == ["zeta@1.0.0"]
        assert tx.versions_in_stage(Stage.PRODUCTION) == []
