"""Run the ``steward`` CLI against a real database.

``steward`` calls the CLI's entry point in-process (fast, same code path as the console script:
argument parsing, the error funnel, exit codes, stdout/stderr); ``steward_exe`` runs the installed
executable in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelsteward.cli.main import main

STEWARD = str(Path(sys.executable).with_name("steward"))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)

    def json_object(self) -> dict[str, Any]:
        """stdout as one JSON object (a ``show``, a report); the test fails on anything else."""
        data = self.json()
        assert isinstance(data, dict), self.stdout
        return data

    def json_records(self) -> list[dict[str, Any]]:
        """stdout as a JSON list of objects (a ``list``, the log); the test fails on anything
        else."""
        data = self.json()
        assert isinstance(data, list), self.stdout
        assert all(isinstance(item, dict) for item in data), self.stdout
        return data


Steward = Callable[..., Run]


def _environment(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"STEWARD_DATABASE_URL": db_url, "STEWARD_ACTOR": "alice@example.com",
            "STEWARD_HOME": str(tmp_path / "home")}


@pytest.fixture
def steward(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Steward:
    for key in list(os.environ):
        if key.startswith("STEWARD_"):
            monkeypatch.delenv(key)
    for key, value in _environment(db_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, expect: int | None = 0) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        result = Run(code, captured.out, captured.err)
        if expect is not None:
            assert result.code == expect, (args, result)
        return result

    return run


@pytest.fixture
def steward_exe(db_url: str, tmp_path: Path) -> Steward:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(_environment(db_url, tmp_path))

    def run(*args: str, expect: int | None = 0) -> Run:
        done = subprocess.run([STEWARD, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        result = Run(done.returncode, done.stdout, done.stderr)
        if expect is not None:
            assert result.code == expect, (args, result)
        return result

    return run
