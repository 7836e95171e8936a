"""Experiments: start an A/B/n test or a canary between eligible versions, route units to arms,
keep their outcomes, and end it by a decision that goes through the lifecycle's gates.

Every use case is one unit of work. Routing only reads; it gives a unit the version of its arm
only while that version is eligible under the policy (else the control's, and if that is not
eligible either, it refuses), so an application never gets a version the policy would not
choose for it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from modelsteward.domain import assignment
from modelsteward.domain import events as ev
from modelsteward.domain.canary import Move, Verdict, judge
from modelsteward.domain.comparison import Comparison
from modelsteward.domain.comparison import compare as compare_offline
from modelsteward.domain.events import NewEvent
from modelsteward.domain.experiment import (
    Action,
    Arm,
    Experiment,
    ExperimentSpec,
    arm_names,
    check_name,
)
from modelsteward.domain.experiment_notices import (
    advanced_notice,
    ended_notice,
    started_notice,
)
from modelsteward.domain.experiment_record import to_record
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, Version
from modelsteward.domain.outcome_batch import MAX_UNIT, fold
from modelsteward.domain.outcomes import MomentKey, Moments
from modelsteward.errors import (
    ExperimentNotFound,
    GateRefused,
    InvalidInput,
    ModelNotFound,
    NoMatchingVersion,
    VersionNotFound,
)
from modelsteward.ports import Transaction
from modelsteward.results.experiments import CanaryMove, ExperimentReport, Ingested, Routing
from modelsteward.service import batches
from modelsteward.service.context import Context
from modelsteward.service.lifecycle import PRODUCTION, Lifecycle
from modelsteward.service.resolution import Resolver

EVIDENCE_CHECK = "online-experiment"  # the staging check a promotion records its analysis as


class Experiments:
    """Experiments over the context's store (see the module's docstring)."""

    def __init__(self, ctx: Context, resolver: Resolver, lifecycle: Lifecycle) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.lifecycle = lifecycle

    # starting --------------------------------------------------------------------------------

    def start(self, spec: ExperimentSpec, *,
              authorize: Callable[[Model], None] | None = None) -> Experiment:
        """Start the experiment ``spec`` asks for. Its versions are looked up by id or alias
        (a canary's missing control: the production version) and must be distinct and
        eligible under the policy. ``authorize`` is called with the model before anything is
        written. Raises :class:`ExperimentExists`, :class:`ModelNotFound`,
        :class:`VersionNotFound` and :class:`InvalidInput` (naming the ineligible arm)."""
        now = self.ctx.clock.now()
        with self.ctx.store.write() as tx:
            model = self._model(tx, spec.model)
            if authorize is not None:
                authorize(model)
            control_text = spec.control or PRODUCTION
            versions = [self._version(tx, model, text)
                        for text in (control_text, *spec.treatments)]
            ids = [str(v.id) for v in versions]
            if len(set(ids)) != len(ids):
                raise InvalidInput(f"Experiment {spec.name} names {model.name}@"
                                   f"{_first_repeat(ids)} in two arms; every arm needs its own "
                                   "version.")
            names = arm_names(len(spec.treatments))
            for name, version in zip(names, versions, strict=True):
                why = self.resolver.ineligible_in(tx, version)
                if why:
                    raise InvalidInput(f"{version.ref} cannot be the {name} of experiment "
                                       f"{spec.name}: {why}. Only versions the policy calls "
                                       "eligible may serve an application.")
            weights = spec.arm_weights()
            starts_at = spec.starts_at or now
            experiment = Experiment(
                name=spec.name, model=model.name,
                arms=tuple(Arm(n, i, w) for n, i, w in zip(names, ids, weights, strict=True)),
                unit=spec.unit, coverage=spec.coverage, seed=spec.seed or spec.name,
                metrics=spec.metrics, design=spec.design, starts_at=starts_at,
                ends_at=starts_at + spec.duration if spec.duration else None,
                canary=spec.canary, created_at=now, created_by=self.ctx.actor,
                description=spec.description)
            if experiment.canary is not None:
                experiment = experiment.at_step(0, starts_at)
            tx.add_experiment(experiment)
            [event] = self.ctx.record(tx, NewEvent(ev.EXPERIMENT_STARTED, model.name,
                                                   to_record(experiment)))
            for team, consumers in self._teams(tx, model):
                tx.add_notice(started_notice(team, experiment, consumers, event.seq, now))
        return experiment

    # reading ---------------------------------------------------------------------------------

    def get(self, name: str) -> Experiment:
        with self.ctx.store.read() as tx:
            return self._load(tx, name)

    def list(self, model: str = "", *, running: bool = False, ended: bool = False,
             after: str = "", limit: int | None = None) -> builtins.list[Experiment]:
        """Experiments by name (of ``model``: ModelNotFound when unknown), running or ended
        ones only when asked; with ``after`` and ``limit``, one keyset page."""
        with self.ctx.store.read() as tx:
            if model:
                self._model(tx, model)
            return tx.experiments(model, running=running, ended=ended, after=after, limit=limit)

    # routing ---------------------------------------------------------------------------------

    def route(self, name: str, unit: str) -> Routing:
        """The version unit ``unit`` gets from experiment ``name`` (see the module's
        docstring)."""
        return self.route_many(name, [unit])[0]

    def route_many(self, name: str, units: Sequence[str]) -> builtins.list[Routing]:
        """:meth:`route` for each of ``units``, in order, from one read of the experiment."""
        for unit in units:
            _check_unit(unit)
        now = self.ctx.clock.now()
        with self.ctx.store.read() as tx:
            experiment = self._load(tx, name)
            served = self._eligible_arms(tx, experiment)
        fallback = experiment.serving().name
        if fallback not in served:
            fallback = experiment.control.name
            if fallback not in served:
                raise NoMatchingVersion(experiment.model, f"experiment {name}")
        taking = experiment.taking_units(now)
        ranges = experiment.ranges() if taking else []
        model = experiment.model
        found: builtins.list[Routing] = []
        for unit in units:
            index = assignment.assign(experiment.seed, unit, ranges) if taking else None
            arm = experiment.arms[index].name if index is not None else None
            if arm is None or arm not in served:
                found.append(Routing(name, model, unit, None, served[fallback],
                                     f"{model}@{served[fallback]}"))
            else:
                found.append(Routing(name, model, unit, arm, served[arm],
                                     f"{model}@{served[arm]}"))
        return found

    def _eligible_arms(self, tx: Transaction, experiment: Experiment) -> dict[str, str]:
        """Arm name → version id of the arms whose version is eligible now (a few reads, the
        versions' files left unread)."""
        model = experiment.model
        states = tx.version_states([(model, arm.version) for arm in experiment.arms])
        found = {}
        for arm in experiment.arms:
            state = states.get((model, arm.version))
            if state is None:
                continue
            _digest, stage, blocked = state
            if not self.resolver.why_not_in(tx, f"{model}@{arm.version}", stage, blocked):
                found[arm.name] = arm.version
        return found

    # outcomes --------------------------------------------------------------------------------

    def ingest(self, name: str, outcomes: Iterable[object], *,
               authorize: Callable[[Model], None] | None = None) -> Ingested:
        """Keep a batch of outcomes (see :mod:`~modelsteward.domain.outcome_batch`) of the
        running experiment ``name``: all of them, or none when one is wrong
        (:class:`DocumentInvalid` naming each problem)."""
        now = self.ctx.clock.now()
        with self.ctx.store.read() as tx:
            experiment = self._load(tx, name)
        if not experiment.running:
            raise InvalidInput(f"Experiment {name} has ended ({experiment.status.value}); it "
                               "takes no more outcomes.")
        moments, count, observations = fold(outcomes, experiment, now)
        with self.ctx.store.write() as tx:
            current = self._load(tx, name)
            if authorize is not None:
                authorize(self._model(tx, current.model))
            if not current.running:
                raise InvalidInput(f"Experiment {name} has ended ({current.status.value}); it "
                                   "takes no more outcomes.")
            tx.add_moments(name, moments)
        by_arm: dict[str, int] = {}
        for (arm, metric, _day), m in moments.items():
            if metric == "":
                by_arm[arm] = by_arm.get(arm, 0) + m.count
        return Ingested(name, count, observations, dict(sorted(by_arm.items())))

    # analysis --------------------------------------------------------------------------------

    def report(self, name: str) -> ExperimentReport:
        """The analysis of experiment ``name`` now (see :class:`ExperimentReport`): for an A/B
        test the recommendation of :mod:`modelsteward.analysis.experiment`, with every
        contradiction of the offline comparison of the same versions; for a canary what the
        next tick will do."""
        now = self.ctx.clock.now()
        with self.ctx.store.snapshot() as tx:
            experiment = self._load(tx, name)
            kept = tx.moments(name)
            offline = {} if experiment.canary is not None else self._offline(tx, experiment)
        return self._report(experiment, kept, offline, now)

    def _offline(self, tx: Transaction, experiment: Experiment) -> dict[str, Comparison]:
        """The offline comparison of each treatment with the control, by arm (on the
        evaluation suites both have)."""
        control = experiment.control
        baseline = tx.evaluations(experiment.model, control.version)
        found = {}
        for arm in experiment.arms[1:]:
            found[arm.name] = compare_offline(
                f"{experiment.model}@{arm.version}",
                tx.evaluations(experiment.model, arm.version),
                f"{experiment.model}@{control.version}", baseline, self.ctx.policy,
                experiment.model)
        return found

    def _report(self, experiment: Experiment, kept: Mapping[MomentKey, Moments],
                offline: Mapping[str, Comparison], now: datetime) -> ExperimentReport:
        from modelsteward.service import experiment_analysis as ea

        if experiment.canary is not None:
            verdict, results = self._judge(experiment, kept, now)
            return ExperimentReport(
                experiment.name, experiment.model, experiment.kind.value,
                experiment.status.value, verdict.move.value, experiment.arms[1].name,
                (verdict.reason,), (), {"step": experiment.step,
                                        "share": experiment.arms[1].weight,
                                        "guardrails": ea.payload_of(results)})
        analysis = ea.analysed(experiment, kept)
        advice = analysis.recommendation
        return ExperimentReport(
            experiment.name, experiment.model, experiment.kind.value, experiment.status.value,
            advice.action.value, advice.arm, advice.reasons,
            tuple(ea.contradictions(analysis, offline)), analysis.as_payload())

    def _judge(self, canary: Experiment, kept: Mapping[MomentKey, Moments],
               now: datetime) -> tuple[Verdict, builtins.list[Any]]:
        from modelsteward.service import experiment_analysis as ea

        started = canary.step_started_at or canary.starts_at
        # at a 100% step no unit is left in the control: judge on all the canary measured
        since = started.date() if canary.control.weight > 0 else None
        readings, samples, results = ea.guard_readings(canary, kept, since)
        return judge(canary, readings, samples, now), results

    # deciding --------------------------------------------------------------------------------

    def decide(self, name: str, action: Action, reason: str, *, arm: str = "",
               authorize: Callable[[Model], None] | None = None) -> Experiment:
        """End the running experiment ``name`` by ``action`` (see :meth:`end`). Promoting
        names the treatment ``arm`` (default: the one the analysis recommends) and is refused
        while the split of units is broken (the sample-ratio check) or a guardrail of that arm
        is shown worse than its margin; the analysis is recorded with the decision."""
        report = self.report(name)
        with self.ctx.store.write() as tx:
            experiment = self._load(tx, name)
            model = self._model(tx, experiment.model)
            if authorize is not None:
                authorize(model)
            winner = ""
            if action is Action.PROMOTE:
                if report.action == "blocked":
                    raise GateRefused(f"{experiment.model}@{experiment.arm(arm).version}"
                                      if arm else experiment.name, Stage.PRODUCTION.value,
                                      _promotion_blocked(report, arm))
                winner = arm or report.arm or ""
                if not winner:
                    raise InvalidInput(f"Name the arm to promote (--arm): the analysis of "
                                       f"{name} recommends {report.action}, not a treatment.")
                experiment.arm(winner)
                blocked = _promotion_blocked(report, winner)
                if blocked:
                    raise GateRefused(f"{experiment.model}@{experiment.arm(winner).version}",
                                      Stage.PRODUCTION.value, blocked)
            return self.end(tx, model, experiment, action, reason, winner=winner,
                            analysis=report.as_payload())

    # canaries --------------------------------------------------------------------------------

    def tick(self) -> builtins.list[CanaryMove]:
        """Judge every running canary once (see :mod:`modelsteward.domain.canary`): advance a
        healthy step, hold when data are short, roll back at once when a guardrail is breached,
        and at the last step give the canary production through the gates (held, with the
        unmet gate as the reason, when one is unmet). Each move but a hold is an event and a
        notice; each canary is judged in a write transaction of its own."""
        moves: builtins.list[CanaryMove] = []
        after = ""
        while True:  # the running experiments by name, a keyset batch at a time
            with self.ctx.store.read() as tx:
                page = tx.experiments(running=True, after=after, limit=batches.BATCH)
            moves.extend(self._tick_one(e.name) for e in page if e.canary is not None)
            if len(page) < batches.BATCH:
                return moves
            after = page[-1].name

    def _tick_one(self, name: str) -> CanaryMove:
        now = self.ctx.clock.now()
        try:
            with self.ctx.store.write() as tx:
                canary = self._load(tx, name)
                share = canary.arms[1].weight
                if not canary.running:  # ended since the list was read
                    return CanaryMove(name, canary.model, "ended", canary.reason, canary.step,
                                      share)
                model = self._model(tx, canary.model)
                verdict, results = self._judge(canary, tx.moments(name), now)
                evidence: dict[str, object] = {
                    "verdict": verdict.move.value, "reason": verdict.reason,
                    "guardrails": [r.as_payload() for r in results]}
                step = canary.step
                if verdict.move is Move.ROLLBACK:
                    self.end(tx, model, canary, Action.ROLLBACK, f"automatic: {verdict.reason}",
                             analysis=evidence, automatic=True)
                elif verdict.move is Move.ADVANCE:
                    stepped = self._advance(tx, model, canary, verdict.reason, now)
                    step, share = stepped.step, stepped.arms[1].weight
                elif verdict.move is Move.PROMOTE:
                    self.end(tx, model, canary, Action.PROMOTE, f"automatic: {verdict.reason}",
                             winner=canary.arms[1].name, analysis=evidence, automatic=True)
                return CanaryMove(name, canary.model, verdict.move.value, verdict.reason, step,
                                  share)
        except GateRefused as refused:
            # the last step passed but production is not the canary's yet (an approval, say):
            # nothing was written; the next tick tries again
            return CanaryMove(name, canary.model, "refused", "; ".join(refused.unmet),
                              canary.step, canary.arms[1].weight)

    def _advance(self, tx: Transaction, model: Model, canary: Experiment, reason: str,
                 now: datetime) -> Experiment:
        stepped = replace(canary.at_step(canary.step + 1, now), reason=reason)
        tx.save_experiment(stepped)
        [event] = self.ctx.record(tx, NewEvent(ev.CANARY_ADVANCED, model.name, {
            "experiment": canary.name, "step": stepped.step,
            "share": stepped.arms[1].weight, "reason": reason}))
        for team, _consumers in self._teams(tx, model):
            tx.add_notice(advanced_notice(team, stepped, event.seq, now))
        return stepped

    # deciding --------------------------------------------------------------------------------

    def end(self, tx: Transaction, model: Model, experiment: Experiment, action: Action,
            reason: str, *, winner: str = "", analysis: dict[str, object] | None = None,
            automatic: bool = False) -> Experiment:
        """End ``experiment`` inside ``tx``: a promotion gives the ``winner`` arm's version
        production through the gates (registered versions go to staging first; the analysis
        is recorded as the staging check :data:`EVIDENCE_CHECK`), and raises
        :class:`GateRefused` — with nothing written — when a gate is unmet. Records the
        decision's event and tells the teams."""
        now = self.ctx.clock.now()
        if not reason.strip():
            raise InvalidInput(f"Say why experiment {experiment.name} ends: --reason is "
                               "required.")
        ended = experiment.decided(action, reason.strip(), now, winner)
        if action is Action.PROMOTE:
            self._promote(tx, model, ended, analysis or {})
        tx.save_experiment(ended)
        [event] = self.ctx.record(tx, NewEvent(ev.EXPERIMENT_DECIDED, model.name, {
            "experiment": ended.name, "action": action.value, "status": ended.status.value,
            "winner": winner or None, "reason": ended.reason, "automatic": automatic,
            "analysis": analysis}))
        for team, _consumers in self._teams(tx, model):
            tx.add_notice(ended_notice(team, ended, event.seq, now))
        return ended

    def _promote(self, tx: Transaction, model: Model, experiment: Experiment,
                 analysis: dict[str, object]) -> None:
        arm = experiment.arm(experiment.winner)
        if arm.name == experiment.control.name:
            raise InvalidInput(f"The control of {experiment.name} already is what it serves; "
                               "promote a treatment, or stop the experiment.")
        version = tx.get_version(model.name, arm.version)
        if version is None:
            raise NoMatchingVersion(model.name, arm.version)
        recommendation = analysis.get("recommendation")
        self.lifecycle.check_in(tx, model, version, EVIDENCE_CHECK, True,
                                f"experiment {experiment.name}: {recommendation or 'decided'}"
                                f" — {experiment.reason}")
        if version.stage is Stage.REGISTERED:
            self.lifecycle.promote_in(tx, model, version, Stage.STAGING,
                                      f"promoted by experiment {experiment.name}")
            version = tx.get_version(model.name, arm.version) or version
        refused = self.lifecycle.take_production(
            tx, model, version, f"experiment {experiment.name}: {experiment.reason}")
        if refused:
            raise GateRefused(version.ref, Stage.PRODUCTION.value, [refused])

    # helpers ---------------------------------------------------------------------------------

    def _load(self, tx: Transaction, name: str) -> Experiment:
        found = tx.experiment(check_name(name))
        if found is None:
            raise ExperimentNotFound(name)
        return found

    def _model(self, tx: Transaction, name: str) -> Model:
        model = tx.get_model(name)
        if model is None:
            raise ModelNotFound(name)
        return model

    def _version(self, tx: Transaction, model: Model, text: str) -> Version:
        """The version ``text`` names: an id, else an alias's current holder."""
        version = tx.get_version(model.name, text)
        if version is not None:
            return version
        holders = tx.current_aliases(model.name, text)
        if holders:
            held = tx.get_version(model.name, holders[0].version)
            if held is not None:
                return held
        raise VersionNotFound(model.name, text)

    def _teams(self, tx: Transaction, model: Model,
               ) -> builtins.list[tuple[str, builtins.list[str]]]:
        """The owner team (no consumers named), then each team with consumers of ``model``."""
        owner = model.owner_team or self.ctx.default_team
        teams: dict[str, builtins.list[str]] = {}
        for consumer in tx.list_consumers(model.name):
            teams.setdefault(consumer.team, []).append(consumer.name)
        return [(owner, []), *((t, c) for t, c in sorted(teams.items()) if t != owner)]


def _promotion_blocked(report: ExperimentReport, arm: str) -> list[str]:
    """Why the analysis forbids promoting ``arm``: a broken split, or a guardrail of the arm
    shown worse than its margin."""
    if report.action == "blocked":
        return [f"the experiment's split of units is broken: {' '.join(report.reasons)}"]
    found: builtins.list[str] = []
    for treatment in report.analysis.get("treatments", []) or []:  # type: ignore[attr-defined]
        if treatment.get("arm") == arm:
            found.extend(f"guardrail {result['metric']} is worse than its margin online"
                         for result in treatment.get("results", [])
                         if result.get("role") == "guardrail"
                         and result.get("decision") == "inferior")
    return found


def _check_unit(unit: str) -> None:
    if not isinstance(unit, str) or not unit or len(unit) > MAX_UNIT or not unit.isprintable():
        raise InvalidInput(f"Unit {unit!r} is not a unit id: give the user, session or tenant "
                           f"id (printable, 1 to {MAX_UNIT} characters).")


def _first_repeat(items: list[str]) -> str:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return ""


__all__ = ["EVIDENCE_CHECK", "Experiments"]
