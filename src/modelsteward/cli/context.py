"""Shared CLI plumbing: the registry handle, output consoles and the error funnel."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn,
)

from modelsteward.config import Settings, load_policy
from modelsteward.domain.policy import Policy
from modelsteward.integrity.manifest import Manifest, hash_plan, plan_artifact
from modelsteward.service.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """What the top-level options configure; the registry opens on first use."""

    database_url: str
    actor: str
    workers: int | None
    policy_path: str = ""
    archive: str = ""
    _registry: Registry | None = field(default=None, repr=False)

    @property
    def policy(self) -> Policy:
        return load_policy(self.policy_path) if self.policy_path else Policy()

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            policy = self.policy  # a bad policy file fails before the database is touched
            self._registry = Registry.open(self.database_url, actor=self.actor,
                                           settings=Settings(self.database_url, self.actor,
                                                             self.workers),
                                           policy=policy)
        return self._registry

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


out = Console(soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, soft_wrap=True, width=_width(sys.stderr))

pass_state = click.make_pass_decorator(State)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, envvar="STEWARD_JSON",
                        help="Print JSON on stdout instead of a table [STEWARD_JSON].")(func)


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def hash_with_progress(path: Path, workers: int | None, label: str) -> Manifest:
    """Hash ``path`` with a progress bar on stderr (hidden when stderr is not a terminal)."""
    plan = plan_artifact(path)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(label, total=plan.total_size)
        return hash_plan(plan, workers=workers, progress=lambda n: progress.advance(task, n))

