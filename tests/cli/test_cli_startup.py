"""``steward`` starts without the database or the web server: ``--help`` of every command,
``--version`` and a command in remote mode (STEWARD_URL) import neither SQLAlchemy, Alembic,
FastAPI, uvicorn nor the store; and the parent of ``steward serve --workers N`` leaves the
application to its workers. Each case runs in a fresh interpreter, as a shell's ``steward``
would: what an earlier test imported cannot hide an import."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from modelsteward.cli.exits import Exit
from modelsteward.cli.main import cli

HEAVY = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "modelsteward.store")


def _run_fresh(*argvs: list[str]) -> tuple[list[int], set[str]]:
    """Run ``main(argv)`` for each of ``argvs`` in one fresh interpreter (no STEWARD_* setting
    of this machine); the exit codes, and which of :data:`HEAVY` and the remote client were
    imported by then."""
    watched = (*HEAVY, "modelsteward.remote.client")
    script = (
        "import json, sys\n"
        "from modelsteward.cli.main import main\n"
        f"codes = [main(argv) for argv in {list(argvs)!r}]\n"
        f"loaded = [name for name in {watched!r} if name in sys.modules]\n"
        "print(json.dumps({'codes': codes, 'loaded': loaded}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["codes"], set(found["loaded"])


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[list[str]]:
    yield list(path)
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _paths(command.commands[name], (*path, name))


def test_help_and_version_load_neither_the_database_nor_the_server() -> None:
    argvs = [[*path, "--help"] for path in _paths(cli)]
    codes, loaded = _run_fresh(*argvs, ["--version"])
    assert codes == [0] * (len(argvs) + 1)
    assert loaded == set()


def _closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_remote_command_builds_its_client_without_the_database() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    codes, loaded = _run_fresh(["--url", url, "model", "list"],
                               ["--url", url, "version", "show", "bot@1.0.0"],
                               ["--url", url, "subscriptions"])
    assert codes == [int(Exit.STORAGE)] * 3  # the server cannot be reached: it was tried
    assert loaded == {"modelsteward.remote.client"}


def test_a_mistyped_command_is_matched_against_commands_not_imported_yet() -> None:
    shown = CliRunner().invoke(cli, ["modle"], prog_name="steward")
    assert shown.exit_code == 2 and "Did you mean 'model'?" in shown.output


def test_reading_lazy_commands_while_iterating_them_keeps_names_and_order() -> None:
    """Iterating ``.items()`` imports each command as it goes; the names neither move nor
    change under the iteration."""
    from modelsteward.cli.lazy import LazyCommands

    commands = LazyCommands({}, {"version": "modelsteward.cli.versions:version",
                                 "model": "modelsteward.cli.models:model"})
    names = list(commands)
    assert [name for name, _ in commands.items()] == names == ["version", "model"]
    assert all(not isinstance(command, str) for command in commands.values())


def test_the_parent_of_several_workers_leaves_the_application_to_them(tmp_path: Path) -> None:
    """``steward serve --workers N`` hands uvicorn the application's import path: each worker
    imports the application itself, and the parent, which serves nothing, does not (it took
    about a second of every start before the first worker could)."""
    script = (
        "import json, sys, uvicorn\n"
        "seen = {}\n"
        "def run(app, **options):\n"
        "    seen.update(app=app, workers=options.get('workers'),\n"
        "                imported=[n for n in ('modelsteward.api.app', 'fastapi')\n"
        "                          if n in sys.modules])\n"
        "uvicorn.run = run\n"
        "from modelsteward.cli.main import main\n"
        "code = main(['serve', '--workers', '2', '--port', '8765'])\n"
        "print(json.dumps({'code': code, **seen}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update({"STEWARD_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
                "STEWARD_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path)})
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"code": 0, "app": "modelsteward.api.app:create_app", "workers": 2,
                     "imported": []}, done.stderr
