"""The tests' temporary files go to a memory-backed folder when the machine has one with room
(tests/conftest.py, ``memory_backed_tmp``), and stay where the system puts them otherwise."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.conftest import MEMORY_TMP, memory_backed_tmp


def test_a_writable_folder_with_room_is_taken(tmp_path: Path) -> None:
    assert memory_backed_tmp({}, tmp_path, needed=0) == tmp_path


def test_a_tmpdir_the_caller_set_is_kept(tmp_path: Path) -> None:
    assert memory_backed_tmp({"TMPDIR": "/elsewhere"}, tmp_path, needed=0) is None


def test_a_folder_without_room_is_not_taken(tmp_path: Path) -> None:
    free = os.statvfs(tmp_path)
    assert memory_backed_tmp({}, tmp_path, needed=free.f_bavail * free.f_frsize + 1) is None


def test_a_missing_folder_or_a_file_is_not_taken(tmp_path: Path) -> None:
    assert memory_backed_tmp({}, tmp_path / "missing", needed=0) is None
    (tmp_path / "file").write_text("")
    assert memory_backed_tmp({}, tmp_path / "file", needed=0) is None


def test_a_folder_that_cannot_be_written_is_not_taken(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        expected = locked if os.geteuid() == 0 else None  # root writes anywhere
        assert memory_backed_tmp({}, locked, needed=0) == expected
    finally:
        locked.chmod(0o700)


def test_this_run_s_temporary_folders_are_where_the_choice_says(tmp_path: Path) -> None:
    chosen = memory_backed_tmp({k: v for k, v in os.environ.items() if k != "TMPDIR"})
    if chosen is not None and os.environ.get("TMPDIR") == str(MEMORY_TMP):
        assert Path(tempfile.gettempdir()) == MEMORY_TMP
        assert tmp_path.is_relative_to(MEMORY_TMP.resolve())
    else:
        assert not tmp_path.is_relative_to(MEMORY_TMP.resolve())
