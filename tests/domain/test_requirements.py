"""The runtime-requirements reader: valid documents round-trip, every problem is located, and
no input crashes it (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.domain.requirements import (
    FIELDS,
    Requirements,
    parse_requirements,
    valid_range,
)
from modelsteward.errors import DocumentInvalid

FAST = settings(max_examples=100, deadline=None, database=None)

_RELEASE = st.lists(st.integers(0, 999), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts)))
_CLAUSE = st.tuples(st.sampled_from(["~=", "==", "!=", "<=", ">=", "<", ">"]), _RELEASE).map(
    "".join)
_RANGE = st.lists(_CLAUSE, min_size=1, max_size=3).map(",".join)
_NAME = st.from_regex(r"[a-z][a-z0-9./_-]{0,40}", fullmatch=True)
_DIGEST = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)


@FAST
@given(_NAME, _RANGE, st.none() | _NAME, st.none() | _NAME, st.none() | _DIGEST)
def test_a_valid_document_reads_back_as_written(framework: str, versions: str,
                                                tokenizer: str | None, hardware: str | None,
                                                digest: str | None) -> None:
    """A framework, a range of comparison clauses, and optional texts and a sha256 digest are
    what the document says, and survive the event payload unchanged."""
    optional = {"tokenizer": tokenizer, "hardware": hardware, "serving_config_digest": digest}
    document: dict[str, object] = {"framework": framework, "framework_version": versions,
                                   **{k: v for k, v in optional.items() if v is not None}}
    read = parse_requirements(document, "fuzz")
    assert (read.framework, read.framework_version) == (framework, versions)
    assert read.serving_config_digest == (digest or "")
    assert Requirements.from_payload(read.as_payload()) == read


_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
            | st.sampled_from(["", " x", ">=4.40,<4.47", "sha256:" + "a" * 64, "\x00"]))
_DOCUMENTS = (_SCALARS | st.lists(_SCALARS, max_size=3)
              | st.dictionaries(st.sampled_from([*FIELDS, "gpu", "", "Framework"]) | st.text(
                  max_size=5), _SCALARS | st.lists(_SCALARS, max_size=2), max_size=7))


@FAST
@given(_DOCUMENTS)
def test_no_input_crashes_the_reader(document: object) -> None:
    """Whatever the document, the reader returns requirements or raises DocumentInvalid with
    located problems, never another exception."""
    try:
        read = parse_requirements(document, "fuzz")
    except DocumentInvalid as exc:
        assert exc.problems and all(p.location and p.message for p in exc.problems)
        assert "fuzz has" in str(exc)
        return
    assert read.framework and valid_range(read.framework_version)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_requirements({"framework_version": "4.40+", "gpu": "a100",
                            "serving_config_digest": "SHA256:x", "tokenizer": ""}, "req.yaml")
    where = sorted(p.location for p in caught.value.problems)
    assert where == ["framework", "framework_version", "gpu", "serving_config_digest",
                     "tokenizer"]


@pytest.mark.parametrize(("text", "valid"), [
    (">=4.40,<4.47", True), ("==2.3.*", True), ("~=1.2", True), (">= 1.0, < 2", True),
    ("4.40", False), (">=4.40,", False), ("latest", False), ("", False), (">=a", False)])
def test_ranges(text: str, valid: bool) -> None:
    assert valid_range(text) is valid
