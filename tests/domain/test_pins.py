"""Example tests for ``modelsteward.domain.pins``; each docstring quotes the rule it checks."""

from __future__ import annotations

import pytest

from modelsteward.domain.pins import (
    PinLevel,
    SnapshotPin,
    VersionPin,
    parse_snapshot_pin,
    parse_version_pin,
)
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import InvalidInput, InvalidPin

V = ModelVersion.parse


def accepted(pin_text: str, *versions: str) -> list[str]:
    """The versions among ``versions`` that ``pin_text`` matches, in the given order."""
    pin = parse_version_pin(pin_text)
    return [text for text in versions if pin.matches(V(text))]


# --- exact ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2.1.3", "=2.1.3", " = 2.1.3 "])
def test_exact_pin_matches_that_version_only(text: str) -> None:
    """Rule: "exact: ``2.1.3`` or ``=2.1.3`` — that version only (a **strict** pin)"."""
    pin = parse_version_pin(text)
    assert accepted(text, "2.1.2", "2.1.3", "2.1.4", "2.1.3-rc.1", "2.1.3+q4", "3.0.0") == ["2.1.3"]
    assert pin.level is PinLevel.STRICT


def test_exact_prerelease_pin_matches_that_prerelease() -> None:
    """Rule: "exact ... — that version only"; a pre-release "matches only when some comparator
    names the same ``MAJOR.MINOR.PATCH`` with a pre-release"."""
    assert accepted("2.1.3-rc.1", "2.1.3-rc.1", "2.1.3-rc.2", "2.1.3") == ["2.1.3-rc.1"]


# --- caret ----------------------------------------------------------------------------------------


def test_caret_full_version() -> None:
    """Rule: "``^2.1.3`` := ``>=2.1.3 <3.0.0``"."""
    assert accepted("^2.1.3", "2.1.2", "2.1.3", "2.9.9", "3.0.0", "1.9.9") == ["2.1.3", "2.9.9"]


def test_caret_partial_version() -> None:
    """Rule: "caret: ``^2.1`` / ``^2.1.3`` — changes that do not modify the left-most non-zero
    part"."""
    assert accepted("^2.1", "2.0.9", "2.1.0", "2.5.7", "3.0.0") == ["2.1.0", "2.5.7"]
    assert accepted("^2", "1.9.9", "2.0.0", "2.99.0", "3.0.0") == ["2.0.0", "2.99.0"]


def test_caret_zero_major() -> None:
    """Rule: "``^0.2.3`` := ``>=0.2.3 <0.3.0``"."""
    assert accepted("^0.2.3", "0.2.2", "0.2.3", "0.2.9", "0.3.0", "1.0.0") == ["0.2.3", "0.2.9"]


def test_caret_zero_major_and_minor() -> None:
    """Rule: caret allows "changes that do not modify the left-most non-zero part" — for
    ``^0.0.3`` the left-most non-zero part is the patch (npm: ``>=0.0.3 <0.0.4``)."""
    assert accepted("^0.0.3", "0.0.2", "0.0.3", "0.0.4", "0.1.0") == ["0.0.3"]
    assert accepted("^0.0", "0.0.0", "0.0.9", "0.1.0") == ["0.0.0", "0.0.9"]
    assert accepted("^0", "0.0.0", "0.9.9", "1.0.0") == ["0.0.0", "0.9.9"]


# --- tilde ----------------------------------------------------------------------------------------


def test_tilde_full_version() -> None:
    """Rule: "tilde: ... — patch-level changes (``~2.1.3`` := ``>=2.1.3 <2.2.0``"."""
    assert accepted("~2.1.3", "2.1.2", "2.1.3", "2.1.99", "2.2.0") == ["2.1.3", "2.1.99"]


def test_tilde_minor() -> None:
    """Rule: "tilde: ``~2.1`` / ``~2.1.3`` — patch-level changes"."""
    assert accepted("~2.1", "2.0.9", "2.1.0", "2.1.7", "2.2.0") == ["2.1.0", "2.1.7"]


def test_tilde_major() -> None:
    """Rule: "``~2`` := ``>=2.0.0 <3.0.0``"."""
    assert accepted("~2", "1.9.9", "2.0.0", "2.9.0", "3.0.0") == ["2.0.0", "2.9.0"]


# --- x-ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2.x", "2.X", "2.*", "2", "2.x.x"])
def test_major_x_range(text: str) -> None:
    """Rule: "x-range: ``2.x``, ``2.1.x``, ``2.*``, ``2``, ``2.1`` — any value in the missing
    places"."""
    assert accepted(text, "1.9.9", "2.0.0", "2.7.3", "3.0.0") == ["2.0.0", "2.7.3"]


@pytest.mark.parametrize("text", ["2.1.x", "2.1.*", "2.1"])
def test_minor_x_range(text: str) -> None:
    """Rule: "x-range: ``2.x``, ``2.1.x``, ``2.*``, ``2``, ``2.1`` — any value in the missing
    places"."""
    assert accepted(text, "2.0.9", "2.1.0", "2.1.42", "2.2.0") == ["2.1.0", "2.1.42"]


@pytest.mark.parametrize("text", ["*", "x", "X", "x.x.x"])
def test_star_matches_anything_without_variant_or_prerelease(text: str) -> None:
    """Rule: "``*`` or ``x`` — anything" (and, as for every pin, "without [a variant suffix]
    only versions without a variant match"; pre-releases need a comparator naming them)."""
    assert accepted(text, "0.0.0", "1.4.2", "99.0.0", "1.4.2+q4", "2.0.0-rc.1") == [
        "0.0.0", "1.4.2", "99.0.0"
    ]
    assert parse_version_pin(text).level is PinLevel.TIER


# --- comparators ----------------------------------------------------------------------------------


def test_comparator_set_with_space() -> None:
    """Rule: "comparators: ``>=2 <3`` ... — all must hold"."""
    assert accepted(">=2 <3", "1.9.9", "2.0.0", "2.9.9", "3.0.0") == ["2.0.0", "2.9.9"]


def test_comparator_set_with_comma_and_partial_upper() -> None:
    """Rule: "comparators: ... ``>2.1.0,<=2.4`` ... — all must hold" (npm: ``<=2.4`` :=
    ``<2.5.0``)."""
    assert accepted(">2.1.0,<=2.4", "2.1.0", "2.1.1", "2.4.0", "2.4.9", "2.5.0") == [
        "2.1.1", "2.4.0", "2.4.9"
    ]


@pytest.mark.parametrize(
    "text", ["^2.1 !=2.1.4", "^2.1, !=2.1.4", "!=2.1.4 ~2.1", ">=2.1 != 2.1.4 <2.2"]
)
def test_not_equal_combined_with_a_range(text: str) -> None:
    """Rule: "comparators: ... ``!=2.1.4`` — all must hold"."""
    assert accepted(text, "2.1.3", "2.1.4", "2.1.5") == ["2.1.3", "2.1.5"]


def test_partial_greater_than_means_next_family() -> None:
    """Rule: "the rules follow npm's ``node-semver``": ``>2.1`` := ``>=2.2.0``; ``<2.1`` :=
    ``<2.1.0``; ``>=2.1`` := ``>=2.1.0``."""
    assert accepted(">2.1", "2.1.9", "2.2.0") == ["2.2.0"]
    assert accepted("<2.1", "2.0.9", "2.1.0") == ["2.0.9"]
    assert accepted(">=2.1", "2.0.9", "2.1.0") == ["2.1.0"]
    assert accepted(">2", "2.9.9", "3.0.0") == ["3.0.0"]


def test_not_equal_needs_a_full_version() -> None:
    """Rule: "'!=' needs a full version" (``!=2.1`` would exclude a whole family)."""
    with pytest.raises(InvalidPin, match="'!=' needs a full version"):
        parse_version_pin("!=2.1")


# --- variants -------------------------------------------------------------------------------------


def test_variant_suffix_asks_for_that_variant() -> None:
    """Rule: "A trailing ``+VARIANT`` (``^2.1+q4``) asks for that variant"."""
    pin = parse_version_pin("^2.1+q4")
    assert pin.variant == "q4"
    assert accepted("^2.1+q4", "2.1.0", "2.1.0+q4", "2.3.1+q4", "2.3.1+q8", "3.0.0+q4") == [
        "2.1.0+q4", "2.3.1+q4"
    ]


def test_without_variant_suffix_variants_never_match() -> None:
    """Rule: "without it only versions without a variant match"."""
    assert accepted("^2.1", "2.1.0", "2.1.0+q4", "2.3.1+onnx") == ["2.1.0"]
    assert accepted("2.1.0", "2.1.0", "2.1.0+q4") == ["2.1.0"]


def test_exact_variant_pin_is_strict() -> None:
    """Rule: "exact: ``2.1.3`` ... (a **strict** pin)", with a trailing ``+VARIANT``."""
    pin = parse_version_pin("2.1.3+q4")
    assert pin.level is PinLevel.STRICT
    assert accepted("2.1.3+q4", "2.1.3", "2.1.3+q4", "2.1.4+q4") == ["2.1.3+q4"]


# --- pre-releases ---------------------------------------------------------------------------------


def test_prerelease_excluded_unless_named() -> None:
    """Rule: "A pre-release matches only when some comparator names the same
    ``MAJOR.MINOR.PATCH`` with a pre-release (``>=2.0.0-rc.1``), as in npm." — ``^2.1`` does not
    match ``2.2.0-rc.1``."""
    assert accepted("^2.1", "2.2.0-rc.1", "2.2.0") == ["2.2.0"]
    assert accepted(">=2.0.0 <3.0.0", "2.5.0-beta") == []


def test_prerelease_matches_same_core_only() -> None:
    """Rule: "A pre-release matches only when some comparator names the same
    ``MAJOR.MINOR.PATCH`` with a pre-release (``>=2.0.0-rc.1``)"."""
    assert accepted(">=2.2.0-rc.1", "2.2.0-rc.0", "2.2.0-rc.1", "2.2.0-rc.2", "2.2.0",
                    "2.3.0-rc.1", "2.3.0") == ["2.2.0-rc.1", "2.2.0-rc.2", "2.2.0", "2.3.0"]


def test_caret_with_prerelease() -> None:
    """Rule: pre-releases follow npm: ``^2.1.3-rc.1`` := ``>=2.1.3-rc.1 <3.0.0`` and admits
    pre-releases of ``2.1.3`` only."""
    assert accepted("^2.1.3-rc.1", "2.1.3-rc.0", "2.1.3-rc.2", "2.1.3", "2.4.0-rc.1",
                    "3.0.0-rc.1") == ["2.1.3-rc.2", "2.1.3"]


def test_upper_bound_excludes_its_prereleases() -> None:
    """Rule: "``^2.1.3`` := ``>=2.1.3 <3.0.0``" — and ``<3.0.0`` excludes ``3.0.0``'s
    pre-releases, as in npm."""
    assert accepted("^2.1.3", "3.0.0-rc.1", "3.0.0-0") == []
    assert accepted(">=3.0.0-alpha <3.0.1", "3.0.0-rc.1", "3.0.1-rc.1") == ["3.0.0-rc.1"]


# --- levels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("2.1.3", PinLevel.STRICT),
        ("=2.1.3", PinLevel.STRICT),
        ("^2.1", PinLevel.FAMILY),
        ("~2.1.3", PinLevel.FAMILY),
        ("2.1.x", PinLevel.FAMILY),
        ("2.x", PinLevel.FAMILY),
        (">=2 <3", PinLevel.FAMILY),
        (">=2", PinLevel.TIER),
        (">1.0.0", PinLevel.TIER),
        ("*", PinLevel.TIER),
        ("!=2.1.4", PinLevel.TIER),
    ],
)
def test_version_pin_levels(text: str, level: PinLevel) -> None:
    """Rule (PRODUCT.md, Pins): "strict (one exact version or snapshot), family (``^2.1``,
    ``2.1.x``, ``claude-sonnet-4-5-*``) or tier (``claude-sonnet-*``, ``>=2``)"."""
    assert parse_version_pin(text).level is level


# --- snapshot pins --------------------------------------------------------------------------------


def test_snapshot_pin_strict() -> None:
    """Rule: "Hosted models are pinned by snapshot id: ``claude-sonnet-4-5-20250929``
    (strict)"."""
    pin = parse_snapshot_pin("claude-sonnet-4-5-20250929")
    assert isinstance(pin, SnapshotPin)
    assert pin.level is PinLevel.STRICT
    assert pin.matches(Snapshot.parse("claude-sonnet-4-5-20250929"))
    assert not pin.matches(Snapshot.parse("claude-sonnet-4-5-20251001"))
    assert not pin.matches(Snapshot.parse("claude-sonnet-4-5"))


def test_snapshot_pin_family() -> None:
    """Rule: "``claude-sonnet-4-5-*`` (family) ... ``*`` matches any characters"."""
    pin = parse_snapshot_pin("claude-sonnet-4-5-*")
    assert pin.level is PinLevel.FAMILY
    assert pin.matches(Snapshot.parse("claude-sonnet-4-5-20250929"))
    assert not pin.matches(Snapshot.parse("claude-sonnet-4-20250514"))
    assert not pin.matches(Snapshot.parse("claude-opus-4-5-20251101"))


def test_snapshot_pin_tier() -> None:
    """Rule: "``claude-sonnet-*`` (tier); ``*`` matches any characters"."""
    pin = parse_snapshot_pin("claude-sonnet-*")
    assert pin.level is PinLevel.TIER
    assert pin.matches(Snapshot.parse("claude-sonnet-4-5-20250929"))
    assert pin.matches(Snapshot.parse("claude-sonnet-4-20250514"))
    assert not pin.matches(Snapshot.parse("claude-opus-4-1-20250805"))
    assert not pin.matches(Snapshot.parse("claude-3-5-sonnet-20241022"))


def test_snapshot_glob_star_anywhere_is_case_sensitive() -> None:
    """Rule: "``*`` matches any characters" — and nothing else is special."""
    assert parse_snapshot_pin("gpt-*-2024-*").matches(Snapshot.parse("gpt-4o-2024-08-06"))
    assert not parse_snapshot_pin("GPT-*").matches(Snapshot.parse("gpt-4o-2024-08-06"))
    assert parse_snapshot_pin("*").matches(Snapshot.parse("anything-at-all"))


@pytest.mark.parametrize("text", ["", "claude sonnet", "claude-[45]", "claude-?", "-x"])
def test_invalid_snapshot_pin(text: str) -> None:
    """Rule: "Hosted models are pinned by snapshot id ... (strict), ``claude-sonnet-4-5-*``
    (family) or ``claude-sonnet-*`` (tier)" — anything else is refused naming those forms."""
    with pytest.raises(InvalidPin, match=r"claude-sonnet-4-5-\*"):
        parse_snapshot_pin(text)


# --- invalid pins ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["^", "", "   ", ">=abc", "x.2", "2.x.1", "1.2.3.4", "^2.1+Q 4",
                                  "2.1.x-rc.1", "+q4", "2.1 || 3", "v2.1.3"])
def test_invalid_pins_list_the_accepted_forms(text: str) -> None:
    """Rule (``parse_version_pin``): "raise :class:`InvalidPin` naming the accepted forms"."""
    with pytest.raises(InvalidPin) as info:
        parse_version_pin(text)
    message = str(info.value)
    assert "Accepted forms:" in message
    for form in ("'2.1.3'", "'^2.1'", "'~2.1'", "'2.x'", "'>=2 <3'", "'*'", "'+q4'"):
        assert form in message
    assert repr(text) in message


def test_invalid_variant_suffix_explains_variant_names() -> None:
    """Rule: "A trailing ``+VARIANT`` (``^2.1+q4``) asks for that variant" — a malformed variant
    name is refused as a pin error that says what a variant name is."""
    with pytest.raises(InvalidPin, match="not a valid variant name"):
        parse_version_pin("^2.1+Q4")


def test_invalid_pin_is_an_invalid_input() -> None:
    """Rule (errors.py): "InvalidInput — bad argument, name, version, pin or file"."""
    assert issubclass(InvalidPin, InvalidInput)


def test_pin_str_is_its_text() -> None:
    """A pin shows as written, so messages quote what the user typed."""
    pin = parse_version_pin(" ^2.1+q4 ")
    assert isinstance(pin, VersionPin)
    assert str(pin) == "^2.1+q4"
    assert str(parse_snapshot_pin("claude-sonnet-*")) == "claude-sonnet-*"
