"""The one funnel from errors to exit codes. Documented in README.md (a test keeps them equal)."""

from __future__ import annotations

import enum

from modelsteward.errors import (
    ArtifactError, Conflict, InvalidInput, NotAuthorised, NotFound, StewardError, StorageError,
)


class Exit(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1  # verify found differences, log verify found tampering
    USAGE = 2  # bad arguments, names, versions, pins or files
    NOT_FOUND = 3  # model, version or matching version not found
    CONFLICT = 4  # duplicate, versioning rule contradicted, digest mismatch
    ARTIFACT = 5  # artefact path unreadable or a symlink leaving the folder
    STORAGE = 6  # database unreachable or not migratable
    NOT_AUTHORISED = 7  # the actor may not do this (e.g. override a gate)
    NOTHING_AUDITED = 8  # the lock file holds no models


def exit_code(error: StewardError) -> Exit:
    if isinstance(error, InvalidInput):
        return Exit.USAGE
    if isinstance(error, NotFound):
        return Exit.NOT_FOUND
    if isinstance(error, Conflict):
        return Exit.CONFLICT
    if isinstance(error, ArtifactError):
        return Exit.ARTIFACT
    if isinstance(error, StorageError):
        return Exit.STORAGE
    if isinstance(error, NotAuthorised):
        return Exit.NOT_AUTHORISED
    return Exit.USAGE
