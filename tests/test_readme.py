"""The README's examples run as written — and so do those of the docs listed in ``DOCUMENTS``.

Every ```` ```bash ````, ```` ```sh ```` and ```` ```console ```` block of README.md runs, in order,
in one scratch folder (a copy of ``examples/`` beside it, as in a checkout), with ``steward`` on
the PATH — ``. .venv/bin/activate`` puts it there — and ``STEWARD_*`` pointing at a scratch
SQLite database; each block runs under ``bash -e -o pipefail`` and continues the environment the
blocks before it left (as typed into one terminal). Then every ```` ```python ```` block runs
in the same folder. A non-zero exit fails the test.

An HTML comment on the line before a block changes that:

- ``<!-- readme-test: skip (reason) -->``: not run (it needs a running server or another
  database); the reason is required, and skips stay few.
- ``<!-- readme-test: exit N -->``: the block documents a failure; it must exit with ``N``.

In a ```` ```console ```` block the commands are the lines that start with ``$ `` (and the lines
that continue them after a trailing backslash); the rest is output, and each of its lines must
appear in what the commands printed (stdout and stderr, with runs of white space as one space:
the terminal wraps long lines).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.steward_forks import forked_steward

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# each runs in a scratch folder of its own
DOCUMENTS = ("README.md", "docs/eligibility.md")
SHELLS = {"bash", "sh", "console"}
MAX_SKIPS = 6
_FENCE = re.compile(r"^```(\w*)\s*$")
_MARK = re.compile(r"^<!-- readme-test: (skip \((?P<reason>[^)]+)\)|exit (?P<code>\d+)) -->$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skip: str | None = None  # the reason
    exit_code: int = 0


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of ``text`` with their readme-test marks."""
    found: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            assert not lines[i].startswith("<!-- readme-test") or _MARK.match(lines[i]), \
                f"README.md:{i + 1}: malformed mark {lines[i]!r}"
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end] != "```":
            assert not lines[end].startswith("```"), \
                f"README.md:{end + 1}: a fence inside the block of line {i + 1}"
            end += 1
        assert end < len(lines), f"README.md:{i + 1}: the block is never closed"
        mark = _MARK.match(lines[i - 1]) if i else None
        found.append(Block(i + 1, fence.group(1), "\n".join(lines[i + 1:end]) + "\n",
                           skip=mark.group("reason") if mark and mark.group("reason") else None,
                           exit_code=int(mark.group("code")) if mark and mark.group("code")
                           else 0))
        i = end + 1
    return found


def commands(block: Block) -> str:
    """The shell text of ``block``: a console block's ``$`` lines and their continuations."""
    if block.language != "console":
        return block.code
    kept: list[str] = []
    continued = False
    for line in block.code.splitlines():
        if line.startswith("$ ") or continued:
            kept.append(line[2:] if line.startswith("$ ") and not continued else line)
            continued = line.endswith("\\")
    return "\n".join(kept) + "\n"


def shown_output(block: Block) -> list[str]:
    """The output lines a console block shows (not its commands), white space collapsed."""
    if block.language != "console":
        return []
    shown: list[str] = []
    continued = False
    for line in block.code.splitlines():
        if line.startswith("$ ") or continued:
            continued = line.endswith("\\")
        elif line.strip():
            shown.append(" ".join(line.split()))
    return shown


def _environment(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STEWARD_") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    home = scratch / "home"
    env.update({"STEWARD_HOME": str(home), "STEWARD_ACTOR": "alice@example.com",
                "STEWARD_DATABASE_URL": f"sqlite:///{home / 'registry.db'}",
                "PYTHONPATH": str(ROOT / "src"), "HOME": str(scratch)})
    return env


def _run(script: str, cwd: Path, env: dict[str, str],
         dump: Path) -> subprocess.CompletedProcess[str]:
    # the environment the block leaves, for the next block (NUL-separated, as `env -0` prints)
    text = f"{script}\nenv -0 > {dump}\n"
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def test_the_marks_are_few_and_each_says_why() -> None:
    found = blocks(README)
    skipped = [b for b in found if b.skip]
    assert len(skipped) <= MAX_SKIPS, [b.line for b in skipped]
    assert all(b.skip and b.skip.strip() for b in skipped)
    assert any(b.language in SHELLS and not b.skip for b in found)
    assert any(b.language == "python" for b in found)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_shell_and_python_block_runs_as_written(tmp_path: Path, document: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    env = _environment(tmp_path)
    with forked_steward(tmp_path / "forks", env) as steward_folder:
        # `. .venv/bin/activate`, as after `make run`: `steward` (each run in a child forked
        # from one process that has imported the package, see tests/steward_forks.py) and the
        # environment's `python`
        activate = work / ".venv" / "bin" / "activate"
        activate.parent.mkdir(parents=True)
        activate.write_text(
            f'export PATH="{steward_folder}:{Path(sys.executable).parent}:$PATH"\n')
        _run_walk_through(document, work, env, tmp_path / "environment")


def _run_walk_through(document: str, work: Path, env: dict[str, str], dump: Path) -> None:
    ran = 0
    for block in blocks((ROOT / document).read_text()):
        if block.skip or block.language not in SHELLS | {"python"}:
            continue
        if block.language == "python":
            done = subprocess.run([sys.executable, "-c", block.code], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=120)
        else:
            done = _run(commands(block), work, env, dump)
        assert done.returncode == block.exit_code, (
            f"{document}:{block.line}: exit {done.returncode}, documented {block.exit_code}\n"
            f"{block.code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
        printed = " ".join(f"{done.stdout}\n{done.stderr}".split())
        for line in shown_output(block):
            assert line in printed, (f"{document}:{block.line}: {line!r} is not in what the "
                                     f"commands printed:\n{done.stdout}\n{done.stderr}")
        if block.language != "python" and done.returncode == 0:
            env = dict(item.split("=", 1) for item in dump.read_text().split("\0") if "=" in item)
        ran += 1
    assert ran >= 5


def test_the_policy_example_is_the_shipped_file() -> None:
    """The README's policy example and ``examples/policy.yaml`` (which its walk-through uses)
    are the same policy."""
    section = README.split("The policy is a YAML or TOML file", 1)[1]
    shown = next(b for b in blocks(section) if b.language == "yaml")
    shipped = (ROOT / "examples" / "policy.yaml").read_text()
    assert yaml.safe_load(shown.code) == yaml.safe_load(shipped)
