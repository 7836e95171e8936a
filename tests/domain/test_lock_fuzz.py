"""No input crashes the parsers of models.toml, models.lock and .steward-ignore.toml: each either
returns a value or raises DocumentInvalid (a StewardError) listing located problems."""

from __future__ import annotations

from collections.abc import Callable

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.domain.app_manifest import Requirement, parse_manifest, update_manifest
from modelsteward.domain.ignores import parse_ignores
from modelsteward.domain.lockfile import entry_line, parse_lock, render_lock
from modelsteward.errors import DocumentInvalid
from tests.domain import test_app_manifest, test_ignores
from tests.domain.test_lockfile import LOCKS, golden_text

FUZZ = settings(max_examples=100, deadline=None, database=None)

Parser = Callable[[str], object]
PARSERS: dict[str, Parser] = {
    "manifest": parse_manifest,
    "lock": parse_lock,
    "ignores": parse_ignores,
}
VALID = {
    "manifest": test_app_manifest.EXAMPLE,
    "lock": golden_text(),
    "ignores": test_ignores.EXAMPLE,
}


def survives(parser: Parser, text: str) -> None:
    """The parser returns, or raises DocumentInvalid with at least one located problem."""
    try:
        parser(text)
    except DocumentInvalid as exc:
        assert exc.problems
        assert all(p.location and p.message for p in exc.problems)


# --- arbitrary text ----------------------------------------------------------------------------

# TOML's own punctuation makes random text reach further than the parser's first check
_TOMLISH = st.text(alphabet=st.sampled_from(list('[]{}=".,\'#\n abc-_019:+')) |
                   st.characters(), max_size=80)


@FUZZ
@given(st.sampled_from(sorted(PARSERS)), st.text(max_size=80) | _TOMLISH)
def test_arbitrary_text(which: str, text: str) -> None:
    survives(PARSERS[which], text)


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    for parser in PARSERS.values():
        survives(parser, "x = " + "[" * 5000)


# --- arbitrary TOML structures -----------------------------------------------------------------

_KEYS = st.sampled_from([
    "application", "name", "team", "environment", "registry", "models", "pin", "variant",
    "lock-version", "created-by", "version", "purl", "hashes", "sha256", "files", "path",
    "size", "tokenizer", "framework", "config-digest", "prompt-template-digest",
    "derived-from", "attestation", "builder", "identity", "ignore", "id", "reason", "expires",
    "model", "support-bot", "requirements", "framework-version", "hardware",
    "serving-config-digest",
]) | st.text(min_size=1, max_size=8)
_SCALARS = st.one_of(
    st.text(max_size=12), st.sampled_from(["1.0", "2.0", "1.7", "^2.1", "2.1.3", "a" * 64,
                                           "pkg:generic/x@1", "support-bot", "2027-01-31"]),
    st.integers(), st.floats(), st.booleans(),
    st.dates(), st.datetimes(), st.times(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=8,
)
_DOCUMENTS = st.dictionaries(_KEYS, _VALUES, max_size=5)


@FUZZ
@given(st.sampled_from(sorted(PARSERS)), _DOCUMENTS)
def test_arbitrary_toml_structures(which: str, document: dict[str, object]) -> None:
    survives(PARSERS[which], tomli_w.dumps(document))


_ENTRIES = st.dictionaries(_KEYS, _VALUES, max_size=4)


@FUZZ
@given(st.lists(_ENTRIES, max_size=3), st.lists(_ENTRIES, max_size=2), _SCALARS)
def test_arbitrary_entries_in_the_documents_shape(entries: list[dict[str, object]],
                                                  files: list[dict[str, object]],
                                                  version: object) -> None:
    """Documents with the right skeleton and random entries reach the per-entry checks."""
    models = [{**e, "files": files} for e in entries]
    survives(parse_lock, tomli_w.dumps({"lock-version": version, "created-by": "x",
                                        "application": "app", "models": models}))
    survives(parse_ignores, tomli_w.dumps({"ignore": entries}))
    survives(parse_manifest, tomli_w.dumps({
        "application": entries[0] if entries else {},
        "models": {str(i): e for i, e in enumerate(entries)}}))


# --- mutated valid documents -------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` after a few edits: lines deleted, duplicated or swapped, characters replaced."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"]))
        if edit == "delete":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            cut = draw(st.integers(0, 3)) if edit == "replace" else 0
            lines[i] = line[:at] + draw(st.text(max_size=4) | _TOMLISH.map(lambda s: s[:4])) + \
                line[at + cut:]
    return "".join(lines)


@FUZZ
@given(st.data())
def test_mutated_valid_documents(data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(sorted(PARSERS)))
    survives(PARSERS[which], data.draw(mutated(VALID[which])))


@FUZZ
@given(LOCKS.map(render_lock).flatmap(mutated))
def test_mutated_rendered_locks(text: str) -> None:
    survives(parse_lock, text)


# --- the helpers that take text too ------------------------------------------------------------


@FUZZ
@given(st.text(max_size=80) | _TOMLISH | mutated(test_app_manifest.EXAMPLE))
def test_update_manifest_on_arbitrary_text(text: str) -> None:
    try:
        update_manifest(text, {"support-bot": Requirement("support-bot", "^3"), "gpt-4o": None})
    except DocumentInvalid as exc:
        assert exc.problems


@FUZZ
@given(st.text(max_size=80) | _TOMLISH | mutated(golden_text()), st.text(max_size=10))
def test_entry_line_on_arbitrary_text(text: str, name: str) -> None:
    line = entry_line(text, name)
    assert 0 <= line <= len(text.splitlines())

