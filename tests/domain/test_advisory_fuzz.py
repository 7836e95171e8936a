"""Fuzzing the advisory parser: whatever it is given, it returns an advisory or raises
:class:`DocumentInvalid` with located problems — never anything else."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from modelsteward.domain.advisory import Advisory
from modelsteward.domain.osv_document import parse_advisory, validate_osv
from modelsteward.errors import DocumentInvalid

from .strategies import FAST
from .test_advisory import advisories

_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**64)
            | st.floats() | st.text(max_size=12) | st.binary(max_size=4))
ANYTHING = st.recursive(
    _SCALARS,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(max_size=8) | st.integers() | st.none(), inner,
                                     max_size=4)),
    max_leaves=12)

# Field names and values of OSV records, so that random documents get past the first checks.
_KEYS = ["id", "modified", "published", "withdrawn", "aliases", "related", "upstream", "summary",
         "details", "severity", "affected", "references", "credits", "database_specific",
         "schema_version", "package", "ecosystem", "name", "purl", "ranges", "type", "repo",
         "events", "introduced", "fixed", "last_affected", "limit", "versions",
         "ecosystem_specific", "variants", "digests", "score", "url", "contact", "atlas", "avid"]
_VALUES = st.sampled_from([
    "x_MSA-2026-0001", "x_MSA-", "GHSA-1", "2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "modelsteward", "GIT", "PyPI", "SEMVER", "ECOSYSTEM", "0", "*", "1.0.0", "1.0.0+q4",
    "v1.0.0", "gpt-4o-2024-08-06", "1" * 40, "sha256:" + "a" * 64, "q4", "Q4", "bot",
    "CVSS_V3", "CVSS:3.1/AV:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS_V4",
    "Ubuntu", "high", "WEB", "https://example.org", "pkg:generic/modelsteward/bot",
    "pkg:generic/modelsteward/bot@1", "AML.T0051", "HIGH", "", " ",
])
OSV_SHAPED = st.recursive(
    _VALUES | _SCALARS,
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6)),
    max_leaves=30)


def _parse(document: object) -> Advisory | None:
    """Parse; the only exception allowed is DocumentInvalid with well-formed problems."""
    try:
        return parse_advisory(document, source="fuzz")
    except DocumentInvalid as exc:
        assert exc.problems, "DocumentInvalid without problems"
        for problem in exc.problems:
            assert isinstance(problem.location, str) and problem.location
            assert isinstance(problem.message, str) and problem.message.strip()
        return None


def _check_accepted(advisory: Advisory | None) -> None:
    if advisory is None:
        return
    doc = advisory.to_osv()
    assert validate_osv(doc) == []
    assert parse_advisory(doc) == advisory


@FAST
@given(ANYTHING)
def test_arbitrary_values_never_crash_the_parser(document: object) -> None:
    _parse(document)
    assert isinstance(validate_osv(document), list)


@FAST
@given(st.dictionaries(st.sampled_from(_KEYS), OSV_SHAPED, max_size=10))
@example({"severity": [{"type": [], "score": "x"}]})  # found by this test: unhashable type
@example({"affected": [{"ranges": [{"type": "GIT", "repo": "r", "events": [
    {"introduced": "0", "id": []}]}]}]})  # found by the mutation test: schema-valid extra key
def test_osv_shaped_documents_never_crash_the_parser(document: dict[str, object]) -> None:
    document.setdefault("id", "x_MSA-2026-0001")
    document.setdefault("modified", "2026-01-01T00:00:00Z")
    _parse(document)


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (the document itself excluded)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(inner, (*prefix, i)))
    return found


_REPLACEMENTS = st.recursive(
    _VALUES | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(_KEYS) | st.text(max_size=4), inner, max_size=3),
    max_leaves=6)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record with one to four edits: a value replaced, removed, or a key added."""
    doc = draw(advisories()).to_osv()
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_REPLACEMENTS)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(_KEYS))] = draw(_REPLACEMENTS)
        else:
            parent.insert(path[-1], draw(_REPLACEMENTS))
    return doc


@FAST
@given(mutated())
def test_mutated_records_are_rejected_with_problems_or_accepted_whole(
        document: dict[str, Any]) -> None:
    """A mutation either breaks the record (DocumentInvalid) or leaves a record that, once
    parsed, writes back a valid document that parses to the same advisory."""
    before = copy.deepcopy(document)
    _check_accepted(_parse(document))
    assert document == before


_BASE: dict[str, object] = {"id": "x_MSA-2026-0001", "modified": "2026-01-01T00:00:00Z",
                            "summary": "s", "aliases": [], "affected": [],
                            "database_specific": {}}


@FAST
@given(st.floats() | st.binary(max_size=3) | st.tuples(st.text()) | st.sets(st.integers()),
       st.sampled_from(sorted(_BASE)))
def test_values_json_cannot_hold_are_problems_not_crashes(odd: object, key: str) -> None:
    doc = dict(_BASE)
    doc[key] = odd
    assert _parse(doc) is None
