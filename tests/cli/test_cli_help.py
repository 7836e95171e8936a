"""The CLI is pinned: ``tests/cli/golden/help.txt`` holds the ``--help`` of every command and
group of ``steward``, so a renamed command, option or argument, or a changed default, shows in
review as a diff of that file. Rewrite it on purpose with ``STEWARD_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from modelsteward.cli.main import cli
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "help.txt"
WIDTH = 100  # the group's max_content_width: the help does not depend on the terminal


def _commands(command: click.Command, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[str, ...]]:
    """The path of ``command`` and of every command under it, hidden ones included, in order."""
    yield path
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _commands(command.commands[name], (*path, name))


def test_the_help_of_every_command_is_the_pinned_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("STEWARD_"):  # no setting of this machine may show in a help text
            monkeypatch.delenv(key)
    runner = CliRunner()
    pages = []
    for path in _commands(cli):
        shown = runner.invoke(cli, [*path, "--help"], prog_name="steward", terminal_width=WIDTH)
        assert shown.exit_code == 0, (path, shown.output)
        pages.append(f"$ steward {' '.join((*path, '--help'))}\n{shown.output}")
    assert_golden(GOLDEN, "\n".join(pages))
