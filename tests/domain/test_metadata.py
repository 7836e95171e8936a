"""Version metadata is bounded before it is written: depth, size, finite numbers, valid
Unicode, JSON values only."""

from __future__ import annotations

import pytest

from modelsteward.domain.metadata import MAX_BYTES, MAX_DEPTH, check_metadata, metadata_problems
from modelsteward.errors import InvalidInput


def nested(levels: int) -> dict[str, object]:
    """An object ``levels`` levels deep (the outer object is level 1)."""
    value: dict[str, object] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_is_not() -> None:
    assert metadata_problems(nested(MAX_DEPTH)) == []
    problems = metadata_problems(nested(MAX_DEPTH + 1))
    assert [p.message for p in problems] == [f"nests deeper than {MAX_DEPTH} levels"]
    assert problems[0].location == "metadata" + ".a" * MAX_DEPTH
    assert metadata_problems({"a": [[[]]] * 2}) == []


def test_any_depth_is_reported_without_overflowing_the_stack() -> None:
    with pytest.raises(InvalidInput, match=f"at most {MAX_DEPTH} levels"):
        check_metadata(nested(100_000))


def test_values_json_cannot_hold_are_each_located() -> None:
    problems = metadata_problems({"loss": float("nan"), "lr": [1.0, float("inf")],
                                  "name": "bad \ud800", 3: "x", "when": object(), "ok": None})
    assert {(p.location, p.message.split(",")[0]) for p in problems} == {
        ("metadata.loss", "is nan"), ("metadata.lr[1]", "is inf"),
        ("metadata.name", "holds a lone surrogate (not valid Unicode)"),
        ("metadata", "has the key 3"),
        ("metadata.when", "is not a JSON value (a object)"),
    }


def test_size_is_measured_as_json() -> None:
    assert metadata_problems({"x": "a" * (MAX_BYTES - 10)}) == []
    with pytest.raises(InvalidInput, match="64 KiB") as raised:
        check_metadata({"x": "é" * MAX_BYTES})
    assert "bytes as JSON" in str(raised.value)
