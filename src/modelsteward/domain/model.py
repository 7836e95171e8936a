"""Models and their versions as immutable values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.names import validate_label, validate_model_name
from modelsteward.domain.versioning import ChangeKind, ModelVersion, Snapshot
from modelsteward.errors import InvalidInput

E = TypeVar("E", bound=enum.StrEnum)


# The owner team of a model made without one (an administrator naming none, a registry file
# entry without ``owner``): STEWARD_DEFAULT_TEAM overrides it.
DEFAULT_TEAM = "platform"

class ModelKind(enum.StrEnum):
    SELF_HOSTED = "self-hosted"
    HOSTED = "hosted"
    FINE_TUNED = "fine-tuned"


class VersionScheme(enum.StrEnum):
    """How a model's versions are named: model semver, or a provider's snapshot ids."""

    SEMVER = "semver"
    SNAPSHOT = "snapshot"


class RiskTier(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def parse_enum(kind: type[E], value: str, what: str) -> E:
    """Parse ``value`` as a member of ``kind``; the error lists the accepted values."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{value!r} is not a valid {what}: use one of {allowed}.") from None


@dataclass(frozen=True)
class SupportPolicy:
    """How long a version is actively supported after release, and what happens afterwards."""

    active_months: int | None = None
    afterwards: str = ""

    def describe(self) -> str:
        if self.active_months is None:
            return "none declared"
        text = f"{self.active_months} months active support"
        return f"{text}, then {self.afterwards}" if self.afterwards else text


@dataclass(frozen=True)
class Model:
    """A named line of versions. ``provider``/``provider_model`` are set for hosted models.

    ``versioning`` says how versions are named; by default provider models (hosted, or with a
    provider) use snapshot ids and all others model semver. A provider's fine-tune
    (``ft:gpt-4o-mini:org:name:id``) is a fine-tuned model with snapshot versioning.
    """

    name: str
    kind: ModelKind = ModelKind.SELF_HOSTED
    description: str = ""
    purpose: str = ""
    owner_team: str = ""  # every stored model has one (DEFAULT_TEAM when none was named)
    owner_contact: str = ""
    provider: str = ""
    provider_model: str = ""
    risk_tier: RiskTier = RiskTier.MEDIUM
    license: str = ""
    tags: tuple[str, ...] = ()
    support: SupportPolicy = SupportPolicy()
    extra: dict[str, object] = field(default_factory=dict, compare=True, hash=False)
    versioning: VersionScheme | None = None

    def __post_init__(self) -> None:
        validate_model_name(self.name)
        if self.owner_team:
            validate_label(self.owner_team, "The owner team")
        if self.versioning is None:
            # provider models (hosted, or a provider's fine-tune) are named by snapshot ids
            scheme = (VersionScheme.SNAPSHOT if self.provider or self.kind is ModelKind.HOSTED
                      else VersionScheme.SEMVER)
            object.__setattr__(self, "versioning", scheme)
        if self.kind is ModelKind.HOSTED and not self.provider:
            raise InvalidInput(
                f"Hosted model {self.name!r} needs a provider: pass --provider (e.g. anthropic, "
                "openai, google)."
            )
        if self.support.active_months is not None and self.support.active_months < 0:
            raise InvalidInput("The active support window must be a positive number of months.")

    @property
    def uses_snapshots(self) -> bool:
        """True when versions are provider snapshot ids rather than semantic versions."""
        return self.versioning is VersionScheme.SNAPSHOT


VersionId = ModelVersion | Snapshot


@dataclass(frozen=True)
class FileDigest:
    path: str  # POSIX path relative to the model folder
    sha256: str
    size: int


@dataclass(frozen=True)
class Version:
    """One immutable registered artefact of a model.

    ``digest`` is the OpenSSF Model Signing root digest (hex SHA-256) of the files, or ``""``
    for a hosted snapshot that has no files.
    """

    model: str
    id: VersionId
    registered_at: datetime
    registered_by: str
    digest: str = ""
    files: tuple[FileDigest, ...] = ()
    change: ChangeKind | None = None
    forced_reason: str = ""
    description: str = ""
    status: str = ""
    metadata: dict[str, object] = field(default_factory=dict, hash=False)
    metrics: dict[str, object] = field(default_factory=dict, hash=False)
    stage: Stage = Stage.TRAINED
    blocked_reason: str = ""

    @property
    def ref(self) -> str:
        return f"{self.model}@{self.id}"
