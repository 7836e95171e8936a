"""Run the real ``steward`` executable against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

STEWARD = str(Path(sys.executable).with_name("steward"))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


Steward = Callable[..., Run]


@pytest.fixture
def steward(db_url: str, tmp_path: Path) -> Steward:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(STEWARD_DATABASE_URL=db_url, STEWARD_ACTOR="alice@example.com",
               STEWARD_HOME=str(tmp_path / "home"))

    def run(*args: str, expect: int | None = 0, cwd: Path | None = None) -> Run:
        done = subprocess.run([STEWARD, *args], capture_output=True, text=True, env=env,
                              cwd=cwd or tmp_path, timeout=120)
        result = Run(done.returncode, done.stdout, done.stderr)
        if expect is not None:
            assert result.code == expect, (args, result)
        return result

    return run
