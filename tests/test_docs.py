"""The README is a contract: exit codes, settings and commands it documents are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import click

from modelsteward.cli.exits import Exit
from modelsteward.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_exit_codes_table_matches_the_code() -> None:
    section = README.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert documented == {int(code) for code in Exit}


def test_every_environment_variable_is_documented() -> None:
    used: set[str] = set()
    for source in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"STEWARD_[A-Z_]+", source.read_text()))
    used |= set(re.findall(r"STEWARD_[A-Z_]+", (ROOT / "tests" / "conftest.py").read_text()))
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert used <= set(re.findall(r"`(STEWARD_[A-Z_]+)`", table))


def _commands(group: click.Group, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            sub = _commands(command, path + " ")
            found |= sub if sub else {path}
            if command.invoke_without_command:
                found.add(path)
        else:
            found.add(path)
    return found


def test_every_command_is_in_the_readme() -> None:
    table = README.split("## CLI", 1)[1].split("\n## ", 1)[0]
    for command in _commands(cli):
        assert f"`steward {command}" in table, command


def test_every_option_has_an_environment_variable_or_is_per_command() -> None:
    """Top-level options are settable from STEWARD_* variables."""
    for param in cli.params:
        if isinstance(param, click.Option) and param.name not in ("version", "help"):
            assert param.envvar and str(param.envvar).startswith("STEWARD_"), param.name
