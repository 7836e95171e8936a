"""Hash a model folder (or a single file) into a manifest whose root digest is Model Signing's.

A :class:`Manifest` lists every file of a model with its plain SHA-256 (the digest Hugging Face
shows for LFS files) and carries a *root digest*: the subject digest that OpenSSF
``model-signing`` 1.1.1 puts in its signing payload for the same folder with its default
configuration (``model_signing.hashing.Config()``: file serialization, SHA-256).

How model-signing 1.1.1 computes that digest (read from its source):

* **Files.** ``_serialization/file.py`` ``Serializer.serialize`` walks
  ``model_path.glob("**/*")`` and keeps every regular file. ``pathlib`` includes dot-files and,
  in ``**``, does not descend into symlinked folders.
* **Ignored paths.** ``hashing.py`` ``Config.hash`` ignores ``.git``, ``.gitattributes``,
  ``.github`` and ``.gitignore`` directly under the model folder, files or folders, with
  everything below them. The same names deeper in the tree are hashed.
* **Per-file digest.** ``_hashing/io.py`` ``SimpleFileHasher`` streams the content into
  ``hashlib.sha256``.
* **Order.** ``manifest.py`` ``Manifest.resource_descriptors`` sorts the items by
  ``PurePosixPath`` of the path relative to the model folder. That compares paths *component by
  component* (``a/b`` sorts before ``a b``, although ``" " < "/"``), by code point,
  case-sensitively, with no Unicode normalisation. :func:`path_sort_key` reproduces it.
* **Root.** ``_signing/signing.py`` ``Payload.__init__`` feeds each file's raw 32-byte digest,
  in that order, to one SHA-256. Its hex form is the in-toto subject digest. Names do not enter
  the root digest, only the content digests and their order, so an empty folder has the digest
  of no bytes.

Where this module deliberately differs (none of these changes a root digest it returns):

* **Symlinks.** model-signing's default refuses any symlink. With ``allow_symlinks`` it hashes
  the target of every file link, even outside the folder, and silently skips links to folders.
  Here a link whose resolved target lies inside the folder is followed: a file is hashed under
  the link's name (same digest as model-signing with ``allow_symlinks``), a folder is skipped,
  as model-signing does (its files are hashed under their real paths). Skipping linked folders
  also means a walk cannot loop. A link resolving outside the folder, file or folder, raises
  :class:`~modelsteward.errors.SymlinkEscapes`.
* **The model path itself** may be a symlink. It is resolved first, and "inside the folder"
  means inside the resolved folder. model-signing's default refuses it.
* **Ignored folders are not entered.** model-signing walks ``.git`` and would refuse a symlink
  or special file inside it.
* **Unreadable folders raise.** ``pathlib.glob`` silently skips a folder it cannot list, so
  model-signing would sign a model with missing files. Here that raises
  :class:`~modelsteward.errors.PathUnreadable`.
* **Single file.** model-signing names the only item ``"."``. Here it is named after the file.
* **Names.** A file or folder whose name is not UTF-8, or holds a backslash, raises
  :class:`~modelsteward.errors.FileNameUnusable`: the manifest and the lock file record names
  as UTF-8 text with ``/`` as the only separator (as PEP 751 writes paths), and on Windows a
  backslash separates folders.

Hashing runs on a thread pool: ``hashlib`` and file reads release the GIL, so files are hashed
in parallel, biggest first, each worker reading into its own reused buffer. When there are fewer
files than CPUs, a spare CPU reads ahead of the hashing thread. This copies the next chunk
while the current one is hashed, and overlaps disk reads with hashing on a cold cache.
"""

from __future__ import annotations

import concurrent.futures
import errno
import hashlib
import io
import os
import queue
import re
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from modelsteward.domain.model import FileDigest
from modelsteward.errors import (
    DocumentInvalid,
    FileNameUnusable,
    InvalidInput,
    PathUnreadable,
    Problem,
    SymlinkEscapes,
)

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes just hashed; never called concurrently."""

IGNORED_TOP_LEVEL: frozenset[str] = frozenset({".git", ".gitattributes", ".github", ".gitignore"})
"""Names skipped directly under the model folder, as model-signing does by default."""

# Measured on the 2-core bench machine (bench/bench_hashing.py): 512 KiB to 2 MiB reads were
# fastest with two workers (4 MiB was ~5% slower, probably because the copy falls out of the
# core's cache before it is hashed). With read-ahead, 1 to 8 MiB were the same within noise.
_CHUNK_SIZE = 2 * 1024 * 1024
# Buffers in flight between a read-ahead thread and its hashing thread.
_READ_AHEAD_BUFFERS = 3


# A path given in a manifest (not found by walking a folder): relative, POSIX, normalised.
# Segments hold no '/', '\\', ':' (drive letters), NUL or other control character, and are
# neither '.' nor '..' ('.git' and '...' are names). The same text is the API schema's pattern.
_CHAR = r"[^/\\:\x00-\x1f\x7f-\x9f]"
_NO_DOT = r"[^/\\:.\x00-\x1f\x7f-\x9f]"
_SEGMENT = rf"(?:{_NO_DOT}{_CHAR}*|\.{_NO_DOT}{_CHAR}*|\.\.{_CHAR}+)"
MANIFEST_PATH_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"
MANIFEST_PATH_MAX = 4096
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
_PATH = re.compile(MANIFEST_PATH_PATTERN)
_SHA256 = re.compile(SHA256_PATTERN)


def check_entries(files: Iterable[FileDigest], where: str = "files") -> list[Problem]:
    """Every problem of manifest entries given by a caller (over the API, or to
    :meth:`Registry.register_version`), located as ``files[3].path``: a path that is empty,
    absolute, a drive path, not normalised (``a//b``, ``./a``), with a ``..`` segment, a
    backslash, a colon, NUL or another control character, or longer than 4096 characters; a
    sha256 that is not 64 hex digits; a negative size; a path that is not UTF-8 text (a file
    name read with ``surrogateescape``), which no lock file can hold. (A path listed twice is
    refused by :func:`root_digest`: no JSON schema can state it, so it is not a shape problem.)"""
    problems: list[Problem] = []
    for index, f in enumerate(files):
        at = f"{where}[{index}]"
        if (len(f.path) > MANIFEST_PATH_MAX or not _PATH.fullmatch(f.path)
                or not _is_utf8(f.path)):
            problems.append(Problem(f"{at}.path", _path_problem(f.path)))
        if not _SHA256.fullmatch(f.sha256):
            problems.append(Problem(f"{at}.sha256", f"{f.sha256[:80]!r} is not a SHA-256: "
                                                    "give 64 hex digits."))
        if f.size < 0:
            problems.append(Problem(f"{at}.size", f"{f.size} is negative: give the file's "
                                                  "size in bytes (0 or more)."))
    return problems


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _path_problem(path: str) -> str:
    fix = ("give the file's path relative to the model folder, with '/' between folders "
           "(e.g. 'weights/model.safetensors')")
    shown = repr(path[:80])
    if not path:
        return f"the path '' is empty: {fix}."
    if not _is_utf8(path):
        return f"{shown} is not UTF-8 text: rename the file."
    if len(path) > MANIFEST_PATH_MAX:
        return f"the path is longer than {MANIFEST_PATH_MAX} characters: {fix}."
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return f"{shown} is absolute: {fix}."
    if re.search(r"[\x00-\x1f\x7f-\x9f]", path):
        return f"{shown} contains a control character: {fix}."
    if "\\" in path or ":" in path:
        return f"{shown} contains '\\' or ':': {fix}."
    if ".." in path.split("/"):
        return f"{shown} has a '..' segment, which would lead outside the model folder: {fix}."
    return f"{shown} is not normalised (an empty or '.' segment): {fix}."


@dataclass(frozen=True)
class Manifest:
    """The files of a model and their root digest.

    ``files`` are sorted by :func:`path_sort_key` with unique POSIX paths relative to the model
    folder. ``root_digest`` is ``root_digest(files)``, the model-signing subject digest.
    """

    root_digest: str
    files: tuple[FileDigest, ...]

    @classmethod
    def of(cls, files: Iterable[FileDigest]) -> Manifest:
        """A manifest of ``files``, given in any order. Raises what :func:`root_digest` raises."""
        ordered = tuple(sorted(files, key=lambda f: path_sort_key(f.path)))
        return cls(root_digest=root_digest(ordered), files=ordered)

    @classmethod
    def given(cls, files: Iterable[FileDigest], where: str = "files") -> Manifest:
        """A manifest of entries given by a caller rather than hashed here: raises
        :class:`DocumentInvalid` listing every problem :func:`check_entries` finds."""
        entries = list(files)
        problems = check_entries(entries, where)
        if problems:
            raise DocumentInvalid("The manifest", problems)
        return cls.of(entries)

    @property
    def total_size(self) -> int:
        """The number of bytes hashed."""
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class PlannedFile:
    """A file to hash. ``path`` names it in the manifest; ``source`` is what is read.

    ``source`` is an absolute path without symlinks: a link's resolved target for a followed link.
    """

    path: str
    source: Path
    size: int


@dataclass(frozen=True)
class ArtifactPlan:
    """What :func:`hash_plan` will read: ``files`` sorted by :func:`path_sort_key`.

    ``total_size`` sizes a progress bar before hashing starts.
    """

    root: Path
    files: tuple[PlannedFile, ...]

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def path_sort_key(path: str) -> tuple[str, ...]:
    """The order model-signing gives files: ``PurePosixPath`` order, i.e. by path component."""
    return tuple(path.split("/"))


def root_digest(files: Iterable[FileDigest]) -> str:
    """The model-signing root digest (hex) of ``files``, given in any order.

    Raises :class:`InvalidInput` when two entries share a path or a digest is not 64 hex digits.
    """
    ordered = sorted(files, key=lambda f: path_sort_key(f.path))
    root = hashlib.sha256()
    previous: str | None = None
    for f in ordered:
        if f.path == previous:
            raise InvalidInput(f"The manifest lists {f.path!r} twice; each path may appear once.")
        previous = f.path
        if len(f.sha256) != 64:
            raise InvalidInput(f"The sha256 of {f.path!r} must be 64 hex digits, got {f.sha256!r}.")
        try:
            root.update(bytes.fromhex(f.sha256))
        except ValueError:
            raise InvalidInput(
                f"The sha256 of {f.path!r} must be 64 hex digits, got {f.sha256!r}."
            ) from None
    return root.hexdigest()


def usable_cpus() -> int:
    """The number of CPUs this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


# --- planning: which files, under which names --------------------------------------------------


def plan_artifact(path: Path) -> ArtifactPlan:
    """List the files of the model at ``path`` (a folder or one file) with their sizes.

    Follows the rules in the module docstring. Reads no file content.

    Raises :class:`PathUnreadable` when ``path`` is missing, a folder cannot be listed, or an
    entry is not a regular file or folder (FIFO, socket, device, dangling or looping symlink).
    Raises :class:`SymlinkEscapes` for a symlink resolving outside the folder.
    """
    given = Path(path)
    try:
        info = given.stat()
    except FileNotFoundError:
        raise PathUnreadable(str(given), "it does not exist") from None
    except OSError as exc:
        raise PathUnreadable(str(given), _reason(exc)) from None
    root = Path(os.path.realpath(given))
    if stat.S_ISREG(info.st_mode):
        name = given.name or root.name
        _check_name(name, given)
        single = PlannedFile(path=name, source=root, size=info.st_size)
        return ArtifactPlan(root=root, files=(single,))
    if not stat.S_ISDIR(info.st_mode):
        raise PathUnreadable(str(given), _not_regular(info.st_mode))
    files = _walk(root, given)
    files.sort(key=lambda f: path_sort_key(f.path))
    return ArtifactPlan(root=root, files=tuple(files))


def _walk(root: Path, shown: Path) -> list[PlannedFile]:
    """Every file under ``root``; error messages name paths under ``shown`` (the user's path)."""
    root_text = str(root)
    found: list[PlannedFile] = []
    pending: list[tuple[str, str]] = [(root_text, "")]  # (folder to list, its relative prefix)
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            raise PathUnreadable(str(shown / prefix), _reason(exc)) from None
        for entry in entries:
            if not prefix and entry.name in IGNORED_TOP_LEVEL:
                continue
            relative = prefix + entry.name
            _check_name(entry.name, shown / relative)
            try:
                if entry.is_symlink():
                    planned = _plan_symlink(entry.path, relative, root_text, shown)
                    if planned is not None:
                        found.append(planned)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, relative + "/"))
                else:
                    info = entry.stat(follow_symlinks=False)
                    if not stat.S_ISREG(info.st_mode):
                        raise PathUnreadable(str(shown / relative), _not_regular(info.st_mode))
                    found.append(PlannedFile(relative, Path(entry.path), info.st_size))
            except OSError as exc:
                raise PathUnreadable(str(shown / relative), _reason(exc)) from None
    return found


def _check_name(name: str, shown: Path) -> None:
    """Refuse a name the manifest and the lock file cannot record faithfully: bytes that are not
    UTF-8 (Python keeps them as surrogate escapes, which no UTF-8 document can hold) and a
    backslash (a folder separator on Windows, so ``back\\slash.bin`` would name another file
    there; lock files write paths with ``/`` only, as PEP 751 does)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown_text = os.fsencode(shown).decode("utf-8", "backslashreplace")
        raise FileNameUnusable(shown_text, "is not UTF-8 text (the undecodable bytes are "
                                           "shown as \\x escapes); give it a UTF-8 name"
                               ) from None
    if "\\" in name:
        raise FileNameUnusable(str(shown), "holds a backslash, which Windows reads as a folder "
                                           "separator and a lock file cannot hold; use '/' "
                                           "folders or another character such as '_'")


def _plan_symlink(link: str, relative: str, root: str, shown: Path) -> PlannedFile | None:
    """The file a link stands for, ``None`` for a link to an in-tree folder (skipped)."""
    target = os.path.realpath(link)
    if os.path.commonpath([root, target]) != root:
        raise SymlinkEscapes(str(shown / relative), target)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise PathUnreadable(str(shown / relative), _link_reason(exc, target)) from None
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise PathUnreadable(str(shown / relative), _not_regular(info.st_mode))
    return PlannedFile(relative, Path(target), info.st_size)


# --- hashing -----------------------------------------------------------------------------------


def hash_artifact(
    path: Path, *, workers: int | None = None, progress: ProgressCallback | None = None
) -> Manifest:
    """Hash the model at ``path``: ``hash_plan(plan_artifact(path), ...)``.

    Use :func:`plan_artifact` and :func:`hash_plan` directly to size a progress bar first.
    """
    return hash_plan(plan_artifact(path), workers=workers, progress=progress)


def hash_plan(
    plan: ArtifactPlan, *, workers: int | None = None, progress: ProgressCallback | None = None
) -> Manifest:
    """Hash every planned file and return the manifest with its model-signing root digest.

    ``workers`` is how many files are hashed at once (default: the usable CPUs). ``progress``
    receives byte counts summing to the manifest's ``total_size``. It may be called from worker
    threads, never concurrently. If it raises, hashing stops and the exception propagates.

    Raises :class:`PathUnreadable` when a file cannot be opened or read, is no longer a regular
    file, or changes size between planning and hashing. Raises :class:`InvalidInput` when
    ``workers`` is below 1. On any failure or interrupt the other workers stop within one chunk.
    """
    if workers is not None and workers < 1:
        raise InvalidInput(f"The number of hashing workers must be at least 1, got {workers}.")
    cpus = usable_cpus()
    count = min(workers or cpus, len(plan.files))
    if count == 0:
        return Manifest.of(())
    run = _HashRun(plan.files, progress, read_ahead=count < cpus)
    if count == 1:
        return Manifest.of(run.work())
    return Manifest.of(run.in_parallel(count))


class _Stopped(Exception):
    """A worker gave up because another one failed; never escapes :func:`hash_plan`."""


class _HashRun:
    """One call of :func:`hash_plan`: the shared queue of files, stop flag and progress lock."""

    def __init__(
        self,
        files: Iterable[PlannedFile],
        progress: ProgressCallback | None,
        *,
        read_ahead: bool,
    ) -> None:
        # Ascending, so that pop() hands out the biggest file first.
        self._pending = sorted(files, key=lambda f: f.size)
        self._pending_lock = threading.Lock()
        self._progress = progress
        self._progress_lock = threading.Lock()
        self._read_ahead = read_ahead
        self.stop = threading.Event()

    def in_parallel(self, count: int) -> list[FileDigest]:
        """Run ``count`` workers; raise the first real failure, if any."""
        with concurrent.futures.ThreadPoolExecutor(count, "modelsteward-hash") as pool:
            futures = [pool.submit(self.work) for _ in range(count)]
            try:
                concurrent.futures.wait(futures)
            except BaseException:  # e.g. KeyboardInterrupt: let the workers stop, then leave
                self.stop.set()
                raise
        digests: list[FileDigest] = []
        failure: BaseException | None = None
        for future in futures:
            error = future.exception()
            if error is None:
                digests.extend(future.result())
            elif failure is None and not isinstance(error, _Stopped):
                failure = error
        if failure is not None:
            raise failure
        return digests

    def work(self) -> list[FileDigest]:
        """Hash files from the shared queue until it is empty or the run stops."""
        count = _READ_AHEAD_BUFFERS if self._read_ahead else 1
        buffers = [bytearray(_CHUNK_SIZE) for _ in range(count)]
        digests: list[FileDigest] = []
        try:
            while (planned := self._next_file()) is not None:
                digests.append(self._hash_file(planned, buffers))
        except BaseException:
            self.stop.set()
            raise
        return digests

    def _next_file(self) -> PlannedFile | None:
        with self._pending_lock:
            return self._pending.pop() if self._pending else None

    def _report(self, count: int) -> None:
        if self.stop.is_set():
            raise _Stopped()
        if self._progress is not None:
            with self._progress_lock:
                self._progress(count)

    def _hash_file(self, planned: PlannedFile, buffers: list[bytearray]) -> FileDigest:
        shown = str(planned.source)
        try:
            with _open_regular(planned.source) as stream:
                if self._read_ahead:
                    digest, size = self._digest_read_ahead(stream, buffers)
                else:
                    digest, size = self._digest(stream, buffers[0])
        except OSError as exc:
            raise PathUnreadable(shown, _reason(exc)) from None
        if size != planned.size:
            raise PathUnreadable(
                shown,
                f"it changed while it was hashed ({planned.size} bytes listed, {size} read); "
                "hash again once it is no longer being written",
            )
        return FileDigest(path=planned.path, sha256=digest, size=size)

    def _digest(self, stream: io.FileIO, buffer: bytearray) -> tuple[str, int]:
        hasher = hashlib.sha256()
        view = memoryview(buffer)
        total = 0
        while count := stream.readinto(buffer):
            hasher.update(view[:count])
            total += count
            self._report(count)
        return hasher.hexdigest(), total

    def _digest_read_ahead(self, stream: io.FileIO, buffers: list[bytearray]) -> tuple[str, int]:
        """Hash ``stream`` while a helper thread reads the next chunks into the other buffers."""
        free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
        filled: queue.SimpleQueue[tuple[bytearray, int] | OSError] = queue.SimpleQueue()
        for buffer in buffers:
            free.put(buffer)

        def read() -> None:
            while (buffer := free.get()) is not None:
                try:
                    count = stream.readinto(buffer) or 0
                except OSError as exc:
                    filled.put(exc)
                    return
                filled.put((buffer, count))
                if count == 0:
                    return

        reader = threading.Thread(target=read, name="modelsteward-read-ahead", daemon=True)
        reader.start()
        try:
            hasher = hashlib.sha256()
            total = 0
            while True:
                item = filled.get()
                if isinstance(item, OSError):
                    raise item
                buffer, count = item
                if count == 0:
                    return hasher.hexdigest(), total
                hasher.update(memoryview(buffer)[:count])
                total += count
                free.put(buffer)
                self._report(count)
        finally:
            # The reader stops at the marker after at most len(buffers) more reads; joining it
            # keeps the buffers and the stream from being reused or closed under it.
            free.put(None)
            reader.join()


def _open_regular(source: Path) -> io.FileIO:
    """Open ``source`` for reading, refusing a symlink or anything but a regular file.

    The plan was made earlier: ``O_NOFOLLOW`` stops a file swapped for a link from being read,
    ``O_NONBLOCK`` stops a file swapped for a FIFO from blocking the open.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(source, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathUnreadable(
                str(source), "it became a symlink after the folder was listed; hash again"
            ) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PathUnreadable(str(source), _not_regular(mode))
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def _reason(exc: OSError) -> str:
    """An OS error as the end of a sentence: ``permission denied``."""
    if exc.errno == errno.ENOENT:
        return "it does not exist"
    if exc.errno == errno.ELOOP:
        return "it is part of a symlink loop"
    return (exc.strerror or str(exc)).lower()


def _link_reason(exc: OSError, target: str) -> str:
    if exc.errno == errno.ENOENT:
        return f"it is a symlink to {target}, which does not exist"
    if exc.errno == errno.ELOOP:
        return "it is part of a symlink loop"
    return f"it is a symlink to {target}, which cannot be read ({_reason(exc)})"


def _not_regular(mode: int) -> str:
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a special file"
    )
    return f"it is {kind}, not a regular file or folder, and cannot be part of a model"
