"""Subscriptions: which team hears about which kinds of notice, and over which channel.

A subscription belongs to one team and names the notice kinds it wants as glob patterns
(``deprecation*``, ``advisory*``, ``reminder*``, ``monitoring*``, ``*``; ``*`` is the only
wildcard). Its channel is a webhook (a URL and a signing secret) or an e-mail address. Every
notice written for the team whose kind matches one of the patterns is delivered to it, once,
through the outbox.

Everything here is pure: URL and address checks are syntactic; whether a webhook's host resolves
to an allowed address is decided by ``notify/ssrf.py``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from modelsteward.domain.compliance import DRIFTED as COMPLIANCE_DRIFTED
from modelsteward.domain.deprecation import Phase
from modelsteward.domain.experiment_notices import KINDS as EXPERIMENT_KINDS
from modelsteward.domain.monitoring import DEGRADED, DEGRADED_IN_USE, ROLLED_BACK
from modelsteward.domain.names import validate_label
from modelsteward.domain.retrain_notice import KINDS as RETRAIN_KINDS
from modelsteward.errors import InvalidInput

SUBSCRIPTION_CREATED = "notify:subscription:created"
SUBSCRIPTION_REMOVED = "notify:subscription:removed"
DELIVERIES_REPLAYED = "notify:delivery:replayed"

REMINDER_SOFT = "reminder:soft-deadline"
REMINDER_HARD = "reminder:hard-deadline"
# before the end of a version's active support window (domain/support.py)
REMINDER_END_OF_SUPPORT = "reminder:end-of-support"
ADVISORY_REPORT = "advisory-report"  # a reporter's draft, for the owner team to publish
# to a model's owning team, at a hard deadline, about the version holding production
DEADLINE_OVERDUE = "deprecation:overdue"
DEADLINE_PRODUCTION_MOVED = "deprecation:production-moved"

_PHASES = tuple(p.value for p in Phase if p is not Phase.ACTIVE)

NOTICE_KINDS: tuple[str, ...] = (
    *(f"deprecation:{phase}" for phase in _PHASES),
    *(f"deprecation-inherited:{phase}" for phase in _PHASES), DEADLINE_OVERDUE,
    DEADLINE_PRODUCTION_MOVED,
    "advisory", "advisory-inherited", ADVISORY_REPORT, "deletion", REMINDER_SOFT,
    REMINDER_HARD, REMINDER_END_OF_SUPPORT, DEGRADED, DEGRADED_IN_USE, ROLLED_BACK,
    *EXPERIMENT_KINDS, *RETRAIN_KINDS, COMPLIANCE_DRIFTED,
)
"""Every kind of notice the registry writes; a subscription pattern must match one of them."""

_PATTERN = re.compile(r"[a-z0-9*][a-z0-9:*-]*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


class Channel(enum.StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


def kind_matches(pattern: str, kind: str) -> bool:
    """Whether the glob ``pattern`` (``*`` matches any run of characters) matches ``kind``."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, kind) is not None


def parse_kinds(patterns: Iterable[str]) -> tuple[str, ...]:
    """Kind patterns, stripped and without repeats, in the order given (``("*",)`` when none are
    given). Raises :class:`InvalidInput` naming every pattern that is malformed or matches no
    notice kind, with the list of known kinds."""
    found: list[str] = []
    bad: list[str] = []
    for raw in patterns:
        pattern = raw.strip()
        if not pattern:
            continue
        if _PATTERN.fullmatch(pattern) is None:
            bad.append(f"{pattern!r} may only hold lower-case letters, digits, ':', '-' and '*'")
        elif not any(kind_matches(pattern, kind) for kind in NOTICE_KINDS):
            bad.append(f"{pattern!r} matches no notice kind")
        elif pattern not in found:
            found.append(pattern)
    if bad:
        raise InvalidInput(
            f"Unusable notice kind pattern{'s' if len(bad) > 1 else ''}: {'; '.join(bad)}. "
            f"Use glob patterns over the known kinds ({', '.join(NOTICE_KINDS)}), e.g. "
            "'deprecation*,advisory*' or '*'.")
    return tuple(found) or ("*",)


def split_kinds(text: str) -> tuple[str, ...]:
    """Patterns from comma-separated text, as ``--kinds 'advisory*,deprecation*'`` gives them."""
    return parse_kinds(text.split(","))


def check_team(team: str) -> str:
    cleaned = team.strip()
    if not cleaned or len(cleaned) > 200 or any(ch in cleaned for ch in "\r\n\t"):
        raise InvalidInput(f"The team {team!r} is not usable: name the team as its consumers do "
                           "(`steward consumers` lists them), in at most 200 characters on one "
                           "line.")
    return validate_label(cleaned, "The team")


def check_webhook_url(url: str) -> str:
    """The URL, normalised (fragment dropped), when it is an absolute ``http``/``https`` URL
    with a host and without credentials. Raises :class:`InvalidInput` listing every problem."""
    text = url.strip()
    problems: list[str] = []
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"The webhook URL {url!r} cannot be parsed ({exc}). Write an absolute "
                           "URL such as https://hooks.example.com/steward.") from None
    if parts.scheme not in ("http", "https"):
        problems.append("its scheme must be http or https"
                        + (f", not {parts.scheme!r}" if parts.scheme else ""))
    if not parts.hostname:
        problems.append("it names no host")
    if parts.username is not None or parts.password is not None:
        problems.append("it holds credentials (user:password@); receivers authenticate "
                        "deliveries by their signature instead")
    if port == 0:
        problems.append("port 0 is not a port")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        problems.append("it contains white space or control characters")
    if problems:
        raise InvalidInput(f"The webhook URL {url!r} is not usable: {'; '.join(problems)}. "
                           "Write an absolute URL such as https://hooks.example.com/steward.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def check_address(address: str) -> str:
    """The e-mail address when it has the form ``local@domain.example`` (no display name, no
    white space). Raises :class:`InvalidInput` otherwise."""
    text = address.strip()
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (not at or _LOCAL.fullmatch(local) is None or len(text) > 320
            or local.startswith(".") or local.endswith(".") or ".." in local
            or not all(_LABEL.fullmatch(label) for label in labels)):
        raise InvalidInput(f"{address!r} is not an e-mail address: write it as "
                           "name@example.com, without a display name or angle brackets.")
    return text


def redact_url(url: str) -> str:
    """The URL without its query (which may hold a token), for the event log and listings."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "…" if parts.query else "", ""))


@dataclass(frozen=True)
class Subscription:
    """A team's wish to hear about notices of some kinds. ``url`` and ``secret`` are set for a
    webhook, ``address`` for e-mail. ``secret`` (``whsec_`` + base64) signs webhook bodies."""

    id: str
    team: str
    kinds: tuple[str, ...]
    channel: Channel
    url: str = ""
    secret: str = ""
    address: str = ""
    active: bool = True
    created_at: datetime | None = None
    created_by: str = ""

    @property
    def target(self) -> str:
        """Where deliveries go: the URL or the address."""
        match self.channel:
            case Channel.WEBHOOK:
                return self.url
            case Channel.EMAIL:
                return self.address

    @property
    def shown_target(self) -> str:
        """The target as listings and the event log show it: a URL without its query (which
        may hold a credential), or the address."""
        match self.channel:
            case Channel.WEBHOOK:
                return redact_url(self.url)
            case Channel.EMAIL:
                return self.address

    def wants(self, kind: str) -> bool:
        """Whether a notice of ``kind`` is delivered to this subscription (when active)."""
        return any(kind_matches(pattern, kind) for pattern in self.kinds)
