"""Factor 15's compliance checklist, evaluated per model from the registry's own records.

:func:`evaluate` takes the facts gathered about one model (:class:`ModelFacts`: the model, its
versions, the events about it, its consumers with their pins and locks, its plans, experiments
and pipeline) and returns a :class:`ModelCompliance`: one :class:`Finding` per checklist
:class:`Item`, each pass / fail / not applicable with its evidence (event sequence numbers,
lock digests, experiment ids, plan ids) and the ``steward`` command that fixes a failure.

Some items ask for facts the registry cannot see (a code release process, a vector index);
those are judged from what it can see and their finding says what was not seen (``unseen``).

Drift: :func:`drifted` compares the outcomes last recorded (a ``model:compliance:evaluated``
event, see :data:`COMPLIANCE_EVALUATED`) with the current ones and names the items that went
from pass to fail. Pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter

from modelsteward.domain import events as ev
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.embedding import ReembeddingRecord, embedding_of
from modelsteward.domain.events import Event
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import DEFAULT_TEAM, Model, ModelKind, RiskTier
from modelsteward.domain.pins import PinLevel

COMPLIANCE_EVALUATED = "model:compliance:evaluated"
"""The event that records a model's outcomes (``{"items": {item: outcome}}``) when they
changed since the last one: the previous state :func:`drifted` compares with."""

DRIFTED = "compliance:drifted"
"""The notice kind told to the owner team when an item goes from pass to fail."""

FACT_KINDS: frozenset[str] = frozenset({
    ev.MODEL_CREATED, ev.MODEL_UPDATED, ev.VERSION_REGISTERED, ev.VERSION_EVALUATED,
    ev.VERSION_PROMOTED, ev.DEPRECATION_PLANNED, ev.REEMBEDDING_PLANNED, ev.PIPELINE_IMPORTED,
    ev.PIPELINE_RUN_STARTED, ev.PIPELINE_STEP_RECORDED, ev.VERSION_MEASURED,
    ev.VERSION_BREACHED, ev.VERSION_DEGRADED, COMPLIANCE_EVALUATED})
"""Every event kind :func:`evaluate` and :func:`last_recorded` read from
:attr:`ModelFacts.events`: their outcomes are the same whether the events of other kinds are
there or not, so a gatherer may read only these (with those the evidence pack reads,
:data:`~modelsteward.domain.compliance_pack.PACK_KINDS`)."""

_SEQ = attrgetter("seq")


class Item(enum.StrEnum):
    """Factor 15's ten checklist items, in the seed's order."""

    REGISTRY = "registry"
    PINNED = "pinned"
    EVALUATION = "evaluation"
    AB_TESTING = "ab-testing"
    DEPRECATION_PLAN = "deprecation-plan"
    PROVIDER_NOTICES = "provider-notices"
    FINE_TUNE_PIPELINE = "fine-tune-pipeline"
    RELEASE_PROCESS = "release-process"
    EMBEDDING_MIGRATION = "embedding-migration"
    MONITORING = "monitoring"


TITLES: Mapping[Item, str] = {
    Item.REGISTRY: "A model registry documents all models in use (provider, version, purpose, "
                   "status, owner)",
    Item.PINNED: "Production models are pinned to specific versions, not \"latest\"",
    Item.EVALUATION: "A structured evaluation process exists for evaluating model candidates",
    Item.AB_TESTING: "Model A/B testing infrastructure enables controlled rollout of model "
                     "changes",
    Item.DEPRECATION_PLAN: "Deprecation plans exist for every model in use, with migration "
                           "timelines",
    Item.PROVIDER_NOTICES: "Provider model deprecation notices are tracked and acted on "
                           "proactively",
    Item.FINE_TUNE_PIPELINE: "Fine-tuned models follow a versioned pipeline (data → train → "
                             "eval → deploy)",
    Item.RELEASE_PROCESS: "Model changes are tracked in the same release process as code "
                          "changes (Factor 5)",
    Item.EMBEDDING_MIGRATION: "Embedding model changes are planned as data migration events",
    Item.MONITORING: "Model performance is continuously monitored in production (Factor 14)",
}


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class Evidence:
    """One fact a finding rests on; ``seq`` is the event that recorded it (None for a fact
    that is a current record rather than an event, e.g. a model field)."""

    text: str
    seq: int | None = None

    def as_payload(self) -> dict[str, object]:
        return {"text": self.text, "seq": self.seq}


@dataclass(frozen=True)
class Finding:
    item: Item
    outcome: Outcome
    summary: str
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""  # a `steward …` command; "" when nothing is to be done
    unseen: str = ""  # what the item asks for that the registry cannot see

    def as_payload(self) -> dict[str, object]:
        return {"item": self.item.value, "title": TITLES[self.item],
                "outcome": self.outcome.value, "summary": self.summary,
                "evidence": [e.as_payload() for e in self.evidence],
                "remediation": self.remediation or None, "unseen": self.unseen or None}


@dataclass(frozen=True)
class VersionFacts:
    id: str
    stage: Stage
    digest: str = ""


@dataclass(frozen=True)
class ConsumerFacts:
    """A consumer's use of the model: its pin (``level`` None when it no longer parses) and
    the last lock written for it (``lock_seq`` None when it never locked)."""

    name: str
    team: str
    environment: str
    pin: str
    level: PinLevel | None
    lock_seq: int | None = None
    lock_time: str = ""
    locked_version: str = ""
    lock_digest: str = ""


@dataclass(frozen=True)
class ModelFacts:
    """What the registry holds about one model (``events``: about it and its versions,
    oldest first — all of them, or at least those of :data:`FACT_KINDS`; ``experiments``:
    (name, event seq of its start))."""

    model: Model
    versions: tuple[VersionFacts, ...] = ()
    events: tuple[Event, ...] = ()
    consumers: tuple[ConsumerFacts, ...] = ()
    plans: tuple[DeprecationPlan, ...] = ()
    experiments: tuple[tuple[str, int | None], ...] = ()
    pipeline: bool = False

    @cached_property
    def record_evidence(self) -> tuple[Evidence, ...]:
        """The model's own record (created, updated): what a finding without an event of its
        own cites."""
        return _seqs(self.kinds(ev.MODEL_CREATED, ev.MODEL_UPDATED), "model recorded", 2)

    @cached_property
    def _by_kind(self) -> dict[str, list[Event]]:
        found: dict[str, list[Event]] = {}
        for event in self.events:
            found.setdefault(event.kind, []).append(event)
        return found

    def kinds(self, *kinds: str) -> list[Event]:
        """The events of ``kinds``, oldest first (not to be changed: when they are of one
        kind, the index's own list)."""
        found = [events for kind in kinds if (events := self._by_kind.get(kind))]
        if len(found) == 1:
            return found[0]
        return sorted((e for events in found for e in events), key=_SEQ) if found else []

    @cached_property
    def production(self) -> list[VersionFacts]:
        return [v for v in self.versions if v.stage is Stage.PRODUCTION]

    @cached_property
    def in_use(self) -> bool:
        """Served in production or used by a consumer."""
        return bool(self.production or self.consumers)


@dataclass(frozen=True)
class ModelCompliance:
    model: str
    team: str
    risk_tier: RiskTier
    findings: tuple[Finding, ...]

    @property
    def outcomes(self) -> dict[str, str]:
        return {f.item.value: f.outcome.value for f in self.findings}

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome is Outcome.FAIL]

    def as_payload(self) -> dict[str, object]:
        return {"model": self.model, "team": self.team, "risk_tier": self.risk_tier.value,
                "compliant": not self.failed,
                "findings": [f.as_payload() for f in self.findings]}


def _seqs(events: Sequence[Event], text: str, limit: int = 5) -> tuple[Evidence, ...]:
    """Evidence lines for the last ``limit`` of ``events``, each ``text`` and the subject."""
    return tuple(Evidence(f"{text} {e.subject}", e.seq) for e in events[-limit:])


def _finding(facts: ModelFacts, item: Item, outcome: Outcome, summary: str,
             evidence: tuple[Evidence, ...] = (), remediation: str = "",
             unseen: str = "") -> Finding:
    """A rule's finding; one without evidence of its own cites the model's own record. Built
    once, as it is reported: a report builds a hundred thousand of them."""
    return Finding(item, outcome, summary, evidence or facts.record_evidence, remediation,
                   unseen)


def _created(facts: ModelFacts) -> tuple[Evidence, ...]:
    return facts.record_evidence


def _registry(facts: ModelFacts) -> Finding:
    model = facts.model
    missing = [what for what, ok in (
        ("purpose", bool(model.purpose)),
        ("an owner team", model.owner_team not in ("", DEFAULT_TEAM)),
        ("an owner contact", bool(model.owner_contact)),
        ("a registered version", bool(facts.versions)),
        ("the provider and its model id", model.kind is not ModelKind.HOSTED
         or bool(model.provider and model.provider_model)),
    ) if not ok]
    stages = ", ".join(f"{v.id} {v.stage.value}" for v in facts.versions[-3:])
    evidence = (*_created(facts), *_seqs(facts.kinds(ev.VERSION_REGISTERED),
                                         "version registered", 3),
                Evidence(f"owner {model.owner_team or '-'}, purpose "
                         f"{model.purpose or '-'!r}, status {stages or '-'}"))
    if missing:
        return _finding(facts, Item.REGISTRY, Outcome.FAIL,
                        f"{model.name} lacks {', '.join(missing)}.", evidence,
                        f"steward import registry model-registry.yaml  # with "
                        f"{', '.join(missing)} for {model.name}")
    return _finding(facts, Item.REGISTRY, Outcome.PASS,
                    f"{model.name} names its purpose, owner, versions and their status.", evidence)


def _pinned(facts: ModelFacts) -> Finding:
    unseen = ("Only consumers recorded in the registry (`steward consumer add`, `steward lock`) "
              "are seen; a deployment that calls the model without one is not.")
    if not facts.consumers:
        return _finding(facts, Item.PINNED, Outcome.NOT_APPLICABLE,
                        "No consumer of this model is recorded.", unseen=unseen)
    evidence: list[Evidence] = []
    loose: list[str] = []
    for c in facts.consumers:
        strict = c.level is PinLevel.STRICT
        if c.lock_seq is not None:
            evidence.append(Evidence(f"{c.name} locked {facts.model.name}@{c.locked_version} "
                                     f"{c.lock_digest or '(no digest)'}", c.lock_seq))
        else:
            evidence.append(Evidence(f"{c.name} pins {c.pin!r} ({c.level or 'unparsable'})"))
        if not strict and c.lock_seq is None:
            loose.append(c.name)
    if loose:
        return _finding(facts, Item.PINNED, Outcome.FAIL,
                        f"{len(loose)} consumer(s) use a non-strict pin with no lock: "
                        f"{', '.join(sorted(loose))}.", tuple(evidence),
                        f"steward consumer pin {sorted(loose)[0]} {facts.model.name} "
                        "<exact version>  # or `steward lock` in the application", unseen)
    return _finding(facts, Item.PINNED, Outcome.PASS,
                    "Every consumer pins an exact version or runs from a lock.",
                    tuple(evidence), unseen=unseen)


def _evaluation(facts: ModelFacts) -> Finding:
    evaluated = facts.kinds(ev.VERSION_EVALUATED)
    gated = [e for e in facts.kinds(ev.VERSION_PROMOTED)
             if e.payload_json and '"evaluation"' in e.payload_json]
    evidence = (*_seqs(evaluated, "evaluation of", 4), *_seqs(gated, "evaluation gate passed by",
                                                              2))
    if not facts.versions:
        return _finding(facts, Item.EVALUATION, Outcome.NOT_APPLICABLE, "No version is registered.")
    about = {e.subject for e in evaluated}
    unevaluated = [v.id for v in facts.production if f"{facts.model.name}@{v.id}" not in about]
    if unevaluated or not evaluated:
        target = unevaluated[0] if unevaluated else facts.versions[-1].id
        return _finding(facts, Item.EVALUATION, Outcome.FAIL,
                        "No evaluation result is recorded" + (
                            f" for production version {', '.join(unevaluated)}."
                            if unevaluated else " for any version."),
                        evidence, f"steward eval record {facts.model.name}@{target} result.yaml")
    return _finding(facts, Item.EVALUATION, Outcome.PASS,
                    f"{len(evaluated)} evaluation result(s) recorded; versions pass the "
                    "evaluation gate before they reach production.", evidence)


def _ab_testing(facts: ModelFacts) -> Finding:
    if facts.experiments:
        return _finding(facts, Item.AB_TESTING, Outcome.PASS,
                        f"{len(facts.experiments)} experiment(s) or canaries compared versions.",
                        tuple(Evidence(f"experiment {name}", seq)
                              for name, seq in facts.experiments[-5:]))
    promoted = [e for e in facts.kinds(ev.VERSION_PROMOTED) if '"to":"production"' in
                e.payload_json.replace(" ", "")]
    if len(facts.versions) < 2 or (len(promoted) < 2 and not facts.in_use):
        return _finding(facts, Item.AB_TESTING, Outcome.NOT_APPLICABLE,
                        "The model has had no change to roll out (one version, or none "
                        "in use).")
    return _finding(facts, Item.AB_TESTING, Outcome.FAIL,
                    f"{len(facts.versions)} versions and no experiment or canary compared "
                    "them.", _seqs(promoted, "promoted to production", 3),
                    f"steward experiment start experiment.yaml  # {facts.model.name}: control "
                    "= production, treatment = the candidate")


def _deprecation_plan(facts: ModelFacts) -> Finding:
    name = facts.model.name
    planned = facts.kinds(ev.DEPRECATION_PLANNED)
    if facts.plans:
        plan = facts.plans[-1]
        evidence = tuple(
            Evidence(f"plan {p.id} for {p.ref}: soft {p.soft_deadline}, hard {p.hard_deadline}, "
                     f"{len(p.migration_steps)} migration step(s)",
                     next((e.seq for e in planned if f'"{p.id}"' in e.payload_json), None))
            for p in facts.plans[-3:])
        if not any(p.migration_steps or p.replacement for p in facts.plans):
            return _finding(facts, Item.DEPRECATION_PLAN, Outcome.FAIL,
                            f"Plan {plan.id} has no replacement nor migration steps.", evidence,
                            f"steward deprecate {plan.ref} --replacement MODEL@PIN "
                            "--migration-step … "
                            "(with its dates)")
        return _finding(facts, Item.DEPRECATION_PLAN, Outcome.PASS,
                        f"{len(facts.plans)} deprecation plan(s) with dates and a migration.",
                        evidence)
    support = facts.model.support
    if support.active_months is not None:
        return _finding(facts, Item.DEPRECATION_PLAN, Outcome.PASS,
                        f"Support policy: {support.active_months} months active support, then "
                        f"{support.afterwards or 'unsupported'}; each version's end is dated.",
                        _created(facts))
    if not facts.in_use:
        return _finding(facts, Item.DEPRECATION_PLAN, Outcome.NOT_APPLICABLE,
                        "The model is not in use (no production version, no consumer).")
    return _finding(facts, Item.DEPRECATION_PLAN, Outcome.FAIL,
                    f"{name} is in use and has neither a deprecation plan nor a support policy "
                    "(`steward plans --missing` lists it).", _created(facts),
                    f"steward deprecate {name}@<version> --reason … --soft-deadline … "
                    "--hard-deadline … --migration-step …  # or give it a support policy")


def _provider_notices(facts: ModelFacts) -> Finding:
    if facts.model.kind is not ModelKind.HOSTED:
        return _finding(facts, Item.PROVIDER_NOTICES, Outcome.NOT_APPLICABLE,
                        "Not a hosted provider model: its end is the owner's deprecation plan.")
    unseen = ("A provider schedule that was imported but does not deprecate this model leaves "
              "no record for it; the registry sees only the plans an import made.")
    shutdowns = [p for p in facts.plans if p.reason is DeprecationReason.PROVIDER_SHUTDOWN]
    planned = facts.kinds(ev.DEPRECATION_PLANNED)
    if shutdowns:
        return _finding(facts, Item.PROVIDER_NOTICES, Outcome.PASS,
                        f"{len(shutdowns)} provider shutdown(s) tracked as plans.",
                        tuple(Evidence(f"plan {p.id}: {p.ref} hard deadline {p.hard_deadline}",
                                       next((e.seq for e in planned
                                             if f'"{p.id}"' in e.payload_json), None))
                              for p in shutdowns[-3:]), unseen=unseen)
    return _finding(facts, Item.PROVIDER_NOTICES, Outcome.FAIL,
                    f"No provider schedule of {facts.model.provider or 'its provider'} is "
                    f"tracked for {facts.model.name}.", _created(facts),
                    "steward providers import model_prices_and_context_window.json && "
                    "steward tick", unseen)


def _fine_tune_pipeline(facts: ModelFacts) -> Finding:
    if facts.model.kind is not ModelKind.FINE_TUNED:
        return _finding(facts, Item.FINE_TUNE_PIPELINE, Outcome.NOT_APPLICABLE,
                        "Not a fine-tuned model.")
    imported = facts.kinds(ev.PIPELINE_IMPORTED)
    runs = facts.kinds(ev.PIPELINE_RUN_STARTED, ev.PIPELINE_STEP_RECORDED)
    evidence = (*_seqs(imported, "pipeline imported for", 1), *_seqs(runs, "pipeline run of", 4))
    if not facts.pipeline:
        return _finding(facts, Item.FINE_TUNE_PIPELINE, Outcome.FAIL,
                        "No fine-tuning pipeline is defined for it.", evidence,
                        f"steward pipeline import {facts.model.name} pipeline.yaml")
    return _finding(facts, Item.FINE_TUNE_PIPELINE, Outcome.PASS,
                    f"A versioned pipeline is defined; {len(facts.kinds(ev.PIPELINE_RUN_STARTED))}"
                    " run(s) recorded.", evidence)


def _release_process(facts: ModelFacts) -> Finding:
    unseen = ("The registry cannot see the code's release process; it sees which consumers "
              "lock the model (`steward lock`, audited in CI by `steward audit`) and when.")
    if not facts.consumers:
        return _finding(facts, Item.RELEASE_PROCESS, Outcome.NOT_APPLICABLE,
                        "No consumer of this model is recorded.", unseen=unseen)
    unlocked = sorted(c.name for c in facts.consumers if c.lock_seq is None)
    evidence = tuple(Evidence(f"{c.name} lock written {c.lock_time} "
                              f"({facts.model.name}@{c.locked_version})", c.lock_seq)
                     for c in facts.consumers if c.lock_seq is not None)
    if unlocked:
        return _finding(facts, Item.RELEASE_PROCESS, Outcome.FAIL,
                        f"{len(unlocked)} consumer(s) have no lock: {', '.join(unlocked)}.",
                        evidence, "steward lock && steward audit  # in the application's "
                        "repository and CI", unseen)
    return _finding(facts, Item.RELEASE_PROCESS, Outcome.PASS,
                    "Every consumer locks the model, so a model change is a lock change "
                    "reviewed like code.", evidence, unseen=unseen)


def _embedding_migration(facts: ModelFacts) -> Finding:
    unseen = "The vector index and its documents live outside the registry."
    spec = embedding_of(facts.model)
    if spec is None and "embedding" not in facts.model.tags:
        return _finding(facts, Item.EMBEDDING_MIGRATION, Outcome.NOT_APPLICABLE,
                        "Not declared an embedding model.", unseen=unseen)
    records = [r for r in (ReembeddingRecord.from_event(e.payload, e.seq)
                           for e in facts.kinds(ev.REEMBEDDING_PLANNED)) if r is not None]
    evidence = tuple(Evidence(f"re-embedding planned: {r.plan.documents:,} documents"
                              + (f" for plan {r.deprecation_plan}" if r.deprecation_plan else "")
                              + (f" for consumer {r.consumer}" if r.consumer else ""), r.seq)
                     for r in records[-5:])
    covered = {r.deprecation_plan for r in records}
    bare = [p for p in facts.plans if p.id not in covered
            and not any("embed" in step.lower() for step in p.migration_steps)]
    if bare:
        plan = bare[0]
        return _finding(facts, Item.EMBEDDING_MIGRATION, Outcome.FAIL,
                        f"Plan {plan.id} moves an embedding model without a re-embedding plan.",
                        evidence, f"steward deprecate {plan.ref} --reembed-documents N "
                        "--reembed-index NAME …  # or `steward model reembed`", unseen)
    declared = (f"dimension {spec.dimension}, {spec.distance.value}" if spec is not None
                else "tagged embedding")
    return _finding(facts, Item.EMBEDDING_MIGRATION, Outcome.PASS,
                    f"Embedding model ({declared}): every deprecation plan carries a "
                    "re-embedding plan, and `lock --upgrade`/`audit --fix` refuse to move its "
                    "pins without one.", evidence, unseen=unseen)


def _monitoring(facts: ModelFacts) -> Finding:
    unseen = "Dashboards outside the registry are not seen; measurements recorded here are."
    if not facts.production:
        return _finding(facts, Item.MONITORING, Outcome.NOT_APPLICABLE,
                        "No version is in production.", unseen=unseen)
    measured = facts.kinds(ev.VERSION_MEASURED, ev.VERSION_BREACHED, ev.VERSION_DEGRADED)
    about = {e.subject for e in measured}
    silent = [v.id for v in facts.production if f"{facts.model.name}@{v.id}" not in about]
    if silent:
        return _finding(facts, Item.MONITORING, Outcome.FAIL,
                        f"Production version {', '.join(silent)} has no recorded measurement.",
                        _seqs(measured, "measurement of", 3),
                        f"steward monitor record {facts.model.name}@{silent[0]} "
                        "error_rate=…", unseen)
    return _finding(facts, Item.MONITORING, Outcome.PASS,
                    f"{len(measured)} production measurement(s) recorded.",
                    _seqs(measured, "measurement of", 3), unseen=unseen)


_RULES = (_registry, _pinned, _evaluation, _ab_testing, _deprecation_plan, _provider_notices,
          _fine_tune_pipeline, _release_process, _embedding_migration, _monitoring)


def evaluate(facts: ModelFacts) -> ModelCompliance:
    """The ten findings about ``facts.model``, in the checklist's order. A finding that
    rests on no particular event cites the model's own record (what it was judged from, see
    :func:`_finding`)."""
    return ModelCompliance(facts.model.name, facts.model.owner_team, facts.model.risk_tier,
                           tuple(rule(facts) for rule in _RULES))


def last_recorded(events: Sequence[Event]) -> tuple[int, dict[str, str]] | None:
    """(seq, outcomes) of the last :data:`COMPLIANCE_EVALUATED` event in ``events``."""
    for event in reversed(events):
        if event.kind == COMPLIANCE_EVALUATED:
            items = json.loads(event.payload_json).get("items", {})
            return event.seq, {str(k): str(v) for k, v in items.items()}
    return None


def drifted(previous: Mapping[str, str], current: ModelCompliance) -> list[Finding]:
    """The findings that were ``pass`` in ``previous`` and are ``fail`` now."""
    return [f for f in current.failed if previous.get(f.item.value) == Outcome.PASS.value]
