"""The compliance report: Factor 15's checklist evaluated from the registry's records, and the
"drifted out of compliance" notice.

The report reads in one snapshot, a keyset batch of models at a time (:mod:`.batches`), a
fixed number of reads a batch (the models, their live versions, consumers, plans,
experiments, pipelines and the events of the kinds it judges, :data:`REPORT_KINDS`), then
judges each model of the batch with the pure :func:`~modelsteward.domain.compliance.evaluate`
and drops the batch's facts: memory holds one batch's facts and the results.

How drift is known: :meth:`Compliance.record` (run by ``steward tick`` and
``steward compliance --record``) appends a ``model:compliance:evaluated`` event for each model
whose outcomes differ from its last such event (nothing when they are unchanged, so a daily
tick does not grow the log), and for each item that went from pass to fail stores a
``compliance:drifted`` notice to the owner team, keyed by that event's sequence number, so it
is told once. The previous state is therefore part of the tamper-evident log itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache

from modelsteward.domain import events as ev
from modelsteward.domain.compliance import (
    COMPLIANCE_EVALUATED,
    DRIFTED,
    FACT_KINDS,
    TITLES,
    ConsumerFacts,
    ModelCompliance,
    ModelFacts,
    VersionFacts,
    drifted,
    evaluate,
    last_recorded,
)
from modelsteward.domain.compliance_pack import PACK_KINDS, EvidencePack, evidence_pack
from modelsteward.domain.events import Event, NewEvent, format_time
from modelsteward.domain.model import Model, RiskTier, VersionScheme
from modelsteward.domain.notices import Notice
from modelsteward.domain.pins import PinLevel, parse_pin
from modelsteward.errors import InvalidInput, InvalidPin, ModelNotFound
from modelsteward.ports import Transaction
from modelsteward.results.compliance import ComplianceRecorded, ComplianceReport
from modelsteward.service.batches import model_batches
from modelsteward.service.context import Context

# the event kinds the report reads: those the checklist and the evidence packs judge, and those
# the gathering itself uses (locks, registrations, experiment starts). The store filters them,
# so the rest of the log (notices, tokens, advisories, consumers' changes…) is never decoded.
REPORT_KINDS = FACT_KINDS | PACK_KINDS | {ev.APPLICATION_LOCKED, ev.VERSION_REGISTERED,
                                          ev.EXPERIMENT_STARTED}


def _model_of(subject: str) -> str:
    return subject.split("@", 1)[0]


class Compliance:
    """The compliance report over the context's store (see the module's docstring)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def report(self, model: str | None = None, team: str | None = None) -> ComplianceReport:
        """The checklist for ``model``, or every model of ``team``, or every live model, with
        the evidence pack of each high-risk one. Raises :class:`ModelNotFound` for an unknown
        ``model`` and :class:`InvalidInput` when both are given."""
        from modelsteward.service.audit import batch_allocation

        # tens of thousands of small acyclic objects: the collector's passes would cost as
        # much as the judging (as in the audit)
        with batch_allocation(), self.ctx.store.snapshot() as tx:
            return self._report(tx, model, team)

    def record(self, model: str | None = None, team: str | None = None) -> ComplianceRecorded:
        """Evaluate as :meth:`report` does and record what changed (see the module's
        docstring): one unit of work."""
        from modelsteward.service.audit import batch_allocation

        now = self.ctx.clock.now()
        with batch_allocation(), self.ctx.store.write() as tx:
            at = format_time(self.ctx.clock.now())  # before any event is recorded
            results: list[ModelCompliance] = []
            packs: dict[str, EvidencePack] = {}
            changed: list[str] = []
            notices: list[Notice] = []
            for models, facts in self._batches(tx, model, team):
                judged = self._judge(models, facts, results, packs)
                for result in judged:
                    previous = last_recorded(facts[result.model].events)
                    before = previous[1] if previous else {}
                    if before == result.outcomes:
                        continue
                    [event] = self.ctx.record(tx, NewEvent(COMPLIANCE_EVALUATED, result.model, {
                        "items": result.outcomes,
                        "previous": previous[0] if previous else None}))
                    changed.append(result.model)
                    for finding in drifted(before, result):
                        notice = Notice(
                            f"{DRIFTED}:{result.model}:{finding.item.value}:{event.seq}",
                            result.team, result.model, DRIFTED,
                            f"{result.model} drifted out of compliance: "
                            f"\"{TITLES[finding.item]}\" passed and now fails: {finding.summary}"
                            + (f" Fix: `{finding.remediation}`." if finding.remediation
                               else ""),
                            {"item": finding.item.value, "event": event.seq,
                             "previous_event": previous[0] if previous else None,
                             "remediation": finding.remediation or None}, now)
                        if tx.add_notice(notice):
                            notices.append(notice)
            report = ComplianceReport(at, tuple(results), packs)
            return ComplianceRecorded(report, tuple(changed), tuple(notices))

    # gathering -------------------------------------------------------------------------------

    def _report(self, tx: Transaction, model: str | None, team: str | None) -> ComplianceReport:
        results: list[ModelCompliance] = []
        packs: dict[str, EvidencePack] = {}
        for models, facts in self._batches(tx, model, team):
            self._judge(models, facts, results, packs)
        return ComplianceReport(format_time(self.ctx.clock.now()), tuple(results), packs)

    @staticmethod
    def _judge(models: list[Model], facts: dict[str, ModelFacts], results: list[ModelCompliance],
               packs: dict[str, EvidencePack]) -> list[ModelCompliance]:
        """Evaluate ``models`` and add their results (and the evidence packs of the high-risk
        ones) to ``results`` and ``packs``; their results."""
        judged = [evaluate(facts[m.name]) for m in models]
        results.extend(judged)
        packs.update((m.name, evidence_pack(facts[m.name])) for m in models
                     if m.risk_tier is RiskTier.HIGH)
        return judged

    def _batches(self, tx: Transaction, model: str | None,
                 team: str | None) -> Iterator[tuple[list[Model], dict[str, ModelFacts]]]:
        """The models to judge, by name, a keyset batch at a time, with their facts: the
        facts of one batch are read, judged and dropped before the next is read."""
        if model and team:
            raise InvalidInput("Give either a model or a team, not both.")
        if model:
            found = tx.get_model(model)
            if found is None:
                raise ModelNotFound(model)
            yield [found], self._facts(tx, [found], single=True)
            return
        for batch in model_batches(tx):
            models = [m for m in batch if not team or m.owner_team == team]
            if models:
                yield models, self._facts(tx, models, single=False)

    def _facts(self, tx: Transaction, models: list[Model],
               single: bool) -> dict[str, ModelFacts]:
        names = {m.name for m in models}
        if single:
            only = models[0].name
            consumers = tx.list_consumers(only)
            events = tx.events(subject_prefix=only, kinds=REPORT_KINDS)
            for consumer in consumers:
                events.extend(tx.events(subject_prefix=consumer.name,
                                        kinds=(ev.APPLICATION_LOCKED,)))
        else:
            # the consumers pinning these models, and their lock events
            pinning = {c.name: c for listed in tx.consumers_of(sorted(names)).values()
                       for c in listed}
            consumers = [pinning[name] for name in sorted(pinning)]
            events = tx.events_of_models(names, kinds=REPORT_KINDS - {ev.APPLICATION_LOCKED})
            events.extend(tx.events_of(sorted(pinning), kinds=(ev.APPLICATION_LOCKED,)))
        by_model: dict[str, list[Event]] = defaultdict(list)
        locks: dict[str, Event] = {}  # application → its last lock event
        for event in events:
            if event.kind == ev.APPLICATION_LOCKED:
                locks[event.subject] = event
            elif not event.subject.startswith(("consumer:", "pkg:")):
                by_model[_model_of(event.subject)].append(event)
        # the live versions, in registration order: every version is registered by exactly
        # one model:version:registered event (the tables are replayed from them), and one
        # batched read gives their stage and digest
        refs = [(name, version) for name, _, version in
                (e.subject.partition("@") for e in events if e.kind == ev.VERSION_REGISTERED)
                if name in names]
        states = tx.version_states(refs)
        versions: dict[str, list[VersionFacts]] = defaultdict(list)
        for ref in refs:
            state = states.get(ref)
            if state is not None:
                versions[ref[0]].append(VersionFacts(ref[1], state[1], state[0]))
        digests = {ref: state[0] for ref, state in states.items()}
        uses: dict[str, list[ConsumerFacts]] = defaultdict(list)
        by_name = {m.name: m for m in models}
        for consumer in consumers:
            lock = locks.get(consumer.name)
            locked = lock.payload.get("models", {}) if lock is not None else {}
            for pin in consumer.pins:
                target = by_name.get(pin.model)
                if target is None:
                    continue
                version = str(locked.get(pin.model, "")) if isinstance(locked, dict) else ""
                uses[pin.model].append(ConsumerFacts(
                    consumer.name, consumer.team, consumer.environment, pin.pin,
                    _level(target, pin.pin),
                    lock.seq if lock is not None and version else None,
                    lock.time if lock is not None else "", version,
                    digests.get((pin.model, version), "")))
        plans = tx.plans_of(names)
        experiments: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
        started = {(e.subject, str(e.payload.get("name", ""))): e.seq
                   for e in events if e.kind == ev.EXPERIMENT_STARTED}
        for listed in tx.experiments_of(names).values():
            for experiment in listed:
                experiments[experiment.model].append(
                    (experiment.name, started.get((experiment.model, experiment.name))))
        piped = tx.models_with_pipeline(names)
        return {m.name: ModelFacts(
            m, tuple(versions[m.name]), tuple(by_model[m.name]), tuple(uses[m.name]),
            tuple(plans[m.name]), tuple(experiments[m.name]), m.name in piped)
            for m in models}


@lru_cache(maxsize=4096)
def _level_of(snapshots: bool, text: str) -> PinLevel | None:
    """The level of the pin ``text`` (None when it does not parse); pins repeat across
    consumers, so each is parsed once per scheme."""
    try:
        scheme = VersionScheme.SNAPSHOT if snapshots else VersionScheme.SEMVER
        pin = parse_pin(Model("m", versioning=scheme), text)
    except InvalidPin:
        return None
    return pin.level


def _level(model: Model, text: str) -> PinLevel | None:
    return _level_of(model.uses_snapshots, text)
