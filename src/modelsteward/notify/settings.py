"""Settings of notification delivery, from ``STEWARD_*`` environment variables or built in code.

Read when asked, never at import time. Tests build :class:`NotifySettings` directly (short leases,
tiny backoff) instead of setting variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from modelsteward.domain.documents import describe
from modelsteward.domain.reminders import DEFAULT_REMINDER_DAYS
from modelsteward.errors import DocumentInvalid, Problem

T = TypeVar("T")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes: ``host`` (STEWARD_SMTP_HOST; empty means e-mail is not configured and
    every e-mail delivery fails with that reason), ``port`` (STEWARD_SMTP_PORT, 25), ``sender``
    (STEWARD_SMTP_FROM), ``user``/``password`` (STEWARD_SMTP_USER/STEWARD_SMTP_PASSWORD, log in
    when set) and ``starttls`` (STEWARD_SMTP_STARTTLS, upgrade the connection before logging
    in). The time allowed per message is :attr:`NotifySettings.timeout`."""

    host: str = ""
    port: int = 25
    sender: str = "modelsteward@localhost"
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False


@dataclass(frozen=True)
class NotifySettings:
    """How the outbox delivers. Times are in seconds.

    ``max_attempts`` (STEWARD_WEBHOOK_MAX_ATTEMPTS, 8): failed attempts before a delivery is
    dead, for webhooks and e-mail alike. ``backoff_base``/``backoff_cap``
    (STEWARD_WEBHOOK_BACKOFF_BASE 2, STEWARD_WEBHOOK_BACKOFF_CAP 3600): the wait after the n-th
    failure is base·2^(n−1), at most cap, with jitter into its upper half. ``timeout``
    (STEWARD_WEBHOOK_TIMEOUT, 10): per send, a webhook request or an SMTP conversation.
    ``allow_private``
    (STEWARD_WEBHOOK_ALLOW_PRIVATE): let webhooks reach private, loopback and other non-global
    addresses. ``lease`` (STEWARD_DELIVERY_LEASE, 60): how long a sender holds claimed deliveries;
    longer than the timeout. ``batch`` (STEWARD_DELIVERY_BATCH, 20): deliveries claimed at once.
    ``interval`` (STEWARD_DELIVERY_INTERVAL, 5): the worker's pause when nothing is due.
    ``reminder_days`` (STEWARD_REMINDER_DAYS, ``30,7``): days before each deadline to remind.
    ``retention_days`` (STEWARD_DELIVERY_RETENTION, 90): delivered deliveries older than this
    are pruned by the worker once a day; 0 keeps them for ever. Notices themselves are kept.
    """

    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 3600.0
    timeout: float = 10.0
    allow_private: bool = False
    lease: float = 60.0
    batch: int = 20
    interval: float = 5.0
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS
    retention_days: int = 90
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def problems(self) -> list[Problem]:
        """Every inconsistency, located by the variable that sets it."""
        found: list[Problem] = []

        def need(ok: bool, location: str, message: str) -> None:
            if not ok:
                found.append(Problem(location, message))

        need(self.max_attempts >= 1, "STEWARD_WEBHOOK_MAX_ATTEMPTS",
             f"must be at least 1, not {self.max_attempts}")
        need(self.backoff_base > 0, "STEWARD_WEBHOOK_BACKOFF_BASE",
             f"must be above 0 seconds, not {self.backoff_base}")
        need(self.backoff_cap >= self.backoff_base, "STEWARD_WEBHOOK_BACKOFF_CAP",
             f"must be at least the base ({self.backoff_base} s), not {self.backoff_cap}")
        need(self.timeout > 0, "STEWARD_WEBHOOK_TIMEOUT",
             f"must be above 0 seconds, not {self.timeout}")
        need(self.lease > self.timeout, "STEWARD_DELIVERY_LEASE",
             f"must be longer than the send timeout (STEWARD_WEBHOOK_TIMEOUT, {self.timeout} s), "
             f"not {self.lease}; otherwise another sender could take a delivery that is still "
             "being sent")
        need(self.batch >= 1, "STEWARD_DELIVERY_BATCH", f"must be at least 1, not {self.batch}")
        need(self.interval > 0, "STEWARD_DELIVERY_INTERVAL",
             f"must be above 0 seconds, not {self.interval}")
        need(all(d >= 1 for d in self.reminder_days), "STEWARD_REMINDER_DAYS",
             f"must be whole numbers of days above 0, not {list(self.reminder_days)}")
        need(self.retention_days >= 0, "STEWARD_DELIVERY_RETENTION",
             f"must be a whole number of days, 0 or more (0 keeps deliveries for ever), not "
             f"{self.retention_days}")
        need(1 <= self.smtp.port <= 65535, "STEWARD_SMTP_PORT",
             f"must be a port number (1-65535), not {self.smtp.port}")
        return found

    def check(self) -> NotifySettings:
        """These settings; raises :class:`DocumentInvalid` listing every problem."""
        problems = self.problems()
        if problems:
            raise DocumentInvalid("The notification settings", problems,
                                  consequence="nothing can be delivered")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings:
        """Settings from ``env`` (default the process environment), defaults for what is unset.
        Raises :class:`DocumentInvalid` listing every unreadable or inconsistent variable."""
        env = os.environ if env is None else env
        problems: list[Problem] = []
        defaults = cls()

        def read(name: str, parse: Callable[[str], T], default: T, expected: str) -> T:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                return parse(text)
            except ValueError:
                problems.append(Problem(name, f"must be {expected}, found {describe(text)}"))
                return default

        smtp = SmtpSettings(
            host=env.get("STEWARD_SMTP_HOST", "").strip(),
            port=read("STEWARD_SMTP_PORT", int, 25, "a port number"),
            sender=env.get("STEWARD_SMTP_FROM", "").strip() or SmtpSettings.sender,
            user=env.get("STEWARD_SMTP_USER", ""),
            password=env.get("STEWARD_SMTP_PASSWORD", ""),
            starttls=read("STEWARD_SMTP_STARTTLS", _boolean, False, "1 or 0"))
        settings = cls(
            max_attempts=read("STEWARD_WEBHOOK_MAX_ATTEMPTS", int, defaults.max_attempts,
                              "a whole number"),
            backoff_base=read("STEWARD_WEBHOOK_BACKOFF_BASE", float, defaults.backoff_base,
                              "a number of seconds"),
            backoff_cap=read("STEWARD_WEBHOOK_BACKOFF_CAP", float, defaults.backoff_cap,
                             "a number of seconds"),
            timeout=read("STEWARD_WEBHOOK_TIMEOUT", float, defaults.timeout,
                         "a number of seconds"),
            allow_private=read("STEWARD_WEBHOOK_ALLOW_PRIVATE", _boolean, False, "1 or 0"),
            lease=read("STEWARD_DELIVERY_LEASE", float, defaults.lease, "a number of seconds"),
            batch=read("STEWARD_DELIVERY_BATCH", int, defaults.batch, "a whole number"),
            interval=read("STEWARD_DELIVERY_INTERVAL", float, defaults.interval,
                          "a number of seconds"),
            reminder_days=read("STEWARD_REMINDER_DAYS", _days, defaults.reminder_days,
                               "whole numbers of days separated by commas, e.g. 30,7"),
            retention_days=read("STEWARD_DELIVERY_RETENTION", int, defaults.retention_days,
                                "a whole number of days"),
            smtp=smtp)
        problems.extend(p for p in settings.problems()
                        if p.location not in {q.location for q in problems})
        if problems:
            raise DocumentInvalid("The notification settings (STEWARD_* variables)", problems,
                                  consequence="nothing can be delivered")
        return settings


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _days(text: str) -> tuple[int, ...]:
    days = tuple(sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True))
    if not days:
        raise ValueError(text)
    return days
