"""The server's own periodic work: every ``STEWARD_TICK_SECONDS`` it judges its running canaries
(advance, hold, roll back, promote) and checks the fine-tuning pipelines' retrain triggers (a
``retrain:due`` notice per firing), as ``steward tick`` does, acting as ``steward-scheduler``.

Each replica ticks; a canary, and a model's triggers, are judged in a write transaction of
their own, so two replicas ticking at once judge them one after the other, the second seeing
the first's move (and a firing's notice, which it does not write again)."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from modelsteward.api.settings import ServerSettings
from modelsteward.domain.policy import Policy
from modelsteward.errors import StewardError
from modelsteward.ports import Clock, Store
from modelsteward.service.registry import Registry

ACTOR = "steward-scheduler"
log = logging.getLogger("modelsteward.ticks")


def start_ticks(store: Store, settings: ServerSettings, policy: Policy,
                clock: Clock | None) -> asyncio.Task[None]:
    """Start ticking on the running event loop; cancel the task to stop. With
    ``tick_seconds`` 0 the task only waits to be cancelled."""
    registry = Registry(store, actor=ACTOR, clock=clock, policy=policy,
                        default_team=settings.registry.default_team)
    return asyncio.get_running_loop().create_task(_tick_forever(registry,
                                                                settings.tick_seconds))


async def _tick_forever(registry: Registry, seconds: float) -> None:
    if seconds <= 0:
        await asyncio.Event().wait()
    while True:
        await asyncio.sleep(seconds)
        try:
            moves = await run_in_threadpool(registry.experiments.tick)
        except StewardError as exc:  # a database away for a moment: try again next time
            log.warning("canary tick failed: %s", exc)
            moves = []
        for move in moves:
            if move.move != "hold":
                log.info("canary %s: %s (%s)", move.experiment, move.move, move.reason)
        try:
            due = await run_in_threadpool(registry.pipelines.check_triggers)
        except StewardError as exc:
            log.warning("retrain trigger check failed: %s", exc)
            continue
        for fired in due:
            log.info("retrain due %s: %s (%s)", fired.model, fired.key, fired.reason)
