"""Settings from ``STEWARD_*`` environment variables. Read when asked, never at import time."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modelsteward.document_reader import Format, read_document
from modelsteward.domain.model import DEFAULT_TEAM
from modelsteward.domain.policy import Policy
from modelsteward.domain.policy_file import parse_policy


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
    default the number of cores. ``policy_path``: STEWARD_POLICY, a YAML or TOML policy file;
    empty for the default policy. ``archive``: STEWARD_ARCHIVE, where retired weights are
    copied (a path or any fsspec URL), default ``<home>/archive``. ``default_team``:
    STEWARD_DEFAULT_TEAM, the owner team of a model made without one, default ``platform``."""

    database_url: str
    actor: str
    workers: int | None = None
    policy_path: str = ""
    archive: str = ""
    default_team: str = DEFAULT_TEAM

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get("STEWARD_DATABASE_URL") or f"sqlite:///{default_home(env) / 'registry.db'}"
        actor = env.get("STEWARD_ACTOR") or _login()
        workers_text = env.get("STEWARD_HASH_WORKERS", "")
        workers = (int(workers_text) if workers_text.isascii() and workers_text.isdigit()
                   and int(workers_text) > 0 else None)
        archive = env.get("STEWARD_ARCHIVE") or str(default_home(env) / "archive")
        return cls(url, actor, workers, env.get("STEWARD_POLICY", ""), archive,
                   env.get("STEWARD_DEFAULT_TEAM", "").strip() or DEFAULT_TEAM)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def load_policy(path: str | Path) -> Policy:
    """Read a policy file: TOML when it ends in ``.toml``, YAML otherwise. Raises
    :class:`~modelsteward.errors.PathUnreadable` or :class:`~modelsteward.errors.DocumentInvalid`
    with every problem of the file."""
    file = Path(path)
    document = read_document(file, Format.TOML if file.suffix == ".toml" else Format.YAML,
                             what="policy file (STEWARD_POLICY)")
    return parse_policy(document, source=str(file))
