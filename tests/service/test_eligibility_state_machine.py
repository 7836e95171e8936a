"""What applications get, as a state machine: the lifecycle machine of
``test_lifecycle_state_machine.py`` (its rules, shadow and invariants, on SQLite and PostgreSQL)
with consumers, deprecation plans, the clock and ``tick``, deletions, locks and ``audit --fix``
added, under a policy drawn per example (``eligibility.minimum_stage`` and
``deprecation.move_production``).

Eligibility is the shadow's, from the policy's words (:func:`eligible_by_words`), never
``EligibilityRule``. Invariants, besides the lifecycle machine's:

1. no non-strict resolution (with or without ``candidates``, which relaxes only the minimum
   stage), no entry of a fresh lock or of ``lock --upgrade`` and no version ``audit --fix``
   chooses is ever an ineligible version; an exact pin gives its version and says why it is
   not eligible exactly when it is not;
2. every consumer pin that resolved before a deletion or a retirement (a plan written past its
   hard deadline, or time passing and ``tick``) afterwards still resolves to the same version,
   is redirected (``Resolution.redirected_from``), or is reported: it raises
   ``PinNoLongerResolves`` with the right state, the deletion cleared or moved it and lists it
   in its report, or the hard deadline's notice to its team says where it resolves now;
3. a version holding production is never retired by a deadline, unless the policy's
   ``deprecation.move_production`` let production move to another version first.

``STEWARD_STATEFUL_EXAMPLES`` raises the number of examples for a longer local run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import consumes, initialize, rule, run_state_machine_as_test

from modelsteward import Registry
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import FailOn
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason, Phase, covers
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.lifecycle import TRANSITIONS, Stage
from modelsteward.domain.lockfile import Lock
from modelsteward.domain.versioning import ModelVersion
from modelsteward.errors import NoMatchingVersion, PinNoLongerResolves, StewardError
from modelsteward.results import Resolution
from tests.service.test_lifecycle_state_machine import (
    MODELS,
    POLICY,
    PRODUCTION,
    Databases,
    LifecycleMachine,
    VersionShadow,
    _examples,
    eligible_by_words,
)

CHOOSING_PINS = ("*", "^1", "1.x", ">=1")
TEAMS = ("team-a", "team-b")
APPLICATION = "portal"
# hard deadlines relative to today: already past, near, far
DEADLINES = {"past": (-30, -20, -1), "near": (0, 1, 3), "far": (0, 30, 200)}
Outcome = tuple[str, str]  # ("version", ref) or ("error", state or "")


@dataclass(frozen=True)
class PinSeen:
    consumer: str
    team: str
    model: str
    pin: str
    before: str  # the version it resolved to before the step


class EligibilityMachine(LifecycleMachine):
    versions = LifecycleMachine.versions

    def __init__(self, databases: Databases) -> None:
        super().__init__(databases)
        self.plans: list[DeprecationPlan] = []
        self.consumer_count = 0
        self.manifest_text = ""
        self.lock: Lock | None = None

    @initialize(minimum=st.sampled_from([Stage.REGISTERED, Stage.REGISTERED, Stage.STAGING,
                                         Stage.TRAINED]),
                move_production=st.booleans())
    def choose_policy(self, minimum: Stage, move_production: bool) -> None:
        self.policy = replace(POLICY, eligibility=EligibilityRule(minimum),
                              deprecation_move_production=move_production)
        self.registry.close()
        self.registry = Registry.open(self.url, actor="alice", clock=self.clock,
                                      policy=self.policy)
        self.lifecycle = self.registry.lifecycle

    # the shadow's view of resolution -------------------------------------------------------

    def _plan_of(self, s: VersionShadow) -> DeprecationPlan | None:
        """The latest plan covering ``s`` (the one resolution heeds)."""
        model = self.registry.get_model(s.model)
        for plan in reversed(self.plans):
            if plan.model == s.model and covers(plan, self.registry.plan_pin(model, plan), s.vid):
                return plan
        return None

    def _past_deadline(self, s: VersionShadow) -> DeprecationPlan | None:
        plan = self._plan_of(s)
        if plan is not None and plan.phase(self.clock.now().date()) is Phase.RETIRED:
            return plan
        return None

    def _holds_production(self, s: VersionShadow) -> bool:
        return self._production(s.model) == s.vid

    def _matching(self, model: str, pin: str) -> list[VersionShadow]:
        parsed = self.registry.parse_pin(self.registry.get_model(model), pin)
        found = [s for s in self.shadows.values() if s.model == model and not s.deleted
                 and parsed.matches(ModelVersion.parse(s.vid))]  # type: ignore[arg-type]
        return sorted(found, key=lambda s: ModelVersion.parse(s.vid), reverse=True)

    def _check_choice(self, model: str, pin: str, candidates: bool) -> Resolution | None:
        """Resolve a choosing pin and check invariant 1: the result is eligible (the minimum
        stage waived with ``candidates``), or a redirect from a version past its hard deadline
        to an eligible one, or an overdue production holder; nothing resolves only when no
        eligible version matches outside a hard deadline."""
        try:
            found = self.registry.resolution(model, pin, candidates=candidates)
        except NoMatchingVersion:
            found = None
        # in the order resolution tries them: a version past its hard deadline (or retired)
        # may redirect; else one holding production still serves (overdue); else it is skipped
        expected: list[tuple[str, str]] = []
        today = self.clock.now().date()
        for s in self._matching(model, pin):
            plan = self._plan_of(s)
            past = plan is not None and plan.phase(today) is Phase.RETIRED
            if s.stage is Stage.RETIRED or past:
                if plan is not None and plan.redirect and plan.replacement:
                    expected.append(("redirect", s.ref))
                if past and s.stage is not Stage.RETIRED and self._holds_production(s) \
                        and eligible_by_words(s, self.policy, candidates):
                    expected.append(("overdue", s.ref))
                continue
            if eligible_by_words(s, self.policy, candidates):
                expected.append(("version", s.ref))
        definite = [ref for kind, ref in expected if kind != "redirect"]
        redirects = [ref for kind, ref in expected[:next(
            (i for i, (kind, _) in enumerate(expected) if kind != "redirect"), len(expected))]]
        what = f"resolve {model} {pin!r} (candidates={candidates})"
        if found is None:
            assert not definite, f"{what} gave nothing; expected {definite[0]} ({expected})"
            return None
        got = self.shadows[found.version.ref]
        if found.redirected_from:
            assert found.redirected_from in redirects, (what, found, expected)
            assert eligible_by_words(got, self.policy, candidates) or (
                got.model == model and self._holds_production(got)), (
                f"{what} redirected to {got.ref}, which is not eligible: {got}")
            return found
        assert eligible_by_words(got, self.policy, candidates), (
            f"{what} gave {got.ref}, which is not eligible: {got}")
        assert definite and got.ref == definite[0], (
            f"{what} gave {got.ref}; expected {definite[:1]} ({expected})")
        return found

    # snapshots of consumer pins (invariant 2) ------------------------------------------------

    def _pins(self) -> list[PinSeen]:
        seen = []
        for consumer in self.registry.consumers.list():
            for pin in consumer.pins:
                try:
                    ref = self.registry.resolve(pin.model, pin.pin).ref
                except NoMatchingVersion:
                    continue
                seen.append(PinSeen(consumer.name, consumer.team, pin.model, pin.pin, ref))
        return seen

    def _after(self, seen: PinSeen) -> tuple[Resolution | None, StewardError | None]:
        try:
            return self.registry.resolution(seen.model, seen.pin), None
        except StewardError as error:
            return None, error

    def _check_retirement(self, before: list[PinSeen], retired: set[str]) -> None:
        """Invariant 2 after a hard deadline: each pin resolves as before, is redirected, says
        it no longer resolves because its version was retired, or the deadline's notice to its
        team says where it resolves now."""
        notices = self.registry.deprecations.notices()
        for seen in before:
            found, error = self._after(seen)
            if found is not None and (found.version.ref == seen.before or found.redirected_from):
                continue
            if isinstance(error, PinNoLongerResolves) and error.why.state == "retired" \
                    and error.why.version == seen.before:
                continue
            now = found.version.ref if found is not None else None
            told = any(n.team == seen.team and n.kind == "deprecation:retired"
                       and {"consumer": seen.consumer, "pin": seen.pin, "version": now}
                       in _listed(n.payload.get("resolves_now"))
                       for n in notices)
            assert told, (f"{seen.consumer}'s pin {seen.model} {seen.pin} resolved to "
                          f"{seen.before}; after the deadline it gives {now or error!r} and "
                          f"no notice says so (retired: {sorted(retired)})")

    # syncing the shadow with what a deadline did ---------------------------------------------

    def _sync(self, what: str) -> set[str]:
        """Take stages and aliases from the database after ``what`` (a plan or a tick),
        checking each stage change is legal and is a deprecation or a retirement; return the
        refs retired."""
        written = self.registry.log(after_seq=self.head)
        if written:
            self.head = written[-1].seq
        rows = self._sql("SELECT m.name, v.version, v.stage FROM versions v "
                         "JOIN models m ON m.id = v.model_id")
        retired = set()
        for name, vid, stage in rows:
            s = self.shadows[f"{name}@{vid}"]
            now = Stage(str(stage))
            if now is s.stage:
                continue
            # a deprecation, a retirement (a plan written past its hard deadline deprecates
            # and retires in one step), or production taken at a hard deadline
            if now is Stage.RETIRED and s.stage in (Stage.REGISTERED, Stage.STAGING,
                                                    Stage.PRODUCTION):
                s.deprecated_from = s.stage
                s.move(Stage.DEPRECATED)
            assert now in (Stage.DEPRECATED, Stage.RETIRED, Stage.PRODUCTION) \
                and now in TRANSITIONS[s.stage], f"{what} moved {s.ref} from {s.stage} to {now}"
            if now is Stage.DEPRECATED:
                s.deprecated_from = s.stage
            elif now is Stage.RETIRED:
                retired.add(s.ref)
            s.move(now)
            self.touched_at[s.model] = self.ticks
        aliases = self._sql("SELECT m.name, a.alias, v.version FROM alias_assignments a "
                            "JOIN models m ON m.id = a.model_id "
                            "JOIN versions v ON v.id = a.version_id WHERE a.removed_at IS NULL")
        for model, shadow in self.models.items():
            stored = {(str(a), str(v)) for m, a, v in aliases if m == model}
            replaced = self._production(model)
            for alias, vid in sorted(shadow.current() - stored):
                shadow.holders[alias].remove(vid)
            for alias, vid in sorted(stored - shadow.current()):
                assert alias == PRODUCTION and self.policy.deprecation_move_production, (
                    f"{what} gave {alias} to {model}@{vid}")
                shadow.assign(alias, vid)
                moved = self.shadows[f"{model}@{vid}"]
                if moved.promoted is None:
                    moved.promoted = (self.clock.now(), replaced)
        return retired

    def _deadline_step(self, what: str, action: object) -> None:
        """Run ``action`` (writes plans or ticks), checking invariants 2 and 3 around it."""
        before = self._pins()
        production = {m: self._production(m) for m in MODELS}
        assert callable(action)
        for model in MODELS:
            self._tick(model)
        try:
            action()
        except StewardError:
            assert self.registry.log(after_seq=self.head) == [], f"{what}: refused, wrote events"
            return
        retired = self._sync(what)
        for ref in retired:
            s = self.shadows[ref]
            if production[s.model] == s.vid:
                assert self.policy.deprecation_move_production and \
                    self._production(s.model) not in ("", s.vid), (
                        f"{what} retired {ref}, which held production")
        self._check_retirement(before, retired)

    # rules ------------------------------------------------------------------------------------

    @rule(model=st.sampled_from(sorted(MODELS)), pin=st.sampled_from(CHOOSING_PINS),
          candidates=st.booleans())
    def resolve(self, model: str, pin: str, candidates: bool) -> None:
        self._check_choice(model, pin, candidates)

    @rule(ref=LifecycleMachine.versions)
    def resolve_exactly(self, ref: str) -> None:
        """A strict pin gives its version (unless it is retired, rejected, deleted or past a
        hard deadline) and says why it is not eligible exactly when it is not."""
        s = self.shadows[ref]
        if s.deleted:
            return
        plan = self._past_deadline(s)
        if plan is not None or s.stage is Stage.RETIRED:
            try:
                found = self.registry.resolution(s.model, s.vid)
            except NoMatchingVersion:
                return
            assert found.redirected_from == s.ref or found.version.ref == s.ref, found
            return
        self.check_exact(s)

    @rule(model=st.sampled_from(sorted(MODELS)), pin=st.sampled_from([*CHOOSING_PINS, "exact"]),
          team=st.sampled_from(TEAMS), data=st.data())
    def add_consumer(self, model: str, pin: str, team: str, data: st.DataObject) -> None:
        """A consumer's pin must resolve (and not to a version past its soft deadline)."""
        mine = [s for s in self.shadows.values() if s.model == model and not s.deleted]
        if pin == "exact":
            if not mine:
                return
            pin = data.draw(st.sampled_from(sorted(s.vid for s in mine)), label="version")
        self._tick(model)
        self.consumer_count += 1
        name = f"svc-{self.consumer_count}"
        try:
            found: Resolution | None = self.registry.resolution(model, pin)
        except NoMatchingVersion:
            found = None
        today = self.clock.now().date()
        late = found is not None and found.plan is not None and \
            found.plan.phase(today) in (Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED)
        consumer = Consumer(name, ConsumerKind.DEPLOYMENT, team, pins=(ConsumerPin(model, pin),))
        try:
            self.registry.consumers.add(consumer)
        except StewardError as error:
            assert found is None or late, f"{name} ({model} {pin}) refused: {error}"
            assert self.registry.log(after_seq=self.head) == []
            return
        assert found is not None and not late, f"{name} ({model} {pin}) accepted"
        self.head = self.registry.log()[-1].seq

    @rule(ref=LifecycleMachine.versions, pin=st.sampled_from(["exact", "exact", "^1"]),
          when=st.sampled_from(sorted(DEADLINES)),
          reason=st.sampled_from(list(DeprecationReason)[:4]),
          replacement=st.sampled_from(["", "*", "^1", "exact"]), redirect=st.booleans(),
          data=st.data())
    def plan_deprecation(self, ref: str, pin: str, when: str, reason: DeprecationReason,
                         replacement: str, redirect: bool, data: st.DataObject) -> None:
        s = self.shadows[ref]
        if s.deleted:
            return
        target = s.ref if pin == "exact" else f"{s.model}@{pin}"
        if replacement == "exact":
            others = sorted(o.vid for o in self.shadows.values()
                            if o.model == s.model and o.vid != s.vid and not o.deleted)
            if not others:
                return
            replacement = data.draw(st.sampled_from(others), label="replacement")
        instead = f"{s.model}@{replacement}" if replacement else ""
        today = self.clock.now().date()
        announced, soft, hard = (today + timedelta(days=d) for d in DEADLINES[when])

        def write() -> None:
            self.plans.append(self.registry.deprecations.plan(
                target, reason=reason, replacement=instead, announced=announced,
                soft_deadline=soft, hard_deadline=hard, redirect=redirect and bool(instead)))
        self._deadline_step(f"plan {target} ({when})", write)

    @rule(days=st.sampled_from([1, 5, 40, 95]))
    def let_time_pass(self, days: int) -> None:
        """Time passes and ``tick`` brings every plan up to date (approvals still expire after
        POLICY.approval_valid_days)."""
        def tick() -> None:
            self.clock.advance(days=days)
            self.registry.deprecations.tick()
        self._deadline_step(f"tick after {days} days", tick)

    @rule(ref=consumes(LifecycleMachine.versions),
          replacement=st.sampled_from(["", "", "*", "^1", "exact"]), data=st.data())
    def delete(self, ref: str, replacement: str, data: st.DataObject) -> None:
        """Delete a version; each consumer pin that resolved to it is moved to the replacement
        or cleared and listed in the report, or still resolves as before, or says it no longer
        resolves because the version was deleted, or the report lists it among the pins it kept
        with where it resolves now (invariant 2)."""
        s = self.shadows[ref]
        if s.deleted:
            return
        if replacement == "exact":
            others = sorted(o.vid for o in self.shadows.values()
                            if o.model == s.model and o.vid != s.vid and not o.deleted)
            if not others:
                return
            replacement = data.draw(st.sampled_from(others), label="replacement")
        instead = f"{s.model}@{replacement}" if replacement else ""
        before = self._pins()
        self._tick(s.model)
        try:
            report = self.registry.deletions.delete(ref, reason="withdrawn",
                                                    replacement=instead)
        except StewardError:
            assert self.registry.log(after_seq=self.head) == [], "deletion refused, wrote events"
            return
        s.deleted = True
        self._sync(f"delete {ref}")
        changed = {(c.consumer, c.before.model): c for c in report.changes}
        pins = {(c.name, p.model): p.pin for c in self.registry.consumers.list() for p in c.pins}
        for seen in before:
            change = changed.get((seen.consumer, seen.model))
            if change is not None:
                assert change.before.pin == seen.pin
                now = pins.get((seen.consumer, change.after.model)) if change.after else None
                assert now == (change.after.pin if change.after else None), (change, now)
                continue
            assert pins.get((seen.consumer, seen.model)) == seen.pin, (
                f"{seen.consumer}'s pin changed without being reported: {seen}")
            found, error = self._after(seen)
            if found is not None and (found.version.ref == seen.before or found.redirected_from):
                continue
            if isinstance(error, PinNoLongerResolves) and error.why.state == "deleted":
                assert error.why.version == ref, error.why
                continue
            # a report may list the pins it kept, with where they resolve now
            kept = {(k.consumer, k.pin.model, k.pin.pin, k.resolves_to)
                    for k in getattr(report, "unchanged", ())}
            if found is not None and \
                    (seen.consumer, seen.model, seen.pin, str(found.version.id)) in kept:
                continue
            raise AssertionError(f"{seen.consumer}'s pin {seen.model} {seen.pin} resolved to "
                                 f"{seen.before}; after deleting {ref} it gives "
                                 f"{found.version.ref if found else repr(error)}, and the "
                                 f"deletion's report does not list it: {report}")

    @rule(models=st.lists(st.sampled_from(sorted(MODELS)), min_size=1, max_size=2, unique=True),
          pins=st.lists(st.sampled_from(CHOOSING_PINS), min_size=2, max_size=2),
          upgrade=st.booleans())
    def lock_application(self, models: list[str], pins: list[str], upgrade: bool) -> None:
        """A fresh lock of a small models.toml, or ``lock --upgrade`` of the last one: every
        entry is eligible (invariant 1)."""
        if not (upgrade and self.lock is not None):
            lines = "".join(f'{m} = "{p}"\n' for m, p in zip(models, pins, strict=False))
            self.manifest_text = (f'[application]\nname = "{APPLICATION}"\nteam = "team-a"\n'
                                  f"[models]\n{lines}")
            previous = None
        else:
            previous = self.lock
        for model in MODELS:
            self._tick(model)
        try:
            locked = self.registry.locking.lock(parse_manifest(self.manifest_text), previous,
                                                upgrade=previous is not None)
        except StewardError:
            assert self.registry.log(after_seq=self.head) == [], "lock refused, wrote events"
            return
        written = self.registry.log(after_seq=self.head)
        if written:
            self.head = written[-1].seq
        for entry in locked.lock.models:
            s = self.shadows[f"{entry.name}@{entry.version}"]
            assert eligible_by_words(s, self.policy) or (
                self._holds_production(s) and self._past_deadline(s) is not None), (
                f"{'lock --upgrade' if previous else 'lock'} chose {s.ref}, which is not "
                f"eligible: {s}")
        self.lock = locked.lock

    @rule()
    def audit_fix(self) -> None:
        """``audit --fix`` of the last lock: every version it moves to is eligible
        (invariant 1)."""
        if self.lock is None:
            return
        for model in MODELS:
            self._tick(model)
        try:
            report = self.registry.audits.audit(self.lock, fail_on=FailOn(None,
                                                                         Phase.ANNOUNCED))
            fixed = self.registry.audits.fix(self.manifest_text, self.lock, report)
        except StewardError:
            assert self.registry.log(after_seq=self.head) == [], "--fix refused, wrote events"
            return
        written = self.registry.log(after_seq=self.head)
        if written:
            self.head = written[-1].seq
        old = {(m.name, m.version) for m in self.lock.models}
        for entry in fixed.locked.lock.models:
            if (entry.name, entry.version) in old:
                continue
            s = self.shadows[f"{entry.name}@{entry.version}"]
            assert eligible_by_words(s, self.policy), (
                f"audit --fix chose {s.ref}, which is not eligible: {s}")
        self.manifest_text = fixed.manifest_text
        self.lock = fixed.locked.lock

    # invariants -----------------------------------------------------------------------------

    def check_star(self, model: str) -> None:
        """``*`` follows deprecation plans here: see :meth:`_check_choice`."""
        self._check_choice(model, "*", False)

    def check_exact(self, s: VersionShadow) -> None:
        if self._past_deadline(s) is not None or s.deleted:
            return  # resolve_exactly covers these
        super().check_exact(s)


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def test_eligibility_state_machine(sql_url: str) -> None:
    """A fresh database and policy per example; a budget like the lifecycle machine's."""
    db_url = sql_url  # a fresh database per example, reached by URL
    databases = Databases(db_url)
    postgres = databases.admin is not None
    budget = settings(max_examples=_examples(3 if postgres else 8), stateful_step_count=30,
                      deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    try:
        run_state_machine_as_test(lambda: EligibilityMachine(databases),  # type: ignore[arg-type]
                                  settings=budget)
    finally:
        databases.close()
