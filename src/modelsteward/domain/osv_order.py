"""The version orders OSV ranges are evaluated in: SemVer 2 precedence, model versions
(``1.4.2+q4``) and provider snapshot ids. Shared by parsing (ranges that never open) and
matching."""

from __future__ import annotations

import enum
import re
from functools import lru_cache

from modelsteward.domain.advisory import ECOSYSTEM, AffectedRange, EventKind
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.errors import InvalidInput

# --- version orders (shared with osv_match) ---------------------------------------------------

# SemVer precedence as a sort key: a release sorts above its pre-releases; numeric identifiers
# sort numerically and below alphanumeric ones, which sort in ASCII order (SemVer 2 §11).
PrereleaseKey = tuple[int, tuple[tuple[int, int, str], ...]]
SemverKey = tuple[int, int, int, PrereleaseKey]
ModelKey = tuple[int, int, int, PrereleaseKey, str]
SnapshotKey = tuple[str, str]

_NUM = r"(?:0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_SEMVER_CORE = rf"({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
_SEMVER = re.compile(rf"{_SEMVER_CORE}(?:\+{_BUILD_ID}(?:\.{_BUILD_ID})*)?")
_SEMVER_NO_BUILD = re.compile(_SEMVER_CORE)


def _prerelease_key(prerelease: str) -> PrereleaseKey:
    if not prerelease:
        return (1, ())
    return (0, tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                     for part in prerelease.split(".")))


def is_semver(text: str) -> bool:
    """Whether ``text`` is a SemVer 2.0.0 version (``1.4.2``, ``2.0.0-rc.1+build.5``)."""
    return _SEMVER.fullmatch(text) is not None


@lru_cache(maxsize=1 << 16)
def semver_key(text: str) -> SemverKey | None:
    """SemVer precedence key of ``text``, build metadata (after ``+``) ignored; ``None`` when
    the part before ``+`` is not a SemVer version."""
    match = _SEMVER_NO_BUILD.fullmatch(text.partition("+")[0])
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), _prerelease_key(pre or ""))


@lru_cache(maxsize=1 << 16)
def model_key(text: str) -> ModelKey | None:
    """:class:`ModelVersion` order of ``text`` as a key (variants after their base), or
    ``None`` when ``text`` is not a model version."""
    match = _SEMVER_NO_BUILD.fullmatch(text.strip().partition("+")[0])
    if match is None:
        return None
    try:
        version = ModelVersion.parse(text)
    except InvalidInput:
        return None
    return (*version.core, _prerelease_key(version.prerelease), version.variant)


@lru_cache(maxsize=1 << 16)
def snapshot_key(text: str) -> SnapshotKey | None:
    """:class:`Snapshot` order of ``text`` (date it carries, then text) as a key, or ``None``."""
    try:
        snapshot = Snapshot.parse(text)
    except InvalidInput:
        return None
    return (snapshot.date, snapshot.id)


class RangeOrder(enum.StrEnum):
    """How the events of a range and a version are compared."""

    SEMVER = "semver"  # SemVer precedence, build metadata (our variant) ignored
    MODEL = "model"  # ModelVersion order: a variant right after its base version
    SNAPSHOT = "snapshot"  # provider snapshot ids, by the date they carry
    ANY = "any"  # a modelsteward ECOSYSTEM range with no bound but "0" and "*": every version


def is_open_bound(kind: EventKind, value: str) -> bool:
    """``introduced: "0"`` (before every version) and a ``limit`` containing ``*`` (after every
    version) are not versions."""
    return (kind is EventKind.INTRODUCED and value == "0") or (
        kind is EventKind.LIMIT and "*" in value)


def range_order(ecosystem: str, rng: AffectedRange) -> RangeOrder | None:
    """How ``rng`` of a package of ``ecosystem`` is evaluated, or ``None`` when it cannot be
    without the ecosystem's own rules or a commit graph: SEMVER ranges compare by SemVer;
    ECOSYSTEM ranges of ``modelsteward`` by ModelVersion order when every bound is a model
    version, else by snapshot order when every bound is a snapshot id; GIT ranges and other
    ecosystems' ECOSYSTEM ranges are not ordered."""
    if rng.type == "SEMVER":
        return RangeOrder.SEMVER
    if rng.type != "ECOSYSTEM" or ecosystem != ECOSYSTEM:
        return None
    bounds = [e.value for e in rng.events if not is_open_bound(e.kind, e.value)]
    if not bounds:
        return RangeOrder.ANY
    if all(model_key(value) is not None for value in bounds):
        return RangeOrder.MODEL
    if all(snapshot_key(value) is not None for value in bounds):
        return RangeOrder.SNAPSHOT
    return None


def order_key(order: RangeOrder, text: str) -> tuple[object, ...] | None:
    """The sort key of version ``text`` under ``order`` (``None``: not comparable)."""
    if order is RangeOrder.SEMVER:
        return semver_key(text)
    if order is RangeOrder.MODEL:
        return model_key(text)
    if order is RangeOrder.SNAPSHOT:
        return snapshot_key(text)
    return ()


