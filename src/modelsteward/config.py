"""Settings from ``STEWARD_*`` environment variables. Read when asked, never at import time."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("STEWARD_HOME"):
        return Path(env["STEWARD_HOME"]).expanduser()
    data = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "modelsteward"


@dataclass(frozen=True)
class Settings:
    """``database_url``: STEWARD_DATABASE_URL, default ``sqlite:///<home>/registry.db`` where
    home is STEWARD_HOME or ``$XDG_DATA_HOME/modelsteward`` (``~/.local/share/modelsteward``).
    ``actor``: STEWARD_ACTOR, default the login name. ``workers``: STEWARD_HASH_WORKERS,
    default the number of cores."""

    database_url: str
    actor: str
    workers: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("STEWARD_DATABASE_URL") or f"sqlite:///{default_home(env) / 'registry.db'}"
        actor = env.get("STEWARD_ACTOR") or _login()
        workers_text = env.get("STEWARD_HASH_WORKERS", "")
        workers = int(workers_text) if workers_text.isdigit() and int(workers_text) > 0 else None
        return cls(url, actor, workers)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
