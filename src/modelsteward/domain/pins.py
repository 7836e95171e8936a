"""Pins: how an application asks for a model version, and which versions a pin accepts.

Forms for semantically versioned models (the rules follow npm's ``node-semver``):

* exact: ``2.1.3`` or ``=2.1.3`` — that version only (a **strict** pin);
* caret: ``^2.1`` / ``^2.1.3`` — changes that do not modify the left-most non-zero part
  (``^2.1.3`` := ``>=2.1.3 <3.0.0``; ``^0.2.3`` := ``>=0.2.3 <0.3.0``);
* tilde: ``~2.1`` / ``~2.1.3`` — patch-level changes (``~2.1.3`` := ``>=2.1.3 <2.2.0``;
  ``~2`` := ``>=2.0.0 <3.0.0``);
* x-range: ``2.x``, ``2.1.x``, ``2.*``, ``2``, ``2.1`` — any value in the missing places;
  ``*`` or ``x`` — anything;
* comparators: ``>=2 <3``, ``>2.1.0,<=2.4``, ``!=2.1.4`` — all must hold.

A trailing ``+VARIANT`` (``^2.1+q4``) asks for that variant; without it only versions without a
variant match. A pre-release matches only when some comparator names the same
``MAJOR.MINOR.PATCH`` with a pre-release (``>=2.0.0-rc.1``), as in npm.

Hosted models are pinned by snapshot id: ``claude-sonnet-4-5-20250929`` (strict),
``claude-sonnet-4-5-*`` (family) or ``claude-sonnet-*`` (tier); ``*`` matches any characters.
"""

from __future__ import annotations

import enum
import fnmatch
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelsteward.domain.versioning import MAX_PART, ModelVersion, Snapshot, validate_variant
from modelsteward.errors import InvalidPin, InvalidVersion

if TYPE_CHECKING:
    from modelsteward.domain.model import Model

Core = tuple[int, int, int]


class PinLevel(enum.StrEnum):
    STRICT = "strict"
    FAMILY = "family"
    TIER = "tier"


_OPS: dict[str, Callable[[ModelVersion, ModelVersion], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
    "=": operator.eq, "!=": operator.ne,
}
_TOKEN = re.compile(r"^(>=|<=|>|<|=|!=|\^|~)?\s*(.+)$")
_PARTIAL = re.compile(r"^(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$")
_FORMS = ("'2.1.3', '^2.1', '~2.1', '2.x', '>=2 <3', '*', each optionally followed by "
          "a variant such as '+q4'")


@dataclass(frozen=True)
class Comparator:
    op: str
    version: ModelVersion

    def test(self, candidate: ModelVersion) -> bool:
        return _OPS[self.op](candidate, self.version)


@dataclass(frozen=True)
class Bounds:
    """The core range a pin can match, for narrowing a database query. ``None`` is unbounded."""

    lower: Core | None
    upper: Core | None  # inclusive upper core


@dataclass(frozen=True)
class VersionPin:
    """A pin over semantic versions: a set of comparators that must all hold, and a variant."""

    text: str
    comparators: tuple[Comparator, ...]
    variant: str

    @property
    def level(self) -> PinLevel:
        if any(c.op == "=" for c in self.comparators):
            return PinLevel.STRICT
        bounds = self.bounds()
        if (bounds.lower is not None and bounds.upper is not None
                and bounds.lower[0] == bounds.upper[0]):
            return PinLevel.FAMILY
        return PinLevel.TIER

    def matches(self, candidate: ModelVersion) -> bool:
        """True when ``candidate`` satisfies every comparator, has the pin's variant and, if it is a
        pre-release, some comparator names its core with a pre-release."""
        if candidate.variant != self.variant:
            return False
        base = candidate.base
        if not all(c.test(base) for c in self.comparators):
            return False
        if base.prerelease:
            return any(c.version.prerelease and c.version.core == base.core
                       for c in self.comparators)
        return True

    def bounds(self) -> Bounds:
        lower: Core | None = None
        upper: Core | None = None
        for c in self.comparators:
            core = c.version.core
            if c.op in (">=", ">", "="):
                lower = core if lower is None else max(lower, core)
            if c.op in ("<=", "<", "="):
                # "<X" still admits pre-releases of X's core, except "<X-0": nothing of that
                # core sorts below the lowest pre-release "0"
                top: Core | None = core
                if c.op == "<" and c.version.prerelease == "0":
                    top = core_below(core)
                    if top is None:
                        return Bounds(lower, (-1, -1, -1))  # below 0.0.0-0: nothing
                assert top is not None
                upper = top if upper is None else min(upper, top)
        return Bounds(lower, upper)

    def matches_text(self, version: str) -> bool:
        """:meth:`matches` for a version given as text; False when it is not a version."""
        try:
            return self.matches(ModelVersion.parse(version))
        except InvalidVersion:
            return False

    @property
    def allows_prerelease(self) -> bool:
        return any(c.version.prerelease for c in self.comparators)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SnapshotPin:
    """A pin over a hosted model's snapshot ids: exact or a ``*`` glob."""

    text: str

    @property
    def level(self) -> PinLevel:
        if "*" not in self.text:
            return PinLevel.STRICT
        prefix = self.text.split("*", 1)[0]
        return PinLevel.FAMILY if re.search(r"\d", prefix) else PinLevel.TIER

    def matches_text(self, version: str) -> bool:
        try:
            return self.matches(Snapshot.parse(version))
        except InvalidVersion:
            return False

    def matches(self, candidate: Snapshot) -> bool:
        if "*" not in self.text:
            return candidate.id == self.text
        return fnmatch.fnmatchcase(candidate.id, self.text.replace("[", "[[]").replace("?", "[?]"))

    def __str__(self) -> str:
        return self.text


Pin = VersionPin | SnapshotPin


def core_below(core: Core) -> Core | None:
    """The highest core strictly below ``core``, with :data:`MAX_PART` standing for "any" in the
    parts after the one decremented; ``None`` when nothing is below."""
    major, minor, patch = core
    if patch > 0:
        return (major, minor, patch - 1)
    big = MAX_PART
    if minor > 0:
        return (major, minor - 1, big)
    if major > 0:
        return (major - 1, big, big)
    return None


def _invalid(text: str, why: str) -> InvalidPin:
    return InvalidPin(f"{text!r} is not a valid pin: {why}. Accepted forms: {_FORMS}.")


def _expand(op: str, body: str, whole: str) -> list[Comparator]:
    match = _PARTIAL.match(body)
    if not match:
        raise _invalid(whole, f"{body!r} is not a version or partial version")
    parts_raw = [match.group(1), match.group(2), match.group(3)]
    pre = match.group(4) or ""
    parts: list[int | None] = []
    for raw in parts_raw:
        if raw is None or raw in ("x", "X", "*"):
            parts.append(None)
        else:
            parts.append(int(raw))
    # an explicit number after a wildcard ("x.2") is meaningless
    seen_wild = False
    for raw, value in zip(parts_raw, parts, strict=True):
        if value is None and raw is not None:
            seen_wild = True
        elif value is not None and seen_wild:
            raise _invalid(whole, f"{body!r} has a number after a wildcard")
    known = []
    for value in parts:
        if value is None:
            break
        known.append(value)
    if pre and len(known) < 3:
        raise _invalid(whole, f"{body!r} has a pre-release but not all three version numbers")

    def v(major: int, minor: int = 0, patch: int = 0, prerelease: str = "") -> ModelVersion:
        return ModelVersion(major, minor, patch, prerelease)

    def ge(version: ModelVersion) -> Comparator:
        return Comparator(">=", version)

    def lt(version: ModelVersion) -> Comparator:
        # "<2.0.0" must also exclude 2.0.0's pre-releases, as in npm ("<2.0.0-0")
        return Comparator("<", ModelVersion(*version.core, "0") if not version.prerelease
                          else version)

    n = len(known)
    if op == "^":
        if n == 0:
            return []
        major = known[0]
        minor = known[1] if n > 1 else 0
        patch = known[2] if n > 2 else 0
        low = v(major, minor, patch, pre)
        if major > 0 or n == 1:
            high = v(major + 1)
        elif minor > 0 or n == 2:
            high = v(0, minor + 1)
        else:
            high = v(0, 0, patch + 1)
        return [ge(low), lt(high)]
    if op == "~":
        if n == 0:
            return []
        major = known[0]
        minor = known[1] if n > 1 else 0
        patch = known[2] if n > 2 else 0
        low = v(major, minor, patch, pre)
        high = v(major + 1) if n == 1 else v(major, minor + 1)
        return [ge(low), lt(high)]
    if n == 3:
        exact = v(known[0], known[1], known[2], pre)
        return [Comparator(op or "=", exact)]
    # partial versions
    if n == 0:
        if op in ("<", ">", "!="):
            return [Comparator("<", v(0, 0, 0, "0"))]  # matches nothing
        return []
    low = v(known[0], known[1] if n > 1 else 0, 0)
    high = v(known[0] + 1) if n == 1 else v(known[0], known[1] + 1)
    if op in ("", "="):
        return [ge(low), lt(high)]
    if op == ">=":
        return [ge(low)]
    if op == ">":
        return [Comparator(">=", high)]
    if op == "<":
        return [lt(low)]
    if op == "<=":
        return [lt(high)]
    # "!=2.1" excludes a whole family: not expressible as one comparator set
    raise _invalid(whole, f"'!=' needs a full version, not {body!r}")


def parse_version_pin(text: str) -> VersionPin:
    """Parse a pin over semantic versions; raise :class:`InvalidPin` naming the accepted forms."""
    raw = text.strip()
    if not raw:
        raise _invalid(text, "it is empty")
    variant = ""
    match = re.search(r"\+([^\s+,<>=^~]+)$", raw)
    if match:
        try:
            variant = validate_variant(match.group(1))
        except InvalidVersion as exc:
            raise InvalidPin(str(exc)) from None
        raw = raw[: match.start()].strip()
        if not raw:
            raise _invalid(text, "a variant needs a version range before it")
    tokens = [t for t in re.split(r"[\s,]+", re.sub(r"(>=|<=|!=|>|<|=|\^|~)\s+", r"\1", raw)) if t]
    comparators: list[Comparator] = []
    for token in tokens:
        m = _TOKEN.match(token)
        assert m is not None  # the pattern accepts every non-empty token
        comparators.extend(_expand(m.group(1) or "", m.group(2), text))
    return VersionPin(text.strip(), tuple(comparators), variant)


def parse_snapshot_pin(text: str) -> SnapshotPin:
    """Parse a pin over provider snapshot ids (exact or ``*`` glob)."""
    raw = text.strip()
    if not raw or not re.match(r"^[A-Za-z0-9*][A-Za-z0-9._:/*-]*$", raw):
        raise InvalidPin(
            f"{text!r} is not a valid pin for a hosted model: use the provider's snapshot id "
            "('claude-sonnet-4-5-20250929') or a family or tier with '*' "
            "('claude-sonnet-4-5-*', 'claude-sonnet-*')."
        )
    return SnapshotPin(raw)


def parse_pin(model: Model, text: str) -> Pin:
    """Parse ``text`` as a pin of ``model``'s scheme: over provider snapshot ids for a hosted
    model, over semantic versions otherwise."""
    return parse_snapshot_pin(text) if model.uses_snapshots else parse_version_pin(text)
