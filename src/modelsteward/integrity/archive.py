"""Copying a model's files to an archive location (a local path or any fsspec URL) and back,
and hashing what is there, so that retirement keeps weights that are provably the same."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import fsspec

from modelsteward.domain.model import FileDigest
from modelsteward.errors import ArtifactError, InvalidInput
from modelsteward.integrity.manifest import ArtifactPlan, Manifest

_CHUNK = 8 * 1024 * 1024
# fsspec protocols whose package modelsteward offers as an extra (`pip install 'modelsteward[s3]'`)
EXTRAS = {"s3": "s3", "s3a": "s3"}


class ArchiveUnwritable(ArtifactError):
    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Cannot write the archive at {uri}: {reason}. Choose a location you "
                         "can write to (--archive PATH or URL, or STEWARD_ARCHIVE).")


class ArchiveUnreadable(ArtifactError):
    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Cannot read the archive at {uri}: {reason}. Check the location.")


class ArchiveProtocolUnavailable(InvalidInput):
    """The archive's URL names an fsspec protocol whose package is not installed."""

    def __init__(self, uri: str, protocol: str, reason: str) -> None:
        self.uri = uri
        self.protocol = protocol
        extra = EXTRAS.get(protocol)
        fix = (f"install it with `pip install 'modelsteward[{extra}]'`" if extra
               else f"install the package fsspec names ({reason.rstrip('.')})")
        super().__init__(f"Cannot use the archive at {uri}: {protocol}:// needs a package that "
                         f"is not installed; {fix}, or choose another location (--archive "
                         "PATH or URL, or STEWARD_ARCHIVE).")


class ArchiveEscapes(ArtifactError):
    def __init__(self, root: str, relative: str) -> None:
        self.root = root
        self.relative = relative
        super().__init__(
            f"Refusing to write {relative!r} under the archive {root}: it would lead outside "
            "the archive ('..', an empty or '.' segment, a backslash or a control character). "
            "Such a version id or file path is no longer accepted when a version is "
            "registered; retire this version without archiving its weights "
            "(`steward retire`).")


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
        raise ArchiveProtocolUnavailable(uri, protocol, str(exc)) from None
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
    """Copy the files under ``uri`` into ``destination`` (which must not hold files yet)."""
    if destination.exists() and any(destination.iterdir()):
        raise ArchiveUnwritable(str(destination), "the folder is not empty; restore into a new "
                                                  "or empty folder (--to PATH)")
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
