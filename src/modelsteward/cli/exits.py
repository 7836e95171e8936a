"""The one funnel from errors to exit codes. Documented in README.md (a test keeps them equal)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from modelsteward.errors import (
    ArtifactError,
    Conflict,
    DeliveryFailed,
    InvalidInput,
    NotAuthorised,
    NotFound,
    StewardError,
    StorageError,
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
    DELIVERY_FAILED = 9  # a receiver did not take a notification: retry later, not a usage error


# one entry per family directly under StewardError; a subclass takes its family's code
FAMILY_EXITS: Mapping[type[StewardError], Exit] = MappingProxyType({
    InvalidInput: Exit.USAGE,
    NotFound: Exit.NOT_FOUND,
    Conflict: Exit.CONFLICT,
    ArtifactError: Exit.ARTIFACT,
    DeliveryFailed: Exit.DELIVERY_FAILED,
    NotAuthorised: Exit.NOT_AUTHORISED,
    StorageError: Exit.STORAGE,
})


def exit_code(error: StewardError) -> Exit:
    """The exit code of ``error``'s family. There is no default: an error whose class belongs to
    no family in :data:`FAMILY_EXITS` (a bare :class:`StewardError`, or a new family nobody
    mapped) raises :class:`TypeError`, a bug the tests catch, rather than exiting with a code
    that tells a script something false."""
    for cls in type(error).__mro__:
        code = FAMILY_EXITS.get(cls)
        if code is not None:
            return code
    raise TypeError(f"{type(error).__qualname__} belongs to no family of modelsteward.errors "
                    "with an exit code; add its family to FAMILY_EXITS in cli/exits.py")
