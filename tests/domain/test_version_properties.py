"""Property tests for ``modelsteward.domain.versioning``; each docstring quotes its rule."""

from __future__ import annotations

import semver
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from modelsteward.domain.versioning import (
    ChangeKind,
    Level,
    ModelVersion,
    bump_level,
    check_bump,
    next_version,
)

from .strategies import (
    FAST,
    NON_VARIANT_CHANGES,
    VARIANT_CHANGES,
    VARIANTS,
    VERSIONS,
    related_versions,
)


def _semver(v: ModelVersion) -> semver.Version:
    return semver.Version(v.major, v.minor, v.patch, v.prerelease or None)


@settings(FAST, max_examples=200)
@given(VERSIONS)
def test_parse_of_str_round_trips(v: ModelVersion) -> None:
    """Rule: a version is written ``MAJOR.MINOR.PATCH[-PRERELEASE][+VARIANT]`` and
    ``parse(str(v)) == v``."""
    assert ModelVersion.parse(str(v)) == v


@settings(FAST, max_examples=200)
@given(related_versions(2))
def test_order_is_semver_then_variant_with_base_first(pair: list[ModelVersion]) -> None:
    """Rule: "Ordering: SemVer precedence of the core and pre-release, then the variant, with the
    base (no variant) first." — consistent with ``semver.Version.compare``."""
    a, b = pair
    expected = _semver(a).compare(_semver(b))
    if expected < 0:
        assert a < b and a <= b and not a > b and a != b
    elif expected > 0:
        assert a > b and a >= b and not a < b and a != b
    elif a.variant == b.variant:
        # equal SemVer precedence and the same variant: equal exactly when the fields are
        assert (a == b) == (a.prerelease == b.prerelease)
        assert not a < b and not b < a
    elif not a.variant:
        assert a < b, "the base sorts before its variants"
    elif not b.variant:
        assert b < a, "the base sorts before its variants"
    # trichotomy: exactly one of <, ==, > holds
    assert [a < b, a == b, a > b].count(True) == 1


@FAST
@given(related_versions(3))
def test_order_is_transitive(versions: list[ModelVersion]) -> None:
    """Rule: versions form a total order, so sorting is well defined: if a <= b and b <= c then
    a <= c, whatever order the versions arrive in."""
    ordered = sorted(versions)
    arrived = versions[::-1]  # the same versions in another order
    assert ordered == sorted(arrived)
    for i, low in enumerate(ordered):
        for high in ordered[i:]:
            assert low <= high and not high < low


@FAST
@given(VERSIONS, VARIANTS)
def test_variant_sorts_between_its_base_and_the_next_patch(
    v: ModelVersion, variant: str
) -> None:
    """Rule: "modelsteward writes a variant after ``+`` (``1.4.2+q4``) and orders it directly
    after its base version and before the next base version"."""
    made = v.release.with_variant(variant)
    assert v.release < made < ModelVersion(v.major, v.minor, v.patch + 1)
    assert made.base == v.release


@FAST
@given(VERSIONS, NON_VARIANT_CHANGES)
def test_next_version_is_higher_and_passes_check_bump(v: ModelVersion, change: ChangeKind) -> None:
    """Rule: "architecture ... → **major**; retrained ... → **minor**; configuration ... prompt
    template → **patch**" — the version a change produces is above its predecessor and
    ``check_bump`` agrees with it."""
    new = next_version(v, change)
    assert new > v
    assert new.variant == "" and new.prerelease == ""
    assert bump_level(v.release, new) is change.level
    assert check_bump(v, new, change) is None


@FAST
@given(VERSIONS, VARIANT_CHANGES, VARIANTS)
def test_variant_change_sorts_after_release_and_below_next_patch(
    v: ModelVersion, change: ChangeKind, variant: str
) -> None:
    """Rule: "quantisation, distillation, format export → **variant** (1.4.2 → 1.4.2 variant
    ``q4``)" ordered "directly after its base version and before the next base version"."""
    new = next_version(v, change, variant)
    assert new.core == v.core and new.variant == variant
    assert v.release < new < ModelVersion(v.major, v.minor, v.patch + 1)
    assert check_bump(v.release, new, change) is None


@FAST
@given(VERSIONS, VERSIONS, NON_VARIANT_CHANGES)
def test_check_bump_refuses_a_different_bump_level(
    predecessor: ModelVersion, new: ModelVersion, change: ChangeKind
) -> None:
    """Rule: "an explicit version contradicts the declared change" when its bump level differs
    from the change's: "architecture ... → **major**, retrained ... → **minor**, configuration
    ... → **patch**"."""
    assume(bump_level(predecessor.release, new) is not change.level)
    explanation = check_bump(predecessor, new, change)
    assert explanation is not None
    if not new.variant:
        assert str(next_version(predecessor, change)) in explanation


@FAST
@given(VERSIONS, st.sampled_from([ChangeKind.ARCHITECTURE, ChangeKind.RETRAIN, ChangeKind.CONFIG]))
def test_check_bump_refuses_going_backwards_or_standing_still(
    v: ModelVersion, change: ChangeKind
) -> None:
    """Rule (``check_bump``): a new version follows ``predecessor`` — "the highest registered
    release below ``new``"; a version at or below it is refused."""
    for lower in (v.release, ModelVersion(max(v.major - 1, 0), v.minor, v.patch)):
        assert check_bump(v.release, lower, change) is not None


@settings(FAST, max_examples=10, phases=[Phase.explicit, Phase.generate])
@given(VERSIONS, VERSIONS, VARIANT_CHANGES, VARIANTS)
def test_check_bump_refuses_variant_of_a_different_core(
    predecessor: ModelVersion, other: ModelVersion, change: ChangeKind, variant: str
) -> None:
    """Rule: "quantisation, distillation, format export → **variant** (1.4.2 → 1.4.2 variant
    ``q4``)" — "A variant change keeps the version of its base", so a variant whose bump level
    against its base is not ``variant`` (another core) contradicts the change."""
    assume(other.core != predecessor.core)
    new = other.release.with_variant(variant)
    assert bump_level(predecessor.release, new) is not Level.VARIANT
    assert check_bump(predecessor.release, new, change) is not None


@FAST
@given(VERSIONS, VERSIONS, VARIANT_CHANGES)
def test_check_bump_refuses_variant_change_without_variant(
    predecessor: ModelVersion, other: ModelVersion, change: ChangeKind
) -> None:
    """Rule (``check_bump``): "a change that is not a variant change must not carry a variant,
    and a variant change must"."""
    explanation = check_bump(predecessor.release, other.release, change)
    assert explanation is not None
    assert f"{other.release}+q4" in explanation
