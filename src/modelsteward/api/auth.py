"""Who may do what. Roles: ``viewer`` reads; ``maintainer`` also changes the models, consumers
and advisories of its own team; ``approver`` also approves its own team's versions with its
approval roles (any team's when the policy names its team a committee for the role); ``admin``
does everything (each role includes the ones before it); ``reporter`` reads and submits advisory
reports about any model (see ``domain/tokens.py``).

``app.state.authenticate`` turns a request into a :class:`~modelsteward.api.deps.Principal`.
:func:`token_authenticator` is the server's default: ``Authorization: Bearer <token>``, and
without a token only reads (:func:`is_read`: GET/HEAD and OSV's query POSTs) when anonymous
reading is on. :func:`local_authenticator` makes
every request act as one administrator (for tests and embedding).

Rules for routes, each raising :class:`NotAuthorised` (403): :func:`require_writer` (a new
object's team), :func:`require_model_writer` (changing a model; one without an owner team only
administrators), :func:`require_advisory_writer`, :func:`require_reporter`,
:func:`require_approver`, :func:`require_admin`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from fastapi import Request

from modelsteward.api.deps import Principal, database_marker
from modelsteward.domain.consumers import Consumer
from modelsteward.domain.model import Model
from modelsteward.domain.tokens import ANONYMOUS, Role, split_token
from modelsteward.errors import NotAuthenticated, NotAuthorised
from modelsteward.ports import Changes, Clock, Store, SystemClock
from modelsteward.results import Ownership
from modelsteward.service.tokens import TokenCache, authenticate

ROLES = tuple(Role)
Authenticator = Callable[[Request], Principal]
_READS = frozenset({"GET", "HEAD"})
# POST routes that only read: OSV's query API (a query is a body, not a change)
_READ_POSTS = frozenset({"/v1/query", "/v1/querybatch"})
# Flagger calls its webhooks with a POST and no way to add a token
_FLAGGER = re.compile(r"/api/v1/experiments/[a-z0-9][a-z0-9_.-]{0,99}/flagger")


def is_read(request: Request) -> bool:
    """Whether ``request`` only reads: GET and HEAD, OSV's ``POST /v1/query`` and
    ``POST /v1/querybatch``, and the Flagger webhook ``POST /api/v1/experiments/{name}/flagger``
    (it judges a canary, writing nothing). Anonymous reading, when on, covers exactly these."""
    method = request.method
    if method in _READS:
        return True
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if method != "POST":
        return False
    path = path.removeprefix(root)
    return path in _READ_POSTS or _FLAGGER.fullmatch(path) is not None


def local_authenticator(actor: str) -> Authenticator:
    principal = Principal(actor, roles=frozenset(Role))

    def authenticate(request: Request) -> Principal:
        return principal

    return authenticate


class TokenAuthenticator:
    """Authenticates ``Authorization: Bearer <token>`` against the tokens in the store (the
    application's store when ``store`` is ``None``), caching look-ups in ``cache``.

    Revocation takes effect at once: a revocation through this server drops the cached entry,
    and on an SQLite file a token change committed by another process (``steward token
    revoke``) empties the cache: when the application's change marker moved
    (``app.state.changes``, a :class:`~modelsteward.ports.Changes`), the tokens' state is read
    (how many, how many revoked) and the cache is kept only if it is the same, so that other
    writes do not cost a token look-up. On PostgreSQL, which has no such marker, a cached token
    is checked on every request by one primary-key query on the watcher's own connection
    (:meth:`~modelsteward.ports.Changes.token_live`), so a token revoked through any replica or
    process is refused by every worker of every replica on its very next request."""

    def __init__(self, store: Store | None, clock: Clock | None, anonymous_read: bool,
                 cache: TokenCache | None = None) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.anonymous_read = anonymous_read
        self.cache = cache if cache is not None else TokenCache()
        self._marker: int | None = None
        self._tokens: tuple[int, int] | None = None  # the tokens' state the cache is valid for

    def __call__(self, request: Request) -> Principal:
        principal = self._authenticate(request, cached_only=False)
        assert principal is not None  # cached_only=False always decides
        return principal

    def without_io(self, request: Request) -> Principal | None:
        """The principal when it can be told without the database — no token, a malformed
        one, or a token in the cache — raising as a call would; ``None`` when the database must
        be asked (then call the authenticator, in a thread)."""
        return self._authenticate(request, cached_only=True)

    def _authenticate(self, request: Request, *, cached_only: bool) -> Principal | None:
        header = request.headers.get("authorization", "")
        if not header:
            if self.anonymous_read and is_read(request):
                return ANONYMOUS
            reading = ("this server does not allow anonymous reads"
                       if is_read(request) else "changes need a token")
            raise NotAuthenticated(f"No token was sent and {reading}: send "
                                   "`Authorization: Bearer <token>` (create one with "
                                   "`steward token create`).")
        scheme, _, text = header.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise NotAuthenticated("The Authorization header must be `Bearer <token>`; the "
                                   "token is the stw_… text `steward token create` printed.")
        cache = self._current_cache(request)
        token_id = split_token(text.strip())[0]
        # the application's watcher says nothing about another store's database
        changes: Changes | None = (getattr(request.app.state, "changes", None)
                                   if self.store is None else None)
        if changes is not None and changes.checks_each_token:
            if cached_only:
                return None  # even a cached token is checked in the database
            if cache.get(token_id) is not None and changes.token_live(token_id) is not True:
                cache.forget(token_id)  # revoked, or unreadable: the store decides
        elif cached_only and cache.get(token_id) is None:
            return None
        store: Store = self.store or request.app.state.store
        return authenticate(store, self.clock.now(), text, cache)

    def _current_cache(self, request: Request) -> TokenCache:
        """The cache, emptied first when a token changed since it was last looked at (the
        database's marker moved and the tokens' state is not the one the cache was filled
        under, or cannot be read)."""
        # the application's marker says nothing about another store's database
        marker = database_marker(request) if self.store is None else None
        changes: Changes | None = getattr(request.app.state, "changes", None)
        if changes is not None and changes.checks_each_token:
            return self.cache  # each cached token is checked on its own (see _authenticate)
        if marker is not None and marker != self._marker and changes is not None:
            tokens = changes.token_state()  # read after the marker: a later change moves it
            if tokens is None or tokens != self._tokens:
                # a new object rather than clearing: a look-up in flight fills the old one
                self.cache = TokenCache(self.cache.ttl, self.cache.size)
                self._tokens = tokens
            self._marker = marker
        return self.cache


def token_authenticator(store: Store | None, clock: Clock | None,
                        anonymous_read: bool) -> TokenAuthenticator:
    """The token authenticator (see :class:`TokenAuthenticator`)."""
    return TokenAuthenticator(store, clock, anonymous_read)


def is_admin(principal: Principal) -> bool:
    return Role.ADMIN in principal.roles


def require_admin(principal: Principal) -> None:
    """Only administrators pass."""
    if not is_admin(principal):
        raise NotAuthorised(f"{principal.name} is not an administrator; this needs the admin "
                            "role (ask an administrator).")


def require_writer(principal: Principal, team: str) -> str:
    """The team a new object belongs to: ``team`` for administrators, else the caller's own
    team, which a maintainer must have. Raises :class:`NotAuthorised`."""
    if is_admin(principal):
        return team or principal.team
    if Role.MAINTAINER not in principal.roles:
        raise NotAuthorised(f"{principal.name} may only read; changing the registry needs the "
                            "maintainer role.")
    if team and team != principal.team:
        raise NotAuthorised(f"{principal.name} maintains team {principal.team!r}, not {team!r}; "
                            "ask a maintainer of that team or an administrator.")
    return principal.team


def require_owner(principal: Principal, team: str, what: str) -> None:
    """Administrators change anything; maintainers only what belongs to their own team
    (``what`` names the object); an object without a team is left to administrators."""
    if is_admin(principal):
        return
    if not team:
        require_writer(principal, principal.team)  # a viewer hears that it may only read
        raise NotAuthorised(f"{what} has no owner team, so only administrators may change it.")
    require_writer(principal, team)


def require_consumer_writer(principal: Principal, consumer: Consumer) -> None:
    """Administrators change any consumer; maintainers only their own team's."""
    require_owner(principal, consumer.team, f"The consumer {consumer.name}")


def require_model_writer(principal: Principal, model: Model) -> None:
    """Administrators change any model; maintainers only their own team's. A model without
    an owner team (made before every model had one) is left to administrators."""
    if is_admin(principal):
        return
    if not model.owner_team:
        require_writer(principal, principal.team)  # a viewer hears that it may only read
        raise NotAuthorised(f"The model {model.name} has no owner team, so only administrators "
                            "may change it; ask one to give it a team with `steward model "
                            "transfer`.")
    require_writer(principal, model.owner_team)


def require_advisory_writer(principal: Principal, ownership: Ownership) -> None:
    """Who may publish, import, re-import or withdraw an advisory: administrators; a
    maintainer of the owner team of every registry model it names; for an advisory naming no
    registry model (an upstream package), a maintainer of a team owning a model derived from
    that package. Raises :class:`NotAuthorised`."""
    if is_admin(principal):
        return
    require_writer(principal, principal.team)
    if ownership.teams:
        others = sorted(t or "(no team)" for t in ownership.teams - {principal.team})
        if others or "" in ownership.teams:
            raise NotAuthorised(
                f"{principal.name} maintains team {principal.team!r}, but advisory "
                f"{ownership.advisory} is about models owned by {', '.join(others)}; only "
                "their maintainers or an administrator may publish, change or withdraw it. "
                "Report it to them instead (POST /api/v1/advisories/reports with the "
                "reporter role).")
        return
    if principal.team not in ownership.deriving:
        raise NotAuthorised(
            f"Advisory {ownership.advisory} names no model of this registry and no model of "
            f"team {principal.team!r} derives from what it names; only an administrator or "
            "a team owning a model derived from it may publish, change or withdraw it.")


def require_reporter(principal: Principal) -> None:
    """Security reporters (and administrators) submit advisory reports."""
    if Role.REPORTER not in principal.roles:
        raise NotAuthorised(f"{principal.name} may not report advisories; that needs the "
                            "reporter role (ask an administrator for a token with it).")


def require_approver(principal: Principal, role: str = "", team: str | None = None,
                     committees: Collection[str] = ()) -> str:
    """The approver's identity (the principal's name) when it may approve as the lifecycle
    approval role ``role`` (any approval when ``role`` is empty) a version of a model owned
    by ``team`` (not checked when ``None``): administrators always; approvers for the approval
    roles their token carries, on their own team's models, or on any team's when their team
    is one of ``committees`` (the policy's cross-team committees for ``role``). Raises
    :class:`NotAuthorised`."""
    if is_admin(principal):
        return principal.name
    if Role.APPROVER not in principal.roles:
        raise NotAuthorised(f"{principal.name} may not approve; approving needs the approver "
                            "role.")
    if role and role not in principal.approval_roles:
        held = ", ".join(sorted(principal.approval_roles)) or "none"
        raise NotAuthorised(f"{principal.name} may not approve as {role!r} (its approval roles: "
                            f"{held}); ask an administrator for a token with that role.")
    if team is not None and team != principal.team and principal.team not in committees:
        owner = repr(team) if team else "no team"
        raise NotAuthorised(f"{principal.name} approves for team {principal.team!r}, and this "
                            f"model belongs to {owner}; ask one of its approvers, or name "
                            f"{principal.team!r} a committee for {role or 'the role'!r} under "
                            "approval.committees in the policy.")
    return principal.name
