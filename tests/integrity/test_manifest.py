"""hash_artifact / plan_artifact / compare_manifest on small generated model folders.

Unreadable files: the tests run as root, so ``chmod 000`` cannot make a file unreadable. They use
what root cannot read as a model file either: a FIFO, a dangling symlink, a symlink loop, and a
file deleted between planning and hashing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from modelsteward.domain.model import FileDigest
from modelsteward.errors import InvalidInput, PathUnreadable, SymlinkEscapes
from modelsteward.integrity import (
    Manifest,
    compare_manifest,
    hash_artifact,
    hash_plan,
    plan_artifact,
    root_digest,
)
from modelsteward.integrity import manifest as manifest_module


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def model(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    write(root / "config.json", b'{"layers": 2}')
    write(root / "weights" / "shard-1.safetensors", os.urandom(3000))
    write(root / "weights" / "shard-2.safetensors", os.urandom(5000))
    write(root / "empty.txt", b"")
    return root


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read 1000 bytes at a time so that small files take many chunks."""
    monkeypatch.setattr(manifest_module, "_CHUNK_SIZE", 1000)


def test_per_file_digests_are_plain_sha256_of_the_content(model: Path) -> None:
    result = hash_artifact(model)

    assert [f.path for f in result.files] == [
        "config.json",
        "empty.txt",
        "weights/shard-1.safetensors",
        "weights/shard-2.safetensors",
    ]
    for f in result.files:
        content = (model / f.path).read_bytes()
        assert f.sha256 == sha(content)
        assert f.size == len(content)
    assert result.root_digest == root_digest(result.files)


def test_root_digest_is_sha256_over_the_raw_digests_in_path_order(model: Path) -> None:
    result = hash_artifact(model)

    expected = hashlib.sha256(b"".join(bytes.fromhex(f.sha256) for f in result.files))
    assert result.root_digest == expected.hexdigest()


def test_paths_sort_by_component_not_by_string(tmp_path: Path) -> None:
    # " " and "-" sort before "/" as characters, but model-signing compares path components.
    for name in ("a b", "a-b", "a/b", "a/c/d", "B", "a"):
        if name != "a":
            write(tmp_path / name, name.encode())

    assert [f.path for f in hash_artifact(tmp_path).files] == ["B", "a/b", "a/c/d", "a b", "a-b"]


def test_git_paths_are_ignored_only_at_the_top(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", b"ref")
    write(tmp_path / ".github" / "workflows" / "ci.yml", b"on: push")
    write(tmp_path / ".gitattributes", b"*.bin filter=lfs")
    write(tmp_path / ".gitignore", b"*.tmp")
    write(tmp_path / ".hidden", b"kept")
    write(tmp_path / "sub" / ".gitignore", b"kept too")

    assert [f.path for f in hash_artifact(tmp_path).files] == [".hidden", "sub/.gitignore"]


def test_single_file_model_is_named_after_the_file(tmp_path: Path) -> None:
    data = os.urandom(2000)
    path = write(tmp_path / "model.gguf", data)

    result = hash_artifact(path)

    assert result.files == (FileDigest("model.gguf", sha(data), 2000),)
    assert result.root_digest == hashlib.sha256(bytes.fromhex(sha(data))).hexdigest()


def test_empty_folder_has_the_digest_of_no_bytes(tmp_path: Path) -> None:
    assert hash_artifact(tmp_path) == Manifest(sha(b""), ())


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("cpus", [1, 8])  # 8: spare CPUs, so every file gets a read-ahead thread
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_every_schedule_gives_the_same_manifest(
    model: Path, monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int
) -> None:
    monkeypatch.setattr(manifest_module, "usable_cpus", lambda: cpus)
    expected = Manifest.of(
        FileDigest(p.relative_to(model).as_posix(), sha(p.read_bytes()), p.stat().st_size)
        for p in model.rglob("*")
        if p.is_file()
    )

    assert hash_artifact(model, workers=workers) == expected


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("workers", [1, 3])
def test_progress_reports_sum_to_the_planned_total(model: Path, workers: int) -> None:
    plan = plan_artifact(model)
    seen: list[int] = []

    result = hash_plan(plan, workers=workers, progress=seen.append)

    assert plan.total_size == 8013
    assert sum(seen) == plan.total_size == result.total_size
    assert len(seen) > 4  # reported per chunk, not per file


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("cpus", [1, 8])
@pytest.mark.parametrize("workers", [1, 3])
def test_a_failing_progress_callback_stops_hashing(
    model: Path, monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int
) -> None:
    monkeypatch.setattr(manifest_module, "usable_cpus", lambda: cpus)

    def cancel(count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hash_artifact(model, workers=workers, progress=cancel)


def test_workers_below_one_are_refused(model: Path) -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        hash_artifact(model, workers=0)


# --- symlinks ----------------------------------------------------------------------------------


def test_symlink_inside_the_folder_is_hashed_under_its_own_name(model: Path) -> None:
    (model / "latest.safetensors").symlink_to("weights/shard-2.safetensors")
    (model / "weights" / "config.json").symlink_to("../config.json")

    result = {f.path: f for f in hash_artifact(model).files}

    assert result["latest.safetensors"].sha256 == result["weights/shard-2.safetensors"].sha256
    assert result["weights/config.json"].sha256 == sha(b'{"layers": 2}')


def test_symlinked_folder_inside_the_folder_is_skipped(model: Path) -> None:
    (model / "alias").symlink_to("weights", target_is_directory=True)
    (model / "weights" / "loop").symlink_to("..", target_is_directory=True)

    paths = [f.path for f in hash_artifact(model).files]

    assert not any(p.startswith(("alias", "weights/loop")) for p in paths)
    assert len(paths) == 4


def test_symlink_escaping_the_folder_is_refused(model: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "secret.txt", b"not part of the model")
    (model / "leak.txt").symlink_to(outside)

    with pytest.raises(SymlinkEscapes) as caught:
        hash_artifact(model)

    assert caught.value.link == str(model / "leak.txt")
    assert caught.value.target == str(outside.resolve())


def test_symlink_escaping_from_a_subfolder_is_refused(model: Path, tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "w.bin", b"x")
    (model / "weights" / "w.bin").symlink_to("../../elsewhere/w.bin")
    (model / "weights" / "dir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    with pytest.raises(SymlinkEscapes, match="outside the model folder"):
        hash_artifact(model)


def test_symlinked_folder_escaping_the_folder_is_refused(model: Path, tmp_path: Path) -> None:
    (model / "cache").symlink_to(tmp_path, target_is_directory=True)

    with pytest.raises(SymlinkEscapes):
        hash_artifact(model)


def test_model_path_itself_may_be_a_symlink(model: Path, tmp_path: Path) -> None:
    link = tmp_path / "current"
    link.symlink_to(model, target_is_directory=True)
    (model / "alias.json").symlink_to(model / "config.json")  # absolute, through the real path

    assert hash_artifact(link) == hash_artifact(model)


# --- unreadable --------------------------------------------------------------------------------


def test_missing_path_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PathUnreadable, match="does not exist") as caught:
        hash_artifact(tmp_path / "nope")

    assert caught.value.path == str(tmp_path / "nope")


def test_fifo_in_the_folder_is_unreadable(model: Path) -> None:
    os.mkfifo(model / "weights" / "pipe")

    with pytest.raises(PathUnreadable, match="a FIFO") as caught:
        hash_artifact(model)

    assert caught.value.path == str(model / "weights" / "pipe")


def test_fifo_as_the_model_path_is_unreadable(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")

    with pytest.raises(PathUnreadable, match="a FIFO"):
        hash_artifact(tmp_path / "pipe")


def test_dangling_symlink_is_unreadable(model: Path) -> None:
    (model / "gone.bin").symlink_to("weights/never-written.bin")

    with pytest.raises(PathUnreadable, match="which does not exist"):
        hash_artifact(model)


def test_symlink_loop_is_unreadable(model: Path) -> None:
    (model / "ping").symlink_to("pong")
    (model / "pong").symlink_to("ping")

    with pytest.raises(PathUnreadable, match="symlink loop"):
        hash_artifact(model)


def test_file_deleted_after_planning_is_unreadable(model: Path) -> None:
    plan = plan_artifact(model)
    (model / "config.json").unlink()

    with pytest.raises(PathUnreadable, match="does not exist"):
        hash_plan(plan, workers=2)


def test_file_changed_after_planning_is_refused(model: Path) -> None:
    plan = plan_artifact(model)
    write(model / "config.json", b'{"layers": 3, "heads": 8}')

    with pytest.raises(PathUnreadable, match="changed while it was hashed"):
        hash_plan(plan)


def test_file_replaced_by_a_symlink_after_planning_is_refused(model: Path) -> None:
    plan = plan_artifact(model)
    (model / "config.json").unlink()
    (model / "config.json").symlink_to("empty.txt")

    with pytest.raises(PathUnreadable, match="became a symlink"):
        hash_plan(plan)


# --- root digest and compare -------------------------------------------------------------------


def test_root_digest_refuses_duplicate_paths_and_bad_digests() -> None:
    good = FileDigest("a", sha(b"a"), 1)

    with pytest.raises(InvalidInput, match="twice"):
        root_digest([good, good])
    with pytest.raises(InvalidInput, match="64 hex digits"):
        root_digest([FileDigest("b", "zz" * 32, 1)])
    with pytest.raises(InvalidInput, match="64 hex digits"):
        root_digest([FileDigest("b", "abc", 1)])


def test_compare_finds_changed_missing_and_extra_files(model: Path) -> None:
    expected = hash_artifact(model).files
    write(model / "config.json", b'{"layers": 3}')
    (model / "weights" / "shard-2.safetensors").unlink()
    write(model / "notes.md", b"new")

    diff = compare_manifest(expected, hash_artifact(model))

    assert diff.changed == ("config.json",)
    assert diff.missing == ("weights/shard-2.safetensors",)
    assert diff.extra == ("notes.md",)
    assert not diff.clean


def test_compare_of_the_same_files_is_clean_and_ignores_hex_case(model: Path) -> None:
    actual = hash_artifact(model)
    expected = [FileDigest(f.path, f.sha256.upper(), f.size) for f in reversed(actual.files)]

    diff = compare_manifest(expected, actual)

    assert diff.clean
    assert (diff.changed, diff.missing, diff.extra) == ((), (), ())


def test_compare_reports_a_size_mismatch_as_changed(model: Path) -> None:
    actual = hash_artifact(model)
    expected = [
        FileDigest(f.path, f.sha256, f.size + (f.path == "empty.txt")) for f in actual.files
    ]

    assert compare_manifest(expected, actual).changed == ("empty.txt",)
