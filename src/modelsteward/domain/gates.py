"""The gates of the lifecycle as pure functions: given what is recorded about a version, list
every requirement it does not meet, in words a person can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from modelsteward.domain.direction import Direction
from modelsteward.domain.lifecycle import Approval, Evaluation, Gate, GateOverride, StagingCheck
from modelsteward.domain.model import Model, Version
from modelsteward.domain.policy import Policy
from modelsteward.domain.versioning import Snapshot


@dataclass(frozen=True)
class GateContext:
    """What a gate may look at. ``production`` is the version holding the ``production`` alias
    (``None`` if none, or if it is this version)."""

    model: Model
    version: Version
    now: datetime
    policy: Policy
    has_attestation: bool
    evaluations: Sequence[Evaluation]
    production: Version | None
    production_evaluations: Sequence[Evaluation]
    checks: Sequence[StagingCheck]
    approvals: Sequence[Approval]
    overrides: Sequence[GateOverride]


@dataclass(frozen=True)
class GateReport:
    """The unmet requirements of the gates checked, and the overrides that waived a gate."""

    unmet: tuple[str, ...]
    overridden: tuple[GateOverride, ...]

    @property
    def passed(self) -> bool:
        return not self.unmet


def check_gates(gates: Sequence[Gate], ctx: GateContext) -> GateReport:
    unmet: list[str] = []
    overridden: list[GateOverride] = []
    for gate in gates:
        override = next((o for o in reversed(ctx.overrides) if o.gate is gate), None)
        if override is not None:
            overridden.append(override)
            continue
        unmet.extend(f"{gate.value} gate: {item}" for item in _CHECKS[gate](ctx))
    return GateReport(tuple(unmet), tuple(overridden))


def latest_by_suite(evaluations: Sequence[Evaluation]) -> dict[str, Evaluation]:
    """The newest result of each suite (a later record supersedes an earlier one)."""
    found: dict[str, Evaluation] = {}
    for evaluation in sorted(evaluations, key=lambda e: (e.recorded_at, e.seq)):
        found[evaluation.suite] = evaluation
    return found


def _validation(ctx: GateContext) -> list[str]:
    version, policy = ctx.version, ctx.policy
    unmet = []
    if not ctx.evaluations:
        unmet.append("no evaluation recorded: record one with `steward eval record`")
    if isinstance(version.id, Snapshot):
        # a provider's model: a pinned (dated) snapshot id stands in for the digest, and the
        # provider's training is not ours to attest
        if not version.id.date:
            unmet.append(f"{version.id} is an undated alias, not a pinned snapshot; register "
                         "the provider's dated snapshot id instead")
        return unmet
    if policy.require_digest and not version.digest:
        unmet.append("no artefact digest: register the version with --path")
    if policy.require_attestation and not ctx.has_attestation:
        unmet.append("no training attestation: attach one with `steward version attest`")
    if policy.require_training_metrics and not (version.metrics or ctx.has_attestation):
        unmet.append("no training metrics: register with --metric or attest with --metrics")
    return unmet


def _evaluation(ctx: GateContext) -> list[str]:
    policy, model = ctx.policy, ctx.model
    latest = latest_by_suite(ctx.evaluations)
    unmet = [f"the {model.risk_tier.value}-risk tier requires a {suite!r} evaluation suite; "
             f"none is recorded" for suite in policy.required_suites.get(model.risk_tier, ())
             if suite not in latest]
    thresholds = policy.thresholds_for(model.name)
    for metric, threshold in sorted(thresholds.items()):
        reported = {suite: e.metrics[metric] for suite, e in latest.items() if metric in e.metrics}
        if not reported:
            seen = sorted({m for e in latest.values() for m in e.metrics})
            unmet.append(f"threshold {threshold}: no evaluation reports {metric!r} "
                         f"(reported: {', '.join(seen) or 'nothing'})")
            continue
        for suite, value in sorted(reported.items()):
            if not threshold.holds(value):
                unmet.append(f"threshold {threshold} not met: {value:g} on suite {suite!r}")
    if ctx.production is not None:
        unmet.extend(_regressions(ctx, latest))
    return unmet


def _regressions(ctx: GateContext, latest: dict[str, Evaluation]) -> list[str]:
    """Every metric of a suite both versions report that is worse than production's by more
    than its tolerance, or whose direction is not declared (it cannot be judged)."""
    assert ctx.production is not None
    policy, model = ctx.policy, ctx.model.name
    baseline = latest_by_suite(ctx.production_evaluations)
    found = []
    for suite in sorted(set(latest) & set(baseline)):
        ours, theirs = latest[suite], baseline[suite]
        for metric in sorted(set(ours.metrics) & set(theirs.metrics)):
            now, before = ours.metrics[metric], theirs.metrics[metric]
            direction = metric_direction(metric, policy, model, (ours, theirs))
            if direction is None:
                found.append(
                    f"{metric} on suite {suite!r} cannot be compared with production "
                    f"{ctx.production.id} ({before:g} → {now:g}): "
                    f"{undeclared_reason(metric, (ours, theirs))}; {undeclared_fix(metric)}")
                continue
            tolerance = policy.tolerance_for(model, metric)
            if delta_toward_better(direction, now, before) < -tolerance:
                found.append(
                    f"{metric} on suite {suite!r} regresses from {before:g} "
                    f"(production {ctx.production.id}) to {now:g}, beyond "
                    f"the tolerance {tolerance:g} ({direction.phrase})")
    return found


def undeclared_fix(metric: str) -> str:
    """How to give ``metric`` a direction, as a clause."""
    return (f"declare it under metrics: in the policy ({metric}: {{direction: higher}} or "
            f"lower), or give its direction in the evaluation file (\"directions\": "
            f"{{\"{metric}\": \"higher\"}} or \"lower\")")


def metric_direction(metric: str, policy: Policy, model: str,
                     evaluations: Sequence[Evaluation]) -> Direction | None:
    """Which way ``metric`` is better when comparing ``evaluations`` of ``model``: the policy's
    declaration or threshold (:meth:`Policy.direction_for`), else the direction the evaluation
    files declared — when those that declare one agree. ``None``: no declared direction, or
    evaluation files that contradict each other. Never a guess from the name."""
    declared = policy.direction_for(model, metric)
    if declared is not None:
        return declared
    found = {e.directions[metric] for e in evaluations if metric in e.directions}
    return next(iter(found)) if len(found) == 1 else None


def undeclared_reason(metric: str, evaluations: Sequence[Evaluation]) -> str:
    """Why :func:`metric_direction` found no direction for ``metric``, as a clause ("it has
    no declared direction")."""
    found = sorted({e.directions[metric].phrase for e in evaluations
                    if metric in e.directions})
    if len(found) > 1:
        return f"it is declared {found[0]} by one evaluation file and {found[1]} by the other"
    return "it has no declared direction"


def delta_toward_better(direction: Direction, candidate: float, baseline: float) -> float:
    """How much better ``candidate`` is than ``baseline`` (negative: worse)."""
    change = candidate - baseline
    return change if direction is Direction.HIGHER_IS_BETTER else -change


def _staging(ctx: GateContext) -> list[str]:
    latest: dict[str, StagingCheck] = {}
    for check in sorted(ctx.checks, key=lambda c: c.recorded_at):
        latest[check.name] = check
    unmet = []
    for name in ctx.policy.staging_checks:
        found = latest.get(name)
        if found is None:
            unmet.append(f"staging check {name!r} is not recorded: `steward check record "
                         f"{ctx.version.ref} {name} --passed --evidence …`")
        elif not found.passed:
            unmet.append(f"staging check {name!r} failed ({found.evidence or 'no evidence'})")
    return unmet


def valid_approvals(ctx: GateContext) -> list[Approval]:
    """Approvals that have not expired and were given against the current production."""
    current = str(ctx.production.id) if ctx.production is not None else ""
    return [a for a in ctx.approvals if a.expires_at > ctx.now and a.replaces == current]


def _assign(roles: Sequence[str], eligible: Mapping[str, list[str]],
            used: frozenset[str] = frozenset()) -> dict[str, str] | None:
    """Give every role a different approver among those eligible for it (backtracking: the
    rosters are a handful of people), or ``None`` when no such assignment exists."""
    if not roles:
        return {}
    role, rest = roles[0], roles[1:]
    for person in reversed(eligible.get(role, [])):  # the latest approval first
        if person in used:
            continue
        found = _assign(rest, eligible, used | {person})
        if found is not None:
            return {role: person, **found}
    return None


def _approval(ctx: GateContext) -> list[str]:
    rule = ctx.policy.approvals[ctx.model.risk_tier]
    current = str(ctx.production.id) if ctx.production is not None else ""
    eligible: dict[str, list[str]] = {}
    for a in valid_approvals(ctx):
        if rule.author_may_approve or a.approver != ctx.version.registered_by:
            eligible.setdefault(a.role, []).append(a.approver)
    if _assign(list(rule.roles), eligible) is not None:
        return []
    # no assignment: name each role that has no eligible approver, or that only shares them
    unmet = []
    for role in rule.roles:
        why = []
        for a in ctx.approvals:
            if a.role != role:
                continue
            if a.expires_at <= ctx.now:
                why.append(f"the approval by {a.approver} expired on {a.expires_at:%Y-%m-%d}")
            elif a.replaces != current:
                why.append(f"the approval by {a.approver} was given when production was "
                           f"{a.replaces or 'empty'}; production is now {current or 'empty'}, "
                           "so it must be approved again")
        others = {p for r, people in eligible.items() if r != role for p in people}
        if eligible.get(role) and set(eligible[role]) <= others:
            why.append(f"{', '.join(sorted(set(eligible[role])))} already approves as another "
                       "role; roles need different people")
        elif eligible.get(role):
            continue
        detail = f" ({'; '.join(why)})" if why else ""
        unmet.append(f"the {ctx.model.risk_tier.value}-risk tier needs an approval by role "
                     f"{role!r}{detail}")
    if not unmet:  # every role has someone, yet no distinct set exists
        unmet.append(f"the {ctx.model.risk_tier.value}-risk tier needs one approval per role "
                     f"({', '.join(rule.roles)}) from different people")
    return unmet


_CHECKS = {
    Gate.VALIDATION: _validation,
    Gate.EVALUATION: _evaluation,
    Gate.STAGING: _staging,
    Gate.APPROVAL: _approval,
}


def approval_problems(model: Model, version: Version, approver: str, role: str,
                      next_review: date, now: datetime, policy: Policy,
                      texts: dict[str, str]) -> list[str]:
    """Why an approval request must be refused (empty when it may be recorded)."""
    rule = policy.approvals[model.risk_tier]
    problems = []
    if role not in rule.roles:
        problems.append(f"role {role!r} cannot approve a {model.risk_tier.value}-risk model; "
                        f"the roles that can are: {', '.join(rule.roles)}")
    if not rule.author_may_approve and approver == version.registered_by:
        problems.append(f"{approver} registered {version.ref} and may not approve it: "
                        f"{model.risk_tier.value}-risk models need an independent approver")
    today = now.date()
    if next_review <= today:
        problems.append(f"the next review date {next_review} must be after today ({today})")
    elif next_review > today + timedelta(days=policy.max_review_days):
        problems.append(f"the next review date {next_review} is more than "
                        f"{policy.max_review_days} days away; review production models sooner")
    for name, text in texts.items():
        if not text.strip():
            problems.append(f"--{name} is required: say it in a sentence")
    return problems
