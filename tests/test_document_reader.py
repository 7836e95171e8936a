"""The one reader of user documents: limits, repeated keys and located problems, per format."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from modelsteward.document_reader import MAX_BYTES, Format, load_document, read_document
from modelsteward.errors import DocumentInvalid, PathUnreadable


def problems(text: str, fmt: Format) -> dict[str, str]:
    with pytest.raises(DocumentInvalid) as caught:
        load_document(text, fmt, "doc")
    assert caught.value.source == "doc"
    return {p.location: p.message for p in caught.value.problems}


@pytest.mark.parametrize("fmt, text", [
    (Format.JSON, "[" * 100_000 + "]" * 100_000),
    (Format.JSON, '{"a": ' * 65 + "1" + "}" * 65),
    (Format.YAML, "a: " + "[" * 5000 + "]" * 5000),
    (Format.YAML, "".join(" " * i + "-\n" for i in range(300))),
    (Format.TOML, "x = " + "[" * 5000 + "]" * 5000),
    (Format.TOML, "x = " + "{a = " * 70 + "1" + "}" * 70),
])
def test_deep_nesting_is_a_located_problem(fmt: Format, text: str) -> None:
    found = problems(text, fmt)
    assert len(found) == 1
    [(where, message)] = found.items()
    assert where and ("more than 64 deep" in message or "too deeply" in message)
    assert len(where) <= 101  # a deep path is cut: its start says where the nesting begins


def test_nesting_up_to_the_limit_is_read() -> None:
    assert load_document('{"a": ' * 63 + "1" + "}" * 63, Format.JSON, "doc")


def test_a_key_written_twice_in_yaml_is_refused_with_both_locations() -> None:
    found = problems("models:\n  bot:\n    provider: x\n    purpose: y\n    provider: z\n",
                     Format.YAML)
    assert found == {"models.bot.provider": "is written twice in one mapping (again at line 5, "
                                            "column 5); keep one of them, since which one counts "
                                            "would otherwise be a guess"}


def test_a_key_written_twice_in_json_is_refused_with_its_path() -> None:
    found = problems('{"models": [{"a": 1}, {"digest": "x", "digest": "y"}]}', Format.JSON)
    assert list(found) == ["models[1].digest"]


def test_yaml_merge_keys_may_be_overridden() -> None:
    text = "base: &base {a: 1, b: 2}\nbot:\n  <<: *base\n  b: 3\n"
    assert load_document(text, Format.YAML, "doc") == {"base": {"a": 1, "b": 2},
                                                       "bot": {"a": 1, "b": 3}}


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    started = time.monotonic()
    found = problems("\n".join(lines), Format.YAML)
    assert "more than 1,000,000 values" in found["$"]
    assert time.monotonic() - started < 10


def test_texts_that_cannot_be_stored_or_printed_are_refused() -> None:
    found = problems('{"a": "x\\u0000y", "b\\ud800": 1, "c": ["\\udfff"]}', Format.JSON)
    assert set(found) == {"a", "b\ud800", "c[0]"}  # the CLI prints locations escaped
    assert "NUL" in found["a"] and "unpaired surrogate \\ud800" in found["b\ud800"]
    assert "NUL" in problems('a: "x\\0"', Format.YAML)["a"]
    assert load_document('a = "x\\u0000"', Format.TOML, "doc") == {"a": "x\x00"}


def test_yaml_only_types_and_huge_integers_are_refused() -> None:
    assert "!!set" in problems("a: !!set {x, y}", Format.YAML)["a"]
    assert "!!binary" in problems("a: !!binary aGk=", Format.YAML)["a"]
    assert "4300" in problems('{"a": ' + "9" * 5000 + "}", Format.JSON)["$"]
    assert "4300" in problems("a: " + "9" * 5000, Format.YAML)["$"]
    assert "4300" in problems("a = " + "9" * 5000, Format.TOML)["$"]


def test_syntax_errors_and_control_characters_are_located() -> None:
    assert "line 2, column 5" in problems("a: 1\nb: [\x07]\n", Format.YAML)
    assert list(problems('{"a": }', Format.JSON)) == ["line 1, column 7"]
    assert list(problems("a = \n", Format.TOML)) == ["line 1, column 5"]


def test_files_that_are_too_large_or_not_utf8_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(DocumentInvalid) as caught:
        read_document(huge)
    assert caught.value.source == str(huge) and "larger than 32 MiB" in str(caught.value)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(DocumentInvalid) as caught:
        read_document(latin)
    assert [p.location for p in caught.value.problems] == ["line 2, column 7"]
    with pytest.raises(PathUnreadable):
        read_document(tmp_path / "missing.yaml")
    with pytest.raises(PathUnreadable):
        read_document(tmp_path)


def test_keys_without_a_name_or_with_spaces_around_it_are_refused() -> None:
    found = problems('{"": 1, "models": {" bot": {}, "ok": {"\\t": 2}}}', Format.JSON)
    assert found == {"$['']": "is a key with no name; name it or remove the entry",
                     "models[' bot']": "is a key with spaces around its name; remove them",
                     "models.ok['\\t']": "is a key with no name; name it or remove the entry"}
    assert list(problems('"" = 1', Format.TOML)) == ["$['']"]
