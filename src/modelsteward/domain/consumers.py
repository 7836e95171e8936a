"""Consumers: the applications, pipelines, deployments and notebooks that use models, and the
pins they use them by. Impact counts who a change affects."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from modelsteward.domain.names import validate_label, validate_model_name
from modelsteward.errors import InvalidInput


class ConsumerKind(enum.StrEnum):
    APPLICATION = "application"
    PIPELINE = "pipeline"
    DEPLOYMENT = "deployment"
    NOTEBOOK = "notebook"


@dataclass(frozen=True)
class ConsumerPin:
    """``model`` used at ``pin`` (``support-bot ^2.1``)."""

    model: str
    pin: str

    def __str__(self) -> str:
        return f"{self.model} {self.pin}"


@dataclass(frozen=True)
class Consumer:
    name: str
    kind: ConsumerKind
    team: str
    contact: str = ""
    environment: str = ""
    pins: tuple[ConsumerPin, ...] = ()

    def __post_init__(self) -> None:
        validate_model_name(self.name)  # consumers are named by the same slug rule
        if not self.team.strip():
            raise InvalidInput(f"Consumer {self.name!r} needs an owning team (--team): notices "
                               "about the models it uses go to that team.")
        validate_label(self.team, "The team")


def parse_uses(text: str) -> ConsumerPin:
    """Read ``MODEL PIN`` or ``MODEL@PIN`` (``support-bot ^2.1``, ``support-bot@2.1.3``)."""
    raw = text.strip()
    model, sep, pin = raw.partition(" ") if " " in raw else raw.partition("@")
    if not sep or not pin.strip():
        raise InvalidInput(f"{text!r} does not say which model at which pin: write MODEL PIN, "
                           "e.g. 'support-bot ^2.1' or 'support-bot@2.1.3'.")
    return ConsumerPin(validate_model_name(model), pin.strip())


@dataclass(frozen=True)
class Affected:
    consumer: Consumer
    pin: ConsumerPin
    resolves_to: str  # the version the pin resolves to now ("" when it resolves to nothing)


@dataclass(frozen=True)
class Impact:
    """Who a change reaches, with counts by team, environment and kind."""

    target: str
    affected: tuple[Affected, ...] = field(default_factory=tuple)

    @property
    def consumers(self) -> int:
        return len({a.consumer.name for a in self.affected})

    def _count(self, key: str) -> dict[str, int]:
        seen: dict[str, Consumer] = {a.consumer.name: a.consumer for a in self.affected}
        return dict(sorted(Counter(str(getattr(c, key)) or "unspecified"
                                   for c in seen.values()).items()))

    @property
    def by_team(self) -> dict[str, int]:
        return self._count("team")

    @property
    def by_environment(self) -> dict[str, int]:
        return self._count("environment")

    @property
    def by_kind(self) -> dict[str, int]:
        return self._count("kind")

    def summary(self) -> str:
        teams = len(self.by_team)
        return (f"{self.consumers} consumer{'s' if self.consumers != 1 else ''}, "
                f"{teams} team{'s' if teams != 1 else ''}")
