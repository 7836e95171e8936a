"""From what is known about one locked model to its audit findings. Pure: the service gathers
the facts (from the registry or an exported advisory directory) and the clock's date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from modelsteward.domain.audit import Finding, FindingKind
from modelsteward.domain.deprecation import DeprecationPlan, Phase
from modelsteward.domain.lifecycle import GateOverride, Stage
from modelsteward.domain.lockfile import LockedModel
from modelsteward.domain.osv_match import Match, fixed_versions
from modelsteward.domain.severity import Level
from modelsteward.domain.support import SupportWindow

END_OF_SUPPORT_LEVEL = Level.LOW
"""The level of an ``end-of-support`` finding: it fails under ``--fail-on low`` (the default)
and passes under ``medium`` or higher; an ignore entry silences it like any other."""


@dataclass(frozen=True)
class AdvisoryHit:
    match: Match
    inherited_from: str = ""  # "" when the locked version itself is affected


@dataclass(frozen=True)
class RegistryState:
    """What the registry says about the locked version."""

    digest: str
    stage: Stage
    blocked_reason: str = ""  # degraded by production monitoring, or rolled back


@dataclass(frozen=True)
class EntryFacts:
    entry: LockedModel
    advisories: tuple[AdvisoryHit, ...] = ()
    offline: bool = False  # audited against an advisory directory: no registry facts
    state: RegistryState | None = None  # None (online): not in the registry
    plan: DeprecationPlan | None = None  # the plan covering the version itself
    inherited_plan: tuple[str, DeprecationPlan] | None = None  # (ancestor, its plan)
    overrides: tuple[GateOverride, ...] = ()
    # why the policy's eligibility rule does not admit the locked version (as
    # EligibilityRule.why_not says it, with the entry's candidates choice); "" when it does
    ineligible: str = ""
    support: SupportWindow | None = None  # the locked version's support window, if declared


def findings(facts: EntryFacts, today: date) -> list[Finding]:
    """Every finding about one locked model, unsorted and not yet filtered by ignores."""
    entry = facts.entry
    found = [_advisory(entry, hit) for hit in facts.advisories]
    if facts.offline:
        return found
    if facts.state is None:
        found.append(Finding(
            FindingKind.NOT_IN_REGISTRY, entry.name, entry.version, f"missing:{entry.ref}",
            f"{entry.ref} is not in the registry",
            "It was deleted, or the lock names a version that was never registered.",
            fix=f"run `steward lock --upgrade {entry.name}` to lock a version that exists"))
        return found
    if facts.state.digest != entry.root_digest:
        found.append(Finding(
            FindingKind.DIGEST_MISMATCH, entry.name, entry.version, f"digest:{entry.ref}",
            f"the lock's digest of {entry.ref} differs from the registry's",
            f"lock sha256:{entry.root_digest or '(none)'}, registry "
            f"sha256:{facts.state.digest or '(none)'}. Either the lock was edited or it was "
            "written against another registry.",
            fix=f"run `steward lock --upgrade {entry.name}` against the right registry"))
    found.extend(Finding(
        FindingKind.GATE_OVERRIDE, entry.name, entry.version,
        f"override:{entry.ref}:{override.gate.value}",
        f"the {override.gate.value} gate was overridden for {entry.ref}",
        f"by {override.actor} on {override.at.date().isoformat()}: {override.reason}",
        fix="review the evidence, or move to a version that passed its gates")
        for override in facts.overrides)
    plan = facts.plan
    if facts.state.stage is Stage.RETIRED:
        found.append(Finding(
            FindingKind.RETIRED, entry.name, entry.version, f"retired:{entry.ref}",
            f"{entry.ref} is retired", "A retired version no longer resolves or serves.",
            replacement=plan.replacement if plan else "",
            dates=_dates(plan) if plan else {},
            fix=(f"move to {plan.replacement}" if plan and plan.replacement
                 else f"upgrade {entry.name} to a version that is not retired")))
    elif plan is not None and plan.phase(today) is not Phase.ACTIVE:
        found.append(_deprecation(entry, plan, today, ""))
    if facts.ineligible and facts.state.stage is not Stage.RETIRED:  # retired: its own finding
        found.append(_ineligible(entry, facts.state, facts.ineligible))
    if (facts.support is not None and facts.support.ended(today)
            and facts.state.stage is not Stage.RETIRED):
        found.append(_end_of_support(entry, facts.support))
    if facts.inherited_plan is not None and facts.state.stage is not Stage.RETIRED:
        ancestor, inherited = facts.inherited_plan
        if inherited.phase(today) is not Phase.ACTIVE:
            found.append(_deprecation(entry, inherited, today, ancestor))
    return found


def _ineligible(entry: LockedModel, state: RegistryState, why: str) -> Finding:
    """A locked version the eligibility rule does not admit: ``high`` when something went
    wrong with it (rejected, degraded, rolled back), ``medium`` when it has only not been
    through the gates yet."""
    harmed = bool(state.blocked_reason) or state.stage is Stage.REJECTED
    with_candidates = (" It was locked with --candidates, which admits versions below the "
                       "minimum stage but never rejected, degraded or rolled-back ones."
                       if entry.candidates else "")
    if harmed:
        fix = (f"run `steward lock --upgrade {entry.name}` to lock the best eligible version, "
               f"or `steward audit --fix`")
    else:
        fix = (f"move {entry.ref} through the gates (`steward promote`), or run "
               f"`steward lock --upgrade {entry.name}` to lock an eligible version; a staging "
               f"environment may lock with --candidates")
    return Finding(
        FindingKind.INELIGIBLE, entry.name, entry.version, f"ineligible:{entry.ref}",
        f"{entry.ref} is not eligible for applications",
        f"{entry.ref} is not eligible because {why}.{with_candidates}",
        level=Level.HIGH if harmed else Level.MEDIUM, fix=fix)


def _end_of_support(entry: LockedModel, window: SupportWindow) -> Finding:
    return Finding(
        FindingKind.END_OF_SUPPORT, entry.name, entry.version, f"end-of-support:{entry.ref}",
        f"{entry.ref} is past the end of its active support ({window.ends.isoformat()})",
        window.warning(), level=END_OF_SUPPORT_LEVEL,
        dates={"end_of_support": window.ends.isoformat()},
        fix=(f"run `steward lock --upgrade {entry.name}` to lock a newer, supported version, "
             f"or ignore `end-of-support:{entry.ref}` with a reason and an expiry"))


def _dates(plan: DeprecationPlan) -> dict[str, str]:
    return {"announced": plan.announced.isoformat(),
            "soft_deadline": plan.soft_deadline.isoformat(),
            "hard_deadline": plan.hard_deadline.isoformat()}


def _deprecation(entry: LockedModel, plan: DeprecationPlan, today: date,
                 ancestor: str) -> Finding:
    phase = plan.phase(today)
    where = f" (inherited from {ancestor})" if ancestor else ""
    if plan.replacement:
        fix = f"move to {plan.replacement}"
    elif ancestor:
        fix = f"move to a version of {entry.name} that does not derive from {ancestor}"
    else:
        fix = f"upgrade {entry.name} to a version outside the plan"
    return Finding(
        FindingKind.DEPRECATION, entry.name, entry.version,
        f"deprecation:{entry.ref}" + (f":{ancestor}" if ancestor else ""),
        f"{entry.ref} is deprecated ({plan.reason.value}){where}: {phase.value}",
        plan.warning(today), phase=phase, inherited_from=ancestor,
        replacement=plan.replacement, dates=_dates(plan), fix=fix)


def _advisory(entry: LockedModel, hit: AdvisoryHit) -> Finding:
    advisory = hit.match.advisory
    fixed = fixed_versions(hit.match.affected)
    if hit.inherited_from:
        fix = (f"move to a version of {entry.name} derived from a fixed "
               f"{_name(hit.inherited_from)} ({', '.join(fixed)})" if fixed else
               f"no fixed version of {_name(hit.inherited_from)} is known yet")
        title = f"{advisory.summary or advisory.id} (inherited from {hit.inherited_from})"
    else:
        fix = (f"upgrade {entry.name} to {fixed[0]} or later" if fixed
               else "no fixed version is known yet")
        title = advisory.summary or advisory.id
    by = " (matched by artefact digest)" if hit.match.by == "digest" else ""
    return Finding(
        FindingKind.ADVISORY, entry.name, entry.version, advisory.id, title + by,
        advisory.details, level=advisory.level, inherited_from=hit.inherited_from,
        fixed_in=fixed, aliases=advisory.aliases,
        references=tuple(r.url for r in advisory.references), atlas=advisory.atlas,
        avid=advisory.avid, fix=fix)


def _name(ref: str) -> str:
    return ref.partition("@")[0]


def covered_plan(plans: Sequence[tuple[DeprecationPlan, bool]]) -> DeprecationPlan | None:
    """The newest plan that covers a version, from (plan, covers) pairs oldest first."""
    for plan, covers in reversed(plans):
        if covers:
            return plan
    return None
