"""The root digest equals what OpenSSF model-signing 1.1.1 signs for the same folder.

model-signing's root digest is the in-toto subject digest of its signing payload
(``model_signing._signing.signing.Payload``); it is read from there, exactly as signing does.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st
from model_signing import hashing as ms_hashing
from model_signing import manifest as ms_manifest
from model_signing._signing import signing as ms_signing

from modelsteward.integrity import hash_artifact, path_sort_key


def model_signing_manifest(path: Path, *, allow_symlinks: bool) -> ms_manifest.Manifest:
    """model-signing's default hashing (``allow_symlinks`` only lifts its refusal of links)."""
    config = ms_hashing.Config()  # type: ignore[no-untyped-call]
    return config.set_allow_symlinks(allow_symlinks).hash(path)


def model_signing_root(path: Path, *, allow_symlinks: bool = False) -> str:
    """The subject digest model-signing would sign for ``path``."""
    manifest = model_signing_manifest(path, allow_symlinks=allow_symlinks)
    statement = ms_signing.Payload(manifest).statement.pb
    digest: str = statement.subject[0].digest["sha256"]
    return digest


def model_signing_files(path: Path, *, allow_symlinks: bool = False) -> list[tuple[str, str]]:
    manifest = model_signing_manifest(path, allow_symlinks=allow_symlinks)
    return [(d.identifier, d.digest.digest_hex) for d in manifest.resource_descriptors()]


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """Nested folders, an empty file, awkward names and the git paths model-signing ignores."""
    root = tmp_path / "my model"
    write(root / "config.json", b'{"hidden_size": 64}')
    write(root / "model-00001-of-00002.safetensors", os.urandom(70_000))
    write(root / "model-00002-of-00002.safetensors", os.urandom(30_000))
    write(root / "tokenizer" / "vocab.txt", "héllo\nwörld\n".encode())
    write(root / "tokenizer" / "deep" / "deeper" / "merges.txt", b"a b\n")
    write(root / "empty", b"")
    write(root / "read me.md", b"# spaces in the name")
    write(root / "données" / "modèle ✓.bin", os.urandom(1234))
    write(root / "a b", b"sorts after a/ by component")
    write(root / "a-b", b"sorts after a/ by component too")
    write(root / "a" / "b", b"inside a")
    write(root / "Upper", b"capitals sort first")
    write(root / ".hidden", b"dot-files are hashed")
    write(root / ".git" / "HEAD", b"ref: refs/heads/main")
    write(root / ".github" / "workflows" / "ci.yml", b"on: push")
    write(root / ".gitattributes", b"*.safetensors filter=lfs")
    write(root / ".gitignore", b"*.tmp")
    write(root / "tokenizer" / ".gitignore", b"nested git files are hashed")
    return root


def test_root_digest_equals_model_signing(model: Path) -> None:
    ours = hash_artifact(model)

    assert ours.root_digest == model_signing_root(model)
    assert [(f.path, f.sha256) for f in ours.files] == model_signing_files(model)


def test_root_digest_equals_model_signing_with_in_tree_symlinks(model: Path) -> None:
    (model / "latest.safetensors").symlink_to("model-00002-of-00002.safetensors")
    (model / "tokenizer" / "config.json").symlink_to("../config.json")
    (model / "tok").symlink_to("tokenizer", target_is_directory=True)  # skipped by both

    ours = hash_artifact(model)

    assert ours.root_digest == model_signing_root(model, allow_symlinks=True)
    assert [(f.path, f.sha256) for f in ours.files] == model_signing_files(
        model, allow_symlinks=True
    )


def test_root_digest_equals_model_signing_for_a_single_file(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(os.urandom(50_000))

    assert hash_artifact(path).root_digest == model_signing_root(path)


def test_root_digest_equals_model_signing_for_an_empty_folder(tmp_path: Path) -> None:
    assert hash_artifact(tmp_path).root_digest == model_signing_root(tmp_path)


names = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/\x00"),
    min_size=1,
    max_size=6,
).filter(lambda s: s not in {".", ".."})


@given(st.lists(st.lists(names, min_size=1, max_size=3).map("/".join), unique=True))
def test_path_order_is_model_signing_order(paths: list[str]) -> None:
    """model-signing sorts manifest items by ``PurePosixPath``; ``path_sort_key`` agrees."""
    assert sorted(paths, key=path_sort_key) == [
        str(p) for p in sorted(PurePosixPath(p) for p in paths)
    ]
