"""Shared CLI plumbing: the registry handle, output consoles and the error funnel."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from modelsteward.cli.render import SafeConsole, json_safe
from modelsteward.errors import InvalidInput

if TYPE_CHECKING:
    # imported where used: remote mode needs no database, a local one no HTTP client, and
    # `--help` neither
    from modelsteward.domain.policy import Policy
    from modelsteward.integrity.manifest import Manifest
    from modelsteward.remote.registry import RemoteRegistry
    from modelsteward.service.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the top-level options configure; the registry opens on first use. With ``url``
    (STEWARD_URL) the registry is the server's, reached with ``token`` (STEWARD_TOKEN)."""

    database_url: str
    actor: str
    workers: int | None
    policy_path: str = ""
    archive: str = ""
    url: str = ""
    token: str = ""
    idempotency_key: str = ""  # the create command's --idempotency-key (remote mode)
    _registry: Registry | RemoteRegistry | None = field(default=None, repr=False)

    @property
    def policy(self) -> Policy:
        from modelsteward.config import load_policy
        from modelsteward.domain.policy import Policy

        return load_policy(self.policy_path) if self.policy_path else Policy()

    @property
    def registry(self) -> Registry | RemoteRegistry:
        """The server's registry when a URL is set, else the local database's."""
        if self._registry is None:
            if self.url:
                from modelsteward.remote.client import Client
                from modelsteward.remote.registry import RemoteRegistry

                self._registry = RemoteRegistry(self.url, client=Client(
                    self.url, self.token, idempotency_key=self.idempotency_key))
            else:
                self._registry = self._open_local()
        return self._registry

    @property
    def local_registry(self) -> Registry:
        """The local database's registry, for the commands marked :func:`local_only` (which
        refuse to run with a URL before they get here)."""
        if self.url:
            raise InvalidInput("This command works on a local database; unset STEWARD_URL.")
        from modelsteward.service.registry import Registry

        registry = self.registry
        assert isinstance(registry, Registry)
        return registry

    def _open_local(self) -> Registry:
        from modelsteward.config import Settings
        from modelsteward.service.registry import Registry

        policy = self.policy  # a bad policy file fails before the database is touched
        return Registry.open(self.database_url, actor=self.actor,
                             settings=Settings(self.database_url, self.actor, self.workers,
                                               default_team=Settings.from_env().default_team),
                             policy=policy)

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()


def _width(stream: TextIO) -> int | None:
    """Terminals keep their width; pipes and files get a wide one, so tables are not squeezed
    into 80 columns."""
    if stream.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isascii() and columns.isdigit() else 160


# text from the registry and from users' files is printed as written: control and bidi
# characters escaped, never read as Rich markup or emoji codes
out = SafeConsole(soft_wrap=True, width=_width(sys.stdout), markup=False, emoji=False)
err = SafeConsole(stderr=True, soft_wrap=True, width=_width(sys.stderr), markup=False,
                  emoji=False)

pass_state = click.make_pass_decorator(State)


def local_only(func: F) -> F:
    """Mark a command that works on a local database (or this machine's files) only: with
    STEWARD_URL set it refuses, naming the command and the way out, before doing anything
    (exit 2). Apply it above ``@pass_state``."""

    @functools.wraps(func)
    def refuse_remote(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        state = context.find_object(State)
        if state is not None and state.url:
            raise InvalidInput(f"`{context.command_path}` works on a local database; unset "
                               "STEWARD_URL (or --url), and use --database-url to choose the "
                               "database.")
        return func(*args, **kwargs)

    return refuse_remote  # type: ignore[return-value]


_KEY = re.compile(r"[ -~]{1,200}")


def idempotency_key_option(func: F) -> F:
    """``--idempotency-key KEY`` on a create command: in remote mode its request carries KEY
    (and a second request of the same run ``KEY-2``, …), so that running the command again with
    the same KEY after a lost answer gets the first answer instead of creating twice. Without
    it, the client still sends a new key of its own and retries a lost answer with it. A local
    database needs none: the option changes nothing there."""

    def remember(context: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        if not _KEY.fullmatch(value):
            raise click.BadParameter("give 1 to 200 printable ASCII characters, e.g. a UUID "
                                     "(uuidgen).", context, param)
        state = context.find_object(State)
        if state is not None:
            state.idempotency_key = value

    return click.option("--idempotency-key", metavar="KEY", default=None, expose_value=False,
                        callback=remember,
                        help="Remote mode: send KEY as the request's Idempotency-Key, so that "
                             "repeating the command with it cannot create twice.")(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, envvar="STEWARD_JSON",
                        help="Print JSON on stdout instead of a table [STEWARD_JSON].")(func)


def emit_json(data: object) -> None:
    sys.stdout.write(json_safe(json.dumps(data, indent=2, sort_keys=True,
                                          ensure_ascii=False)) + "\n")


def hash_with_progress(path: Path, workers: int | None, label: str) -> Manifest:
    """Hash ``path`` with a progress bar on stderr (hidden when stderr is not a terminal)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from modelsteward.integrity.manifest import hash_plan, plan_artifact

    plan = plan_artifact(path)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(label, total=plan.total_size)
        return hash_plan(plan, workers=workers, progress=lambda n: progress.advance(task, n))

