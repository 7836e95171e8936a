"""Deprecation plans: why a version goes, what replaces it, how to migrate, and three dates.

The phase at a moment follows from the dates alone:

* before ``announced`` → **active**;
* from ``announced`` → **announced**: still usable, resolution warns;
* from ``soft_deadline`` → **soft-deadline-passed**: new adoption refused, existing users warned
  loudly;
* from ``hard_deadline`` → **retired**: resolution refused, or redirected to the replacement when
  the plan says so.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from modelsteward.domain.model import Model
from modelsteward.domain.pins import Pin, parse_pin
from modelsteward.errors import InvalidInput


class DeprecationReason(enum.StrEnum):
    REPLACED = "replaced"
    VULNERABILITY = "vulnerability"
    DATA_CONTAMINATION = "data-contamination"
    HARMFUL_BIAS = "harmful-bias"
    PERFORMANCE_REGRESSION = "performance-regression"
    REGULATORY = "regulatory"
    USE_CASE_ENDED = "use-case-ended"
    PROVIDER_SHUTDOWN = "provider-shutdown"


class Phase(enum.StrEnum):
    ACTIVE = "active"
    ANNOUNCED = "announced"
    SOFT_DEADLINE_PASSED = "soft-deadline-passed"
    RETIRED = "retired"


@dataclass(frozen=True)
class DeprecationPlan:
    """A plan for the end of ``model@target``; ``target`` is a version or a pin."""

    id: str
    model: str
    target: str
    reason: DeprecationReason
    replacement: str  # MODEL@PIN, or "" when nothing replaces it
    announced: date
    soft_deadline: date
    hard_deadline: date
    migration_steps: tuple[str, ...] = ()
    support_window: str = ""
    redirect: bool = False
    created_at: datetime | None = None
    created_by: str = ""

    def phase(self, today: date) -> Phase:
        if today >= self.hard_deadline:
            return Phase.RETIRED
        if today >= self.soft_deadline:
            return Phase.SOFT_DEADLINE_PASSED
        if today >= self.announced:
            return Phase.ANNOUNCED
        return Phase.ACTIVE

    @property
    def ref(self) -> str:
        """``model@target``, or the package URL of an upstream model."""
        return f"{self.model}@{self.target}" if self.model else self.target

    def covers_purl(self, purl: str) -> bool:
        """For an upstream plan: whether it applies to ``purl`` (the same package URL, or any
        revision of a package URL given without one)."""
        return purl == self.target or ("@" not in self.target and
                                       purl.startswith(self.target + "@"))

    def warning(self, today: date) -> str:
        """What resolution says about a version under this plan (empty while active)."""
        phase = self.phase(today)
        if phase is Phase.ACTIVE:
            return ""
        instead = f" Use {self.replacement} instead." if self.replacement else ""
        if phase is Phase.ANNOUNCED:
            return (f"{self.ref} is deprecated ({self.reason.value}): new adoption stops on "
                    f"{self.soft_deadline}, it retires on {self.hard_deadline}.{instead}")
        if phase is Phase.SOFT_DEADLINE_PASSED:
            return (f"DEPRECATED: {self.ref} passed its soft deadline ({self.soft_deadline}, "
                    f"{self.reason.value}) and retires on {self.hard_deadline}; migrate "
                    f"now.{instead}")
        return f"{self.ref} retired on {self.hard_deadline} ({self.reason.value}).{instead}"


def check_dates(announced: date, soft_deadline: date, hard_deadline: date) -> None:
    """Refuse dates out of order: announced ≤ soft deadline < hard deadline."""
    problems = []
    if soft_deadline < announced:
        problems.append(f"the soft deadline {soft_deadline} is before the announcement "
                        f"{announced}")
    if hard_deadline <= soft_deadline:
        problems.append(f"the hard deadline {hard_deadline} is not after the soft deadline "
                        f"{soft_deadline}")
    if problems:
        raise InvalidInput("The deprecation dates are out of order: " + "; ".join(problems) +
                           ". Use --announced ≤ --soft-deadline < --hard-deadline.")


def covers(plan: DeprecationPlan, pin: Pin | None, version: str) -> bool:
    """Whether ``plan`` applies to ``version``: its target names the version, or is a pin
    (``pin``, parsed by the caller for the model's scheme) that matches it."""
    if plan.target == version:
        return True
    return pin is not None and pin.matches_text(version)


def target_pin(model: Model, plan: DeprecationPlan) -> Pin | None:
    """The pin ``plan``'s target stands for on ``model``, or ``None`` for an exact version
    that is not a pin."""
    try:
        return parse_pin(model, plan.target)
    except InvalidInput:
        return None


def plan_covers(model: Model, plan: DeprecationPlan, version: str) -> bool:
    """Whether ``plan`` (of ``model``) applies to ``version`` of it (see :func:`covers`)."""
    return covers(plan, target_pin(model, plan), version)


@dataclass(frozen=True)
class Coverage:
    """Which of a model's deprecation plans cover a version: the one rule every reader of
    plans (resolution, audit, deprecation, the API's headers) applies. Each plan's target is
    parsed once, so asking about many versions stays cheap."""

    plans: tuple[tuple[DeprecationPlan, Pin | None], ...]  # newest first

    @classmethod
    def of(cls, model: Model, plans: Iterable[DeprecationPlan]) -> Coverage:
        """The coverage of ``plans`` of ``model``, given oldest first (as stored)."""
        return cls(tuple((plan, target_pin(model, plan)) for plan in reversed(list(plans))))

    def covering(self, version: str) -> Iterator[DeprecationPlan]:
        """The plans that cover ``version``, newest first."""
        return (plan for plan, pin in self.plans if covers(plan, pin, version))

    def newest(self, version: str) -> DeprecationPlan | None:
        """The newest plan that covers ``version``, if any."""
        return next(self.covering(version), None)
