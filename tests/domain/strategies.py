"""Hypothesis strategies shared by the domain property tests."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from modelsteward.domain.versioning import ChangeKind, Level, ModelVersion

# no example database: the suite leaves nothing behind in the work tree
FAST = settings(max_examples=100, deadline=None, database=None)

NUMBERS = st.integers(min_value=0, max_value=5) | st.integers(min_value=0, max_value=10**6)

_ALNUM_ID = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
    min_size=1,
    max_size=6,
).filter(lambda s: not s.isdigit())
_NUMERIC_ID = st.integers(min_value=0, max_value=20).map(str)
PRERELEASES = st.one_of(
    st.just(""),
    st.lists(_NUMERIC_ID | _ALNUM_ID, min_size=1, max_size=3).map(".".join),
)
_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_ENDS = st.sampled_from(_LOWER_ALNUM)
# variant names: "1–32 lowercase letters, digits, '.' or '-', starting and ending with a letter or
# digit" (cheaper than ``st.from_regex``)
VARIANTS = _ENDS | st.builds(
    lambda first, middle, last: first + middle + last,
    _ENDS,
    st.text(alphabet=_LOWER_ALNUM + ".-", max_size=30),
    _ENDS,
)
OPTIONAL_VARIANTS = st.just("") | VARIANTS

VERSIONS = st.builds(ModelVersion, NUMBERS, NUMBERS, NUMBERS, PRERELEASES, OPTIONAL_VARIANTS)

NON_VARIANT_CHANGES = st.sampled_from([c for c in ChangeKind if c.level is not Level.VARIANT])
VARIANT_CHANGES = st.sampled_from([c for c in ChangeKind if c.level is Level.VARIANT])


@st.composite
def close_to(draw: st.DrawFn, version: ModelVersion) -> ModelVersion:
    """A version that differs from ``version`` in at most one field, so comparisons reach the
    tie-breakers (same core, same pre-release, other variant) instead of the first number."""
    field = draw(st.sampled_from(["same", "variant", "prerelease", "patch", "base"]))
    major, minor, patch, pre, variant = (version.major, version.minor, version.patch,
                                         version.prerelease, version.variant)
    if field == "variant":
        variant = draw(OPTIONAL_VARIANTS)
    elif field == "prerelease":
        pre = draw(PRERELEASES)
    elif field == "patch":
        patch = max(0, patch + draw(st.sampled_from([-1, 1])))
    elif field == "base":
        variant = ""
    return ModelVersion(major, minor, patch, pre, variant)


@st.composite
def related_versions(draw: st.DrawFn, count: int) -> list[ModelVersion]:
    """``count`` versions, each either random or close to one drawn before it."""
    versions = [draw(VERSIONS)]
    while len(versions) < count:
        anchor = draw(st.sampled_from(versions))
        versions.append(draw(VERSIONS | close_to(anchor)))
    return versions
