"""Lifecycle use cases: evaluations, gates and promotion, approvals, staging checks, overrides,
aliases with history, rollback and production monitoring.

Each public method is one transaction on the registry's store: it writes its records and events
together, or nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from modelsteward.domain import events as ev
from modelsteward.domain.comparison import Comparison, compare
from modelsteward.domain.consumers import Consumer
from modelsteward.domain.evaluation_file import EvaluationResult, direction_conflicts
from modelsteward.domain.events import Event, NewEvent
from modelsteward.domain.gates import (
    GateContext,
    GateReport,
    approval_problems,
    check_gates,
)
from modelsteward.domain.lifecycle import (
    SERVES_PRODUCTION,
    UNRESOLVABLE,
    AliasAssignment,
    Approval,
    Evaluation,
    Gate,
    GateOverride,
    Stage,
    StagingCheck,
    check_promotion,
    check_transition,
)
from modelsteward.domain.model import Model, Version
from modelsteward.domain.monitoring import (
    Breach,
    ProductionOutcome,
    degraded_in_use_notice,
    degraded_notice,
    find_breaches,
    rollback_block_reason,
    rollback_notice,
)
from modelsteward.domain.names import validate_alias
from modelsteward.domain.policy import Policy
from modelsteward.domain.refs import split_ref
from modelsteward.errors import (
    ApprovalRefused,
    Conflict,
    DocumentInvalid,
    GateRefused,
    InvalidInput,
    ModelNotFound,
    NoRollbackTarget,
    NotAuthorised,
    NotFound,
)
from modelsteward.ports import Transaction
from modelsteward.results import MonitorResult, RollbackResult
from modelsteward.service.catalog import Catalog
from modelsteward.service.context import Context
from modelsteward.service.reach import affected_teams
from modelsteward.service.resolution import Resolver

PRODUCTION = "production"
_CHECK = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


class Lifecycle:
    """The lifecycle of the versions in ``registry``, under ``policy``."""

    def __init__(self, ctx: Context, resolver: Resolver, catalog: Catalog) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.catalog = catalog

    @property
    def policy(self) -> Policy:
        return self.ctx.policy

    # helpers --------------------------------------------------------------------------------

    def _load(self, tx: Transaction, ref: str) -> tuple[Model, Version]:
        model_name, _ = split_ref(ref)
        model = tx.get_model(model_name)
        if model is None:
            raise ModelNotFound(model_name)
        return model, self.resolver.require_version(tx, ref)

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    def _record(self, tx: Transaction, *events: NewEvent) -> list[Event]:
        return self.ctx.record(tx, *events)

    def _production(self, tx: Transaction, model: str, exclude: str = "") -> Version | None:
        holders = tx.current_aliases(model, PRODUCTION)
        if not holders or holders[0].version == exclude:
            return None
        return tx.get_version(model, holders[0].version)

    def _context(self, tx: Transaction, model: Model, version: Version) -> GateContext:
        vid = str(version.id)
        production = self._production(tx, model.name, exclude=vid)
        return GateContext(
            model=model, version=version, now=self._now(), policy=self.policy,
            has_attestation=bool(tx.attestations(model.name, vid)),
            evaluations=tx.evaluations(model.name, vid), production=production,
            production_evaluations=(tx.evaluations(model.name, str(production.id))
                                    if production else []),
            checks=tx.checks(model.name, vid), approvals=tx.approvals(model.name, vid),
            overrides=tx.overrides(model.name, vid))

    # evaluations ----------------------------------------------------------------------------

    def record_evaluation(self, ref: str, result: EvaluationResult,
                          source: str = "the evaluation") -> Evaluation:
        """Store an immutable evaluation result; a second record of a suite is a new result.

        The directions it declares are stored with it, for the gates and comparisons of metrics
        the policy does not declare. Raises :class:`DocumentInvalid` (naming ``source``) when a
        declared direction contradicts the policy's."""
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            if version.stage in UNRESOLVABLE:
                raise Conflict(f"{ref} is {version.stage.value}; it cannot be evaluated any more.")
            conflicts = direction_conflicts(result, self.policy, model.name)
            if conflicts:
                raise DocumentInvalid(source, conflicts)
            seq, _ = tx.chain_head()
            evaluation = Evaluation(
                str(uuid.uuid4()), version.ref, result.suite, result.dataset_digest,
                dict(result.metrics), result.cost_per_1k_requests, dict(result.latency_ms),
                self._now(), self.ctx.actor, seq + 1, dict(result.directions))
            tx.add_evaluation(model.name, str(version.id), evaluation)
            payload: dict[str, object] = {
                "id": evaluation.id, "suite": evaluation.suite,
                "dataset_digest": evaluation.dataset_digest, "metrics": evaluation.metrics,
                "cost_per_1k_requests": evaluation.cost_per_1k_requests,
                "latency_ms": evaluation.latency_ms}
            if evaluation.directions:  # absent from events of evaluations that declare none
                payload["directions"] = {k: v.value for k, v in evaluation.directions.items()}
            self._record(tx, NewEvent(ev.VERSION_EVALUATED, version.ref, payload))
        return evaluation

    def evaluations(self, ref: str) -> list[Evaluation]:
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, ref)
            return tx.evaluations(model.name, str(version.id))

    def production(self, model: str) -> Version | None:
        with self.ctx.store.read() as tx:
            if tx.get_model(model) is None:
                raise ModelNotFound(model)
            return self._production(tx, model)

    # gates and promotion --------------------------------------------------------------------

    def gate_reports(self, versions: Sequence[tuple[Model, Version]],
                     target: Stage) -> list[GateReport]:
        """:meth:`gate_report` of each of ``versions`` (with their models, as just read), in
        one read transaction: what a page listing waiting versions shows."""
        for _, version in versions:
            check_promotion(version.ref, target)
        with self.ctx.store.read() as tx:
            # each version's records read for all of them at once: a few reads in all rather
            # than a few for each version
            holders = tx.current_holders({model.name for model, _ in versions}, PRODUCTION)
            held = {name: found[0].version for name, found in holders.items()}
            live = tx.get_versions([(model.name, held[model.name]) for model, version in versions
                                    if held.get(model.name, str(version.id)) != str(version.id)])
            productions = [live.get(f"{model.name}@{held[model.name]}")
                           if held.get(model.name, str(version.id)) != str(version.id) else None
                           for model, version in versions]
            own = [(model.name, str(version.id)) for model, version in versions]
            keys = own + [(p.model, str(p.id)) for p in productions if p is not None]
            evaluations = tx.evaluations_for(keys)
            attested, checks = tx.attested(own), tx.checks_for(own)
            approvals, overrides = tx.approvals_for(own), tx.overrides_for(own)
        found = []
        for (model, version), production in zip(versions, productions, strict=True):
            gates = check_transition(version.ref, version.stage, target)
            ref = version.ref
            found.append(check_gates(gates, GateContext(
                model=model, version=version, now=self._now(), policy=self.policy,
                has_attestation=ref in attested, evaluations=evaluations.get(ref, []),
                production=production,
                production_evaluations=(evaluations.get(production.ref, [])
                                        if production else []),
                checks=checks.get(ref, []), approvals=approvals.get(ref, []),
                overrides=overrides.get(ref, []))))
        return found

    def gate_report(self, ref: str, target: Stage) -> GateReport:
        """What promoting ``ref`` to ``target`` would require, without promoting."""
        check_promotion(ref, target)
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, ref)
            gates = check_transition(ref, version.stage, target)
            return check_gates(gates, self._context(tx, model, version))

    def promote(self, ref: str, target: Stage) -> Version:
        """Move ``ref`` to ``target`` through the gates of that transition. Refused with
        :class:`IllegalTransition` (naming the allowed next stages) or :class:`GateRefused`
        (listing every unmet requirement), and with :class:`InvalidInput` for a stage that is
        not promoted to (rejected, deprecated, retired: those need a reason). Promotion to
        production moves the ``production`` alias to the version in the same transaction."""
        check_promotion(ref, target)
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            self._promote_in(tx, model, version, target,
                             f"promoted to production by {self.ctx.actor}")
        return self.catalog.get_version(model.name, str(version.id))

    def _promote_in(self, tx: Transaction, model: Model, version: Version, target: Stage,
                    alias_reason: str) -> None:
        """:meth:`promote` inside ``tx``; raises before writing anything."""
        gates = check_transition(version.ref, version.stage, target)
        if target in UNRESOLVABLE:
            _refuse_if_aliased(tx, model, version)
        report = check_gates(gates, self._context(tx, model, version))
        if not report.passed:
            raise GateRefused(version.ref, target.value, report.unmet)
        vid = str(version.id)
        tx.set_stage(model.name, vid, target)
        self._record(tx, NewEvent(ev.VERSION_PROMOTED, version.ref, {
            "from": version.stage.value, "to": target.value,
            "gates": [g.value for g in gates],
            "overridden": [{"gate": o.gate.value, "by": o.actor, "reason": o.reason}
                           for o in report.overridden]}))
        if target is Stage.PRODUCTION:
            self._move_alias(tx, model.name, PRODUCTION, vid, alias_reason)

    def promote_in(self, tx: Transaction, model: Model, version: Version, target: Stage,
                   alias_reason: str) -> None:
        """:meth:`promote` inside ``tx`` (a use case that promotes as one step of its own);
        raises :class:`GateRefused` before writing anything."""
        self._promote_in(tx, model, version, target, alias_reason)

    def check_in(self, tx: Transaction, model: Model, version: Version, name: str,
                 passed: bool, evidence: str) -> StagingCheck:
        """:meth:`record_check` inside ``tx``, for a use case whose result is the evidence."""
        check = StagingCheck(version.ref, name, passed, evidence.strip(), self._now(),
                             self.ctx.actor)
        tx.add_check(model.name, str(version.id), check)
        self._record(tx, NewEvent(ev.VERSION_CHECKED, version.ref, {
            "check": name, "passed": passed, "evidence": check.evidence}))
        return check

    def take_production(self, tx: Transaction, model: Model, version: Version,
                        reason: str) -> str:
        """Give ``production`` to ``version`` inside ``tx`` the way a person could: a version
        already in stage production (not degraded) takes the alias; one in staging is promoted
        through the staging and approval gates (:meth:`promote`). Returns ``""`` when production
        moved (the alias event carries ``reason``), else why ``version`` cannot take it —
        and then nothing was written. No gate is bypassed."""
        if version.blocked_reason:
            return f"{version.ref} is degraded ({version.blocked_reason})"
        if version.stage is Stage.PRODUCTION:
            self._move_alias(tx, model.name, PRODUCTION, str(version.id), reason)
            return ""
        if version.stage is not Stage.STAGING:
            return (f"{version.ref} is in {version.stage.value}; only a version in staging or "
                    "production can take production")
        try:
            self._promote_in(tx, model, version, Stage.PRODUCTION, reason)
        except GateRefused as refused:
            return (f"{version.ref} does not pass the gates to production: "
                    f"{'; '.join(refused.unmet)}")
        return ""

    def _transition(self, ref: str, target: Stage, reason: str, kind: str) -> Version:
        if not reason.strip():
            raise InvalidInput(f"--reason is required to move {ref} to {target.value}.")
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            check_transition(version.ref, version.stage, target)
            vid = str(version.id)
            if target in UNRESOLVABLE:
                _refuse_if_aliased(tx, model, version)
            tx.set_stage(model.name, vid, target)
            self._record(tx, NewEvent(kind, version.ref, {
                "from": version.stage.value, "to": target.value, "reason": reason.strip()}))
        return self.catalog.get_version(model.name, vid)

    def reject(self, ref: str, reason: str) -> Version:
        return self._transition(ref, Stage.REJECTED, reason, ev.VERSION_REJECTED)

    def deprecate(self, ref: str, reason: str) -> Version:
        return self._transition(ref, Stage.DEPRECATED, reason, ev.VERSION_DEPRECATED)

    def retire(self, ref: str, reason: str) -> Version:
        return self._transition(ref, Stage.RETIRED, reason, ev.VERSION_RETIRED)

    # approvals, checks, overrides -----------------------------------------------------------

    def approve(self, ref: str, *, role: str, evidence: str, risks_accepted: str,
                monitoring_plan: str, rollback_plan: str, next_review: date) -> Approval:
        """Record an approval for production by the registry's actor. Refused with
        :class:`ApprovalRefused` listing every problem (wrong role for the tier, the author of a
        high-risk version, a review date in the past or too far, missing texts)."""
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            if version.stage not in (Stage.REGISTERED, Stage.STAGING):
                raise Conflict(f"{version.ref} is {version.stage.value}; approvals for production "
                               "are given to versions in registered or staging.")
            now = self._now()
            problems = approval_problems(
                model, version, self.ctx.actor, role, next_review, now, self.policy,
                {"evidence": evidence, "risks-accepted": risks_accepted,
                 "monitoring-plan": monitoring_plan, "rollback-plan": rollback_plan})
            if problems:
                raise ApprovalRefused(f"The approval of {version.ref} by {self.ctx.actor} "
                                      "is refused:\n" + "\n".join(f"  - {p}" for p in problems))
            production = self._production(tx, model.name, exclude=str(version.id))
            approval = Approval(
                str(uuid.uuid4()), version.ref, self.ctx.actor, role, evidence.strip(),
                risks_accepted.strip(), monitoring_plan.strip(), rollback_plan.strip(),
                next_review, now, now + timedelta(days=self.policy.approval_valid_days),
                str(production.id) if production else "")
            tx.add_approval(model.name, str(version.id), approval)
            self._record(tx, NewEvent(ev.VERSION_APPROVED, version.ref, {
                "role": role, "evidence": approval.evidence,
                "risks_accepted": approval.risks_accepted,
                "monitoring_plan": approval.monitoring_plan,
                "rollback_plan": approval.rollback_plan, "next_review": next_review.isoformat(),
                "expires_at": approval.expires_at.isoformat(), "replaces": approval.replaces}))
        return approval

    def approvals(self, ref: str) -> list[Approval]:
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, ref)
            return tx.approvals(model.name, str(version.id))

    def record_check(self, ref: str, name: str, passed: bool, evidence: str) -> StagingCheck:
        if not _CHECK.fullmatch(name):
            raise InvalidInput(f"{name!r} is not a check name: use lowercase words joined by "
                               f"'-', e.g. {', '.join(self.policy.staging_checks)}.")
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            return self.check_in(tx, model, version, name, passed, evidence)

    def checks(self, ref: str) -> list[StagingCheck]:
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, ref)
            return tx.checks(model.name, str(version.id))

    def override(self, ref: str, gate: Gate, reason: str) -> GateOverride:
        """Waive ``gate`` for ``ref``. Only administrators of the policy may, with a reason."""
        actor = self.ctx.actor
        if actor not in self.policy.administrators:
            raise NotAuthorised(
                f"{actor} is not an administrator, so they cannot override the {gate.value} gate. "
                "Administrators are listed under 'administrators' in the policy file "
                "(STEWARD_POLICY).")
        if not reason.strip():
            raise InvalidInput("--reason is required: write why the gate is overridden.")
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            override = GateOverride(version.ref, gate, reason.strip(), actor, self._now())
            tx.add_override(model.name, str(version.id), override)
            self._record(tx, NewEvent(ev.GATE_OVERRIDDEN, version.ref, {
                "gate": gate.value, "reason": override.reason}))
        return override

    def overrides(self, ref: str) -> list[GateOverride]:
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, ref)
            return tx.overrides(model.name, str(version.id))

    # aliases --------------------------------------------------------------------------------

    def _move_alias(self, tx: Transaction, model: str, alias: str, version: str,
                    reason: str) -> str:
        """Point ``alias`` at ``version``; return the previous holder of an exclusive alias."""
        now = self._now()
        exclusive = alias == PRODUCTION or self.policy.is_exclusive(alias)
        previous = ""
        holders = tx.current_aliases(model, alias)
        if any(h.version == version for h in holders):
            return version
        if exclusive:
            for holder in holders:
                tx.remove_alias(model, alias, holder.version, now)
                previous = holder.version
        tx.assign_alias(model, alias, version, exclusive=exclusive, at=now,
                        by=self.ctx.actor, reason=reason)
        self._record(tx, NewEvent(ev.ALIAS_SET, f"{model}@{version}", {
            "alias": alias, "previous": previous or None, "reason": reason}))
        return previous

    def move_alias_in(self, tx: Transaction, model: str, alias: str, version: str,
                      reason: str) -> str:
        """Point ``alias`` at ``model@version`` inside the write transaction ``tx``, with its
        ``model:alias:set`` event, for a use case that has already decided the version may hold
        it (an import); returns the previous holder of an exclusive alias ("" for none)."""
        return self._move_alias(tx, model, alias, version, reason)

    def set_alias(self, ref: str, alias: str, reason: str = "") -> str:
        """Point ``alias`` at ``ref``. ``production`` only points at a version in production."""
        validate_alias(alias)
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            if version.stage in UNRESOLVABLE:
                raise Conflict(f"{version.ref} is {version.stage.value}; no alias may point at it.")
            if alias == PRODUCTION and version.stage is not Stage.PRODUCTION:
                raise Conflict(
                    f"{version.ref} is in {version.stage.value}; the production alias only points "
                    f"at versions promoted to production (`steward promote {version.ref} --to "
                    "production`).")
            return self._move_alias(tx, model.name, alias, str(version.id),
                                    reason.strip() or f"set by {self.ctx.actor}")

    def remove_alias(self, ref: str, alias: str) -> None:
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            holders = [h for h in tx.current_aliases(model.name, alias)
                       if h.version == str(version.id)]
            if not holders:
                raise NotFound(f"{version.ref} does not hold the alias {alias!r}.")
            tx.remove_alias(model.name, alias, str(version.id), self._now())
            self._record(tx, NewEvent(ev.ALIAS_REMOVED, version.ref, {"alias": alias}))

    def aliases(self, model: str) -> list[AliasAssignment]:
        with self.ctx.store.read() as tx:
            if tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.current_aliases(model)

    def alias_history(self, model: str, alias: str = "") -> list[AliasAssignment]:
        with self.ctx.store.read() as tx:
            if tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.alias_history(model, alias)

    def aliases_at(self, model: str, moment: datetime) -> dict[str, list[str]]:
        """What every alias of ``model`` pointed at, at ``moment``."""
        found: dict[str, list[str]] = {}
        for assignment in self.alias_history(model):
            if assignment.active_at(moment):
                found.setdefault(assignment.alias, []).append(assignment.version)
        return found

    def rollback(self, model: str, alias: str = PRODUCTION, reason: str = "") -> RollbackResult:
        """Move an exclusive alias back to its most recent earlier target that is still
        eligible (not retired, rejected or blocked: degraded, or rolled back from). Rolling
        ``production`` back blocks the version it leaves as a future rollback target; the
        owner team gets a notice. Raises :class:`NoRollbackTarget`."""
        with self.ctx.store.write() as tx:
            found = tx.get_model(model)
            if found is None:
                raise ModelNotFound(model)
            reason = reason.strip() or f"rolled back by {self.ctx.actor}"
            result = self._rollback(tx, model, alias, reason)
            tx.add_notice(rollback_notice(
                found.owner_team, model, alias, result.from_version, result.to_version, reason,
                self.ctx.actor, result.blocked_reason, result.seq, self._now()))
            return result

    def _rollback(self, tx: Transaction, model: str, alias: str, reason: str) -> RollbackResult:
        if not (alias == PRODUCTION or self.policy.is_exclusive(alias)):
            raise InvalidInput(f"{alias!r} is not an exclusive alias, so it has no single "
                               "previous target to roll back to.")
        holders = tx.current_aliases(model, alias)
        if not holders:
            raise NoRollbackTarget(f"No version of {model} holds the alias {alias!r}; there is "
                                   "nothing to roll back.")
        current = holders[0].version
        seen = {current}
        for assignment in reversed(tx.alias_history(model, alias)):
            if assignment.version in seen:
                continue
            seen.add(assignment.version)
            candidate = tx.get_version(model, assignment.version)
            if candidate is None or candidate.stage in UNRESOLVABLE or candidate.blocked_reason:
                continue
            if alias == PRODUCTION and candidate.stage not in SERVES_PRODUCTION:
                continue
            now = self._now()
            tx.remove_alias(model, alias, current, now)
            tx.assign_alias(model, alias, assignment.version, exclusive=True, at=now,
                            by=self.ctx.actor, reason=reason)
            payload: dict[str, object] = {"alias": alias, "from": current,
                                          "to": assignment.version, "reason": reason}
            left = tx.get_version(model, current)
            blocked = ""
            if alias == PRODUCTION and left is not None and not left.blocked_reason:
                # the version production left must not become a rollback target again; the
                # flag tells the state check (Replay) that this event set blocked_reason
                blocked = rollback_block_reason(now.astimezone(UTC).date(), reason)
                tx.set_blocked(model, current, blocked)
                payload.update(blocks=True, blocked_reason=blocked)
            [event] = self._record(tx, NewEvent(ev.ALIAS_ROLLED_BACK,
                                                f"{model}@{assignment.version}", payload))
            return RollbackResult(alias, current, assignment.version, blocked, event.seq)
        raise NoRollbackTarget(
            f"{model}@{current} holds {alias!r} and no earlier target is still eligible (each "
            "was retired, rejected, degraded or rolled back from). Promote a version instead.")

    # monitoring -----------------------------------------------------------------------------

    def record_measurements(self, ref: str, values: Mapping[str, float]) -> MonitorResult:
        """Store production measurements. Each value beyond a monitoring threshold is a
        ``model:version:breached`` event; together they mark the version degraded (an event,
        and it stops being a rollback target); with ``auto_rollback`` a degraded production
        version is rolled back in the same transaction (or ``model:alias:rollback-failed`` says
        why it could not be). A breach also writes a notice to the model's owner team — what
        broke, and where production is now — and one to every other team whose consumers' pins
        resolve to the version; each is keyed by the degraded event, so it is written once."""
        if not values:
            raise InvalidInput("Give at least one measurement as METRIC=NUMBER.")
        with self.ctx.store.write() as tx:
            model, version = self._load(tx, ref)
            vid, now = str(version.id), self._now()
            for metric, value in sorted(values.items()):
                tx.add_measurement(model.name, vid, metric, float(value), now,
                                   self.ctx.actor)
            self._record(tx, NewEvent(ev.VERSION_MEASURED, version.ref,
                                      {"values": {k: float(v) for k, v in values.items()}}))
            found = find_breaches(values, self.policy.monitoring_for(model.name))
            if not found:
                return MonitorResult(())
            breaches = tuple(str(b) for b in found)
            # who uses it is read before a rollback moves production (and pins on it) away
            users = affected_teams(self.resolver, tx, model, [version])
            self._record(tx, *(NewEvent(ev.VERSION_BREACHED, version.ref, b.as_payload())
                               for b in found))
            tx.set_blocked(model.name, vid, "; ".join(breaches))
            [degraded] = self._record(tx, NewEvent(ev.VERSION_DEGRADED, version.ref,
                                                   {"breaches": list(breaches)}))
            holders = tx.current_aliases(model.name, PRODUCTION)
            before = holders[0].version if holders else ""
            auto = self.policy.auto_rollback_for(model.name)
            outcome = ProductionOutcome(model.name, vid, before, auto)
            if auto and before == vid:
                try:
                    result = self._rollback(tx, model.name, PRODUCTION,
                                            f"automatic rollback: {'; '.join(breaches)}")
                    outcome = replace(outcome, rolled_back_to=result.to_version)
                except NoRollbackTarget as exc:
                    # the breach and the measurements are kept; only the rollback is impossible
                    self._record(tx, NewEvent(ev.ROLLBACK_FAILED, version.ref, {
                        "alias": PRODUCTION, "reason": str(exc)}))
                    outcome = replace(outcome, rollback_failed=str(exc))
            self._tell_breach(tx, model, outcome, found, users, degraded.seq)
            return MonitorResult(breaches, outcome.rolled_back_to, outcome.rollback_failed)

    def _tell_breach(self, tx: Transaction, model: Model, outcome: ProductionOutcome,
                     found: tuple[Breach, ...], users: Mapping[str, list[Consumer]],
                     seq: int) -> None:
        """The owner team's notice, then one per other team using the degraded version."""
        now = self._now()
        tx.add_notice(degraded_notice(model.owner_team, outcome, found, seq, now))
        for team, consumers in sorted(users.items()):
            if team != model.owner_team:
                tx.add_notice(degraded_in_use_notice(team, [c.name for c in consumers],
                                                     outcome, found, seq, now))

    def compare(self, candidate: str, against: str = PRODUCTION) -> Comparison:
        """Compare ``candidate`` with ``against``: an alias (``production``) or a version."""
        with self.ctx.store.read() as tx:
            model, version = self._load(tx, candidate)
            holders = tx.current_aliases(model.name, against)
            found = (tx.get_version(model.name, holders[0].version) if holders
                     else tx.get_version(model.name, against))
            if found is None:
                raise NotFound(f"{against!r} is neither an alias held by a version of "
                               f"{model.name} nor one of its versions; name the baseline with "
                               "--against ALIAS|VERSION.")
            baseline = found
            return compare(version.ref, tx.evaluations(model.name, str(version.id)),
                           baseline.ref, tx.evaluations(model.name, str(baseline.id)),
                           self.policy, model.name)


def _refuse_if_aliased(tx: Transaction, model: Model, version: Version) -> None:
    """A version that stops resolving may not keep an alias pointing at it."""
    held = [a.alias for a in tx.current_aliases(model.name) if a.version == str(version.id)]
    if held:
        raise Conflict(f"{version.ref} still holds the alias(es) {', '.join(held)}; move them "
                       f"first (`steward rollback {model.name}` or `steward alias set`).")
