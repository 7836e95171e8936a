"""Copying a model's files to an archive location (a local path or any fsspec URL) and back,
and hashing what is there, so that retirement keeps weights that are provably the same."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import fsspec

from modelsteward.domain.model import FileDigest
from modelsteward.errors import (
    ArchiveEscapes,
    ArchiveProtocolUnavailable,
    ArchiveUnreadable,
    ArchiveUnwritable,
    DestinationUnwritable,
)
from modelsteward.integrity.manifest import ArtifactPlan, Manifest

_CHUNK = 8 * 1024 * 1024
# fsspec protocols whose package modelsteward offers as an extra (`pip install 'modelsteward[s3]'`)
EXTRAS = {"s3": "s3", "s3a": "s3"}












# a segment that stays where it is: not empty, '.' or '..', no '\\' or control character
_SAFE_SEGMENT = re.compile(r"[^/\\\x00-\x1f\x7f-\x9f]+")


def inside(root: str, relative: str) -> str:
    """``root/relative``, after checking that every segment of ``relative`` stays inside
    ``root`` (whatever a stored version id or file path holds). Raises
    :class:`ArchiveEscapes`."""
    segments = relative.split("/")
    if any(s in (".", "..") or not _SAFE_SEGMENT.fullmatch(s) for s in segments):
        raise ArchiveEscapes(root, relative)
    return f"{root.rstrip('/')}/{relative}"


def _fs(uri: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The file system of ``uri`` and the path in it. Raises
    :class:`ArchiveProtocolUnavailable` when the protocol's package is missing."""
    try:
        fs, root = fsspec.core.url_to_fs(uri)
    except ImportError as exc:
        protocol = fsspec.core.split_protocol(uri)[0] or "file"
        raise ArchiveProtocolUnavailable(uri, protocol, str(exc),
                                         EXTRAS.get(protocol, "")) from None
    return fs, str(root).rstrip("/")


def copy_to_archive(plan: ArtifactPlan, uri: str) -> None:
    """Copy every planned file under ``uri`` (keeping relative paths). Raises
    :class:`ArchiveUnwritable`."""
    try:
        fs, root = _fs(uri)
        for item in plan.files:  # all checked before anything is written
            inside(root, item.path)
        fs.makedirs(root, exist_ok=True)
        for item in plan.files:
            target = inside(root, item.path)
            parent = target.rsplit("/", 1)[0]
            fs.makedirs(parent, exist_ok=True)
            with open(item.source, "rb") as source, fs.open(target, "wb") as copy:
                shutil.copyfileobj(source, copy, _CHUNK)
    except (OSError, ValueError) as exc:
        raise ArchiveUnwritable(uri, str(exc) or type(exc).__name__) from None


def hash_archive(uri: str) -> Manifest:
    """The manifest of the files under ``uri``, read through fsspec. Raises
    :class:`ArchiveUnreadable`."""
    try:
        fs, root = _fs(uri)
        files = []
        for name in sorted(fs.find(root)):
            digest = hashlib.sha256()
            size = 0
            with fs.open(name, "rb") as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            relative = str(name)[len(root):].lstrip("/")
            files.append(FileDigest(relative, digest.hexdigest(), size))
    except (OSError, ValueError) as exc:
        raise ArchiveUnreadable(uri, str(exc) or type(exc).__name__) from None
    return Manifest.of(files)


def copy_from_archive(uri: str, destination: Path) -> None:
    """Copy the files under ``uri`` into ``destination`` (which must not hold files yet).
    Raises :class:`ArchiveUnwritable` or :class:`ArchiveUnreadable`."""
    _refuse_filled(destination)
    try:
        fs, root = _fs(uri)
        for name in sorted(fs.find(root)):
            relative = str(name)[len(root):].lstrip("/")
            target = Path(inside(str(destination), relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            with fs.open(name, "rb") as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy, _CHUNK)
    except (OSError, ValueError) as exc:
        raise ArchiveUnreadable(uri, str(exc) or type(exc).__name__) from None


def _refuse_filled(destination: Path) -> None:
    if destination.is_dir():
        if any(destination.iterdir()):
            raise DestinationUnwritable(str(destination), "the folder is not empty")
    elif destination.exists():
        raise DestinationUnwritable(str(destination), "it is a file, not a folder")


@contextmanager
def staged_restore(destination: Path) -> Iterator[Path]:
    """A new, empty temporary folder beside ``destination`` (same file system, so that
    :func:`move_into_place` is a rename) to restore into and verify before anything appears at
    ``destination``. The folder and whatever is in it are removed on the way out, unless it was
    moved into place. Raises :class:`DestinationUnwritable` when ``destination`` is not a new or
    empty folder or its parent cannot be written."""
    _refuse_filled(destination)
    parent = destination.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.restoring-", dir=parent))
    except OSError as exc:
        raise DestinationUnwritable(str(destination), str(exc) or type(exc).__name__) from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when moved into place


def move_into_place(staging: Path, destination: Path) -> None:
    """Rename the verified ``staging`` folder to ``destination`` (replacing it when it is an
    empty folder). Raises :class:`DestinationUnwritable` when something was put there
    meanwhile."""
    try:
        if destination.is_dir():
            destination.rmdir()  # fails unless still empty
        os.replace(staging, destination)
    except OSError as exc:
        raise DestinationUnwritable(str(destination), str(exc) or type(exc).__name__) from None
