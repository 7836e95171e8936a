"""Deprecation use cases: plans with dates and a replacement, phases computed from the clock,
notices to every affected team (once per team, model, plan and phase), and ``tick``, which
retires what reached its hard deadline.

A hard deadline never retires the version that holds ``production`` while it holds it: with the
policy's ``deprecation.move_production``, production first moves to the plan's replacement
through the normal gates; otherwise the version stays deprecated and *overdue* (an event and a
notice to the owning team) until production has moved, and a later ``tick`` retires it."""

from __future__ import annotations

import heapq
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime

from modelsteward.domain import events as ev
from modelsteward.domain.consumers import Consumer, ConsumerPin
from modelsteward.domain.deprecation import (
    Coverage,
    DeprecationPlan,
    DeprecationReason,
    Phase,
    check_dates,
)
from modelsteward.domain.embedding import ReembeddingPlan, ReembeddingRecord, embedding_of
from modelsteward.domain.events import NewEvent
from modelsteward.domain.lifecycle import UNRESOLVABLE, Stage
from modelsteward.domain.lineage import validate_purl
from modelsteward.domain.model import Model, Version
from modelsteward.domain.notices import Notice
from modelsteward.domain.reminders import (
    DEFAULT_REMINDER_DAYS,
    DueReminder,
    due_reminders,
    reminder_notice,
)
from modelsteward.domain.subscriptions import DEADLINE_OVERDUE, DEADLINE_PRODUCTION_MOVED
from modelsteward.errors import (
    Conflict,
    InvalidInput,
    ModelNotFound,
    NoMatchingVersion,
    StewardError,
)
from modelsteward.ports import Transaction
from modelsteward.results import CheckedPlan, Overdue, TickReport
from modelsteward.service.batches import plans_of, unplanned_models
from modelsteward.service.context import Context
from modelsteward.service.lifecycle import PRODUCTION, Lifecycle
from modelsteward.service.reach import affected_pins, affected_teams, descendants
from modelsteward.service.reembedding import Reembeddings
from modelsteward.service.replacement import eligible_replacement
from modelsteward.service.resolution import Resolver
from modelsteward.service.retirement import Retirements
from modelsteward.service.support import SupportReminders

_DEPRECABLE = (Stage.REGISTERED, Stage.STAGING, Stage.PRODUCTION)


class Deprecations:
    def __init__(self, ctx: Context, resolver: Resolver, lifecycle: Lifecycle,
                 retirements: Retirements) -> None:
        self.ctx = ctx
        self.resolver = resolver
        self.lifecycle = lifecycle
        self.retirements = retirements
        self.reembeddings = Reembeddings(ctx, resolver)
        self.support = SupportReminders(ctx, resolver)

    def _today(self) -> date:
        return self.ctx.clock.now().date()

    def _covered(self, tx: Transaction, model: Model, plan: DeprecationPlan) -> list[Version]:
        coverage = Coverage.of(model, [plan])
        return [v for v in tx.list_versions(model.name) if coverage.newest(str(v.id))]

    def plan(self, target: str, *, reason: DeprecationReason, replacement: str,
             announced: date, soft_deadline: date, hard_deadline: date,
             migration_steps: tuple[str, ...] = (), support_window: str = "",
             redirect: bool = False,
             reembedding: ReembeddingPlan | None = None) -> DeprecationPlan:
        """Record a deprecation plan for ``MODEL@VERSION`` or ``MODEL@PIN``. Refused when the
        dates are out of order, nothing matches, a matched version is already retired, or the
        replacement does not exist or is itself deprecated, retired or covered by the plan.
        ``reembedding`` (an embedding model's only) is the data migration moving its consumers
        to the replacement needs: recorded with the plan and shown in its notices."""
        check_dates(announced, soft_deadline, hard_deadline)
        if target.startswith("pkg:"):
            if reembedding is not None:
                raise InvalidInput("A re-embedding plan belongs to a registered embedding "
                                   "model's deprecation plan, not an upstream model's.")
            return self._plan_upstream(target, reason, replacement, announced, soft_deadline,
                                       hard_deadline, migration_steps, support_window)
        with self.ctx.store.write() as tx:
            return self.write_plan(tx, self.check_plan(
                tx, target, reason=reason, replacement=replacement, announced=announced,
                soft_deadline=soft_deadline, hard_deadline=hard_deadline,
                migration_steps=migration_steps, support_window=support_window,
                redirect=redirect), reembedding)

    def check_plan(self, tx: Transaction, target: str, *, reason: DeprecationReason,
                   replacement: str, announced: date, soft_deadline: date, hard_deadline: date,
                   migration_steps: tuple[str, ...] = (), support_window: str = "",
                   redirect: bool = False) -> CheckedPlan:
        """The plan :meth:`plan` would record for ``MODEL@VERSION`` or ``MODEL@PIN`` in ``tx``,
        checked by the same rules and refused the same way, but not written: nothing in ``tx``
        changes, so a caller can try another plan after a refusal and write several in one
        transaction (:meth:`write_plan`)."""
        check_dates(announced, soft_deadline, hard_deadline)
        model_name, _, selector = target.partition("@")
        if not selector:
            raise InvalidInput(f"{target!r} does not say what to deprecate: write MODEL@VERSION "
                               "or MODEL@PIN, e.g. support-bot@2.1.3 or support-bot@^2.")
        if redirect and not replacement:
            raise InvalidInput("--redirect needs --replacement: say where resolution goes.")
        model = tx.get_model(model_name)
        if model is None:
            raise ModelNotFound(model_name)
        plan = DeprecationPlan(
            str(uuid.uuid4()), model.name, selector, reason, replacement, announced,
            soft_deadline, hard_deadline, tuple(s.strip() for s in migration_steps if s.strip()),
            support_window.strip(), redirect, self.ctx.clock.now(), self.ctx.actor)
        covered = self._covered(tx, model, plan)
        if not covered:
            raise NoMatchingVersion(model.name, selector)
        retired = [v.ref for v in covered if v.stage is Stage.RETIRED]
        if retired:
            raise Conflict(f"{', '.join(retired)} is already retired; a retired version "
                           "cannot be deprecated.")
        if replacement:
            self._check_replacement(tx, replacement, {v.ref for v in covered})
        return CheckedPlan(model, plan, tuple(covered))

    def write_plan(self, tx: Transaction, checked: CheckedPlan,
                   reembedding: ReembeddingPlan | None = None) -> DeprecationPlan:
        """Record a plan :meth:`check_plan` accepted in the same ``tx``: the plan, its event,
        its re-embedding plan (refused unless the model is an embedding model), the covered
        versions deprecated (each with its event) and the current phase's notices."""
        model, plan, covered = checked.model, checked.plan, checked.covered
        if reembedding is not None and embedding_of(model) is None:
            raise InvalidInput(
                f"{model.name} is not declared an embedding model, so its deprecation needs no "
                "re-embedding plan; drop the --reembed-* options.")
        tx.add_plan(plan)
        self.ctx.record(tx, NewEvent(ev.DEPRECATION_PLANNED, plan.ref, {
            "plan": plan.id, "reason": plan.reason.value,
            "replacement": plan.replacement or None,
            "announced": plan.announced.isoformat(),
            "soft_deadline": plan.soft_deadline.isoformat(),
            "hard_deadline": plan.hard_deadline.isoformat(),
            "migration_steps": list(plan.migration_steps),
            "support_window": plan.support_window, "redirect": plan.redirect,
            "versions": [str(v.id) for v in covered]}))
        if reembedding is not None:
            self.reembeddings.write(tx, ReembeddingRecord(
                model.name, reembedding, plan.target, plan.replacement, plan.id))
        for version in covered:
            if version.stage in _DEPRECABLE:
                tx.set_stage(model.name, str(version.id), Stage.DEPRECATED)
                self.ctx.record(tx, NewEvent(ev.VERSION_DEPRECATED, version.ref, {
                    "from": version.stage.value, "to": Stage.DEPRECATED.value,
                    "reason": plan.reason.value, "plan": plan.id}))
        self._advance(tx, model, plan)
        return plan

    def _plan_upstream(self, purl: str, reason: DeprecationReason, replacement: str,
                       announced: date, soft_deadline: date, hard_deadline: date,
                       migration_steps: tuple[str, ...], support_window: str) -> DeprecationPlan:
        """A plan for an upstream model named by package URL: it reaches every registered
        version derived from it (any revision when the URL names none)."""
        canonical = validate_purl(purl)
        plan = DeprecationPlan(
            str(uuid.uuid4()), "", canonical, reason, replacement, announced, soft_deadline,
            hard_deadline, tuple(s.strip() for s in migration_steps if s.strip()),
            support_window.strip(), False, self.ctx.clock.now(), self.ctx.actor)
        with self.ctx.store.write() as tx:
            if replacement:
                self._check_replacement(tx, replacement, set())
            tx.add_upstream_plan(plan)
            self.ctx.record(tx, NewEvent(ev.DEPRECATION_PLANNED, canonical, {
                "plan": plan.id, "reason": reason.value, "replacement": replacement or None,
                "announced": announced.isoformat(), "soft_deadline": soft_deadline.isoformat(),
                "hard_deadline": hard_deadline.isoformat(),
                "migration_steps": list(plan.migration_steps), "upstream": True}))
            self._advance_upstream(tx, plan)
        return plan

    def _advance_upstream(self, tx: Transaction, plan: DeprecationPlan) -> int:
        """Phase event and inherited notices for the models derived from an upstream model."""
        today = self._today()
        phase = plan.phase(today)
        if phase is Phase.ACTIVE:
            return 0
        self._record_phase(tx, plan, phase)
        created = 0
        for model, versions in self._upstream_reach(tx, plan):
            for team, consumers in sorted(self._affected(tx, model, versions).items()):
                created += tx.add_notice(self._notice(plan, phase, team, consumers, today,
                                                      model.name))
        return created

    def _upstream_reach(self, tx: Transaction,
                        plan: DeprecationPlan) -> list[tuple[Model, list[Version]]]:
        """The registered versions derived from an upstream plan's package URL, directly or
        transitively, by model (in name order)."""
        direct = []
        for derivation in tx.upstream_children(plan.target):
            child_model, _, child_version = derivation.child.partition("@")
            stored = tx.get_version(child_model, child_version)
            if stored is not None:
                direct.append(stored)
        groups: dict[str, list[Version]] = defaultdict(list)
        for found in direct:
            groups[found.model].append(found)
        for derived_model, derived in self._descendants(tx, direct).items():
            groups[derived_model.name].extend(derived)
        reach = []
        for model_name, versions in sorted(groups.items()):
            model = tx.get_model(model_name)
            if model is not None:
                reach.append((model, versions))
        return reach

    def _check_replacement(self, tx: Transaction, replacement: str, covered: set[str]) -> None:
        model_name, at, pin = replacement.partition("@")
        if not at or not pin:
            raise InvalidInput(f"--replacement {replacement!r} must be MODEL@PIN, e.g. "
                               "support-bot@^3.")
        model = tx.get_model(model_name)
        if model is None:
            raise ModelNotFound(model_name)
        found = eligible_replacement(self.resolver, tx, model, pin, replacement)
        version = found.version
        if version.ref in covered:
            raise Conflict(f"The replacement {replacement} resolves to {version.ref}, which this "
                           "plan deprecates; name a version outside it.")
        if version.stage in (Stage.DEPRECATED, *UNRESOLVABLE) or found.plan is not None:
            raise Conflict(f"The replacement {replacement} resolves to {version.ref}, which is "
                           f"{version.stage.value if found.plan is None else 'deprecated'}; a "
                           "replacement must be a version people can move to.")

    def _advance(self, tx: Transaction, model: Model, plan: DeprecationPlan,
                 archive: str = "", to_archive: list[str] | None = None,
                 retired: list[str] | None = None,
                 overdue: list[Overdue] | None = None) -> int:
        """Write the phase's notices once; retire at the hard deadline. With ``archive``, a
        version whose weights are known is only freed of its aliases here and listed in
        ``to_archive``: it retires once its weights are archived and verified. A version
        holding production is handled by :meth:`_hand_over` first; one that keeps it is
        listed in ``overdue`` and not retired."""
        today = self._today()
        phase = plan.phase(today)
        if phase is Phase.ACTIVE:
            return 0
        covered = self._covered(tx, model, plan)
        self._record_phase(tx, plan, phase)
        at_deadline = phase is Phase.RETIRED
        # who used the covered versions, before this deadline changes anything (and counting
        # a version already retired some other way): a retirement must tell them
        affected = affected_pins(self.resolver, tx, model, covered, as_if_resolvable=at_deadline)
        created = 0
        reembed = self.reembeddings.for_plan(tx, plan)
        held_back = False  # a covered version stays overdue: its retirement is not news yet
        if at_deadline:
            for version in covered:
                if version.stage in (Stage.RETIRED, Stage.TRAINED, Stage.EVALUATED):
                    # a version that never passed the evaluation gate cannot retire (the
                    # lifecycle has no such move) and no choosing pin gets it: the plan's
                    # retired phase hides it from resolution, and it stays as it is
                    continue
                stuck, written = self._hand_over(tx, model, version, plan)
                created += written
                if stuck:
                    held_back = True
                    if overdue is not None:
                        overdue.append(Overdue(version.ref, plan.id, stuck))
                    continue
                version = self._deprecate_first(tx, version, plan)
                sources = [k for k, *_ in tx.locations(model.name, str(version.id))
                           if k in ("source", "restored")]
                if archive and version.digest and sources and to_archive is not None:
                    self._free_aliases(tx, model, version, plan)
                    to_archive.append(version.ref)
                else:
                    self._retire(tx, model, version, plan)
                    if retired is not None:
                        retired.append(version.ref)
        # the consumers' "retired" notice waits for the tick that retires what is overdue, and
        # then says where their pins resolve (it is written once per plan and team)
        for team, pins in sorted(affected.items()) if not held_back else ():
            consumers = [consumer for consumer, _ in pins]
            now = self._resolves_now(tx, model, pins) if at_deadline else None
            created += tx.add_notice(self._notice(plan, phase, team, consumers, today,
                                                  resolves_now=now, reembed=reembed))
        descendants = self._descendants(tx, covered)
        for derived_model in sorted(descendants, key=lambda m: m.name):
            derived = descendants[derived_model]
            inherited = self._affected(tx, derived_model, derived)
            for team, consumers in sorted(inherited.items()):
                created += tx.add_notice(self._notice(plan, phase, team, consumers, today,
                                                      derived_model.name, reembed=reembed))
        return created

    def _resolves_now(self, tx: Transaction, model: Model,
                      pins: list[tuple[Consumer, ConsumerPin]]) -> list[tuple[str, str, str]]:
        """``(consumer, pin, version or "")``: where each pin resolves now, plans included
        (``""``: it no longer resolves)."""
        found = []
        for consumer, pin in pins:
            resolution = self.resolver.resolve_in(tx, model,
                                                  self.resolver.parse_pin(model, pin.pin))
            found.append((consumer.name, pin.pin,
                          resolution.version.ref if resolution is not None else ""))
        return found

    def _hand_over(self, tx: Transaction, model: Model, version: Version,
                   plan: DeprecationPlan) -> tuple[str, int]:
        """Before ``version`` retires at the hard deadline of ``plan``: if it holds
        production, move production to the plan's replacement when the policy allows it and
        the replacement can take it through the gates (an event and a notice to the owning
        team). Returns why the version must stay (``""``: it may retire) and how many notices
        were written. A version that stays is recorded as overdue (once per plan and
        version) and its owning team is told what to do."""
        holders = tx.current_aliases(model.name, PRODUCTION)
        if not holders or holders[0].version != str(version.id):
            return "", 0
        replacement, why = self._eligible_replacement(tx, model, plan)
        if replacement is not None and not why:
            refused = self.lifecycle.take_production(
                tx, model, replacement, f"hard deadline of plan {plan.id}")
            if not refused:
                return "", int(tx.add_notice(self._owner_notice(
                    model, version, plan, DEADLINE_PRODUCTION_MOVED,
                    f"Production of {model.name} moved from {version.ref} to "
                    f"{replacement.ref} at the hard deadline ({plan.hard_deadline}) of plan "
                    f"{plan.id}, as the policy's deprecation.move_production allows; "
                    f"{version.ref} retires.", {"replacement": replacement.ref})))
            why = f"it holds production, and the replacement {refused}"
        self._record_overdue(tx, version, plan, why)
        promote = (f"`steward promote {replacement.ref} --to production`" if replacement
                   is not None else "`steward promote MODEL@VERSION --to production`")
        return why, int(tx.add_notice(self._owner_notice(
            model, version, plan, DEADLINE_OVERDUE,
            f"{version.ref} passed the hard deadline ({plan.hard_deadline}) of plan {plan.id} "
            f"but was not retired: {why}. Promote a replacement to production ({promote}), "
            "then run `steward tick`: it retires the version once production has moved.",
            {"why": why})))

    def _eligible_replacement(self, tx: Transaction, model: Model,
                              plan: DeprecationPlan) -> tuple[Version | None, str]:
        """The version of ``model`` the plan's replacement resolves to (``None`` when it names
        none there) and, when production may not move to it at the deadline, why not."""
        held = "it holds production"
        target_model, _, pin = plan.replacement.partition("@")
        if not plan.replacement:
            return None, f"{held}, and the plan names no replacement"
        if target_model != model.name:
            return None, (f"{held}, and the replacement {plan.replacement} is another model; "
                          "production only moves within a model")
        found = self.resolver.resolve_in(tx, model, self.resolver.parse_pin(model, pin))
        if found is None:
            return None, f"{held}, and the replacement {plan.replacement} resolves to nothing"
        if not self.ctx.policy.deprecation_move_production:
            return found.version, (f"{held}, and the policy does not move production at a "
                                   "deadline (deprecation.move_production is false)")
        return found.version, ""

    def _record_overdue(self, tx: Transaction, version: Version, plan: DeprecationPlan,
                        why: str) -> None:
        """One ``model:deprecation:overdue`` event per plan and version."""
        for event in tx.events(subject_prefix=version.model):
            if event.kind == ev.DEPRECATION_OVERDUE and event.subject == version.ref \
                    and event.payload.get("plan") == plan.id:
                return
        self.ctx.record(tx, NewEvent(ev.DEPRECATION_OVERDUE, version.ref, {
            "plan": plan.id, "hard_deadline": plan.hard_deadline.isoformat(),
            "replacement": plan.replacement or None, "why": why}))

    def _owner_notice(self, model: Model, version: Version, plan: DeprecationPlan, kind: str,
                      message: str, extra: dict[str, object]) -> Notice:
        """A notice of ``kind`` to the owning team of ``model``, once per plan and version."""
        team = model.owner_team or self.ctx.default_team
        return Notice(f"{kind}:{plan.id}:{version.id}", team, model.name, kind, message,
                      {"plan": plan.id, "target": plan.ref, "version": version.ref,
                       "hard_deadline": plan.hard_deadline.isoformat(),
                       "replacement": plan.replacement or None, **extra},
                      self.ctx.clock.now())

    def _record_phase(self, tx: Transaction, plan: DeprecationPlan, phase: Phase) -> None:
        """One ``model:deprecation:phase`` event per plan and phase reached."""
        for event in tx.events(subject_prefix=plan.model or plan.target):
            if event.kind == ev.DEPRECATION_PHASE and event.payload.get("plan") == plan.id \
                    and event.payload.get("phase") == phase.value:
                return
        self.ctx.record(tx, NewEvent(ev.DEPRECATION_PHASE, plan.ref, {
            "plan": plan.id, "phase": phase.value}))

    def _affected(self, tx: Transaction, model: Model,
                  covered: list[Version]) -> dict[str, list[Consumer]]:
        return affected_teams(self.resolver, tx, model, covered)

    def _descendants(self, tx: Transaction, covered: list[Version]) -> dict[Model, list[Version]]:
        return descendants(tx, covered)

    def _notice(self, plan: DeprecationPlan, phase: Phase, team: str,
                consumers: list[Consumer], today: date, derived_model: str = "",
                resolves_now: list[tuple[str, str, str]] | None = None,
                reembed: ReembeddingPlan | None = None) -> Notice:
        """The notice of ``phase`` to ``team``; ``resolves_now`` (at the hard deadline):
        ``(consumer, pin, version or "")``, where each of its pins resolves now; ``reembed``:
        the data migration the move needs, stated in the message and the payload."""
        names = sorted(c.name for c in consumers)
        steps = "".join(f"\n  {i}. {step}" for i, step in enumerate(plan.migration_steps, 1))
        uses = (f"{derived_model}, which derives from it" if derived_model else "it")
        now = ""
        if resolves_now:
            now = " Their pins now resolve as follows: " + "; ".join(
                f"{name} ({plan.model} {pin}) → {ref or 'no longer resolves'}"
                for name, pin, ref in sorted(resolves_now)) + "."
        message = (f"{'Inherited: ' if derived_model else ''}{plan.warning(today)} "
                   f"{len(names)} of your consumers {'uses' if len(names) == 1 else 'use'} "
                   f"{uses}: "
                   f"{', '.join(names)}.{now}{(' Migration steps:' + steps) if steps else ''}"
                   + (f" Moving is a data migration: {reembed.describe()}." if reembed else ""))
        suffix = f":inherited:{derived_model}" if derived_model else ""
        return Notice(f"deprecation:{plan.id}:{phase.value}:{team}{suffix}", team,
                      derived_model or plan.model,
                      f"deprecation{'-inherited' if derived_model else ''}:{phase.value}",
                      message,
                      {"plan": plan.id, "target": plan.ref, "phase": phase.value,
                       "inherited_via": derived_model or None,
                       "consumers": len(names), "consumer_names": names,
                       "replacement": plan.replacement or None,
                       "soft_deadline": plan.soft_deadline.isoformat(),
                       "hard_deadline": plan.hard_deadline.isoformat(),
                       "migration_steps": list(plan.migration_steps),
                       **({"reembedding": reembed.as_payload()} if reembed else {}),
                       **({"resolves_now": [{"consumer": name, "pin": pin,
                                             "version": ref or None}
                                            for name, pin, ref in sorted(resolves_now)]}
                          if resolves_now is not None else {})},
                      self.ctx.clock.now())

    def _free_aliases(self, tx: Transaction, model: Model, version: Version,
                      plan: DeprecationPlan) -> None:
        vid = str(version.id)
        now = self.ctx.clock.now()
        for assignment in tx.current_aliases(model.name):
            if assignment.version == vid:
                tx.remove_alias(model.name, assignment.alias, vid, now)
                self.ctx.record(tx, NewEvent(ev.ALIAS_REMOVED, version.ref, {
                    "alias": assignment.alias, "reason": f"hard deadline of plan {plan.id}"}))

    def _deprecate_first(self, tx: Transaction, version: Version,
                         plan: DeprecationPlan) -> Version:
        """A version that reached the plan after it was made (registered, staging, or left
        production) is deprecated on its way to retirement, along the lifecycle's moves."""
        if version.stage not in _DEPRECABLE:
            return version
        tx.set_stage(version.model, str(version.id), Stage.DEPRECATED)
        self.ctx.record(tx, NewEvent(ev.VERSION_DEPRECATED, version.ref, {
            "from": version.stage.value, "to": Stage.DEPRECATED.value,
            "reason": plan.reason.value, "plan": plan.id}))
        return replace(version, stage=Stage.DEPRECATED)

    def _retire(self, tx: Transaction, model: Model, version: Version,
                plan: DeprecationPlan) -> None:
        vid = str(version.id)
        self._free_aliases(tx, model, version, plan)
        tx.set_stage(model.name, vid, Stage.RETIRED)
        self.ctx.record(tx, NewEvent(ev.VERSION_RETIRED, version.ref, {
            "from": version.stage.value, "to": Stage.RETIRED.value,
            "reason": f"hard deadline {plan.hard_deadline} of plan {plan.id}",
            "plan": plan.id}))

    def tick(self, archive: str = "",
             reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS) -> TickReport:
        """Bring every plan up to date with the clock: notices for the current phase (never
        twice), the deadline reminders due today (``reminder_days`` before each deadline, each
        written once; see :meth:`reminders`), the end-of-support reminders of versions still in
        use (:class:`~modelsteward.service.support.SupportReminders`) and retirement at the
        hard deadline — with ``archive``, weights are archived and verified first (a version
        whose copy fails stays un-retired and is reported). A version holding production
        retires only once production has moved (see the module's docstring); until then it is
        reported as overdue."""
        retired: list[str] = []
        to_archive: list[str] = []
        failures: list[str] = []
        overdue: list[Overdue] = []
        created = 0
        with self.ctx.store.write() as tx:
            for plan in plans_of(tx):
                model = tx.get_model(plan.model)
                if model is None:
                    continue  # a deleted model's plans have nothing left to do
                created += self._advance(tx, model, plan, archive, to_archive, retired,
                                         overdue)
            for plan in tx.upstream_plans():
                created += self._advance_upstream(tx, plan)
            reminded = self._remind(tx, reminder_days, self._today())
            reminded += self.support.remind_in(tx, reminder_days, self._today())
        for ref in to_archive:
            try:
                self.retirements.retire(ref, archive, by_plan=True,
                                                 reason="hard deadline of its deprecation plan")
                retired.append(ref)
            except StewardError as error:
                failures.append(f"{ref}: {error}")
        return TickReport(tuple(retired), created, tuple(failures), reminded, tuple(overdue))

    def reminders(self, reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
                  today: date | None = None) -> int:
        """Write the deadline reminders due ``today`` (default: the clock's date): a notice to
        every team whose consumers use a version a deprecation plan covers — a plan on a
        registered model or on an upstream package URL — or a version derived from one,
        ``reminder_days`` days before each soft and hard deadline, and the end-of-support
        reminders of versions still in use as many days before their end of active support.
        Each reminder is written once; returns how many were new."""
        day = today or self._today()
        with self.ctx.store.write() as tx:
            return (self._remind(tx, reminder_days, day)
                    + self.support.remind_in(tx, reminder_days, day))

    def _remind(self, tx: Transaction, reminder_days: Sequence[int], today: date) -> int:
        now = self.ctx.clock.now()
        created = 0
        for plan in plans_of(tx):
            due = due_reminders(plan, today, reminder_days)
            model = tx.get_model(plan.model) if due else None
            if model is None:
                continue
            covered = self._covered(tx, model, plan)
            reach = [(model, covered, ""), *((m, v, m.name) for m, v
                                             in sorted(self._descendants(tx, covered).items(),
                                                       key=lambda item: item[0].name))]
            created += self._write_reminders(tx, plan, due, reach, now)
        for plan in tx.upstream_plans():
            due = due_reminders(plan, today, reminder_days)
            if due:
                reach = [(m, v, m.name) for m, v in self._upstream_reach(tx, plan)]
                created += self._write_reminders(tx, plan, due, reach, now)
        return created

    def _write_reminders(self, tx: Transaction, plan: DeprecationPlan,
                         due: list[DueReminder],
                         reach: list[tuple[Model, list[Version], str]], now: datetime) -> int:
        created = 0
        reembed = self.reembeddings.for_plan(tx, plan)
        for reminder in due:
            for model, versions, derived_model in reach:
                for team, consumers in sorted(self._affected(tx, model, versions).items()):
                    created += tx.add_notice(reminder_notice(
                        plan, reminder, team, [c.name for c in consumers], now, derived_model,
                        reembed))
        return created

    def record_reembedding(self, source: str, plan: ReembeddingPlan, *, target: str = "",
                           consumer: str = "") -> ReembeddingRecord:
        """Record the re-embedding plan for moving consumers of the embedding model
        ``MODEL[@VERSION|@PIN]`` to ``target`` (``MODEL@PIN``; anywhere when empty), or only
        ``consumer``'s move (see :meth:`Reembeddings.record`)."""
        return self.reembeddings.record(source, plan, target=target, consumer=consumer)

    def plans(self, model: str) -> list[DeprecationPlan]:
        with self.ctx.store.read() as tx:
            if tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.plans(model)

    def missing(self) -> list[str]:
        """Models with neither a deprecation plan nor a support policy, by name (read in
        keyset batches)."""
        with self.ctx.store.read() as tx:
            return list(unplanned_models(tx))

    def missing_page(self, after: str, limit: int) -> list[str]:
        """The first ``limit`` names of :meth:`missing` after ``after``: a keyset page."""
        with self.ctx.store.read() as tx:
            return tx.models_without_plan(limit=limit, count_up_to=0, after=after)[0]

    def current_plans(self, key: Callable[[DeprecationPlan], tuple[date, str]],
                      limit: int) -> tuple[list[DeprecationPlan], int]:
        """The ``limit`` first by ``key`` of the current plans — each target's latest (a later
        plan of the same target supersedes an earlier one), deleted models' too — and how many
        current plans there are. The plans are walked by model in keyset batches, each model's
        together, and only the first ``limit`` are kept: memory stays flat however many plans
        there are."""
        counted = 0

        def current(tx: Transaction) -> Iterator[DeprecationPlan]:
            nonlocal counted
            model, latest = "", dict[str, DeprecationPlan]()
            for plan in plans_of(tx, by_model=True):
                if plan.model != model:
                    counted += len(latest)
                    yield from latest.values()
                    model, latest = plan.model, {}
                latest[plan.target] = plan  # oldest first: the last one stands
            counted += len(latest)
            yield from latest.values()

        with self.ctx.store.read() as tx:
            plans = current(tx)
            first = heapq.nsmallest(limit, plans, key=key)
            for _ in plans:  # a limit of 0 reads none: count them all the same
                pass
        return first, counted

    def every_plan_page(self, after: str, limit: int) -> list[DeprecationPlan]:
        """At most ``limit`` plans of every live model, by model name, then oldest first,
        those following the plan whose id is ``after`` (all when it is empty; those with a
        greater id when no plan has it). The plans are walked in keyset batches: memory holds
        a batch and the page, however many plans there are."""
        found: list[DeprecationPlan] = []
        greater: list[DeprecationPlan] = []  # the page, should ``after`` be no plan's id
        following = not after
        with self.ctx.store.read() as tx:
            for plan in _live_plans(tx):
                if following:
                    found.append(plan)
                    if len(found) >= limit:
                        break
                elif plan.id == after:
                    following = True
                elif plan.id > after and len(greater) < limit:
                    greater.append(plan)
        return found if following else greater

    def missing_first(self, limit: int, *,
                      count_up_to: int | None = None) -> tuple[list[str], int]:
        """The first ``limit`` names of :meth:`missing` (by name) and how many there are in
        all, counted up to ``count_up_to`` when given: the first ones are an index read, and
        the count stops there."""
        with self.ctx.store.read() as tx:
            return tx.models_without_plan(limit=limit, count_up_to=count_up_to)

    def notices(self, team: str = "") -> list[Notice]:
        with self.ctx.store.read() as tx:
            return tx.notices(team)


def _live_plans(tx: Transaction) -> Iterator[DeprecationPlan]:
    """The plans of live models, by model name and then oldest first; one look-up of each
    model with plans."""
    model, live = "", False
    for plan in plans_of(tx, by_model=True):
        if plan.model != model:
            model, live = plan.model, tx.get_model(plan.model) is not None
        if live:
            yield plan
