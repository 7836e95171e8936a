"""Whether a step's evidence agrees with the registry, where that is cheap to read and says
something the evidence alone cannot (:func:`registry_problems`).

The domain (:func:`~modelsteward.domain.pipeline_run.record_step`) checks evidence against the
pipeline's definition and the run's earlier steps; this checks it against what the registry
holds, for a step recorded as done:

* ``fine_tune``: when the base is a model of this registry, the base version exists;
* ``register``: the candidate is a registered version of the run's model, at least at the
  stage it says it was registered as (and not rejected or retired), and its lineage names the
  base version it was fine-tuned from;
* ``deploy``: the experiment exists, is one of the run's model, is of the strategy said, tests
  the candidate as a treatment and (an A/B test) gives it the traffic split said;
* ``promote_or_rollback``: the experiment deployed has ended, the way the outcome says (a
  stopped experiment is a roll-back), and a promotion's winner is the candidate.

Problems are located as in the evidence's document (``candidate``, ``experiment``).
"""

from __future__ import annotations

import math
from contextlib import suppress

from packageurl import PackageURL

from modelsteward.domain.experiment import Experiment, ExperimentStatus
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.pipeline import StepName
from modelsteward.domain.pipeline_evidence import (
    DecideEvidence,
    DeployEvidence,
    FineTuneEvidence,
    Outcome,
    RegisterEvidence,
    StepResult,
    StepStatus,
)
from modelsteward.domain.pipeline_run import PipelineRun
from modelsteward.domain.registry_file import stage_of_status
from modelsteward.errors import Problem
from modelsteward.ports import Transaction

_ORDER = (Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING, Stage.PRODUCTION)


def registry_problems(tx: Transaction, run: PipelineRun, result: StepResult) -> list[Problem]:
    """The problems of ``result``'s evidence against the registry (see the module's
    docstring); none for a step not recorded as done."""
    evidence = result.evidence
    if result.status is not StepStatus.DONE or evidence is None:
        return []
    match evidence:
        case FineTuneEvidence():
            return _fine_tune(tx, evidence)
        case RegisterEvidence():
            return _register(tx, run, evidence)
        case DeployEvidence():
            return _deploy(tx, run, evidence)
        case DecideEvidence():
            return _decide(tx, run, evidence)
        case _:
            return []


def _fine_tune(tx: Transaction, evidence: FineTuneEvidence) -> list[Problem]:
    model, _, version = evidence.base.rpartition("@")
    if tx.get_model(model) is None or tx.get_version(model, version) is not None:
        return []
    return [Problem("base", f"names {evidence.base}, but {model} has no version {version} in "
                            f"the registry; give the version that was fine-tuned")]


def _register(tx: Transaction, run: PipelineRun, evidence: RegisterEvidence) -> list[Problem]:
    model, _, number = evidence.candidate.partition("@")
    if model != run.model:
        return []  # the domain says so
    version = tx.get_version(model, number)
    if version is None:
        return [Problem("candidate", f"{evidence.candidate} is not registered; register it "
                                     f"first (`steward version register {model} … "
                                     f"--derived-from {evidence.derived_from} --relation "
                                     f"finetune`)")]
    problems: list[Problem] = []
    wanted = stage_of_status(evidence.registered_as)
    if version.stage not in _ORDER:
        problems.append(Problem("candidate", f"{evidence.candidate} is "
                                             f"{version.stage.value}; a candidate must be "
                                             "usable"))
    elif wanted in _ORDER and _ORDER.index(version.stage) < _ORDER.index(wanted):
        problems.append(Problem("registered_as", (
            f"is {evidence.registered_as}, but {evidence.candidate} is still "
            f"{version.stage.value}; take it through the gates first (`steward promote "
            f"{evidence.candidate} --to {wanted.value}`)")))
    parents = [d.parent for d in tx.parents(evidence.candidate)]
    if not any(_names(parent, evidence.derived_from) for parent in parents):
        lineage = ", ".join(parents) if parents else "none"
        problems.append(Problem("derived_from", (
            f"is {evidence.derived_from}, but the lineage of {evidence.candidate} does not "
            f"name it (its parents: {lineage}); register the candidate with --derived-from "
            f"{evidence.derived_from} --relation finetune")))
    return problems


def _names(parent: str, base: str) -> bool:
    """Whether lineage ``parent`` is the base version ``base`` (``model@version``): the same
    reference, or a package URL with that name and version."""
    if parent == base:
        return True
    if parent.startswith("pkg:"):
        with suppress(ValueError):
            purl = PackageURL.from_string(parent)
            return f"{purl.name}@{purl.version}" == base
    return False


def _deploy(tx: Transaction, run: PipelineRun, evidence: DeployEvidence) -> list[Problem]:
    experiment = tx.experiment(evidence.experiment)
    if experiment is None:
        return [Problem("experiment", f"there is no experiment {evidence.experiment}; start "
                                      f"it first (`steward experiment start FILE`)")]
    if experiment.model != run.model:
        return [Problem("experiment", f"{evidence.experiment} is an experiment of "
                                      f"{experiment.model}, not of {run.model}")]
    problems: list[Problem] = []
    if experiment.kind.value != evidence.strategy.value:
        problems.append(Problem("strategy", f"is {evidence.strategy.value}, but "
                                            f"{experiment.name} is a {experiment.kind.value}"))
    candidate = _candidate(run)
    treatments = [a for a in experiment.arms[1:] if f"{run.model}@{a.version}" == candidate]
    if candidate and not treatments:
        tested = ", ".join(f"{run.model}@{a.version}" for a in experiment.arms[1:])
        problems.append(Problem("experiment", f"{experiment.name} does not test the candidate "
                                              f"{candidate}: its treatment is {tested}"))
    elif (treatments and experiment.canary is None
          and not math.isclose(treatments[0].weight, evidence.traffic_split)):
        problems.append(Problem("traffic_split", (
            f"is {evidence.traffic_split:g}, but {experiment.name} gives {candidate} "
            f"{treatments[0].weight:g} of the units")))
    return problems


def _decide(tx: Transaction, run: PipelineRun, evidence: DecideEvidence) -> list[Problem]:
    deployed = run.evidence(StepName.DEPLOY)
    if not isinstance(deployed, DeployEvidence):
        return []
    experiment = tx.experiment(deployed.experiment)
    if experiment is None:
        return []
    if experiment.running:
        return [Problem("outcome", f"experiment {experiment.name} is still running; decide it "
                                   f"first (`steward experiment decide {experiment.name} "
                                   f"--promote|--rollback --reason …`), then record its "
                                   f"outcome")]
    promoted = experiment.status is ExperimentStatus.PROMOTED
    ended = _ended(experiment)
    if (evidence.outcome is Outcome.PROMOTED) is not promoted:
        return [Problem("outcome", f"is {evidence.outcome.value}, but {ended}")]
    if promoted:
        winner = f"{run.model}@{experiment.arm(experiment.winner).version}"
        if winner != evidence.candidate:
            return [Problem("candidate", f"is {evidence.candidate}, but {ended}, "
                                         f"promoting {winner}")]
    return []


def _ended(experiment: Experiment) -> str:
    when = (f" on {experiment.decided_at:%Y-%m-%d}" if experiment.decided_at is not None
            else "")
    return f"experiment {experiment.name} ended {experiment.status.value}{when}"


def _candidate(run: PipelineRun) -> str:
    registered = run.evidence(StepName.REGISTER)
    return registered.candidate if isinstance(registered, RegisterEvidence) else ""
