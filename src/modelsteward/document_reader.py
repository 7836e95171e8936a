"""The one way modelsteward reads a document a user hands it: a registry file, a policy, a
lock file, a manifest, an advisory, a provider table, an evaluation, an attestation.

:func:`read_document` reads a file and loads it as JSON, YAML or TOML; :func:`load_document`
loads text already read. Whatever the file holds, the result is a plain tree of mappings,
lists and scalars, or :class:`~modelsteward.errors.DocumentInvalid` naming the file with
located problems (``line 3, column 5`` for syntax, a path such as ``models[3].digest`` for the
rest), or :class:`~modelsteward.errors.PathUnreadable` when the file cannot be read at all:

* at most :data:`MAX_BYTES` bytes, UTF-8 text (the first bad byte is located);
* valid syntax; no key written twice in one mapping (YAML and JSON would keep the last one
  silently, TOML refuses it);
* the limits of :func:`modelsteward.domain.documents.check_tree`: nesting depth, number of
  values (YAML aliases included), keys named without spaces around them, no unpaired
  surrogate in any text and no NUL outside TOML files.

YAML is read with PyYAML's safe loader (no Python objects), nesting checked while it is
composed, so a deep document never reaches Python's recursion limit.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.reader import ReaderError

from modelsteward.domain.documents import MAX_DEPTH, check_tree, unreadable
from modelsteward.domain.toml_document import load_toml
from modelsteward.errors import DocumentInvalid, PathUnreadable, Problem

__all__ = ["MAX_BYTES", "Format", "load_document", "read_document", "read_text"]

MAX_BYTES: Final = 32 * 1024 * 1024
"""The largest document read, in bytes (LiteLLM's price table, the largest one read, is a few
MiB at most)."""


class Format(enum.StrEnum):
    JSON = "JSON"
    YAML = "YAML"
    TOML = "TOML"

    @classmethod
    def of(cls, path: Path) -> Format:
        """JSON for ``.json``, TOML for ``.toml``, YAML for anything else (YAML reads JSON)."""
        suffix = path.suffix.lower()
        return cls.JSON if suffix == ".json" else cls.TOML if suffix == ".toml" else cls.YAML


def read_text(path: Path, *, what: str = "file") -> str:
    """The UTF-8 text of ``path``. Raises :class:`PathUnreadable` when it is missing, a folder
    or unreadable (``what`` names it: ``policy file (STEWARD_POLICY)``), and
    :class:`DocumentInvalid` when it is larger than :data:`MAX_BYTES` or not UTF-8."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PathUnreadable(str(path), f"no such {what}") from None
    except IsADirectoryError:
        raise PathUnreadable(str(path), "it is a directory, not a file") from None
    except OSError as exc:
        raise PathUnreadable(str(path), exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise DocumentInvalid(str(path), [Problem("$", (
            f"is larger than {MAX_BYTES // (1024 * 1024)} MiB, more than any document "
            "modelsteward reads; check that this is the right file, or split it"))])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentInvalid(str(path), [Problem(f"line {line}, column {column}", (
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"))]
        ) from None


def read_document(path: Path, fmt: Format | None = None, *, what: str = "file") -> object:
    """The document in ``path``, loaded as ``fmt`` (by default chosen by :meth:`Format.of`).
    Raises as :func:`read_text` and :func:`load_document` do."""
    return load_document(read_text(path, what=what), fmt or Format.of(path), str(path))


def load_document(text: str, fmt: Format, source: str) -> object:
    """``text`` loaded as ``fmt`` and checked; raises :class:`DocumentInvalid` naming
    ``source`` with every located problem."""
    if fmt is Format.TOML:
        return load_toml(text, source)  # checks the tree itself
    if fmt is Format.JSON:
        return _load_json(text, source)
    return _load_yaml(text, source)


def _too_deep(source: str, where: str = "$") -> DocumentInvalid:
    return DocumentInvalid(source, [Problem(where, f"nests mappings or lists more than "
                                                   f"{MAX_DEPTH} deep; flatten the nesting")])


# --- JSON --------------------------------------------------------------------------------------


def _load_json(text: str, source: str) -> object:
    repeats: dict[int, list[tuple[object, str]]] = {}

    def mapping(pairs: list[tuple[str, object]]) -> dict[str, object]:
        found: dict[str, object] = {}
        for key, value in pairs:
            if key in found:
                repeats.setdefault(id(found), []).append((key, ""))
            found[key] = value
        return found

    try:
        document = json.loads(text, object_pairs_hook=mapping)
    except json.JSONDecodeError as exc:
        raise DocumentInvalid(source, [Problem(f"line {exc.lineno}, column {exc.colno}",
                                               f"is not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise DocumentInvalid(source, [unreadable(exc, "JSON")]) from None
    check_tree(document, source, repeats=repeats)
    return document


# --- YAML --------------------------------------------------------------------------------------


class _TooDeep(Exception):
    def __init__(self, line: int, column: int) -> None:
        self.where = f"line {line}, column {column}"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that bounds nesting while composing and records repeated keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.repeats: dict[int, list[tuple[object, str]]] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _TooDeep(mark.line + 1, mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_checked_map(self, node: MappingNode) -> Any:
        data: dict[object, object] = {}
        yield data
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            try:
                repeated = key in seen
            except TypeError:
                continue  # an unhashable key: the constructor reports it
            if repeated:
                mark = key_node.start_mark
                self.repeats.setdefault(id(data), []).append(
                    (key, f"line {mark.line + 1}, column {mark.column + 1}"))
            seen.add(key)
        data.update(self.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_checked_map)


def _load_yaml(text: str, source: str) -> object:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # checks the characters of the text first
        document = loader.get_single_data()
    except _TooDeep as exc:
        raise _too_deep(source, exc.where) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "$"
        problem = exc.problem or exc.context or str(exc)
        raise DocumentInvalid(source, [Problem(where, f"is not valid YAML: {problem}")]
                              ) from None
    except ReaderError as exc:
        before = text[:exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise DocumentInvalid(source, [Problem(f"line {line}, column {column}", (
            f"is not valid YAML: it holds the character #x{exc.character:04x}, which YAML does "
            "not allow in a file; remove it (or write it as an escape in double quotes)"))]
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentInvalid(source, [Problem("$", f"is not valid YAML: {exc}")]) from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits, a bad !!timestamp
        raise DocumentInvalid(source, [unreadable(exc, "YAML")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    check_tree(document, source, repeats=loader.repeats)
    return document
