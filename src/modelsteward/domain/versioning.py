"""Model versions: semantic versioning adapted to models, with variants as their own field.

Rules (PRODUCT.md):

* architecture, input/output schema or tokenizer change → **major** (1.4.2 → 2.0.0)
* retrained on new data, new base model → **minor** (1.4.2 → 1.5.0)
* configuration, serving configuration, prompt template → **patch** (1.4.2 → 1.4.3)
* quantisation, distillation, format export → **variant** (1.4.2 → 1.4.2 variant ``q4``)

A variant is *not* a SemVer pre-release: ``1.0.0-q4`` would sort below ``1.0.0``. modelsteward
writes a variant after ``+`` (``1.4.2+q4``) and orders it directly after its base version and
before the next base version. Pre-releases keep SemVer's meaning and ordering.

Hosted provider models are identified by the provider's snapshot id
(``claude-sonnet-4-5-20250929``) and ordered by the date the id carries, if any.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import total_ordering

import semver

from modelsteward.errors import InvalidVersion

MAX_PART = 2**62 - 1  # version numbers are stored as 64-bit integers
_VARIANT = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,30}[a-z0-9])?$")
_SNAPSHOT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._:/@-]{0,126}[A-Za-z0-9])?$")
# what a version id may not contain: it names a folder in an archive and a row's key
_UNSAFE_ID = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]|\.\.")
VERSION_ID_PATTERN = r"^\.?(?:[^./\\\x00-\x1f\x7f-\x9f]+\.)*[^./\\\x00-\x1f\x7f-\x9f]*$"
"""What :func:`validate_version_id` accepts, as a regular expression without look-arounds (for
the OpenAPI document): no ``/``, ``\\``, control character or two dots in a row."""
_SNAPSHOT_DATE = re.compile(r"(?:^|[-_@])((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])$")


class Level(enum.StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"
    VARIANT = "variant"


class ChangeKind(enum.StrEnum):
    """What changed between a version and its predecessor; decides the bump."""

    ARCHITECTURE = "architecture"
    RETRAIN = "retrain"
    CONFIG = "config"
    PROMPT = "prompt"
    QUANTISATION = "quantisation"
    DISTILLATION = "distillation"
    EXPORT = "export"

    @property
    def level(self) -> Level:
        return _LEVELS[self]


_LEVELS: dict[ChangeKind, Level] = {
    ChangeKind.ARCHITECTURE: Level.MAJOR,
    ChangeKind.RETRAIN: Level.MINOR,
    ChangeKind.CONFIG: Level.PATCH,
    ChangeKind.PROMPT: Level.PATCH,
    ChangeKind.QUANTISATION: Level.VARIANT,
    ChangeKind.DISTILLATION: Level.VARIANT,
    ChangeKind.EXPORT: Level.VARIANT,
}


def validate_variant(variant: str) -> str:
    """Return ``variant`` when it is a valid variant name (``q4``, ``gguf-q4.k-m``), else raise."""
    if _VARIANT.fullmatch(variant):
        return variant
    raise InvalidVersion(
        f"{variant!r} is not a valid variant name: use 1–32 lowercase letters, digits, '.' or '-', "
        "starting and ending with a letter or digit (e.g. 'q4', 'onnx', 'gguf-q4-k-m')."
    )


def validate_version_id(text: str) -> str:
    """Return ``text`` when it may name a new version, else raise :class:`InvalidVersion`.

    A version id becomes a folder name when the version's weights are archived, so it may not
    contain ``/``, ``\\``, ``..``, NUL or another control character. Checked when a version is
    registered; ids stored before the rule are still read (retirement refuses to archive them).
    """
    found = _UNSAFE_ID.search(text)
    if found is None:
        return text
    what = found.group()
    shown = {"/": "'/'", "\\": "'\\'", "..": "'..'"}.get(what, f"the control character {what!r}")
    raise InvalidVersion(
        f"{text!r} cannot name a version: it contains {shown}. Version ids may not contain "
        "'/', '\\', '..' or control characters; use the provider's snapshot id without them "
        "(e.g. 'claude-sonnet-4-5-20250929') or a model version such as '1.4.2'."
    )


@total_ordering
@dataclass(frozen=True)
class ModelVersion:
    """A semantic model version ``MAJOR.MINOR.PATCH[-PRERELEASE][+VARIANT]``.

    Ordering: SemVer precedence of the core and pre-release, then the variant, with the base
    (no variant) first. So ``1.4.2 < 1.4.2+q4 < 1.4.3-rc.1 < 1.4.3``.
    """

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> ModelVersion:
        """Parse ``text``; raise :class:`InvalidVersion` naming the expected form."""
        raw = text.strip()
        base, plus, variant = raw.partition("+")
        expected = ("use MAJOR.MINOR.PATCH, optionally with a pre-release and a variant, "
                    "e.g. '1.4.2', '2.0.0-rc.1' or '1.4.2+q4'")
        try:
            parsed = semver.Version.parse(base)
        except (ValueError, TypeError):
            hint = ""
            if raw.startswith("v") and semver.Version.is_valid(base[1:]):
                hint = f" (write it without the 'v', as {raw[1:]!r})"
            raise InvalidVersion(f"{text!r} is not a model version: {expected}{hint}.") from None
        if max(parsed.major, parsed.minor, parsed.patch) > MAX_PART:
            raise InvalidVersion(f"{text!r} has a version number above {MAX_PART}; {expected}.")
        if plus:
            validate_variant(variant)
        return cls(parsed.major, parsed.minor, parsed.patch, parsed.prerelease or "", variant)

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    @property
    def base(self) -> ModelVersion:
        """This version without its variant."""
        return ModelVersion(self.major, self.minor, self.patch, self.prerelease)

    @property
    def release(self) -> ModelVersion:
        """The core version alone: no pre-release, no variant."""
        return ModelVersion(self.major, self.minor, self.patch)

    def with_variant(self, variant: str) -> ModelVersion:
        return ModelVersion(self.major, self.minor, self.patch, self.prerelease,
                            validate_variant(variant))

    def _semver(self) -> semver.Version:
        return semver.Version(self.major, self.minor, self.patch, self.prerelease or None)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ModelVersion):
            return NotImplemented
        if self.core != other.core:  # what semver's precedence compares first
            return self.core < other.core
        if self.prerelease != other.prerelease:
            order = self._semver().compare(other._semver())
            if order != 0:
                return order < 0
        return self.variant < other.variant

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += f"-{self.prerelease}"
        if self.variant:
            text += f"+{self.variant}"
        return text


@dataclass(frozen=True, order=True)
class Snapshot:
    """A hosted provider's snapshot id, ordered by the date it carries and then by its text."""

    date: str  # "YYYYMMDD" or "" when the id carries no date
    id: str

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        raw = text.strip()
        if not _SNAPSHOT.fullmatch(raw):
            raise InvalidVersion(
                f"{text!r} is not a provider snapshot id: use the provider's model id as "
                "published, e.g. 'claude-sonnet-4-5-20250929' or 'gpt-4o-2024-08-06' (letters, "
                "digits, '.', '_', ':', '@', '-')."
            )
        match = _SNAPSHOT_DATE.search(raw)
        date = "".join(match.groups()) if match else ""
        return cls(date, raw)

    def __str__(self) -> str:
        return self.id


def next_version(latest: ModelVersion | None, change: ChangeKind,
                 variant: str = "") -> ModelVersion:
    """The version a ``change`` produces from ``latest`` (the highest release of the model).

    The first version of a model is ``1.0.0``. A variant change keeps the version of its base and
    adds ``variant``, which is then required.
    """
    level = change.level
    if level is Level.VARIANT:
        if latest is None:
            raise InvalidVersion(
                f"A {change.value} produces a variant of an existing version, and the model has "
                "no version yet. Register the base version first."
            )
        if not variant:
            raise InvalidVersion(
                f"A {change.value} produces a variant: name it with --variant (e.g. 'q4', 'onnx')."
            )
        return latest.release.with_variant(variant)
    if variant:
        raise InvalidVersion(
            f"A {change.value} change produces a new version, not a variant: leave out --variant "
            "or use --change quantisation|distillation|export."
        )
    if latest is None:
        return ModelVersion(1, 0, 0)
    major, minor, patch = latest.core
    if level is Level.MAJOR:
        return ModelVersion(major + 1, 0, 0)
    if level is Level.MINOR:
        return ModelVersion(major, minor + 1, 0)
    return ModelVersion(major, minor, patch + 1)


def bump_level(previous: ModelVersion, new: ModelVersion) -> Level | None:
    """The level at which ``new`` differs from ``previous``, or ``None`` if their cores are equal
    and no variant distinguishes them."""
    if new.major != previous.major:
        return Level.MAJOR
    if new.minor != previous.minor:
        return Level.MINOR
    if new.patch != previous.patch:
        return Level.PATCH
    if new.variant != previous.variant:
        return Level.VARIANT
    return None


def check_bump(predecessor: ModelVersion | None, new: ModelVersion,
               change: ChangeKind) -> str | None:
    """Explain why ``new`` contradicts ``change`` after ``predecessor``, or return ``None``.

    ``predecessor`` is the highest registered release below ``new`` (for a variant: its base).
    A major bump resets minor and patch to 0 and a minor bump resets patch, as in SemVer;
    a change that is not a variant change must not carry a variant, and a variant change must.
    """
    level = change.level
    if level is Level.VARIANT:
        if not new.variant:
            return (f"a {change.value} keeps the version of its base and adds a variant, "
                    f"e.g. {new.release}+q4.")
        if predecessor is not None and new.base != predecessor.base:
            return (f"a {change.value} keeps the version of its base, so a variant of "
                    f"{predecessor.base} is {predecessor.base}+{new.variant}, not {new}.")
        return None
    if new.variant:
        return (f"a {change.value} change produces a new version without a variant; "
                f"a variant such as +{new.variant} is for quantisation, distillation or export.")
    if predecessor is None:
        return None
    expected = next_version(predecessor, change)
    found = bump_level(predecessor.release, new.release)
    resets_ok = (
        (level is Level.MAJOR and new.minor == 0 and new.patch == 0)
        or (level is Level.MINOR and new.patch == 0)
        or level is Level.PATCH
    )
    if found is level and resets_ok and new.release > predecessor.release:
        return None
    what = {Level.MAJOR: "an architecture, schema or tokenizer change bumps the major version",
            Level.MINOR: "a retrain or new base model bumps the minor version",
            Level.PATCH: "a configuration or prompt change bumps the patch version"}[level]
    return f"{what}, so after {predecessor.release} the next version is {expected}, not {new}."
