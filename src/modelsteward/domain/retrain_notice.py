"""What a model's owner team is told when a retrain trigger fires: one ``retrain:due`` notice
per firing, keyed by the firing's key, so that however often the triggers are checked the team
hears of each occurrence once."""

from __future__ import annotations

from datetime import datetime

from modelsteward.domain.notices import Notice
from modelsteward.domain.retrain import Firing

RETRAIN_DUE = "retrain:due"

KINDS: tuple[str, ...] = (RETRAIN_DUE,)


def due_notice(team: str, model: str, firing: Firing, seq: int, at: datetime) -> Notice:
    """To ``team`` (the owner team of ``model``) about ``firing``, recorded by the event
    numbered ``seq``; the message names the trigger and the command that starts a run."""
    message = (f"Retraining {model} is due: {firing.reason} Start a run of its pipeline with "
               f"`steward pipeline start {model} --trigger {firing.key}`.")
    return Notice(firing.key, team, model, RETRAIN_DUE, message,
                  {"key": firing.key, "trigger": firing.kind.value, "reason": firing.reason,
                   "event": seq}, at)
