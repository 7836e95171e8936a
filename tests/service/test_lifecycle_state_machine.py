"""The lifecycle as a state machine: random sequences of use cases against a real registry, on
SQLite and on PostgreSQL, checked after every step.

Each step predicts, from a shadow model kept by the test, whether the use case succeeds or which
error it raises, then runs it and compares. The shadow re-derives each rule from the policy's
words (the docstrings of ``domain/lifecycle.py``, ``domain/policy.py`` and the use cases), not
from ``domain/gates.py``. After every step the invariants compare the database with the shadow:

1. an exclusive alias (``production``, ``champion``) has at most one current holder — through
   the library and in the ``alias_assignments`` table;
2. a version in production was approved, when it was promoted, by one person per role of its risk
   tier, all different, none its author for a high-risk model (or the approval gate was
   overridden by an administrator); ``production`` points only at a production or deprecated
   version;
3. retired and rejected versions never resolve, not even by an exact pin; ``*`` gives the
   highest version eligible by the policy's words (it reached ``eligibility.minimum_stage`` — a
   deprecated version counts from the stage it was deprecated from — and is not rejected,
   retired, degraded or rolled back from production), and an exact pin of a live version gives
   it, saying why when it is not eligible;
4. the event chain verifies;
5. stages move only along ``TRANSITIONS``: the stored stage of every version equals the shadow's
   (so a refused use case changed nothing), and the log's stage changes form one legal path.

The approval gate once assigned roles first-fit and refused valid sets of approvals; the
regression test at the end of this file keeps that fixed.

``STEWARD_STATEFUL_EXAMPLES`` raises the number of examples for a longer local run.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from modelsteward import Registry
from modelsteward.domain import events as ev
from modelsteward.domain.lifecycle import (
    PROMOTABLE,
    SERVES_PRODUCTION,
    TRANSITIONS,
    UNRESOLVABLE,
    Gate,
    Stage,
)
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.policy import ModelRules, Policy, Threshold
from modelsteward.domain.versioning import ChangeKind, ModelVersion
from modelsteward.errors import (
    ApprovalRefused,
    Conflict,
    GateRefused,
    IllegalTransition,
    InvalidInput,
    NoMatchingVersion,
    NoRollbackTarget,
    NotAuthorised,
    NotFound,
    StewardError,
)
from modelsteward.results import MonitorResult, RollbackResult
from tests.conftest import FixedClock, sql_store
from tests.service.lifecycle_helpers import (
    APPROVERS,
    CHECKS,
    as_actor,
    evaluated_suites,
    evaluation,
    manifest,
    statement,
    to_production,
    to_staging,
    trained,
)

T = TypeVar("T")

PRODUCTION = "production"
ADMIN = "root-admin"
POLICY = Policy(thresholds=(Threshold("accuracy", ">=", 0.9),),
                exclusive_aliases=(PRODUCTION, "champion"),
                administrators=(ADMIN,),
                monitoring=(Threshold("error_rate", "<=", 0.05),),
                models={"lowbot": ModelRules(auto_rollback=True)})
MODELS = {"lowbot": RiskTier.LOW, "midbot": RiskTier.MEDIUM, "highbot": RiskTier.HIGH}

AUTHORS = ("alice", "bob", "dave")
PEOPLE = ("alice", "bob", "carol", "dave", "erin")
ROLES = ("lead", "product-owner", "ml-lead", "risk-committee", "intern")
SUITES = ("golden", "safety", "adversarial")
ALIASES = (PRODUCTION, "champion", "canary")  # canary is not exclusive
# 0.85 misses the 0.9 threshold; any two differ by far more than the regression tolerance, so no
# comparison sits on a floating-point edge
ACCURACIES = (0.85, 0.91, 0.94, 0.97)
LIKELY_ACCURACIES = ACCURACIES[1:] * 3 + ACCURACIES[:1]  # mostly above the threshold
CHANGES = (ChangeKind.ARCHITECTURE, ChangeKind.RETRAIN, ChangeKind.CONFIG)
# further approvals after the tier's usual approvers: (person, index of a role of the tier)
SECOND_OPINIONS = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 1)), max_size=2)
BREACH_LIMIT = 0.05  # the monitoring threshold above

# Which gates each transition must pass, as the docstring of domain/lifecycle.py lists them.
GATES_BY_DOCSTRING: dict[tuple[Stage, Stage], tuple[Gate, ...]] = {
    (Stage.TRAINED, Stage.EVALUATED): (Gate.VALIDATION,),
    (Stage.EVALUATED, Stage.REGISTERED): (Gate.EVALUATION,),
    (Stage.STAGING, Stage.PRODUCTION): (Gate.STAGING, Gate.APPROVAL),
}
TRANSITION_KINDS = {"reject": (Stage.REJECTED, ev.VERSION_REJECTED),
                    "deprecate": (Stage.DEPRECATED, ev.VERSION_DEPRECATED),
                    "retire": (Stage.RETIRED, ev.VERSION_RETIRED)}
STAGE_EVENTS = {ev.VERSION_PROMOTED, ev.VERSION_REJECTED, ev.VERSION_DEPRECATED,
                ev.VERSION_RETIRED}


# --- the shadow ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApprovalShadow:
    approver: str
    role: str
    approved_at: datetime
    expires_at: datetime
    replaces: str


@dataclass
class VersionShadow:
    """What the test knows about one version: everything a gate looks at, and its stage."""

    model: str
    vid: str
    author: str
    attested: bool
    has_metrics: bool
    stage: Stage = Stage.TRAINED
    blocked: bool = False
    evaluations: dict[str, float] = field(default_factory=dict)  # latest accuracy per suite
    checks: dict[str, bool] = field(default_factory=dict)  # latest result per staging check
    approvals: list[ApprovalShadow] = field(default_factory=list)
    overrides: set[Gate] = field(default_factory=set)
    # when it was promoted to production, and the version production pointed at then ("" none)
    promoted: tuple[datetime, str] | None = None
    deprecated_from: Stage | None = None  # the stage it was at when it was deprecated
    rolled_back: bool = False  # production was rolled back away from it
    deleted: bool = False

    @property
    def ref(self) -> str:
        return f"{self.model}@{self.vid}"

    @property
    def tier(self) -> RiskTier:
        return MODELS[self.model]

    def move(self, target: Stage) -> None:
        assert target in TRANSITIONS[self.stage], f"shadow of {self.ref}: {self.stage}→{target}"
        self.stage = target


@dataclass
class ModelShadow:
    """The current holders of each alias (in assignment order) and every assignment ever."""

    holders: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    history: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def assign(self, alias: str, vid: str) -> None:
        if POLICY.is_exclusive(alias):
            self.holders[alias].clear()
        self.holders[alias].append(vid)
        self.history[alias].append(vid)

    def current(self) -> set[tuple[str, str]]:
        return {(alias, vid) for alias, vids in self.holders.items() for vid in vids}


# The stages a version passes on its way to production, in order (eligibility.minimum_stage is one).
ROAD = (Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING, Stage.PRODUCTION)


def eligible_by_words(s: VersionShadow, policy: Policy, candidates: bool = False) -> bool:
    """Whether ``s`` may be chosen for an application, from the words of the policy's
    eligibility rule: it reached ``minimum_stage`` (a deprecated version counts from the stage
    it was deprecated from; ``candidates`` waives this) and is not rejected, retired, deleted,
    degraded by monitoring or rolled back from production."""
    if s.deleted or s.stage in (Stage.REJECTED, Stage.RETIRED) or s.blocked or s.rolled_back:
        return False
    if candidates:
        return True
    reached = s.deprecated_from if s.stage is Stage.DEPRECATED else s.stage
    return reached in ROAD and \
        ROAD.index(reached) >= ROAD.index(policy.eligibility.minimum_stage)


def distinct_people_cover(roles: tuple[str, ...], people_by_role: dict[str, set[str]]) -> bool:
    """True when each role can be given to a different person who approved in that role."""
    return any(len(set(pick)) == len(pick)
               for pick in itertools.product(*(sorted(people_by_role.get(r, ())) for r in roles)))


# --- one fresh database per example -------------------------------------------------------------

class Databases:
    """Fresh, empty databases beside the test's own: a new SQLite file, or a new PostgreSQL
    schema, per example (the ``db_url`` fixture gives one database per test function)."""

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        self.count = 0
        self.admin: Engine | None = None
        if self.base.get_backend_name() == "postgresql":
            self.admin = create_engine(self.base)

    def fresh(self) -> str:
        self.count += 1
        if self.admin is None:
            path = Path(self.base.database or "")
            fresh = path.with_name(f"{path.stem}-{self.count}{path.suffix}")
            return self.base.set(database=str(fresh)).render_as_string(hide_password=False)
        schema = f"sm_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        return self.base.update_query_dict({"options": f"-csearch_path={schema}"}) \
            .render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        parsed = make_url(url)
        if self.admin is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
            return
        schema = str(parsed.query["options"]).removeprefix("-csearch_path=")
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    def close(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


# --- the machine --------------------------------------------------------------------------------

class LifecycleMachine(RuleBasedStateMachine):
    """Drives the lifecycle use cases of three models (low, medium and high risk)."""

    versions = Bundle("versions")

    def __init__(self, databases: Databases) -> None:
        super().__init__()
        self.databases = databases
        self.url = databases.fresh()
        self.clock = FixedClock()
        self.policy = POLICY
        self.registry = Registry.open(self.url, actor="alice", clock=self.clock, policy=POLICY)
        self.lifecycle = self.registry.lifecycle
        self.shadows: dict[str, VersionShadow] = {}
        self.models = {name: ModelShadow() for name in MODELS}
        self.manifests = 0
        for name, tier in MODELS.items():
            self.registry.create_model(Model(name, risk_tier=tier))
        self.head = self.registry.log()[-1].seq  # the last event a step has accounted for
        self.log_seen = 0  # the last event the log invariant has read
        self.log_stages: dict[str, Stage] = {}
        self.approved_checked: set[str] = set()  # production versions already checked
        # The invariants read the database directly for every model, and through the library
        # only the models used since they last ran (nothing else can have changed).
        self.ticks = 0
        self.touched_at = dict.fromkeys(MODELS, 0)
        self.checked_at: dict[str, int] = {}

    def teardown(self) -> None:
        self.registry.close()
        self.databases.drop(self.url)

    # predicting and attempting --------------------------------------------------------------

    def _tick(self, model: str) -> datetime:
        """Every use case happens a minute after the previous one, so no two records tie; the
        step has touched ``model``."""
        self.ticks += 1
        self.touched_at[model] = self.ticks
        self.clock.advance(minutes=1)
        return self.clock.now()

    def _attempt(self, what: str, expected: type[StewardError] | None, action: Callable[[], T],
                 *, writes: bool = True) -> tuple[bool, T | None]:
        """Run ``action`` (the use case ``what``); it must raise exactly ``expected``, writing no
        event, or succeed when ``expected`` is None, writing events unless ``writes`` is False."""
        try:
            result = action()
        except StewardError as exc:
            assert expected is not None, f"{what}: expected success, got {exc!r}"
            assert type(exc) is expected, f"{what}: expected {expected.__name__}, got {exc!r}"
            assert self.registry.log(after_seq=self.head) == [], f"{what}: refused, wrote events"
            return False, None
        assert expected is None, f"{what}: expected {expected.__name__}, but it succeeded"
        written = self.registry.log(after_seq=self.head)
        assert bool(written) == writes, f"{what}: events written: {[e.kind for e in written]}"
        if written:
            self.head = written[-1].seq
        return True, result

    def _production(self, model: str, exclude: str = "") -> str:
        holders = self.models[model].holders[PRODUCTION]
        return holders[0] if holders and holders[0] != exclude else ""

    def _touched_since(self, invariant: str) -> list[str]:
        """The models used since ``invariant`` last ran."""
        last = self.checked_at.get(invariant, -1)
        self.checked_at[invariant] = self.ticks
        return [model for model, tick in self.touched_at.items() if tick > last]

    def _holds_alias(self, s: VersionShadow) -> bool:
        return any(vid == s.vid for _, vid in self.models[s.model].current())

    def _meets(self, s: VersionShadow, gate: Gate) -> bool:
        """Whether ``s`` passes ``gate`` now, by the policy's words."""
        if gate in s.overrides:
            return True
        if gate is Gate.VALIDATION:  # every version here has a digest
            return bool(s.evaluations) and s.attested and (s.has_metrics or s.attested)
        if gate is Gate.EVALUATION:
            if any(suite not in s.evaluations for suite in POLICY.required_suites[s.tier]):
                return False
            if not s.evaluations or any(not POLICY.thresholds[0].holds(v)
                                        for v in s.evaluations.values()):
                return False
            production = self._production(s.model, exclude=s.vid)
            if production:
                baseline = self.shadows[f"{s.model}@{production}"].evaluations
                return all(s.evaluations[suite] - baseline[suite] >= -POLICY.regression_tolerance
                           for suite in set(s.evaluations) & set(baseline))
            return True
        if gate is Gate.STAGING:
            return all(s.checks.get(name) is True for name in POLICY.staging_checks)
        people: dict[str, set[str]] = defaultdict(set)
        for a in self._valid_approvals(s):
            people[a.role].add(a.approver)
        return distinct_people_cover(POLICY.approvals[s.tier].roles, people)

    def _valid_approvals(self, s: VersionShadow) -> list[ApprovalShadow]:
        """Approvals that count now: not expired, given against the current production, not by
        the author when the tier forbids it."""
        rule = POLICY.approvals[s.tier]
        now, current = self.clock.now(), self._production(s.model, exclude=s.vid)
        return [a for a in s.approvals
                if a.expires_at > now and a.replaces == current
                and (rule.author_may_approve or a.approver != s.author)]

    def _rollback_target(self, model: str, alias: str) -> tuple[type[StewardError] | None, str]:
        """The error a rollback of ``alias`` raises, or the version it moves to: the most recent
        earlier target that is still eligible — not retired, rejected, degraded or rolled back
        from production (a deleted one is gone) — and serves production."""
        if not POLICY.is_exclusive(alias):
            return InvalidInput, ""
        holders = self.models[model].holders[alias]
        if not holders:
            return NoRollbackTarget, ""
        seen = {holders[0]}
        for vid in reversed(self.models[model].history[alias]):
            if vid in seen:
                continue
            seen.add(vid)
            candidate = self.shadows[f"{model}@{vid}"]
            if (candidate.stage in UNRESOLVABLE or candidate.blocked or candidate.rolled_back
                    or candidate.deleted):
                continue
            if alias == PRODUCTION and candidate.stage not in SERVES_PRODUCTION:
                continue
            return None, vid
        return NoRollbackTarget, ""

    # the use cases, each predicted -----------------------------------------------------------

    def _evaluate(self, s: VersionShadow, suite: str, accuracy: float) -> bool:
        self._tick(s.model)
        expected = Conflict if s.stage in UNRESOLVABLE else None
        lifecycle = as_actor(self.registry, s.author).lifecycle
        ok, _ = self._attempt("evaluate", expected, lambda: lifecycle.record_evaluation(
            s.ref, evaluation(suite, accuracy=accuracy)))
        if ok:
            s.evaluations[suite] = accuracy
        return ok

    def _promote(self, s: VersionShadow, target: Stage) -> bool:
        now = self._tick(s.model)
        expected: type[StewardError] | None = None
        if target not in PROMOTABLE:
            expected = InvalidInput  # rejection, deprecation, retirement: their own commands
        elif target not in TRANSITIONS[s.stage]:
            expected = IllegalTransition
        elif not all(self._meets(s, g) for g in GATES_BY_DOCSTRING.get((s.stage, target), ())):
            expected = GateRefused
        replaced = self._production(s.model, exclude=s.vid)
        ok, moved = self._attempt(f"promote {s.stage}→{target}", expected,
                                  lambda: self.lifecycle.promote(s.ref, target))
        if ok:
            assert moved is not None and moved.stage is target
            s.move(target)
            if target is Stage.PRODUCTION:
                s.promoted = (now, replaced)
                self.models[s.model].assign(PRODUCTION, s.vid)
        return ok

    def _check(self, s: VersionShadow, name: str, passed: bool) -> bool:
        self._tick(s.model)
        ok, _ = self._attempt("record check", None, lambda: self.lifecycle.record_check(
            s.ref, name, passed, "ci run 42"))
        s.checks[name] = passed
        return ok

    def _approve(self, s: VersionShadow, approver: str, role: str, review: str) -> bool:
        now = self._tick(s.model)
        today = now.date()
        next_review = {"ok": today + timedelta(days=30), "today": today,
                       "too-far": today + timedelta(days=POLICY.max_review_days + 1)}[review]
        rule = POLICY.approvals[s.tier]
        expected: type[StewardError] | None = None
        if s.stage not in (Stage.REGISTERED, Stage.STAGING):
            expected = Conflict
        elif (role not in rule.roles or (not rule.author_may_approve and approver == s.author)
              or review != "ok"):
            expected = ApprovalRefused
        lifecycle = as_actor(self.registry, approver).lifecycle
        ok, _ = self._attempt("approve", expected, lambda: lifecycle.approve(
            s.ref, role=role, evidence="eval report", risks_accepted="minor drift",
            monitoring_plan="error-rate dashboard", rollback_plan="steward rollback",
            next_review=next_review))
        if ok:
            s.approvals.append(ApprovalShadow(
                approver, role, now, now + timedelta(days=POLICY.approval_valid_days),
                self._production(s.model, exclude=s.vid)))
        return ok

    def _register(self, model: str, author: str, change: ChangeKind, attest: bool,
                  with_metrics: bool) -> VersionShadow:
        self._tick(model)
        self.manifests += 1
        seed = f"{model}-{self.manifests}"
        registry = as_actor(self.registry, author)
        ok, version = self._attempt("register", None, lambda: registry.register_version(
            model, change=change, manifest=manifest(seed),
            metrics={"loss": 0.2} if with_metrics else None))
        assert ok and version is not None and version.stage is Stage.TRAINED
        assert version.ref not in self.shadows
        assert isinstance(version.id, ModelVersion)
        assert all(version.id > ModelVersion.parse(s.vid)
                   for s in self.shadows.values() if s.model == model)
        s = VersionShadow(model, str(version.id), author, attested=False, has_metrics=with_metrics)
        self.shadows[s.ref] = s
        if attest:
            self._tick(model)
            self._attempt("attest", None,
                          lambda: self.registry.attest(s.ref, statement(version.digest)))
            s.attested = True
        return s

    def _carry(self, s: VersionShadow, goal: Stage, accuracy: float,
               second_opinions: list[tuple[str, int]]) -> None:
        """Carry ``s`` toward ``goal`` the way lifecycle_helpers.to_production does (its tier's
        suites, passing checks, the tier's approvers — then ``second_opinions``, each a person
        and the index of a role of the tier), one predicted use case at a time; stop at the
        first refused promotion."""
        path = [Stage.TRAINED, Stage.EVALUATED, Stage.REGISTERED, Stage.STAGING, Stage.PRODUCTION]
        while s.stage in path and path.index(s.stage) < path.index(goal):
            step = path[path.index(s.stage) + 1]
            if step is Stage.EVALUATED:
                for suite in evaluated_suites(s.tier):
                    self._evaluate(s, suite, accuracy)
            if step is Stage.PRODUCTION:
                for name in CHECKS:
                    self._check(s, name, True)
                for role, person in APPROVERS[s.tier]:
                    self._approve(s, person, role, "ok")
                roles = POLICY.approvals[s.tier].roles
                for person, index in second_opinions:
                    self._approve(s, person, roles[index % len(roles)], "ok")
            if not self._promote(s, step):
                return

    # rules -----------------------------------------------------------------------------------

    @rule(target=versions, model=st.sampled_from(sorted(MODELS)), author=st.sampled_from(AUTHORS),
          change=st.sampled_from(CHANGES), attest=st.sampled_from([True, True, True, False]),
          with_metrics=st.booleans())
    def register(self, model: str, author: str, change: ChangeKind, attest: bool,
                 with_metrics: bool) -> str:
        return self._register(model, author, change, attest, with_metrics).ref

    @rule(target=versions, model=st.sampled_from(["lowbot", *sorted(MODELS)]),
          author=st.sampled_from(AUTHORS), change=st.sampled_from(CHANGES),
          accuracy=st.sampled_from(LIKELY_ACCURACIES), second_opinions=SECOND_OPINIONS)
    def release(self, model: str, author: str, change: ChangeKind, accuracy: float,
                second_opinions: list[tuple[str, int]]) -> str:
        """Register an attested version and carry it toward production (so that models often
        have several production versions: regressions, stale approvals, rollbacks)."""
        s = self._register(model, author, change, True, True)
        self._carry(s, Stage.PRODUCTION, accuracy, second_opinions)
        return s.ref

    @rule(ref=versions, suite=st.sampled_from(SUITES), accuracy=st.sampled_from(ACCURACIES))
    def evaluate(self, ref: str, suite: str, accuracy: float) -> None:
        self._evaluate(self.shadows[ref], suite, accuracy)

    @rule(ref=versions, legal=st.booleans(), data=st.data())
    def promote(self, ref: str, legal: bool, data: st.DataObject) -> None:
        """Any target through Lifecycle.promote: half the time one TRANSITIONS allows."""
        s = self.shadows[ref]
        allowed = TRANSITIONS[s.stage]
        stage = data.draw(st.sampled_from(allowed) if legal and allowed
                          else st.sampled_from(list(Stage)), label="stage")
        self._promote(s, stage)

    @rule(ref=versions, kind=st.sampled_from(sorted(TRANSITION_KINDS)),
          reason=st.sampled_from(["superseded by a newer version", "  "]))
    def end_of_life(self, ref: str, kind: str, reason: str) -> None:
        """reject / deprecate / retire: a reason is required, and a version that still holds an
        alias may not become unresolvable."""
        s = self.shadows[ref]
        target, event = TRANSITION_KINDS[kind]
        self._tick(s.model)
        expected: type[StewardError] | None = None
        if not reason.strip():
            expected = InvalidInput
        elif target not in TRANSITIONS[s.stage]:
            expected = IllegalTransition
        elif target in UNRESOLVABLE and self._holds_alias(s):
            expected = Conflict
        ok, moved = self._attempt(kind, expected,
                                  lambda: getattr(self.lifecycle, kind)(s.ref, reason))
        if ok:
            assert moved is not None and moved.stage is target
            assert self.registry.log(after_seq=self.head - 1)[-1].kind == event
            if target is Stage.DEPRECATED:
                s.deprecated_from = s.stage
            s.move(target)

    @rule(ref=versions, name=st.sampled_from(CHECKS), passed=st.booleans())
    def record_check(self, ref: str, name: str, passed: bool) -> None:
        self._check(self.shadows[ref], name, passed)

    @rule(ref=versions, approver=st.sampled_from(PEOPLE), tier_role=st.booleans(),
          data=st.data(), review=st.sampled_from(["ok", "ok", "ok", "today", "too-far"]))
    def approve(self, ref: str, approver: str, tier_role: bool, data: st.DataObject,
                review: str) -> None:
        """Anyone in any role; half the time a role of the version's tier."""
        s = self.shadows[ref]
        roles = POLICY.approvals[s.tier].roles if tier_role else ROLES
        self._approve(s, approver, data.draw(st.sampled_from(roles), label="role"), review)

    @rule(ref=versions, gate=st.sampled_from(list(Gate)), actor=st.sampled_from([ADMIN, "bob"]))
    def override(self, ref: str, gate: Gate, actor: str) -> None:
        s = self.shadows[ref]
        self._tick(s.model)
        expected = NotAuthorised if actor not in POLICY.administrators else None
        lifecycle = as_actor(self.registry, actor).lifecycle
        ok, _ = self._attempt("override", expected, lambda: lifecycle.override(
            s.ref, gate, "an incident needs the fix now; the review follows"))
        if ok:
            s.overrides.add(gate)

    @rule(ref=versions, alias=st.sampled_from([PRODUCTION, "champion", "champion", "canary"]))
    def set_alias(self, ref: str, alias: str) -> None:
        s = self.shadows[ref]
        self._tick(s.model)
        holders = self.models[s.model].holders[alias]
        expected: type[StewardError] | None = None
        if s.stage in UNRESOLVABLE or (alias == PRODUCTION and s.stage is not Stage.PRODUCTION):
            expected = Conflict
        already = s.vid in holders
        previous = s.vid if already else (holders[-1] if holders and POLICY.is_exclusive(alias)
                                          else "")
        ok, returned = self._attempt(f"set alias {alias}", expected,
                                     lambda: self.lifecycle.set_alias(s.ref, alias),
                                     writes=not already)
        if ok:
            assert returned == previous
            if not already:
                self.models[s.model].assign(alias, s.vid)

    @rule(ref=versions, alias=st.sampled_from(ALIASES), held=st.booleans(), data=st.data())
    def remove_alias(self, ref: str, alias: str, held: bool, data: st.DataObject) -> None:
        """Take an alias off a version; half the time one it holds (if any is held)."""
        pairs = sorted((f"{model}@{vid}", name) for model, m in self.models.items()
                       for name, vid in m.current())
        if held and pairs:
            ref, alias = data.draw(st.sampled_from(pairs), label="held")
        s = self.shadows[ref]
        self._tick(s.model)
        holders = self.models[s.model].holders[alias]
        expected = None if s.vid in holders else NotFound
        ok, _ = self._attempt("remove alias", expected,
                              lambda: self.lifecycle.remove_alias(s.ref, alias))
        if ok:
            holders.remove(s.vid)

    @precondition(lambda self: any(m.current() for m in self.models.values()))
    @rule(alias=st.sampled_from([PRODUCTION, PRODUCTION, "champion", "canary"]), data=st.data())
    def rollback(self, alias: str, data: st.DataObject) -> None:
        """Roll back an alias of a model, one whose alias has a holder if there is one."""
        held = [name for name, m in self.models.items() if m.holders[alias]]
        model = data.draw(st.sampled_from(held or sorted(MODELS)), label="model")
        self._tick(model)
        expected, target = self._rollback_target(model, alias)
        current = (self.models[model].holders[alias] or [""])[0]
        ok, result = self._attempt(f"rollback {alias}", expected,
                                   lambda: self.lifecycle.rollback(model, alias))
        if ok:
            assert isinstance(result, RollbackResult)
            assert (result.alias, result.from_version, result.to_version) == (
                alias, current, target)
            left = self.shadows[f"{model}@{current}"]
            # rolling production back blocks the version it left, unless it already was
            assert bool(result.blocked_reason) == (alias == PRODUCTION and not left.blocked)
            left.blocked = left.blocked or alias == PRODUCTION
            self.models[model].assign(alias, target)
            if alias == PRODUCTION:
                self.shadows[f"{model}@{current}"].rolled_back = True

    @rule(ref=versions, error_rate=st.sampled_from([0.01, 0.2]))
    def monitor(self, ref: str, error_rate: float) -> None:
        """A breach degrades the version; for lowbot (auto_rollback) a degraded production
        version is rolled back in the same transaction — or, with nowhere to go, the breach is
        still recorded and the result says why the rollback was impossible."""
        s = self.shadows[ref]
        self._tick(s.model)
        breach = error_rate > BREACH_LIMIT
        target, impossible = "", False
        if (breach and POLICY.auto_rollback_for(s.model)
                and self._production(s.model) == s.vid):
            error, target = self._rollback_target(s.model, PRODUCTION)
            impossible = error is not None
        ok, result = self._attempt(
            "monitor a breach" if breach else "monitor", None,
            lambda: self.lifecycle.record_measurements(s.ref, {"error_rate": error_rate}))
        if ok:
            assert isinstance(result, MonitorResult)
            assert bool(result.breaches) == breach and result.rolled_back_to == target
            assert bool(result.rollback_failed) == impossible
            s.blocked = s.blocked or breach
            if target:
                self.models[s.model].assign(PRODUCTION, target)

    @rule(ref=versions, goal=st.sampled_from([Stage.REGISTERED, Stage.STAGING,
                                              Stage.PRODUCTION, Stage.PRODUCTION]),
          accuracy=st.sampled_from(LIKELY_ACCURACIES), second_opinions=SECOND_OPINIONS)
    def carry_forward(self, ref: str, goal: Stage, accuracy: float,
                      second_opinions: list[tuple[str, int]]) -> None:
        self._carry(self.shadows[ref], goal, accuracy, second_opinions)

    @rule(days=st.sampled_from([1, 40, 95]))
    def let_time_pass(self, days: int) -> None:
        """Approvals expire after POLICY.approval_valid_days (90)."""
        self.clock.advance(days=days)

    # invariants ------------------------------------------------------------------------------

    def _sql(self, query: str) -> list[tuple[object, ...]]:
        with sql_store(self.registry).engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]

    @invariant()
    def exclusive_aliases_have_one_holder(self) -> None:
        """'An exclusive alias has at most one current holder' — in the alias_assignments table
        and through Lifecycle.aliases, which both equal the shadow's holders."""
        exclusive = ", ".join(f"'{a}'" for a in POLICY.exclusive_aliases)
        doubled = self._sql(
            "SELECT m.name, a.alias, count(*) FROM alias_assignments a "
            "JOIN models m ON m.id = a.model_id "
            f"WHERE a.removed_at IS NULL AND a.alias IN ({exclusive}) "
            "GROUP BY m.name, a.alias HAVING count(*) > 1")
        assert doubled == [], f"exclusive aliases with several holders: {doubled}"
        rows = self._sql("SELECT m.name, a.alias, v.version FROM alias_assignments a "
                         "JOIN models m ON m.id = a.model_id "
                         "JOIN versions v ON v.id = a.version_id WHERE a.removed_at IS NULL")
        touched = self._touched_since("aliases")
        for model, shadow in self.models.items():
            stored = {(str(alias), str(vid)) for name, alias, vid in rows if name == model}
            assert stored == shadow.current(), f"{model}: stored {stored}"
            if model not in touched:
                continue
            listed = [(a.alias, a.version) for a in self.lifecycle.aliases(model)]
            assert len(listed) == len(set(listed)) and set(listed) == stored
            for alias in POLICY.exclusive_aliases:
                assert len([1 for a, _ in listed if a == alias]) <= 1

    @invariant()
    def production_was_approved(self) -> None:
        """A version in production had, when promoted, valid approvals (not expired, given
        against the production of that moment) by one person per role of its tier, all
        different, none its author when the tier forbids it — unless an administrator overrode
        the approval gate. The production alias points at a production or deprecated version.

        Approvals are append-only and given only before production, so each production version
        is checked once, on the step it is first seen there."""
        rows = self._sql("SELECT m.name, v.version, v.registered_by FROM versions v "
                         "JOIN models m ON m.id = v.model_id "
                         f"WHERE v.stage = '{Stage.PRODUCTION.value}'")
        for model, vid, author in rows:
            ref = f"{model}@{vid}"
            if ref in self.approved_checked:
                continue
            self.approved_checked.add(ref)
            promoted = self.shadows[ref].promoted
            assert promoted is not None, f"{ref} is in production but was never promoted"
            at, replaced = promoted
            rule_ = POLICY.approvals[MODELS[str(model)]]
            people: dict[str, set[str]] = defaultdict(set)
            for a in self.lifecycle.approvals(ref):
                if (a.approved_at <= at < a.expires_at and a.replaces == replaced
                        and (rule_.author_may_approve or a.approver != author)):
                    people[a.role].add(a.approver)
            if not distinct_people_cover(rule_.roles, people):
                assert any(o.gate is Gate.APPROVAL and o.actor in POLICY.administrators
                           and o.at <= at for o in self.lifecycle.overrides(ref)), (
                    f"{ref} is in production without the approvals of its tier: {dict(people)}")
        serving = self._sql("SELECT m.name, v.version, v.stage FROM alias_assignments a "
                            "JOIN models m ON m.id = a.model_id "
                            "JOIN versions v ON v.id = a.version_id "
                            f"WHERE a.removed_at IS NULL AND a.alias = '{PRODUCTION}'")
        for model, vid, stage in serving:
            assert Stage(str(stage)) in SERVES_PRODUCTION, (
                f"production points at {model}@{vid}, which is {stage}")

    @invariant()
    def unresolvable_versions_never_resolve(self) -> None:
        """'Retired and rejected versions never resolve': no alias points at one and an exact
        pin of one matches nothing. ``*`` gives the highest version eligible by the policy's
        words, and an exact pin of any other version gives that version, saying why it is not
        eligible exactly when it is not."""
        unresolvable = ", ".join(f"'{stage.value}'" for stage in UNRESOLVABLE)
        pointing = self._sql("SELECT m.name, a.alias, v.version, v.stage FROM alias_assignments a "
                             "JOIN models m ON m.id = a.model_id "
                             "JOIN versions v ON v.id = a.version_id "
                             f"WHERE a.removed_at IS NULL AND v.stage IN ({unresolvable})")
        assert pointing == [], f"aliases pointing at retired or rejected versions: {pointing}"
        for model in self._touched_since("resolve"):
            self.check_star(model)
            for s in self.shadows.values():
                if s.model == model and not s.deleted:
                    self.check_exact(s)

    def check_star(self, model: str) -> None:
        """``*`` gives the highest eligible version (there are no deprecation plans here)."""
        eligible = [ModelVersion.parse(s.vid) for s in self.shadows.values()
                    if s.model == model and eligible_by_words(s, self.policy)]
        try:
            best = self.registry.resolve(model, "*")
        except NoMatchingVersion:
            assert not eligible, f"{model}: '*' matched nothing, expected {max(eligible)}"
        else:
            assert eligible_by_words(self.shadows[best.ref], self.policy), (
                f"'*' gave {best.ref}, which is not eligible: {self.shadows[best.ref]}")
            assert best.id == max(eligible)

    def check_exact(self, s: VersionShadow) -> None:
        if s.stage in UNRESOLVABLE:
            with pytest.raises(NoMatchingVersion):
                self.registry.resolve(s.model, s.vid)
            return
        found = self.registry.resolution(s.model, s.vid)
        assert found.version.ref == s.ref and not found.redirected_from
        assert bool(found.ineligible) != eligible_by_words(s, self.policy), (
            f"{s.ref}: ineligible={found.ineligible!r}, shadow {s}")

    @invariant()
    def event_chain_verifies(self) -> None:
        """The chain verifies, and the tables hold exactly the state the events determine."""
        report = self.registry.verify_history()
        assert report.broken is None, f"the event chain breaks: {report.broken}"
        assert report.events == self.head
        assert report.differences == (), [d.describe() for d in report.differences or ()]

    @invariant()
    def stages_move_only_along_transitions(self) -> None:
        """The stored stage (and degraded mark) of every version equals the shadow's, which
        only moves along TRANSITIONS and only when a use case succeeded; and the stage changes
        in the log form, per version, one path along TRANSITIONS from trained."""
        rows = self._sql("SELECT m.name, v.version, v.stage, v.blocked_reason FROM versions v "
                         "JOIN models m ON m.id = v.model_id")
        stored = {f"{m}@{v}": (Stage(str(stage)), bool(blocked)) for m, v, stage, blocked in rows}
        assert set(stored) == set(self.shadows)
        for ref, s in self.shadows.items():
            # a rollback blocks the version it moved away from, or leaves it unmarked
            assert stored[ref] in {(s.stage, s.blocked), (s.stage, s.blocked or s.rolled_back)}, (
                f"{ref}: stored {stored[ref]}, expected {s.stage}, blocked={s.blocked}")
        for event in self.registry.log(after_seq=self.log_seen):
            self.log_seen = event.seq
            if event.kind == ev.VERSION_REGISTERED:
                self.log_stages[event.subject] = Stage.TRAINED
            elif event.kind in STAGE_EVENTS:
                before = Stage(str(event.payload["from"]))
                after = Stage(str(event.payload["to"]))
                assert before is self.log_stages[event.subject], event
                assert after in TRANSITIONS[before], event
                self.log_stages[event.subject] = after
        assert self.log_stages == {ref: s.stage for ref, s in self.shadows.items()}


def _examples(default: int) -> int:
    return int(os.environ.get("STEWARD_STATEFUL_EXAMPLES") or default)


def test_lifecycle_state_machine(sql_url: str) -> None:
    """A fresh database per example; the budget (both databases under a minute on two busy
    cores) buys fewer, longer examples on PostgreSQL, whose round trips cost more."""
    db_url = sql_url  # a fresh database per example, reached by URL
    databases = Databases(db_url)
    postgres = databases.admin is not None
    budget = settings(max_examples=_examples(5 if postgres else 12), stateful_step_count=35,
                      deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    try:
        # any callable returning a machine will do (documented); the annotation says a class
        run_state_machine_as_test(lambda: LifecycleMachine(databases),  # type: ignore[arg-type]
                                  settings=budget)
    finally:
        databases.close()


def test_promote_to_retired_refuses_a_version_that_holds_an_alias(sqlite_url: str) -> None:
    """The first find of the machine above (fixed in eb91545), kept as a fixed example; since
    then a promotion never moves to retired at all: retirement has its own command."""
    with Registry.open(sqlite_url, actor="alice", clock=FixedClock(), policy=POLICY) as registry:
        ref = trained(registry, "lowbot")
        to_production(registry, ref)
        registry.lifecycle.deprecate(ref, "replaced")
        with pytest.raises(InvalidInput, match="retired is reached with `steward retire`"):
            registry.lifecycle.promote(ref, Stage.RETIRED)
        with pytest.raises(InvalidInput, match="rejected is reached with `steward reject`"):
            registry.lifecycle.gate_report(ref, Stage.REJECTED)
        with pytest.raises(Conflict, match="still holds the alias"):
            registry.lifecycle.retire(ref, "superseded")


def test_approval_gate_finds_distinct_approvers_for_every_role(sqlite_url: str) -> None:
    """Found by the machine above: 'one approval per role, from different people' is met by
    carol (product-owner) and bob (ml-lead), whatever else bob approved."""
    clock = FixedClock()
    with Registry.open(sqlite_url, actor="alice", clock=clock, policy=POLICY) as registry:
        ref = trained(registry, "midbot", RiskTier.MEDIUM)
        to_staging(registry, ref, RiskTier.MEDIUM)
        review = clock.now().date() + timedelta(days=30)
        for person, role in [("carol", "product-owner"), ("bob", "product-owner"),
                             ("bob", "ml-lead")]:
            clock.advance(minutes=1)
            as_actor(registry, person).lifecycle.approve(
                ref, role=role, evidence="eval report", risks_accepted="minor drift",
                monitoring_plan="error-rate dashboard", rollback_plan="steward rollback",
                next_review=review)
        assert registry.lifecycle.promote(ref, Stage.PRODUCTION).stage is Stage.PRODUCTION
