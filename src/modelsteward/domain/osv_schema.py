"""The OSV JSON Schema the registry validates against: the official ``validation/schema.json``
of ossf/osv-schema, shipped byte-for-byte (``modelsteward/data/osv/schema.json``; its version,
tag, commit, source and sha256 are in ``source.json`` beside it, its licence in ``LICENSE``),
plus a small overlay (``overlay.json``) with the one extension the registry needs.

Models are not an OSV ecosystem and no released OSV schema allows a local id prefix, so the
overlay is an RFC 6902 JSON Patch that widens exactly two patterns: the id prefixes also allow
this registry's ``x_MSA`` and the ecosystems also allow ``modelsteward``. Each ``replace`` is
preceded by a ``test`` of the official value, so the overlay refuses to apply to a schema it was
not written for. Nothing else of the official schema changes; checks the official schema does not
make are made in Python by :mod:`modelsteward.domain.osv_document`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import cast

OFFICIAL_SCHEMA = "schema.json"
OVERLAY = "overlay.json"
SOURCE = "source.json"
_OPERATIONS = ("test", "replace")


def _read(name: str) -> str:
    return (resources.files("modelsteward.data") / "osv" / name).read_text(encoding="utf-8")


def official_schema() -> dict[str, object]:
    """The official OSV schema as shipped, unmodified."""
    return cast(dict[str, object], json.loads(_read(OFFICIAL_SCHEMA)))


def overlay() -> list[dict[str, object]]:
    """The registry's JSON Patch over the official schema."""
    return cast(list[dict[str, object]], json.loads(_read(OVERLAY)))


def schema_source() -> dict[str, str]:
    """Where the shipped official schema comes from: version, tag, commit, source URL, licence
    and the sha256 of the file's bytes."""
    return cast(dict[str, str], json.loads(_read(SOURCE)))


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"The JSON Pointer {path!r} does not start with '/'.")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def apply_patch(document: Mapping[str, object],
                patch: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """A copy of ``document`` with the ``test`` and ``replace`` operations of an RFC 6902
    ``patch`` applied in order; ``document`` is left alone.

    Raises :class:`ValueError` naming the operation when one is of another kind, names a path
    that does not exist, or ``test``s a value the document does not hold.
    """
    result = copy.deepcopy(dict(document))
    for index, operation in enumerate(patch):
        op, path = operation.get("op"), operation.get("path")
        if op not in _OPERATIONS or not isinstance(path, str):
            raise ValueError(f"Operation {index} of the overlay is {op!r} on {path!r}; only "
                             "'test' and 'replace' of an existing path are allowed.")
        parts = _pointer(path)
        parent: object = result
        for part in parts[:-1]:
            if not isinstance(parent, dict) or part not in parent:
                raise ValueError(f"Operation {index} of the overlay names {path}, which the "
                                 "schema does not have.")
            parent = parent[part]
        if not isinstance(parent, dict) or parts[-1] not in parent:
            raise ValueError(f"Operation {index} of the overlay names {path}, which the schema "
                             "does not have.")
        target = cast(dict[str, object], parent)
        if op == "test":
            if target[parts[-1]] != operation.get("value"):
                raise ValueError(f"Operation {index} of the overlay expects another value at "
                                 f"{path} than the schema holds: the overlay was written for "
                                 "another version of the official schema.")
        else:
            target[parts[-1]] = copy.deepcopy(operation.get("value"))
    return result


@cache
def _registry_schema_text() -> str:
    return json.dumps(apply_patch(official_schema(), overlay()))


def registry_schema() -> dict[str, object]:
    """The schema the registry validates with: the official schema with the overlay applied."""
    return cast(dict[str, object], json.loads(_registry_schema_text()))
