"""Example tests for ``modelsteward.domain.versioning``: one test per rule, each quoting it."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modelsteward.domain.versioning import (
    VERSION_ID_PATTERN,
    ChangeKind,
    Level,
    ModelVersion,
    Snapshot,
    bump_level,
    check_bump,
    next_version,
    validate_version_id,
)
from modelsteward.errors import InvalidInput, InvalidVersion

V = ModelVersion.parse


# --- the bump table -------------------------------------------------------------------------


def test_architecture_change_bumps_major() -> None:
    """Rule: "architecture, input/output schema or tokenizer change → **major** (1.4.2 → 2.0.0)"."""
    assert ChangeKind.ARCHITECTURE.level is Level.MAJOR
    assert next_version(V("1.4.2"), ChangeKind.ARCHITECTURE) == V("2.0.0")


def test_retrain_bumps_minor() -> None:
    """Rule: "retrained on new data, new base model → **minor** (1.4.2 → 1.5.0)"."""
    assert ChangeKind.RETRAIN.level is Level.MINOR
    assert next_version(V("1.4.2"), ChangeKind.RETRAIN) == V("1.5.0")


@pytest.mark.parametrize("change", [ChangeKind.CONFIG, ChangeKind.PROMPT])
def test_config_and_prompt_changes_bump_patch(change: ChangeKind) -> None:
    """Rule: "configuration, serving configuration, prompt template → **patch** (1.4.2 → 1.4.3)"."""
    assert change.level is Level.PATCH
    assert next_version(V("1.4.2"), change) == V("1.4.3")


@pytest.mark.parametrize(
    "change", [ChangeKind.QUANTISATION, ChangeKind.DISTILLATION, ChangeKind.EXPORT]
)
def test_quantisation_distillation_export_make_a_variant(change: ChangeKind) -> None:
    """Rule: "quantisation, distillation, format export → **variant** (1.4.2 → 1.4.2 variant
    ``q4``)"."""
    assert change.level is Level.VARIANT
    new = next_version(V("1.4.2"), change, "q4")
    assert new == V("1.4.2+q4")
    assert new.core == (1, 4, 2)
    assert new.variant == "q4"
    assert str(new) == "1.4.2+q4"


def test_first_version_is_1_0_0() -> None:
    """Rule (``next_version``): "The first version of a model is ``1.0.0``."."""
    for change in (ChangeKind.ARCHITECTURE, ChangeKind.RETRAIN, ChangeKind.CONFIG,
                   ChangeKind.PROMPT):
        assert next_version(None, change) == ModelVersion(1, 0, 0)


def test_variant_change_requires_a_variant_name() -> None:
    """Rule (``next_version``): "A variant change keeps the version of its base and adds
    ``variant``, which is then required."."""
    with pytest.raises(InvalidVersion, match="--variant"):
        next_version(V("1.4.2"), ChangeKind.QUANTISATION)


def test_variant_change_without_a_base_is_refused() -> None:
    """Rule: a variant change "produces a variant of an existing version" — with no version yet
    there is no base: "Register the base version first"."""
    with pytest.raises(InvalidVersion, match="Register the base version first"):
        next_version(None, ChangeKind.EXPORT, "onnx")


def test_non_variant_change_refuses_a_variant_name() -> None:
    """Rule (``check_bump``): "a change that is not a variant change must not carry a
    variant" — ``next_version`` refuses ``--variant`` for such a change."""
    with pytest.raises(InvalidVersion, match="not a variant"):
        next_version(V("1.4.2"), ChangeKind.CONFIG, "q4")


def test_variant_keeps_release_of_base_dropping_prerelease_and_old_variant() -> None:
    """Rule: "A variant change keeps the version of its base and adds ``variant``"."""
    assert next_version(V("1.4.2+q8"), ChangeKind.QUANTISATION, "q4") == V("1.4.2+q4")


def test_invalid_variant_name_is_refused_with_examples() -> None:
    """Rule: a variant name is "1–32 lowercase letters, digits, '.' or '-', starting and ending
    with a letter or digit (e.g. 'q4', 'onnx', 'gguf-q4-k-m')"."""
    with pytest.raises(InvalidVersion, match=re.escape("e.g. 'q4'")):
        next_version(V("1.4.2"), ChangeKind.QUANTISATION, "Q 4")
    with pytest.raises(InvalidVersion):
        V("1.4.2").with_variant("-q4")
    with pytest.raises(InvalidVersion):
        V("1.4.2").with_variant("q" * 33)
    assert V("1.4.2").with_variant("gguf-q4.k-m").variant == "gguf-q4.k-m"


def test_variant_name_with_trailing_newline_is_refused() -> None:
    """Rule: a variant name uses "1–32 lowercase letters, digits, '.' or '-', starting and ending
    with a letter or digit" — a newline is none of those."""
    with pytest.raises(InvalidVersion):
        next_version(V("1.4.2"), ChangeKind.QUANTISATION, "q4\n")


# --- check_bump --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "change", "expected"),
    [
        ("1.4.3", ChangeKind.ARCHITECTURE, "2.0.0"),
        ("2.1.0", ChangeKind.ARCHITECTURE, "2.0.0"),  # a major bump resets minor and patch
        ("1.4.3", ChangeKind.RETRAIN, "1.5.0"),
        ("1.5.1", ChangeKind.RETRAIN, "1.5.0"),  # a minor bump resets patch
        ("2.0.0", ChangeKind.RETRAIN, "1.5.0"),
        ("1.5.0", ChangeKind.CONFIG, "1.4.3"),
        ("1.4.2", ChangeKind.PROMPT, "1.4.3"),  # no change at all
        ("1.4.1", ChangeKind.PROMPT, "1.4.3"),  # going backwards
    ],
)
def test_check_bump_refuses_a_contradicting_version_and_names_the_expected_one(
    new: str, change: ChangeKind, expected: str
) -> None:
    """Rule (``check_bump``): "Explain why ``new`` contradicts ``change`` after ``predecessor``"
    — "A major bump resets minor and patch to 0 and a minor bump resets patch, as in SemVer"."""
    explanation = check_bump(V("1.4.2"), V(new), change)
    assert explanation is not None
    assert f"the next version is {expected}, not {new}" in explanation
    assert "after 1.4.2" in explanation


@pytest.mark.parametrize(
    ("new", "change"),
    [
        ("2.0.0", ChangeKind.ARCHITECTURE),
        ("1.5.0", ChangeKind.RETRAIN),
        ("1.4.3", ChangeKind.CONFIG),
        ("1.4.3", ChangeKind.PROMPT),
        ("2.0.0-rc.1", ChangeKind.ARCHITECTURE),
        ("1.4.2+q4", ChangeKind.QUANTISATION),
    ],
)
def test_check_bump_accepts_the_version_the_change_produces(new: str, change: ChangeKind) -> None:
    """Rule (``check_bump``): "return ``None``" when ``new`` agrees with ``change``."""
    assert check_bump(V("1.4.2"), V(new), change) is None


def test_check_bump_refuses_a_variant_on_a_non_variant_change() -> None:
    """Rule (``check_bump``): "a change that is not a variant change must not carry a variant"."""
    explanation = check_bump(V("1.4.2"), V("1.4.3+q4"), ChangeKind.CONFIG)
    assert explanation is not None
    assert "+q4" in explanation and "quantisation, distillation or export" in explanation


def test_check_bump_refuses_a_variant_change_without_a_variant() -> None:
    """Rule (``check_bump``): "a variant change must [carry a variant]"."""
    explanation = check_bump(V("1.4.2"), V("1.4.2"), ChangeKind.DISTILLATION)
    assert explanation is not None
    assert "1.4.2+q4" in explanation


def test_check_bump_refuses_a_variant_that_does_not_keep_its_base_version() -> None:
    """Rule: "quantisation, distillation, format export → **variant** (1.4.2 → 1.4.2 variant
    ``q4``)" and (``next_version``) "A variant change keeps the version of its base"."""
    assert check_bump(V("1.4.2"), V("1.5.0+q4"), ChangeKind.QUANTISATION) is not None


def test_bump_level_names_the_first_differing_part() -> None:
    """Rule (``bump_level``): "The level at which ``new`` differs from ``previous``, or ``None``
    if their cores are equal and no variant distinguishes them"."""
    assert bump_level(V("1.4.2"), V("2.0.0")) is Level.MAJOR
    assert bump_level(V("1.4.2"), V("1.5.0")) is Level.MINOR
    assert bump_level(V("1.4.2"), V("1.4.3")) is Level.PATCH
    assert bump_level(V("1.4.2"), V("1.4.2+q4")) is Level.VARIANT
    assert bump_level(V("1.4.2"), V("1.4.2")) is None


# --- parsing -----------------------------------------------------------------------------------


def test_leading_v_is_refused_with_the_corrected_version() -> None:
    """Rule (``parse``): "raise :class:`InvalidVersion` naming the expected form"."""
    with pytest.raises(InvalidVersion, match=r"without the 'v', as '1\.2\.3'"):
        V("v1.2.3")


@pytest.mark.parametrize("text", ["v1.2", "vX", "v"])
def test_leading_v_hint_only_suggests_a_valid_version(text: str) -> None:
    """Rule (``parse``): "raise :class:`InvalidVersion` naming the expected form"."""
    with pytest.raises(InvalidVersion) as info:
        V(text)
    assert "MAJOR.MINOR.PATCH" in str(info.value)


@pytest.mark.parametrize("text", ["1.2", "1.2.3.4", "", "1.2.x", "01.2.3", "1.2.3-rc..1", "abc"])
def test_malformed_versions_name_the_expected_form(text: str) -> None:
    """Rule (``parse``): "raise :class:`InvalidVersion` naming the expected form" — the form is
    ``MAJOR.MINOR.PATCH[-PRERELEASE][+VARIANT]``."""
    with pytest.raises(InvalidVersion) as info:
        V(text)
    message = str(info.value)
    assert "MAJOR.MINOR.PATCH" in message
    assert "'1.4.2+q4'" in message
    assert repr(text) in message


@pytest.mark.parametrize("text", ["1.2.3+Q 4", "1.2.3+", "1.2.3+q4+x", "1.2.3+-q4"])
def test_bad_variant_in_a_version_is_refused(text: str) -> None:
    """Rule: a variant name uses "1–32 lowercase letters, digits, '.' or '-', starting and ending
    with a letter or digit"."""
    with pytest.raises(InvalidVersion, match="not a valid variant name"):
        V(text)


def test_invalid_version_is_an_invalid_input() -> None:
    """Rule (errors.py): "InvalidInput — bad argument, name, version, pin or file"."""
    assert issubclass(InvalidVersion, InvalidInput)


def test_parse_reads_every_field_and_strips_whitespace() -> None:
    """Form: ``MAJOR.MINOR.PATCH[-PRERELEASE][+VARIANT]``."""
    assert V(" 2.0.0-rc.1+gguf-q4.k-m ") == ModelVersion(2, 0, 0, "rc.1", "gguf-q4.k-m")


@pytest.mark.parametrize(
    "text", ["0.0.0", "1.4.2", "1.4.2+q4", "2.0.0-rc.1", "2.0.0-rc.1+onnx", "10.20.30-alpha.beta.1"]
)
def test_str_round_trips(text: str) -> None:
    """Rule: "modelsteward writes a variant after ``+`` (``1.4.2+q4``)"; ``str`` writes what
    ``parse`` reads."""
    version = V(text)
    assert str(version) == text
    assert V(str(version)) == version


# --- ordering ------------------------------------------------------------------------------------


def test_variant_never_sorts_below_its_base() -> None:
    """Rule: "A variant is *not* a SemVer pre-release: ``1.0.0-q4`` would sort below ``1.0.0``.
    modelsteward ... orders it directly after its base version and before the next base version."""
    assert V("1.0.0") < V("1.0.0+q4") < V("1.0.1")
    assert V("1.0.0+q4") > V("1.0.0")
    assert V("1.0.0+q4") != V("1.0.0")


def test_prerelease_sorts_below_its_release_as_in_semver() -> None:
    """Rule: "Pre-releases keep SemVer's meaning and ordering." — ``1.0.0-rc.1 < 1.0.0``."""
    assert V("1.0.0-rc.1") < V("1.0.0")
    assert V("1.0.0-alpha") < V("1.0.0-alpha.1") < V("1.0.0-alpha.beta") < V("1.0.0-beta")
    assert V("1.0.0-beta.2") < V("1.0.0-beta.11") < V("1.0.0-rc.1") < V("1.0.0")


def test_documented_ordering_example() -> None:
    """Rule (``ModelVersion``): "So ``1.4.2 < 1.4.2+q4 < 1.4.3-rc.1 < 1.4.3``"."""
    ordered = [V("1.4.2"), V("1.4.2+q4"), V("1.4.3-rc.1"), V("1.4.3")]
    arrived = ordered[::-1]
    assert sorted(arrived) == ordered
    assert max(ordered) == V("1.4.3")


def test_numeric_parts_order_numerically() -> None:
    """SemVer precedence: "Major, minor, and patch versions are always compared numerically"."""
    assert V("1.9.0") < V("1.10.0") < V("2.0.0")
    assert V("1.0.10") > V("1.0.9")


def test_base_and_release_strip_variant_and_prerelease() -> None:
    """``base`` is "This version without its variant"; ``release`` is "The core version alone:
    no pre-release, no variant"."""
    version = V("2.0.0-rc.1+q4")
    assert version.base == V("2.0.0-rc.1")
    assert version.release == V("2.0.0")
    assert version.core == (2, 0, 0)


# --- snapshots -----------------------------------------------------------------------------------


def test_snapshots_order_by_embedded_date() -> None:
    """Rule: "Hosted provider models are identified by the provider's snapshot id
    (``claude-sonnet-4-5-20250929``) and ordered by the date the id carries, if any."."""
    assert Snapshot.parse("gpt-4o-2024-05-13") < Snapshot.parse("gpt-4o-2024-08-06")
    claude = Snapshot.parse("claude-sonnet-4-5-20250929")
    assert claude.date == "20250929"
    assert str(claude) == "claude-sonnet-4-5-20250929"
    assert Snapshot.parse("gpt-4o-2024-08-06").date == "20240806"


def test_snapshot_date_outranks_the_text() -> None:
    """Rule (``Snapshot``): "ordered by the date it carries and then by its text"."""
    older, newer = Snapshot.parse("zeta-20240101"), Snapshot.parse("alpha-20250101")
    assert older < newer
    assert sorted([newer, older]) == [older, newer]
    assert Snapshot.parse("m-20240101-a") != Snapshot.parse("m-20240101-b")


def test_undated_snapshot_has_no_date() -> None:
    """Rule: ordered "by the date the id carries, if any" — an undated id carries none."""
    alias = Snapshot.parse("gpt-4o")
    assert alias.date == ""
    assert alias < Snapshot.parse("gpt-4o-2024-05-13")


def test_vertex_style_snapshot_id_carries_its_date() -> None:
    """Rule: "Hosted provider models are identified by the provider's snapshot id ... and ordered
    by the date the id carries, if any." — Vertex AI publishes ``name@YYYYMMDD``."""
    assert Snapshot.parse("claude-3-5-sonnet-v2@20241022").date == "20241022"


@pytest.mark.parametrize("text", ["", "claude sonnet", "-leading-dash", "trailing-", "a" * 200])
def test_invalid_snapshot_ids_are_refused_with_examples(text: str) -> None:
    """Rule (``Snapshot.parse``): "use the provider's model id as published, e.g.
    'claude-sonnet-4-5-20250929'"."""
    with pytest.raises(InvalidVersion, match="claude-sonnet-4-5-20250929"):
        Snapshot.parse(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("a1.-+/\\\x00\x1f\x7f\x85é_"), max_size=12))
def test_the_stated_version_id_pattern_is_the_rule(text: str) -> None:
    """Rule: a version id "may not contain '/', '\\', '..', NUL or another control character";
    the pattern the OpenAPI document states accepts exactly what that rule accepts."""
    assume(text)
    stated = re.fullmatch(VERSION_ID_PATTERN, text) is not None
    try:
        validate_version_id(text)
        checked = True
    except InvalidVersion:
        checked = False
    assert stated == checked
