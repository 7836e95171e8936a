"""What every use case works with: the store, the clock, who acts, and the policy.

A :class:`Context` is built once by the composition root
(:class:`~modelsteward.service.registry.Registry`) and handed to each service, so that no service
reaches back into the registry for its store, clock or actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.model import DEFAULT_TEAM
from modelsteward.domain.policy import Policy
from modelsteward.ports import Clock, Store, SystemClock, Transaction


@dataclass
class Context:
    """The store and the facts every unit of work shares.

    One context is shared by all the services of a registry, so that setting the registry's
    ``actor`` or ``policy`` (the only fields that change) reaches every service, including
    one a caller holds on to. ``actor`` is recorded in every event; ``default_team`` owns a
    model made without one; ``workers`` bounds the threads that hash artefacts (``None``: the
    default)."""

    store: Store
    actor: str
    clock: Clock = field(default_factory=SystemClock)
    policy: Policy = field(default_factory=Policy)
    default_team: str = DEFAULT_TEAM
    workers: int | None = None

    def record(self, tx: Transaction, *events: NewEvent) -> list[Event]:
        """Append ``events`` to the hash-chained log inside the write transaction ``tx``, as
        :attr:`actor` at the clock's time, so that a change and its event commit together."""
        return tx.append_events(self.actor, self.clock.now(), events)

    def today(self) -> date:
        """The clock's date (deadlines and phases are days)."""
        return self.clock.now().date()
