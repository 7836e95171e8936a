"""Golden files: text the code produces, kept in the repository so that any change to it shows
in review. A test compares what the code gives now with its file and, on a difference, fails
with a unified diff. When the change is intended, rewrite the files with
``STEWARD_UPDATE_GOLDEN=1`` (then read the diff in git before committing it)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

# read at import: the CLI tests' fixture removes every STEWARD_* variable before a test runs
UPDATE = os.environ.get("STEWARD_UPDATE_GOLDEN") == "1"
ROOT = Path(__file__).resolve().parents[1]


def assert_golden(path: Path, text: str) -> None:
    """``text`` equals the file at ``path`` (written first under ``STEWARD_UPDATE_GOLDEN=1``)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    kept = path.read_text() if path.exists() else ""
    if text == kept:
        return
    name = path.relative_to(ROOT).as_posix()
    diff = "".join(difflib.unified_diff(kept.splitlines(keepends=True),
                                        text.splitlines(keepends=True),
                                        f"{name} (kept)", f"{name} (now)"))
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]  # "path::name (call)"
    pytest.fail(f"{name} differs from what the code gives now:\n{diff}\n"
                "If the change is intended, rewrite the file and review it in git:\n"
                f"  STEWARD_UPDATE_GOLDEN=1 python -m pytest {test}", pytrace=False)
