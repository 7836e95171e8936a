"""Example tests for ``modelsteward.domain.names``; each docstring quotes the rule it checks."""

from __future__ import annotations

import re

import pytest

from modelsteward.domain.names import (
    close_name_lengths,
    close_names,
    validate_label,
    validate_model_name,
)
from modelsteward.errors import InvalidInput, InvalidName

RULE_TEXT = "use 1–64 lowercase letters, digits, '.', '_' or '-'"


@pytest.mark.parametrize(
    "name",
    ["support-bot", "acme/support-bot", "a", "a/b", "0", "llama-3.1_8b", "a" * 64,
     f"{'o' * 64}/{'n' * 64}"],
)
def test_valid_names_are_returned_unchanged(name: str) -> None:
    """Rule: "A valid name is one or two segments separated by ``/``; each segment has 1–64
    characters from ``a-z 0-9 . _ -``, starting and ending with a letter or digit."."""
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("-bad", "bad"),
        ("bad-", "bad"),
        ("Bad", "bad"),
        ("Support Bot", "support-bot"),
        ("ACME/Support_Bot", "acme/support_bot"),
        ("support bot!", "support-bot"),
        ("a_", "a"),
        (".a", "a"),
        ("/a", "a"),
    ],
)
def test_invalid_names_suggest_a_valid_one(name: str, suggestion: str) -> None:
    """Rule: a segment has "characters from ``a-z 0-9 . _ -``, starting and ending with a letter
    or digit"; the error names the rule and suggests the nearest valid name."""
    with pytest.raises(InvalidName) as info:
        validate_model_name(name)
    message = str(info.value)
    assert repr(name) in message
    assert RULE_TEXT in message
    assert f"Did you mean {suggestion!r}?" in message
    assert validate_model_name(suggestion) == suggestion


@pytest.mark.parametrize(
    "name",
    ["", "a/b/c", "a" * 65, f"acme/{'a' * 65}", "a//b", "-", "!!!"],
)
def test_invalid_names_without_a_valid_suggestion(name: str) -> None:
    """Rule: "one or two segments separated by ``/``; each segment has 1–64 characters" — when
    no valid name is near, the error states the rule without guessing."""
    with pytest.raises(InvalidName) as info:
        validate_model_name(name)
    message = str(info.value)
    assert RULE_TEXT in message
    assert "optionally as 'org/name'" in message
    assert "Did you mean" not in message


def test_name_with_a_trailing_newline_is_refused() -> None:
    """Rule: the name must be exactly one or two segments — no stray whitespace, even the
    trailing newline a ``$``-anchored pattern would let through."""
    with pytest.raises(InvalidName, match="Did you mean 'support-bot'"):
        validate_model_name("support-bot\n")


def test_invalid_name_is_an_invalid_input() -> None:
    """Rule (errors.py): "InvalidInput — bad argument, name, version, pin or file"."""
    assert issubclass(InvalidName, InvalidInput)


def test_close_names_offer_the_names_a_typo_meant() -> None:
    """Rule: the names whose ``difflib`` ratio with the name is at least 0.6, best first,
    letter case ignored; the name itself is not offered."""
    names = ["support-bot", "support-bot-eu", "embedder", "acme/support-base", "Bot"]
    assert close_names("suport-bot", names) == ["support-bot", "support-bot-eu"]
    assert close_names("EMBEDER", names) == ["embedder"]
    assert close_names("bot", names) == ["Bot"]
    assert close_names("ghost", names) == []
    assert close_names("support-bot", ["support-bot"]) == []
    assert len(close_names("support-bot-e", [*names, "support-bot-a", "support-bot-b"])) == 3


@pytest.mark.parametrize("name", ["a", "bot", "suport-bot", "x" * 64, f"{'o' * 64}/{'n' * 64}"])
def test_close_name_lengths_never_exclude_a_close_name(name: str) -> None:
    """Rule: a ratio of at least c needs c/(2-c) ≤ b/a ≤ (2-c)/c, so every close name's length
    is in the bounds (checked against every shorter and longer run of the same letters)."""
    low, high = close_name_lengths(name)
    for length in range(1, 4 * len(name) + 2):
        candidate = (name * 5)[:length]
        if close_names(name, [candidate]):
            assert low <= length <= high, (length, low, high)
    assert low <= len(name) <= high


@pytest.mark.parametrize("label", ["alice@example.com", "José Núñez", "team-ml", "Zoë",
                                   "山田 たろう", "ΑΒΓ", "ops 2"])
def test_labels_in_one_script_are_accepted(label: str) -> None:
    """Names people read (teams, tokens, actors) may hold spaces, '@' and "letters of any one
    script"."""
    assert validate_label(label, "The team") == label


@pytest.mark.parametrize(("label", "words"), [
    ("p\u0430ypal", "mixes letters of Latin ('p') and Cyrillic ('\u0430')"),
    ("\u0440\u0430\u0443\u0440\u0430l", "mixes letters of Cyrillic ('\u0440') and Latin ('l')"),
    ("ops\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("o\u2066ps", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("o\u200bps", "U+200B (ZERO WIDTH SPACE)"),
    ("ops\x1b[2J", "U+001B"),
])
def test_labels_with_mixed_scripts_or_invisible_characters_are_refused(label: str,
                                                                       words: str) -> None:
    """Refused: "a control or invisible character" and "letters of more than one script"."""
    with pytest.raises(InvalidName, match=re.escape(words)):
        validate_label(label, "The team")
