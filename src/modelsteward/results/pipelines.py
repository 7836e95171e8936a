"""What the fine-tuning pipeline use cases return."""

from __future__ import annotations

from dataclasses import dataclass

from modelsteward.domain.pipeline_record import RunRecord, run_to_record
from modelsteward.domain.pipeline_run import RunStatus


@dataclass(frozen=True)
class RetrainDue:
    """A retrain trigger of ``model`` that fired, told once to ``team`` by a ``retrain:due``
    notice keyed by ``key`` (start a run with it); ``reason`` says why in a sentence."""

    model: str
    team: str
    key: str
    trigger: str
    reason: str

    def as_payload(self) -> dict[str, object]:
        return {"model": self.model, "team": self.team, "key": self.key,
                "trigger": self.trigger, "reason": self.reason}


@dataclass(frozen=True)
class RunView:
    """A pipeline run, where it stands, and ``note``: what the registry adds about what it
    waits for (the state of the experiment its decision waits on; ``""`` when nothing)."""

    record: RunRecord
    note: str = ""

    @property
    def status(self) -> RunStatus:
        return self.record.status

    def as_payload(self) -> dict[str, object]:
        """The run's record (see :func:`~modelsteward.domain.pipeline_record.run_to_record`)
        with ``waiting_for`` (the next step, ``null`` once it ended), ``where`` (the sentence)
        and ``note``."""
        status = self.status
        return {**run_to_record(self.record),
                "waiting_for": status.next_step.value if status.next_step else None,
                "where": status.sentence, "note": self.note or None}
