"""Reading user files (JSON, YAML) with errors that name the file and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from modelsteward.errors import DocumentInvalid, PathUnreadable, Problem


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PathUnreadable(str(path), "no such file") from None
    except IsADirectoryError:
        raise PathUnreadable(str(path), "it is a directory, not a file") from None
    except UnicodeDecodeError:
        raise DocumentInvalid(str(path), [Problem("", "is not UTF-8 text")]) from None
    except OSError as exc:
        raise PathUnreadable(str(path), exc.strerror or str(exc)) from None


def read_json(path: Path) -> object:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentInvalid(str(path), [Problem(f"line {exc.lineno}, column {exc.colno}",
                                                  f"is not valid JSON: {exc.msg}")]) from None


def read_yaml(path: Path) -> object:
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentInvalid(str(path), [Problem(where, f"is not valid YAML: {problem}")]) from None


def read_structured(path: Path) -> object:
    """A JSON file (``.json``) or a YAML file (anything else; YAML also reads JSON)."""
    return read_json(path) if path.suffix == ".json" else read_yaml(path)
