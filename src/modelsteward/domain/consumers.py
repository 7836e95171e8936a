"""Consumers: the applications, pipelines, deployments and notebooks that use models, and the
pins they use them by. Impact counts who a change affects."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from modelsteward.domain.names import validate_label, validate_model_name
from modelsteward.errors import InvalidInput, Unresolvable


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
class PinStatus:
    """What a consumer's pin gives now: the version it resolves to (``""`` when none; the
    version id, or ``model@version`` when a redirecting plan sent the pin to another model),
    why that version is not eligible for applications (only an exact pin can resolve to such a
    version), or why the pin no longer resolves (which version, retired/deleted/rejected/
    ineligible, since when, why, and what replaces it)."""

    resolves_to: str = ""
    ineligible: str = ""
    unresolvable: Unresolvable | None = None

    def ref(self, model: str) -> str:
        """The version as ``model@version`` (``""`` when the pin resolves to nothing)."""
        if not self.resolves_to or "@" in self.resolves_to:
            return self.resolves_to
        return f"{model}@{self.resolves_to}"

    def describe(self, model: str) -> str:
        """One line for people: where the pin goes and what is wrong with it."""
        if self.unresolvable is not None:
            why = self.unresolvable
            if why.state == "ineligible":
                told = f"nothing eligible: {why.version} is not eligible because {why.reason}"
            else:
                since = f" on {why.since}" if why.since else ""
                told = f"nothing: {why.version} was {why.state}{since} ({why.reason})"
            instead = f"; replacement {why.replacement}" if why.replacement else ""
            return f"resolves to {told}{instead}"
        if not self.resolves_to:
            return "resolves to nothing"
        warning = f" (not eligible: {self.ineligible})" if self.ineligible else ""
        return f"{self.ref(model)}{warning}"

    def as_dict(self) -> dict[str, object]:
        return {"resolves_to": self.resolves_to or None, "ineligible": self.ineligible or None,
                "unresolvable": self.unresolvable.as_dict() if self.unresolvable else None}


@dataclass(frozen=True)
class ConsumerStatus:
    """A consumer with what each of its pins gives now, in the order of its pins."""

    consumer: Consumer
    pins: tuple[tuple[ConsumerPin, PinStatus], ...] = ()

    def of(self, model: str) -> PinStatus:
        return next((status for pin, status in self.pins if pin.model == model), PinStatus())


@dataclass(frozen=True)
class Affected:
    consumer: Consumer
    pin: ConsumerPin
    resolves_to: str  # the version the pin resolves to now ("" when it resolves to nothing)
    ineligible: str = ""  # why that version is not eligible (an exact pin's)
    unresolvable: Unresolvable | None = None  # why the pin resolves to nothing

    @property
    def status(self) -> PinStatus:
        return PinStatus(self.resolves_to, self.ineligible, self.unresolvable)


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
