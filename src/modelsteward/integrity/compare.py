"""Compare a registered list of file digests with a freshly hashed manifest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modelsteward.domain.model import FileDigest
from modelsteward.integrity.manifest import Manifest, path_sort_key


@dataclass(frozen=True)
class ManifestDiff:
    """How the files on disk differ from the expected ones.

    ``changed``: listed in both, with another SHA-256 or size. ``missing``: expected, not on
    disk. ``extra``: on disk, not expected. Each is sorted by
    :func:`~modelsteward.integrity.manifest.path_sort_key`.
    """

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """True when the files on disk are exactly the expected ones."""
        return not (self.changed or self.missing or self.extra)


def compare_manifest(expected: Sequence[FileDigest], actual: Manifest) -> ManifestDiff:
    """Compare ``expected`` (e.g. a registered version's files) with ``actual``.

    Digests compare case-insensitively. Paths are compared exactly, as POSIX paths relative to
    the model folder. ``expected`` must not list a path twice; if it does, the last entry counts.
    Pure: reads no file.
    """
    wanted = {f.path: f for f in expected}
    found = {f.path: f for f in actual.files}
    changed = [
        path
        for path, want in wanted.items()
        if (have := found.get(path)) is not None
        and (have.sha256.lower() != want.sha256.lower() or have.size != want.size)
    ]
    missing = [path for path in wanted if path not in found]
    extra = [path for path in found if path not in wanted]
    return ManifestDiff(
        changed=tuple(sorted(changed, key=path_sort_key)),
        missing=tuple(sorted(missing, key=path_sort_key)),
        extra=tuple(sorted(extra, key=path_sort_key)),
    )
