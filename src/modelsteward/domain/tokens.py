"""API tokens, the roles they carry and the principal a request acts as.

A token's text is ``stw_<id>_<secret>``: the id finds the stored token, the secret proves the
caller holds it. Only a hash of the secret is stored, so a copy of the database grants nothing,
and the text is shown once, when the token is made (by the service, which owns randomness).

Roles: ``viewer`` reads; ``maintainer`` also changes its own team's models, consumers and
advisories; ``approver`` also approves its own team's versions for its lifecycle approval roles
(``ml-lead``, ``product-owner``… as the policy names them; a committee team the policy names
approves any team's); ``admin`` does everything. Each of these includes the ones before it.
``reporter`` (a security reporter, no team needed) reads and submits advisory reports about
any model, which reach the owner team as drafts to publish.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from modelsteward.domain.documents import describe
from modelsteward.domain.names import label_problem
from modelsteward.errors import InvalidInput, NotAuthenticated

PREFIX = "stw"
_ID = re.compile(r"[0-9a-f]{16}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, URL-safe base64 without padding
_DURATION = re.compile(r"([1-9][0-9]{0,4})([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
NAME_MAX = 100
TEAM_MAX = 200


class Role(StrEnum):
    VIEWER = "viewer"
    MAINTAINER = "maintainer"
    APPROVER = "approver"
    ADMIN = "admin"
    REPORTER = "reporter"


_IMPLIED: dict[Role, frozenset[Role]] = {
    Role.VIEWER: frozenset({Role.VIEWER}),
    Role.MAINTAINER: frozenset({Role.VIEWER, Role.MAINTAINER}),
    Role.APPROVER: frozenset({Role.VIEWER, Role.MAINTAINER, Role.APPROVER}),
    Role.ADMIN: frozenset(Role),
    Role.REPORTER: frozenset({Role.VIEWER, Role.REPORTER}),
}


def effective_roles(roles: frozenset[Role]) -> frozenset[Role]:
    """``roles`` with every role they include (an approver is also a maintainer and a viewer)."""
    return frozenset(r for role in roles for r in _IMPLIED[role])


def parse_roles(values: object) -> frozenset[Role]:
    """Roles from their names; raises :class:`InvalidInput` naming every unknown one."""
    if isinstance(values, str) or not isinstance(values, (list, tuple, set, frozenset)):
        raise InvalidInput(f"Roles must be a list of names, not {describe(values)}; use some of "
                           f"{', '.join(Role)}.")
    unknown = [v for v in values if v not in [r.value for r in Role]]
    if unknown:
        raise InvalidInput(f"Unknown role{'s' if len(unknown) > 1 else ''} "
                           + ", ".join(repr(v) if isinstance(v, str) else describe(v)
                                       for v in unknown)
                           + f"; the roles are {', '.join(Role)}.")
    if not values:
        raise InvalidInput(f"A token needs at least one role; use some of {', '.join(Role)}.")
    return frozenset(Role(v) for v in values)


@dataclass(frozen=True)
class Principal:
    """The caller: a token's name, its team and its roles (``viewer``, ``maintainer``,
    ``approver``, ``admin``); ``approval_roles`` are the lifecycle approval roles it may sign
    for; ``token_id`` is empty for callers not authenticated by a token."""

    name: str
    team: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    approval_roles: frozenset[str] = field(default_factory=frozenset)
    token_id: str = ""


ANONYMOUS = Principal("anonymous", roles=frozenset({Role.VIEWER}))


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: the web pages' session for the token ``token_id``. Only a SHA-256
    of the session id (the cookie's value) is kept, so a copy of the database opens no session;
    the token's own state (revoked, expired) still decides on every request."""

    id_hash: str
    token_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class TokenState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Token:
    """A stored token, without its secret. ``last_four`` are the text's last four characters,
    enough for a person to tell tokens apart."""

    id: str
    name: str
    team: str
    roles: frozenset[Role]
    approval_roles: frozenset[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_four: str = ""

    def state(self, now: datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    def principal(self) -> Principal:
        return Principal(self.name, self.team, frozenset(effective_roles(self.roles)),
                         self.approval_roles, self.id)


def check_token(name: str, team: str, roles: frozenset[Role],
                approval_roles: frozenset[str]) -> None:
    """Raise :class:`InvalidInput` listing every problem of a token about to be made."""
    problems = []
    if not name.strip() or len(name) > NAME_MAX or any(not ch.isprintable() for ch in name):
        problems.append(f"the name {name!r} must be 1–{NAME_MAX} printable characters")
    elif label_problem(name):
        problems.append(f"the name {name!r} {label_problem(name)}")
    if len(team) > TEAM_MAX or any(not ch.isprintable() for ch in team):
        problems.append(f"the team {team!r} must be up to {TEAM_MAX} printable "
                        "characters")
    elif label_problem(team):
        problems.append(f"the team {team!r} {label_problem(team)}")
    if (Role.MAINTAINER in roles or Role.APPROVER in roles) and not team.strip():
        problems.append("a maintainer or approver needs a team (--team): it changes only "
                        "that team's models")
    bad = sorted(r for r in approval_roles if not r.strip() or len(r) > NAME_MAX)
    if bad:
        problems.append(f"approval roles {', '.join(repr(r) for r in bad)} are not names "
                        f"(1–{NAME_MAX} characters)")
    if approval_roles and not roles & {Role.APPROVER, Role.ADMIN}:
        problems.append("approval roles are only used by the approver role; add --role approver")
    if problems:
        raise InvalidInput(f"The token cannot be made: {'; '.join(problems)}.")


def token_text(token_id: str, secret: str) -> str:
    return f"{PREFIX}_{token_id}_{secret}"


def split_token(text: str) -> tuple[str, str]:
    """(id, secret) of a token's text; raises :class:`NotAuthenticated` when it is not one."""
    prefix, _, rest = text.partition("_")
    token_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not _ID.fullmatch(token_id) or not _SECRET.fullmatch(secret):
        raise NotAuthenticated(
            "The bearer token is malformed: a token looks like stw_<16 hex digits>_<43 "
            "characters>. Copy it whole, or create one with `steward token create`.")
    return token_id, secret


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret, hex. A fast hash suffices: the secret is 256 random bits, so no
    guessing or precomputation can find it, and a slow KDF (bcrypt, argon2) would only add
    latency to every request without adding security for such high-entropy tokens."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash``, compared in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def parse_expiry(text: str, now: datetime) -> datetime:
    """When a token made ``now`` expires: ``90d`` (also ``12h``, ``4w``) from now, a date
    (``2027-01-31``, at 00:00 UTC) or a date and time with a zone. Raises
    :class:`InvalidInput` for other text or a moment not after ``now``."""
    text = text.strip()
    duration = _DURATION.fullmatch(text)
    if duration:
        return now + int(duration.group(1)) * _UNITS[duration.group(2)]
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"The expiry {describe(text)} is neither a duration such as 90d, "
                           "12h or 4w nor a date such as 2027-01-31 (or a date and time with "
                           "its zone).")
    if moment <= now:
        raise InvalidInput(f"The expiry {text} is not in the future; give a later date or a "
                           "duration such as 90d.")
    return moment.astimezone(UTC)
