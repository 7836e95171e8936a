"""Provider schedules: imported shutdown dates become deprecation plans of the hosted models
whose snapshot ids they name; ``upcoming`` lists what goes away and who is affected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from modelsteward.domain.deprecation import DeprecationPlan, DeprecationReason
from modelsteward.domain.provider_schedules import Shutdown, normalise_provider
from modelsteward.errors import Conflict, InvalidInput, NotFound
from modelsteward.service.registry import Registry


@dataclass(frozen=True)
class ProviderImport:
    planned: tuple[str, ...]  # model@snapshot given a plan (new or with changed dates)
    unchanged: tuple[str, ...]
    unmatched: int  # shutdowns naming no snapshot in the registry


@dataclass(frozen=True)
class Upcoming:
    ref: str
    hard_deadline: date
    phase: str
    reason: str
    replacement: str
    consumers: int
    teams: int


class Providers:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def import_shutdowns(self, shutdowns: list[Shutdown], *, soft_days: int = 30) -> ProviderImport:
        """Give every registered snapshot that a shutdown names a ``provider-shutdown`` plan:
        hard deadline the shutdown date, soft deadline ``soft_days`` before it (never before
        the announcement), the provider's replacement when it is registered too. A plan with
        the same dates is left alone, so importing again writes nothing."""
        if soft_days < 0:
            raise InvalidInput("--soft-days must be 0 or more.")
        today = self.registry.clock.now().date()
        by_key = {(s.provider, s.model): s for s in shutdowns}
        planned: list[str] = []
        unchanged: list[str] = []
        matched: set[tuple[str, str]] = set()
        for model in self.registry.list_models():
            if not model.uses_snapshots or not model.provider:
                continue
            provider = normalise_provider(model.provider)
            existing = self.registry.deprecations.plans(model.name)
            for version in self.registry.list_versions(model.name):
                shutdown = by_key.get((provider, str(version.id)))
                if shutdown is None:
                    continue
                matched.add(shutdown.key)
                hard = shutdown.shutdown
                announced = min(shutdown.announced or today, hard - timedelta(days=1))
                soft = min(max(announced, hard - timedelta(days=soft_days)),
                           hard - timedelta(days=1))
                if _same_plan(existing, str(version.id), announced, soft, hard):
                    unchanged.append(version.ref)
                    continue
                replacement = ""
                if shutdown.replacement:
                    try:
                        self.registry.get_version(model.name, shutdown.replacement)
                        replacement = f"{model.name}@{shutdown.replacement}"
                    except NotFound:
                        replacement = ""
                try:
                    self._plan(version.ref, replacement, announced, soft, hard, shutdown)
                except Conflict:
                    if not replacement:
                        raise
                    # the provider's replacement is itself going away: plan without it
                    self._plan(version.ref, "", announced, soft, hard, shutdown)
                planned.append(version.ref)
        return ProviderImport(tuple(planned), tuple(unchanged), len(set(by_key) - matched))

    def _plan(self, ref: str, replacement: str, announced: date, soft: date, hard: date,
              shutdown: Shutdown) -> None:
        steps = (f"Move to {replacement}." if replacement else
                 f"Choose a replacement for {shutdown.model} before {hard}.",
                 f"Provider notice: {shutdown.source}" if shutdown.source else "")
        self.registry.deprecations.plan(
            ref, reason=DeprecationReason.PROVIDER_SHUTDOWN, replacement=replacement,
            announced=announced, soft_deadline=soft, hard_deadline=hard,
            migration_steps=tuple(s for s in steps if s),
            support_window=f"until the provider's shutdown on {hard}")

    def upcoming(self, within_days: int) -> list[Upcoming]:
        """Plans whose hard deadline falls within ``within_days`` from today (or has passed
        without retirement), soonest first, with the consumers affected."""
        today = self.registry.clock.now().date()
        horizon = today + timedelta(days=within_days)
        found = []
        for model in self.registry.list_models():
            latest: dict[str, DeprecationPlan] = {}
            for plan in self.registry.deprecations.plans(model.name):
                latest[plan.target] = plan  # a later plan supersedes an earlier one
            for plan in latest.values():
                if plan.hard_deadline > horizon:
                    continue
                impact = self.registry.consumers.impact(
                    f"{model.name}@{plan.target}") if _exists(self.registry, model.name,
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


def _exists(registry: Registry, model: str, version: str) -> bool:
    try:
        registry.get_version(model, version)
        return True
    except NotFound:
        return False
