"""What locking an application, checking its artefacts and fixing its audit findings gave."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.lockfile import Lock, LockedModel
from modelsteward.integrity.compare import ManifestDiff
from modelsteward.integrity.manifest import Manifest


@dataclass(frozen=True)
class Locked:
    lock: Lock
    text: str  # the lock file's bytes, deterministic
    changes: tuple[str, ...]  # "support-bot 2.1.2 → 2.1.3", "embedder 1.2.0 (new)"
    warnings: tuple[str, ...]  # deprecation warnings of what was locked


@dataclass(frozen=True)
class Outdated:
    model: str
    locked: str
    wanted: str  # the newest eligible version the pin accepts now
    latest: str  # the newest eligible version of the model, whatever the pin


@dataclass(frozen=True)
class LockVerify:
    model: LockedModel
    manifest: Manifest
    diff: ManifestDiff

    @property
    def ok(self) -> bool:
        return self.diff.clean and self.manifest.root_digest == self.model.root_digest


@dataclass(frozen=True)
class Fixed:
    manifest_text: str
    locked: Locked
    fixed: tuple[str, ...]  # what was changed, one line each
    unfixed: tuple[str, ...]  # what could not be fixed, and why
