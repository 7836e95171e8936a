"""Pin resolution: which version a pin gives, what a deprecation plan (its own or an
ancestor's) says about it, whether the policy lets an application use it, and why a pin no
longer resolves.

:class:`Resolver` is the one implementation; the registry's ``resolve``/``resolution`` and every
service that resolves inside its own transaction use it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import date

from modelsteward.domain import events as ev
from modelsteward.domain.deprecation import Coverage, DeprecationPlan, Phase, target_pin
from modelsteward.domain.events import Event
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, Version
from modelsteward.domain.pins import Bounds, Pin, PinLevel, SnapshotPin, parse_pin
from modelsteward.domain.refs import split_ref
from modelsteward.domain.support import support_window
from modelsteward.errors import (
    ModelNotFound,
    NoMatchingVersion,
    PinNoLongerResolves,
    Unresolvable,
    VersionNotFound,
)
from modelsteward.ports import Transaction
from modelsteward.results import Resolution
from modelsteward.service.context import Context

_NO_BOUNDS = Bounds(None, None)
PRODUCTION_ALIAS = "production"
_ALL_BUT_REJECTED = tuple(s for s in Stage if s is not Stage.REJECTED)
_EXPLAINED = 50  # how many matching versions an explanation of an empty resolution looks at


class Resolver:
    """Resolution of pins in the context's store, under its policy and clock."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def parse_pin(self, model: Model, pin: str) -> Pin:
        """``pin`` parsed for ``model``'s scheme (snapshot ids or semantic versions)."""
        return parse_pin(model, pin)


    def require_version(self, tx: Transaction, ref: str) -> Version:
        """The version ``ref`` (``MODEL@VERSION``) read in ``tx``; raises
        :class:`ModelNotFound` or :class:`VersionNotFound`."""
        model, version = split_ref(ref)
        if tx.get_model(model) is None:
            raise ModelNotFound(model)
        found = tx.get_version(model, version)
        if found is None:
            raise VersionNotFound(model, version)
        return found

    def resolution(self, model_name: str, pin: str, *, candidates: bool = False) -> Resolution:
        """:meth:`resolve` with what the policy and a deprecation plan say about the result.

        A non-strict pin chooses only versions the policy's eligibility rule admits
        (:mod:`modelsteward.domain.eligibility`; ``candidates`` also admits versions that have
        not reached its minimum stage). A strict pin gives exactly its version, with
        :attr:`Resolution.ineligible` saying why it is not eligible when it is not. A plan
        warns once announced (louder after the soft deadline), and a version past the end of its
        active support (the model's support policy) says so; from the hard deadline the
        version no longer resolves (the next best does) — or, when the plan redirects, resolves
        to its replacement, before and after the version is retired. When nothing resolves,
        raises :class:`PinNoLongerResolves` naming the version the pin would have given, what
        happened to it, when, why and its replacement; else :class:`NoMatchingVersion`."""
        with self.ctx.store.read() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            parsed = self.parse_pin(model, pin)
            found = self.resolve_in(tx, model, parsed, candidates=candidates)
            if found is None:
                why = self.unresolvable_in(tx, model, parsed, candidates=candidates)
                if why is not None:
                    raise PinNoLongerResolves(model_name, pin, why)
        if found is None:
            raise NoMatchingVersion(model_name, pin)
        window = support_window(model, found.version)
        if window is not None and window.ended(self.ctx.today()):
            # past its active support the version still resolves, but says so
            warning = " ".join(w for w in (found.warning, window.warning()) if w)
            return replace(found, warning=warning)
        return found

    def resolve_in(self, tx: Transaction, model: Model, pin: Pin, redirects: int = 3, *,
                   candidates: bool = False,
                   plans: Sequence[DeprecationPlan] | None = None) -> Resolution | None:
        """The resolution of ``pin`` inside an open transaction (see :meth:`resolution`);
        ``None`` when nothing resolves. ``plans``: the model's plans, when read already."""
        today = self.ctx.today()
        rule = self.ctx.policy.eligibility
        strict = pin.level is PinLevel.STRICT
        coverage = Coverage.of(model, tx.plans(model.name) if plans is None else plans)
        # retired versions stay in view: their plan may redirect them to the replacement
        stages = _ALL_BUT_REJECTED if strict else (*rule.admitted(candidates), Stage.RETIRED)
        for candidate in _candidates(tx, model.name, pin, stages, unblocked=not strict):
            if not pin.matches(candidate.id):  # type: ignore[arg-type]  # same scheme
                continue
            plan = coverage.newest(str(candidate.id))
            if candidate.stage is Stage.RETIRED or (
                    plan is not None and plan.phase(today) is Phase.RETIRED):
                moved = self._redirect(tx, candidate, plan, today, redirects, candidates)
                if moved is not None:
                    return moved
                if plan is not None and candidate.stage is not Stage.RETIRED and \
                        _holds_production(tx, candidate):
                    # overdue: retirement waits until production has moved; until then the
                    # version serves, loudly
                    instead = f" Use {plan.replacement} instead." if plan.replacement else ""
                    return Resolution(candidate, f"OVERDUE: {candidate.ref} passed its hard "
                                      f"deadline ({plan.hard_deadline}, {plan.reason.value}) but "
                                      "still holds production, so it retires once a replacement "
                                      f"is promoted.{instead}", plan,
                                      ineligible=self.ineligible_in(tx, candidate) if strict
                                      else "")
                continue
            if (not strict and candidate.stage is Stage.DEPRECATED and rule.deprecation_matters
                    and not rule.deprecated_ok(deprecated_from(tx, candidate.ref), candidates)):
                continue
            ineligible = self.ineligible_in(tx, candidate) if strict else ""
            if plan is None:
                inherited = self.inherited_plan(tx, candidate.ref, today)
                if inherited is None:
                    return Resolution(candidate, ineligible=ineligible)
                ancestor, cause = inherited
                return Resolution(candidate, f"inherited from {ancestor}, which {candidate.ref} "
                                             f"derives from: {cause.warning(today)}",
                                  inherited_from=ancestor, ineligible=ineligible)
            return Resolution(candidate, plan.warning(today), plan, ineligible=ineligible)
        return None

    def _redirect(self, tx: Transaction, candidate: Version, plan: DeprecationPlan | None,
                  today: date, redirects: int, candidates: bool) -> Resolution | None:
        """Where a version past its hard deadline (or retired) resolves when its plan
        redirects: the replacement's resolution, stating the redirect; else ``None``."""
        if plan is None or not plan.redirect or not plan.replacement or redirects <= 0:
            return None
        target_model, _, target_pin = plan.replacement.partition("@")
        replacement = tx.get_model(target_model)
        if replacement is None:
            return None
        moved = self.resolve_in(tx, replacement, self.parse_pin(replacement, target_pin),
                                redirects - 1, candidates=candidates)
        if moved is None or moved.ineligible:
            return None  # a redirect never leads to a version the policy does not allow
        return Resolution(moved.version, plan.warning(today), plan,
                          redirected_from=candidate.ref, ineligible=moved.ineligible)

    def unresolvable_in(self, tx: Transaction, model: Model, pin: Pin, *,
                        candidates: bool = False) -> Unresolvable | None:
        """Why ``pin`` resolves to nothing although versions match it: the best of them and
        what became of it — retired (or past its hard deadline), deleted, rejected, or not
        eligible — with the date, the reason and the replacement a plan or deletion named.
        ``None`` when no version, in any state, matches."""
        today = self.ctx.today()
        coverage = Coverage.of(model, tx.plans(model.name))
        for checked, candidate in enumerate(_candidates(tx, model.name, pin, tuple(Stage),
                                                        include_deleted=True)):
            if checked >= _EXPLAINED:
                break
            if not pin.matches(candidate.id):  # type: ignore[arg-type]  # same scheme
                continue
            vid = str(candidate.id)
            plan = coverage.newest(vid)
            history = {e.kind: e for e in tx.events(subject_prefix=candidate.ref)
                       if e.subject == candidate.ref}
            if tx.is_deleted(model.name, vid):
                event = history.get(ev.VERSION_DELETED)
                payload = event.payload if event else {}
                return Unresolvable(candidate.ref, "deleted", _day(event),
                                    str(payload.get("reason") or "no reason recorded"),
                                    str(payload.get("replacement") or ""))
            if candidate.stage is Stage.RETIRED or (
                    plan is not None and plan.phase(today) is Phase.RETIRED):
                event = history.get(ev.VERSION_RETIRED)
                since = _day(event) or (plan.hard_deadline.isoformat() if plan else "")
                if plan is not None:
                    reason = (f"{plan.reason.value}: hard deadline {plan.hard_deadline} of its "
                              "deprecation plan")
                else:
                    reason = str((event.payload if event else {}).get("reason") or
                                 "no reason recorded")
                return Unresolvable(candidate.ref, "retired", since, reason,
                                    plan.replacement if plan else "")
            if candidate.stage is Stage.REJECTED:
                event = history.get(ev.VERSION_REJECTED)
                return Unresolvable(candidate.ref, "rejected", _day(event),
                                    str((event.payload if event else {}).get("reason") or
                                        "no reason recorded"))
            why = self.ineligible_in(tx, candidate, candidates=candidates)
            if why:
                return Unresolvable(candidate.ref, "ineligible", "", why)
        return None

    def ineligible_in(self, tx: Transaction, version: Version, *,
                      candidates: bool = False) -> str:
        """Why ``version`` may not be chosen for an application under the policy's
        eligibility rule (``candidates``: versions below its minimum stage admitted), as
        :meth:`EligibilityRule.why_not` says it; ``""`` when it may."""
        return self.why_not_in(tx, version.ref, version.stage, version.blocked_reason,
                               candidates=candidates)

    def why_not_in(self, tx: Transaction, ref: str, stage: Stage, blocked_reason: str, *,
                   candidates: bool = False) -> str:
        """:meth:`ineligible_in` for the version ``ref`` known only by its stage and blocked
        reason (the deprecation event is read only when the rule needs it)."""
        rule = self.ctx.policy.eligibility
        return rule.why_not(stage, blocked_reason,
                            deprecated_from=deprecated_from(tx, ref)
                            if stage is Stage.DEPRECATED and rule.deprecation_matters else None,
                            candidates=candidates)

    def inherited_plan(self, tx: Transaction, ref: str,
                       today: date) -> tuple[str, DeprecationPlan] | None:
        """The nearest ancestor of ``ref`` (through lineage, transitively) under a deprecation
        plan that is announced or later, with that plan."""
        seen = {ref}
        frontier = [ref]
        upstream: list[DeprecationPlan] | None = None
        while frontier:
            following = []
            for current in frontier:
                for derivation in tx.parents(current):
                    parent = derivation.parent
                    if parent in seen:
                        continue
                    if parent.startswith("pkg:"):
                        seen.add(parent)
                        upstream = tx.upstream_plans() if upstream is None else upstream
                        hit = next((p for p in reversed(upstream) if p.covers_purl(parent)
                                    and p.phase(today) is not Phase.ACTIVE), None)
                        if hit is not None:
                            return parent, hit
                        continue
                    seen.add(parent)
                    following.append(parent)
                    found = self.own_plan(tx, parent, today)
                    if found is not None:
                        return parent, found
            frontier = following
        return None

    def own_plan(self, tx: Transaction, ref: str, today: date) -> DeprecationPlan | None:
        """The deprecation plan covering ``ref`` itself (not inherited), read in ``tx``."""
        model_name, _, version = ref.partition("@")
        model = tx.get_model(model_name)
        if model is None:
            return None
        return next((plan for plan in Coverage.of(model, tx.plans(model_name)).covering(version)
                     if plan.phase(today) is not Phase.ACTIVE), None)

    def plan_pin(self, model: Model, plan: DeprecationPlan) -> Pin | None:
        """The pin a plan's target stands for on ``model``, or ``None`` for an exact version
        that is not a pin."""
        return target_pin(model, plan)


def deprecated_from(tx: Transaction, ref: str) -> Stage | None:
    """The stage ``ref`` was at when it was deprecated (its latest deprecation event), or
    ``None`` when no event says."""
    found: Stage | None = None
    for event in tx.events(subject_prefix=ref):
        if event.subject == ref and event.kind == ev.VERSION_DEPRECATED:
            try:
                found = Stage(str(event.payload.get("from")))
            except ValueError:
                found = None
    return found


def _holds_production(tx: Transaction, version: Version) -> bool:
    return any(a.version == str(version.id) for a in tx.current_aliases(version.model,
                                                                         PRODUCTION_ALIAS))


def _day(event: Event | None) -> str:
    return event.time[:10] if event is not None else ""


def _candidates(tx: Transaction, model: str, pin: Pin,
                stages: Collection[Stage] | None = None, *, unblocked: bool = False,
                include_deleted: bool = False) -> Iterator[Version]:
    if isinstance(pin, SnapshotPin):
        return tx.candidates(model, _NO_BOUNDS, "", True, stages=stages, unblocked=unblocked,
                             include_deleted=include_deleted)
    return tx.candidates(model, pin.bounds(), pin.variant, pin.allows_prerelease,
                         stages=stages, unblocked=unblocked, include_deleted=include_deleted)
