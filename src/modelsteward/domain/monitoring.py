"""Production monitoring: which measurements break which thresholds, and what the owning team
and the teams using a version are told about a breach and about a rollback.

Pure: the service passes the measurements, the thresholds, who holds production and the event
that records the change; this module returns breaches, reasons and notices. A notice's key holds
the sequence number of the event it reports, so one cause is told once, whatever retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from modelsteward.domain.notices import Notice
from modelsteward.domain.policy import Threshold

DEGRADED = "monitoring:degraded"  # to the owner team: what broke and where production is now
DEGRADED_IN_USE = "monitoring:degraded-in-use"  # to teams whose consumers resolve to it
ROLLED_BACK = "rollback"  # to the owner team: an alias moved back by hand


@dataclass(frozen=True)
class Breach:
    """A measured ``value`` of ``threshold.metric`` that does not hold ``threshold``."""

    value: float
    threshold: Threshold

    @property
    def metric(self) -> str:
        return self.threshold.metric

    def __str__(self) -> str:
        return f"{self.metric} = {self.value:g} breaks {self.threshold}"

    def as_payload(self) -> dict[str, object]:
        return {"metric": self.metric, "value": self.value, "threshold": str(self.threshold)}


def find_breaches(values: Mapping[str, float],
                  thresholds: Mapping[str, Threshold]) -> tuple[Breach, ...]:
    """The measurements that break a threshold, in metric order; metrics without one are
    stored but never breach."""
    return tuple(Breach(float(values[metric]), thresholds[metric]) for metric in sorted(values)
                 if metric in thresholds and not thresholds[metric].holds(float(values[metric])))


def rollback_block_reason(day: date, reason: str) -> str:
    """Why a version production was rolled back from is no longer a rollback target."""
    return f"rolled back from production on {day.isoformat()}: {reason}"


@dataclass(frozen=True)
class ProductionOutcome:
    """Where production stands after a breach of ``version`` (a version id of ``model``).

    ``before`` is the version that held production when the breach was measured ("" when none
    did); ``rolled_back_to`` is set when an automatic rollback moved it, ``rollback_failed``
    when one was attempted and was impossible; ``auto_rollback`` says whether the policy asks
    for one."""

    model: str
    version: str
    before: str
    auto_rollback: bool
    rolled_back_to: str = ""
    rollback_failed: str = ""

    @property
    def now(self) -> str:
        """The version holding production now ("" when none does)."""
        return self.rolled_back_to or self.before

    def describe(self) -> str:
        ref = f"{self.model}@{self.version}"
        if self.rolled_back_to:
            return (f"Production was rolled back automatically from {ref} to "
                    f"{self.model}@{self.rolled_back_to}.")
        if self.before != self.version:
            held = (f"{self.model}@{self.before} holds it" if self.before
                    else "no version holds it")
            return f"Production is unchanged: {ref} did not hold it ({held})."
        if self.rollback_failed:
            return (f"Production is still {ref}: the automatic rollback failed because "
                    f"{_sentence(self.rollback_failed)}")
        return (f"Production is still {ref}: the policy does not roll back automatically; "
                f"roll back with `steward rollback {self.model} --reason \"...\"` or promote "
                "a fixed version.")

    def as_payload(self) -> dict[str, object]:
        return {"production_before": self.before or None, "production": self.now or None,
                "rolled_back_to": self.rolled_back_to or None,
                "rollback_failed": self.rollback_failed or None}


def degraded_notice(team: str, outcome: ProductionOutcome, breaches: tuple[Breach, ...],
                    seq: int, at: datetime) -> Notice:
    """The notice to the owner ``team`` of a version that breached its monitoring thresholds;
    ``seq`` is the ``model:version:degraded`` event's."""
    ref = f"{outcome.model}@{outcome.version}"
    message = (f"{ref} breached its monitoring thresholds: {_listed(breaches)}. It is marked "
               f"degraded and is no longer a rollback target. {outcome.describe()}")
    return Notice(f"{DEGRADED}:{ref}:{seq}:{team}", team, outcome.model, DEGRADED, message,
                  _payload(ref, breaches, outcome, seq), at)


def degraded_in_use_notice(team: str, consumers: list[str], outcome: ProductionOutcome,
                           breaches: tuple[Breach, ...], seq: int, at: datetime) -> Notice:
    """The notice to a ``team`` whose ``consumers`` have pins resolving to the degraded
    version."""
    ref = f"{outcome.model}@{outcome.version}"
    names = sorted(consumers)
    message = (f"{ref}, which {len(names)} of your consumers "
               f"{'uses' if len(names) == 1 else 'use'} ({', '.join(names)}), breached its "
               f"monitoring thresholds: {_listed(breaches)}. {outcome.describe()} Check "
               "whether your pins should move off it.")
    payload = _payload(ref, breaches, outcome, seq)
    payload.update(consumers=len(names), consumer_names=names)
    return Notice(f"{DEGRADED_IN_USE}:{ref}:{seq}:{team}", team, outcome.model, DEGRADED_IN_USE,
                  message, payload, at)


def rollback_notice(team: str, model: str, alias: str, from_version: str, to_version: str,
                    reason: str, actor: str, blocked_reason: str, seq: int,
                    at: datetime) -> Notice:
    """The notice to the owner ``team`` of a rollback of ``alias`` made by hand; ``seq`` is the
    ``model:alias:rolled-back`` event's, ``blocked_reason`` what now keeps ``from_version``
    from being a rollback target ("" when the rollback blocked nothing)."""
    blocked = (f" {model}@{from_version} is no longer a rollback target ({blocked_reason})."
               if blocked_reason else "")
    message = (f"{actor} rolled {alias} of {model} back from {model}@{from_version} to "
               f"{model}@{to_version}: {_sentence(reason)}{blocked}")
    return Notice(f"{ROLLED_BACK}:{model}:{alias}:{seq}:{team}", team, model, ROLLED_BACK,
                  message, {"alias": alias, "from": from_version, "to": to_version,
                            "reason": reason, "by": actor,
                            "blocked_reason": blocked_reason or None, "event": seq}, at)


def _payload(ref: str, breaches: tuple[Breach, ...], outcome: ProductionOutcome,
             seq: int) -> dict[str, object]:
    return {"version": ref, "breaches": [b.as_payload() for b in breaches],
            **outcome.as_payload(), "event": seq}


def _listed(breaches: tuple[Breach, ...]) -> str:
    return "; ".join(f"{b.metric} measured {b.value:g}, threshold {b.threshold}"
                     for b in breaches)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
