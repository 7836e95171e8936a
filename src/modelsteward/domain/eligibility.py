"""Eligibility: which versions may be chosen for an application.

Gates protect applications, not only the ``production`` alias. Whatever *chooses* a version for an
application — a non-strict pin's resolution, ``lock``, ``lock --upgrade``, ``outdated``,
``audit --fix``, a deletion's migration, a deprecation's replacement — chooses only versions the
policy calls eligible:

* the version reached the policy's ``eligibility.minimum_stage`` (default ``registered``: it passed
  the evaluation gate) — a deprecated version counts as having reached the stage it was deprecated
  from;
* it is not rejected, retired, or blocked (degraded by production monitoring, or rolled back from
  production).

Asked explicitly (``--candidates``, for staging environments), a resolution also takes versions
that have not reached the minimum stage yet; rejected, retired and blocked versions never.

A strict pin (an exact version or snapshot) is not a choice: it still names exactly one version,
and the resolution says loudly why that version is not eligible.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.lifecycle import Stage
from modelsteward.errors import InvalidInput

# The stages a version moves through on its way to production, in order.
PATH: tuple[Stage, ...] = (Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING,
                           Stage.PRODUCTION)

_GATE_PASSED = {
    Stage.TRAINED: "no gate",
    Stage.EVALUATED: "the validation gate",
    Stage.REGISTERED: "the evaluation gate",
    Stage.STAGING: "the evaluation gate and was moved to staging",
    Stage.PRODUCTION: "the approval gate into production",
}


@dataclass(frozen=True)
class EligibilityRule:
    """The policy's ``eligibility`` section: the lowest stage a version must have reached to be
    chosen for an application (``trained`` admits every version that is not rejected, retired or
    blocked: a development registry)."""

    minimum_stage: Stage = Stage.REGISTERED

    def __post_init__(self) -> None:
        if self.minimum_stage not in PATH:
            raise InvalidInput(
                f"eligibility.minimum_stage must be one of {', '.join(s.value for s in PATH)}, "
                f"not {self.minimum_stage.value!r}.")

    def admitted(self, candidates: bool = False) -> tuple[Stage, ...]:
        """The stages an eligible version may be at (a deprecated one may also need
        :meth:`deprecated_ok`). ``candidates`` admits every stage of :data:`PATH`."""
        lowest = 0 if candidates else PATH.index(self.minimum_stage)
        return (*PATH[lowest:], Stage.DEPRECATED)

    @property
    def deprecation_matters(self) -> bool:
        """Whether a deprecated version's earlier stage decides its eligibility (every stage a
        version can be deprecated from is at least ``registered``)."""
        return PATH.index(self.minimum_stage) > PATH.index(Stage.REGISTERED)

    def deprecated_ok(self, deprecated_from: Stage | None, candidates: bool = False) -> bool:
        """Whether a version deprecated from ``deprecated_from`` (``None``: unknown) is
        eligible."""
        if candidates or not self.deprecation_matters:
            return True
        return deprecated_from in PATH and \
            PATH.index(deprecated_from) >= PATH.index(self.minimum_stage)

    def why_not(self, stage: Stage, blocked_reason: str = "", *,
                deprecated_from: Stage | None = None, candidates: bool = False) -> str:
        """Why a version at ``stage`` (blocked for ``blocked_reason``) is not eligible, as a
        clause ("it is still trained: …"); ``""`` when it is eligible."""
        if stage is Stage.RETIRED:
            return "it is retired"
        if stage is Stage.REJECTED:
            return "it was rejected"
        if blocked_reason:
            if blocked_reason.startswith("rolled back"):
                return f"it was {blocked_reason}"
            return f"it is degraded (production monitoring: {blocked_reason})"
        if stage is Stage.DEPRECATED:
            if self.deprecated_ok(deprecated_from, candidates):
                return ""
            was = deprecated_from.value if deprecated_from else "an unknown stage"
            return (f"it was deprecated from {was} and never reached "
                    f"{self.minimum_stage.value}, the policy's eligibility.minimum_stage")
        if stage in self.admitted(candidates):
            return ""
        needed = PATH[PATH.index(stage) + 1]
        gate = _GATE_PASSED[self.minimum_stage]
        return (f"it is still {stage.value}: it has not passed {gate} (the policy's "
                f"eligibility.minimum_stage is {self.minimum_stage.value}; "
                f"`steward promote` moves it to {needed.value})")


def parse_minimum_stage(text: str) -> Stage:
    """The stage named by ``text`` for ``eligibility.minimum_stage``; raises
    :class:`InvalidInput` naming the accepted values."""
    try:
        stage = Stage(text)
    except ValueError:
        stage = None
    if stage not in PATH:
        raise InvalidInput(
            f"{text!r} is not a stage a version can be required to reach; use one of "
            f"{', '.join(s.value for s in PATH)}.")
    assert stage is not None
    return stage
