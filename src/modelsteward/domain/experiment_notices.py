"""What teams are told about experiments: the owner team of the model, and the teams whose
consumers use the model (their traffic is in the experiment)."""

from __future__ import annotations

from datetime import datetime

from modelsteward.domain.experiment import Experiment, ExperimentStatus
from modelsteward.domain.notices import Notice

STARTED = "experiment:started"
PROMOTED = "experiment:promoted"
ROLLED_BACK = "experiment:rolled-back"
STOPPED = "experiment:stopped"
CANARY_ADVANCED = "canary:advanced"

KINDS: tuple[str, ...] = (STARTED, PROMOTED, ROLLED_BACK, STOPPED, CANARY_ADVANCED)

_ENDED = {ExperimentStatus.PROMOTED: PROMOTED, ExperimentStatus.ROLLED_BACK: ROLLED_BACK,
          ExperimentStatus.STOPPED: STOPPED}


def _arms(experiment: Experiment) -> str:
    return ", ".join(f"{a.name} {experiment.model}@{a.version} ({a.weight:.0%})"
                     for a in experiment.arms)


def _payload(experiment: Experiment, seq: int) -> dict[str, object]:
    return {"experiment": experiment.name, "kind": experiment.kind.value,
            "status": experiment.status.value, "step": experiment.step,
            "arms": [{"name": a.name, "version": a.version, "weight": a.weight}
                     for a in experiment.arms],
            "winner": experiment.winner or None, "reason": experiment.reason or None,
            "event": seq}


def started_notice(team: str, experiment: Experiment, consumers: list[str], seq: int,
                   at: datetime) -> Notice:
    """To ``team`` when ``experiment`` starts; ``consumers`` are the team's consumers of the
    model (empty for the owner team)."""
    yours = (f" Your consumers {', '.join(sorted(consumers))} use {experiment.model}: their "
             "traffic is split between the arms by `/api/v1/route`." if consumers else "")
    message = (f"{experiment.kind.value.replace('_', ' ').capitalize()} {experiment.name} "
               f"started on {experiment.model}: {_arms(experiment)}.{yours}")
    return Notice(f"{STARTED}:{experiment.name}:{team}", team, experiment.model, STARTED,
                  message, _payload(experiment, seq), at)


def ended_notice(team: str, experiment: Experiment, seq: int, at: datetime) -> Notice:
    """To ``team`` when ``experiment`` ended (promoted, rolled back or stopped)."""
    kind = _ENDED[experiment.status]
    if experiment.status is ExperimentStatus.PROMOTED:
        winner = experiment.arm(experiment.winner)
        what = (f"promoted {experiment.model}@{winner.version} ({winner.name}) to "
                f"production")
    elif experiment.status is ExperimentStatus.ROLLED_BACK:
        what = (f"rolled back: every unit gets {experiment.model}@"
                f"{experiment.control.version} again")
    else:
        what = (f"stopped: every unit gets {experiment.model}@{experiment.control.version} "
                "again")
    message = f"Experiment {experiment.name} on {experiment.model} {what}. Why: {experiment.reason}"
    return Notice(f"{kind}:{experiment.name}:{team}", team, experiment.model, kind, message,
                  _payload(experiment, seq), at)


def advanced_notice(team: str, experiment: Experiment, seq: int, at: datetime) -> Notice:
    """To ``team`` when a canary moved to its next step."""
    canary = experiment.arms[1]
    message = (f"Canary {experiment.name} of {experiment.model}@{canary.version} moved to step "
               f"{experiment.step + 1}: {canary.weight:.0%} of the traffic. {experiment.reason}")
    return Notice(f"{CANARY_ADVANCED}:{experiment.name}:{experiment.step}:{team}", team,
                  experiment.model, CANARY_ADVANCED, message, _payload(experiment, seq), at)
