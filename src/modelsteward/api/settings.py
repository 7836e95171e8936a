"""The server's settings, from ``STEWARD_*`` environment variables (read when asked)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from modelsteward.api.limits import DEFAULT_MAX_BODY_BYTES
from modelsteward.config import Settings
from modelsteward.errors import InvalidInput
from modelsteward.notify.settings import NotifySettings

DEFAULT_PORT = 8765
DEFAULT_TICK_SECONDS = 60.0
DEFAULT_CHANGE_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ServerSettings:
    """``registry``: the database and policy settings the CLI uses too. ``host``/``port``:
    STEWARD_HOST (default 127.0.0.1: only this machine) and STEWARD_PORT (8765).
    ``anonymous_read``: STEWARD_ANONYMOUS_READ=1 lets requests without a token read (GET,
    HEAD and OSV's query POSTs; see ``api/auth.py``). ``notify``: the notification settings
    (STEWARD_WEBHOOK_ALLOW_PRIVATE, STEWARD_REMINDER_DAYS and the rest) that subscriptions and
    the deprecation tick use; checked when the application is made, so a bad one stops the
    server at start-up. ``max_body_bytes``: STEWARD_MAX_BODY_BYTES (10 MiB), the largest
    request body accepted (``api/limits.py``). ``tick_seconds``: STEWARD_TICK_SECONDS (60), how
    often the server judges its running canaries (``0``: never; ``steward tick`` does it).
    ``change_poll_seconds``: STEWARD_CHANGE_POLL_SECONDS (0.05), how often a server on
    PostgreSQL reads the chain head to learn of other replicas' commits (``0``: never, and then
    no answer is kept in memory; see ``store/head_poller.py``)."""

    registry: Settings
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    anonymous_read: bool = False
    notify: NotifySettings = field(default_factory=NotifySettings)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    tick_seconds: float = DEFAULT_TICK_SECONDS
    change_poll_seconds: float = DEFAULT_CHANGE_POLL_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if env is None else env
        port_text = env.get("STEWARD_PORT", "") or str(DEFAULT_PORT)
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
            raise InvalidInput(f"STEWARD_PORT={port_text!r} is not a port number (1–65535).")
        body_text = env.get("STEWARD_MAX_BODY_BYTES", "") or str(DEFAULT_MAX_BODY_BYTES)
        if not (body_text.isascii() and body_text.isdigit()) or int(body_text) < 1024:
            raise InvalidInput(f"STEWARD_MAX_BODY_BYTES={body_text!r} is not a size in bytes: "
                               f"give a whole number of at least 1024 (default "
                               f"{DEFAULT_MAX_BODY_BYTES}, 10 MiB).")
        tick = _seconds(env, "STEWARD_TICK_SECONDS", DEFAULT_TICK_SECONDS, 86400)
        poll = _seconds(env, "STEWARD_CHANGE_POLL_SECONDS", DEFAULT_CHANGE_POLL_SECONDS, 10)
        return cls(Settings.from_env(env), env.get("STEWARD_HOST") or "127.0.0.1",
                   int(port_text), env.get("STEWARD_ANONYMOUS_READ", "") in ("1", "true", "yes"),
                   NotifySettings.from_env(env), int(body_text), tick, poll)


def _seconds(env: Mapping[str, str], name: str, default: float, most: float) -> float:
    """The number of seconds ``name`` says (``default`` when unset), from 0 (never) to
    ``most``; InvalidInput naming the variable and the range otherwise."""
    text = env.get(name, "") or str(default)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= most:  # NaN fails this too
        raise InvalidInput(f"{name}={text!r} is not a number of seconds from 0 (never) to "
                           f"{most:g}; the default is {default:g}.")
    return seconds
