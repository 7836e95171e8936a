"""Reading user files (JSON, YAML, TOML) through the one document reader, with errors that name
the file, the location and the fix (see :mod:`modelsteward.document_reader`)."""

from __future__ import annotations

from pathlib import Path

from modelsteward.document_reader import Format, read_document, read_text

__all__ = ["read_json", "read_structured", "read_text", "read_yaml"]


def read_json(path: Path) -> object:
    return read_document(path, Format.JSON)


def read_yaml(path: Path) -> object:
    return read_document(path, Format.YAML)


def read_structured(path: Path) -> object:
    """A JSON file (``.json``) or a YAML file (anything else; YAML also reads JSON)."""
    return read_document(path, Format.JSON if path.suffix == ".json" else Format.YAML)
