"""Provider schedules: imported shutdown dates become deprecation plans of the hosted models
whose snapshot ids they name; ``upcoming`` lists what goes away and who is affected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.provider_schedules import Shutdown, normalise_provider
from modelsteward.errors import InvalidInput, NotFound, StewardError
from modelsteward.ports import Transaction
from modelsteward.results import CheckedPlan, ProviderImport, SkippedShutdown, Upcoming
from modelsteward.service.batches import model_batches
from modelsteward.service.catalog import Catalog
from modelsteward.service.consumers import Consumers
from modelsteward.service.context import Context
from modelsteward.service.deprecations import Deprecations


@dataclass(frozen=True)
class _Target:
    """A registered version a shutdown names, with the plan dates the import gives it."""

    model: str
    version: str
    ref: str
    announced: date
    soft: date
    hard: date


class Providers:
    def __init__(self, ctx: Context, catalog: Catalog, deprecations: Deprecations,
                 consumers: Consumers) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.deprecations = deprecations
        self.consumers = consumers

    def import_shutdowns(self, shutdowns: list[Shutdown], *, soft_days: int = 30) -> ProviderImport:
        """Give every registered snapshot that a shutdown names a ``provider-shutdown`` plan:
        hard deadline the shutdown date, soft deadline ``soft_days`` before it (never before
        the announcement), the provider's replacement when it can be used.

        Rows are applied one by one, each in its own transaction: a row that cannot apply
        leaves the others written, and a failure while writing a row leaves none of its plans
        (never half a row). The versions a row names are checked before anything is written;
        one that is refused (say, already retired) is skipped without holding back the others.
        What is not applied is reported in ``skipped`` with the row's file and number: a
        shutdown naming no registered snapshot, a snapshot already retired, any refusal of the
        plan (:meth:`Deprecations.check_plan`). A replacement that is unknown, retired,
        rejected, deprecated or covered by the plan is left out — the row is planned without
        it — and reported too. A plan with the same dates is left alone (``unchanged``), so
        importing again writes nothing. Raises only for a negative ``soft_days``."""
        if soft_days < 0:
            raise InvalidInput("--soft-days must be 0 or more.")
        today = self.ctx.clock.now().date()
        targets = self._targets(shutdowns)
        planned: list[str] = []
        unchanged: list[str] = []
        skipped: list[SkippedShutdown] = []
        unmatched = 0
        existing: dict[str, list[DeprecationPlan]] = {}
        for shutdown in shutdowns:
            versions = targets.get(shutdown.key, [])
            if not versions:
                unmatched += 1
                skipped.append(_unmatched(shutdown))
                continue
            changed: list[_Target] = []
            for model, version, ref in versions:
                hard = shutdown.shutdown
                announced = min(shutdown.announced or today, hard - timedelta(days=1))
                soft = min(max(announced, hard - timedelta(days=soft_days)),
                           hard - timedelta(days=1))
                if model not in existing:
                    existing[model] = self.deprecations.plans(model)
                if _same_plan(existing[model], version, announced, soft, hard):
                    unchanged.append(ref)
                else:
                    changed.append(_Target(model, version, ref, announced, soft, hard))
            if changed:
                written, row_skipped = self._apply_row(shutdown, changed)
                planned.extend(written)
                skipped.extend(row_skipped)
        return ProviderImport(tuple(planned), tuple(unchanged), unmatched, tuple(skipped))

    def _targets(self, shutdowns: list[Shutdown]) -> dict[tuple[str, str],
                                                         list[tuple[str, str, str]]]:
        """``(model, version, ref)`` of the registered hosted snapshots each shutdown names."""
        wanted: dict[str, set[str]] = {}  # provider → the snapshot ids named
        for shutdown in shutdowns:
            wanted.setdefault(shutdown.key[0], set()).add(shutdown.key[1])
        found: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        with self.ctx.store.read() as tx:
            # the models a batch at a time, and only the versions named of those hosted
            for batch in model_batches(tx):
                hosted = [(m.name, normalise_provider(m.provider)) for m in batch
                          if m.uses_snapshots and m.provider]
                named = [(name, snapshot) for name, provider in hosted
                         for snapshot in sorted(wanted.get(provider, ()))]
                versions = tx.get_versions(named) if named else {}
                for name, provider in hosted:
                    for snapshot in sorted(wanted.get(provider, ())):
                        version = versions.get(f"{name}@{snapshot}")
                        if version is not None and str(version.id) == snapshot:
                            found.setdefault((provider, snapshot), []).append(
                                (name, snapshot, version.ref))
        return found

    def _apply_row(self, shutdown: Shutdown,
                   targets: list[_Target]) -> tuple[list[str], list[SkippedShutdown]]:
        """Plan ``targets`` (the versions one row names) in one transaction; what is refused
        is reported instead. A failure while writing leaves the whole row unwritten."""
        skipped: list[SkippedShutdown] = []
        checked: list[CheckedPlan] = []
        try:
            with self.ctx.store.write() as tx:
                for target in targets:
                    plan = self._check_row(tx, shutdown, target, skipped)
                    if plan is not None:
                        checked.append(plan)
                for plan in checked:
                    self.deprecations.write_plan(tx, plan)
        except StewardError as failed:
            return [], [_refused(shutdown, t.ref, failed) for t in targets]
        return [plan.plan.ref for plan in checked], skipped

    def _check_row(self, tx: Transaction, shutdown: Shutdown, target: _Target,
                   skipped: list[SkippedShutdown]) -> CheckedPlan | None:
        """The plan for one version a row names, with the provider's replacement when it can
        be used, else without it (reported); ``None`` (reported) when no plan can be made."""
        replacement = f"{target.model}@{shutdown.replacement}" if shutdown.replacement else ""
        try:
            return self._check(tx, shutdown, target, replacement)
        except StewardError as refused:
            if not replacement:
                skipped.append(_refused(shutdown, target.ref, refused))
                return None
            unusable = refused
        try:
            plan = self._check(tx, shutdown, target, "")
        except StewardError as refused:  # the version itself cannot be planned
            skipped.append(_refused(shutdown, target.ref, refused))
            return None
        skipped.append(SkippedShutdown(
            shutdown.file, shutdown.row, target.ref,
            f"{target.ref} was planned without the provider's replacement {replacement}: "
            f"{unusable}",
            f"Give it a replacement people can move to: steward deprecate {target.ref} "
            f"--reason provider-shutdown --replacement MODEL@PIN --soft-deadline {target.soft} "
            f"--hard-deadline {target.hard}.",
            replacement))
        return plan

    def _check(self, tx: Transaction, shutdown: Shutdown, target: _Target,
               replacement: str) -> CheckedPlan:
        steps = (f"Move to {replacement}." if replacement else
                 f"Choose a replacement for {shutdown.model} before {target.hard}.",
                 f"Provider notice: {shutdown.source}" if shutdown.source else "")
        return self.deprecations.check_plan(
            tx, target.ref, reason=DeprecationReason.PROVIDER_SHUTDOWN, replacement=replacement,
            announced=target.announced, soft_deadline=target.soft, hard_deadline=target.hard,
            migration_steps=tuple(s for s in steps if s),
            support_window=f"until the provider's shutdown on {target.hard}")

    def upcoming(self, within_days: int, *, reason: DeprecationReason | None = None,
                 plans: Sequence[DeprecationPlan] | None = None) -> list[Upcoming]:
        """Plans of live models whose hard deadline falls within ``within_days`` from today
        (or has passed without retirement), soonest first, with the consumers affected; only
        those for ``reason`` when given. Reads the plans of the targets due (not every model;
        ``plans``: every plan, oldest first, when a caller has read them already), and counts
        the consumers of the plans due only."""
        today = self.ctx.clock.now().date()
        horizon = today + timedelta(days=within_days)
        with self.ctx.store.read() as tx:
            latest: dict[tuple[str, str], DeprecationPlan] = {}
            # oldest first: a later plan supersedes an earlier one; only the targets with a
            # plan due by the horizon can have a latest plan due
            for plan in tx.plans_due(horizon) if plans is None else plans:
                latest[(plan.model, plan.target)] = plan
            due = [plan for plan in latest.values() if plan.hard_deadline <= horizon
                   and (reason is None or plan.reason is reason)]
            live = {name for name in {plan.model for plan in due}
                    if tx.get_model(name) is not None}
        found = []
        for plan in due:
            if plan.model not in live:
                continue
            impact = self.consumers.impact(
                f"{plan.model}@{plan.target}") if _exists(self.catalog, plan.model,
                                                         plan.target) else None
            found.append(Upcoming(
                plan.ref, plan.hard_deadline, plan.phase(today).value, plan.reason.value,
                plan.replacement, impact.consumers if impact else 0,
                len(impact.by_team) if impact else 0))
        return sorted(found, key=lambda u: (u.hard_deadline, u.ref))


def _same_plan(plans: list[DeprecationPlan], target: str, announced: date, soft: date,
               hard: date) -> bool:
    mine = [p for p in plans if p.target == target]
    return bool(mine) and (mine[-1].announced, mine[-1].soft_deadline,
                           mine[-1].hard_deadline) == (announced, soft, hard)


def _unmatched(shutdown: Shutdown) -> SkippedShutdown:
    return SkippedShutdown(
        shutdown.file, shutdown.row, f"{shutdown.provider}/{shutdown.model}",
        f"No hosted model of provider {shutdown.provider} has this version in the registry.",
        f"If you use it, register it (steward version register MODEL {shutdown.model}) and "
        "import again.")


def _refused(shutdown: Shutdown, ref: str, error: StewardError) -> SkippedShutdown:
    return SkippedShutdown(shutdown.file, shutdown.row, ref, str(error))


def _exists(catalog: Catalog, model: str, version: str) -> bool:
    try:
        catalog.get_version(model, version)
        return True
    except NotFound:
        return False
