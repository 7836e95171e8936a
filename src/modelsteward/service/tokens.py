"""API token use cases: create (the text is shown once), list, revoke, authenticate, and the
bootstrap administrator token of a new server.

Tokens are written with their events (``token:created``, ``token:revoked``) in one transaction;
events never carry a secret. Time comes from the registry's clock, so expiry is testable.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta

from modelsteward.domain import events as ev
from modelsteward.domain.events import NewEvent
from modelsteward.domain.tokens import (
    Principal,
    Role,
    Token,
    TokenState,
    WebSession,
    check_token,
    hash_secret,
    secret_matches,
    split_token,
    token_text,
)
from modelsteward.errors import NotAuthenticated, TokenNotFound
from modelsteward.ports import Store, Transaction
from modelsteward.results import IssuedToken
from modelsteward.service.context import Context

BOOTSTRAP_NAME = "bootstrap"




def new_secret() -> str:
    """32 random bytes as URL-safe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


class TokenCache:
    """Recently looked-up tokens, so that frequent calls (``/api/v1/resolve``) do not pay a query
    each. Entries live ``ttl`` seconds and at most ``size`` are kept (the oldest go first).
    What is cached is the stored token and its hash: the secret, expiry and revocation are still
    checked on every call, and a revocation through this process drops the entry at once
    (the server also empties or checks it for revocations made elsewhere: see
    ``api/auth.py``). Thread-safe."""

    def __init__(self, ttl: float = 30.0, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[float, Token, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_id: str) -> tuple[Token, str] | None:
        with self._lock:
            entry = self._entries.get(token_id)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.ttl:
                del self._entries[token_id]
                return None
            return entry[1], entry[2]

    def put(self, token: Token, secret_hash: str) -> None:
        with self._lock:
            self._entries[token.id] = (time.monotonic(), token, secret_hash)
            self._entries.move_to_end(token.id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, token_id: str) -> None:
        with self._lock:
            self._entries.pop(token_id, None)


class Tokens:
    """Token use cases over a context (its store, clock and actor). ``cache``, when given, is
    used by :meth:`authenticate` and cleared by :meth:`revoke`."""

    def __init__(self, ctx: Context, cache: TokenCache | None = None) -> None:
        self.ctx = ctx
        self.cache = cache

    def create(self, name: str, *, team: str, roles: frozenset[Role],
               approval_roles: frozenset[str] = frozenset(),
               expires_at: datetime | None = None) -> IssuedToken:
        """Make a token; its text is in the result and nowhere else. Raises
        :class:`~modelsteward.errors.InvalidInput` listing every problem of the request."""
        check_token(name, team, roles, approval_roles)
        with self.ctx.store.write() as tx:
            return self._create(tx, name=name, team=team, roles=roles,
                                approval_roles=approval_roles, expires_at=expires_at)

    def _create(self, tx: Transaction, *, name: str, team: str, roles: frozenset[Role],
                approval_roles: frozenset[str], expires_at: datetime | None) -> IssuedToken:
        token_id = secrets.token_hex(8)
        secret = new_secret()
        text = token_text(token_id, secret)
        token = Token(token_id, name, team, roles, approval_roles, self.ctx.clock.now(),
                      self.ctx.actor, expires_at, None, text[-4:])
        tx.add_token(token, hash_secret(secret))
        self.ctx.record(tx, NewEvent(ev.TOKEN_CREATED, f"token:{token_id}", {
            "name": name, "team": team, "roles": sorted(roles),
            "approval_roles": sorted(approval_roles),
            "expires_at": expires_at.isoformat() if expires_at else None}))
        return IssuedToken(token, text)

    def bootstrap(self) -> IssuedToken | None:
        """An administrator token named ``bootstrap`` when the database has no token at all
        (checked and made in one transaction); ``None`` when tokens exist."""
        with self.ctx.store.write() as tx:
            if tx.count_tokens():
                return None
            return self._create(tx, name=BOOTSTRAP_NAME, team="",
                                roles=frozenset({Role.ADMIN}), approval_roles=frozenset(),
                                expires_at=None)

    def list(self, *, name: str | None = None) -> list[Token]:
        """Tokens by id: all, or those issued under ``name``."""
        with self.ctx.store.read() as tx:
            return tx.tokens(name=name)

    def get(self, token_id: str) -> Token:
        with self.ctx.store.read() as tx:
            found = tx.token(token_id)
        if found is None:
            raise TokenNotFound(token_id)
        return found[0]

    def revoke(self, token_id: str) -> Token:
        """Revoke a token (at once in this process; see :class:`TokenCache`). Revoking a revoked
        token changes nothing and records no event."""
        with self.ctx.store.write() as tx:
            found = tx.token(token_id)
            if found is None:
                raise TokenNotFound(token_id)
            token = found[0]
            if token.revoked_at is None:
                now = self.ctx.clock.now()
                tx.revoke_token(token_id, now)
                self.ctx.record(tx, NewEvent(ev.TOKEN_REVOKED, f"token:{token_id}", {
                    "name": token.name, "team": token.team}))
                token = Token(token.id, token.name, token.team, token.roles,
                              token.approval_roles, token.created_at, token.created_by,
                              token.expires_at, now, token.last_four)
        if self.cache is not None:
            self.cache.forget(token_id)
        return token

    def authenticate(self, text: str) -> Principal:
        """The principal ``text`` (a token's text) stands for. Raises :class:`NotAuthenticated`
        saying whether the token is malformed, unknown, revoked or expired."""
        return authenticate(self.ctx.store, self.ctx.clock.now(), text, self.cache)


def authenticate(store: Store, now: datetime, text: str,
                 cache: TokenCache | None = None) -> Principal:
    """See :meth:`Tokens.authenticate`; usable without a registry (the API's authenticator)."""
    token_id, secret = split_token(text.strip())
    found = cache.get(token_id) if cache is not None else None
    if found is None:
        with store.read() as tx:
            found = tx.token(token_id)
        if found is not None and cache is not None:
            cache.put(*found)
    if found is None or not secret_matches(secret, found[1]):
        # a known id with a wrong secret reads as unknown: it tells a guesser nothing
        raise NotAuthenticated(f"The token stw_{token_id}_… is not known to this registry; "
                               "create one with `steward token create`.")
    return live_principal(found[0], now)


def live_principal(token: Token, now: datetime) -> Principal:
    """The principal of ``token`` when it is neither revoked nor expired at ``now``; raises
    :class:`NotAuthenticated` saying which."""
    state = token.state(now)
    if state is TokenState.REVOKED:
        raise NotAuthenticated(f"The token {token.name!r} ({token.id}) was revoked "
                               f"on {token.revoked_at:%Y-%m-%d}; ask an administrator for a new "
                               "one.")
    if state is TokenState.EXPIRED:
        raise NotAuthenticated(f"The token {token.name!r} ({token.id}) expired on "
                               f"{token.expires_at:%Y-%m-%d %H:%M} UTC; ask an administrator for "
                               "a new one.")
    return token.principal()


SESSION_HOURS = 12  # how long a web session lasts after sign-in
SESSION_KEEP_DAYS = 30  # ended sessions are forgotten this long after they end, at a sign-in


def session_hash(session_id: str) -> str:
    """What the store keeps of a web session id: its SHA-256, in hex."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(store: Store, now: datetime, text: str,
                 hours: int = SESSION_HOURS) -> tuple[str, Principal]:
    """Sign in with the token ``text``: a new web session for it (its id, to be sent to the
    browser once, and the principal); sessions that ended more than
    :data:`SESSION_KEEP_DAYS` ago are forgotten. Raises :class:`NotAuthenticated` as
    :func:`authenticate` does."""
    principal = authenticate(store, now, text)
    session_id = new_secret()
    with store.write() as tx:
        tx.prune_web_sessions(now - timedelta(days=SESSION_KEEP_DAYS))
        tx.add_web_session(WebSession(session_hash(session_id), principal.token_id, now,
                                      now + timedelta(hours=hours)))
    return session_id, principal


def session_principal(store: Store, now: datetime, session_id: str) -> Principal | None:
    """Who the web session ``session_id`` stands for, or ``None`` when it is unknown, signed
    out or expired, or its token was revoked or has expired since."""
    with store.read() as tx:
        session = tx.web_session(session_hash(session_id))
        found = tx.token(session.token_id) if session is not None else None
    if session is None or found is None or not session.live(now):
        return None
    try:
        return live_principal(found[0], now)
    except NotAuthenticated:
        return None


def close_session(store: Store, now: datetime, session_id: str) -> None:
    """Sign out: the session is refused from now on, whoever holds its id."""
    with store.write() as tx:
        tx.revoke_web_session(session_hash(session_id), now)
