"""Support windows at work: reminders before a version's end of active support, sent by
``tick`` with the deadline reminders (see :mod:`modelsteward.domain.support`).

A reminder goes only to versions still in use — one holding ``production``, or one a
consumer's pin resolves to — and to the teams concerned: the owner team, and every team whose
consumers resolve to it. Each is written once per version, team, date and number of days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from modelsteward.domain.lifecycle import UNRESOLVABLE
from modelsteward.domain.support import due_support_reminder, support_notice, support_window
from modelsteward.ports import Transaction
from modelsteward.service.batches import models_of
from modelsteward.service.context import Context
from modelsteward.service.lifecycle import PRODUCTION
from modelsteward.service.reach import affected_teams
from modelsteward.service.resolution import Resolver


class SupportReminders:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def remind_in(self, tx: Transaction, reminder_days: Sequence[int], today: date) -> int:
        """Write the end-of-support reminders due ``today`` in ``tx``, ``reminder_days`` days
        before each in-use version's end of active support; returns how many were new."""
        now = self.ctx.clock.now()
        created = 0
        for model in models_of(tx):  # in keyset batches
            if model.support.active_months is None:
                continue
            holders = tx.current_aliases(model.name, PRODUCTION)
            in_production = {h.version for h in holders}
            for version in tx.list_versions(model.name):
                if version.stage in UNRESOLVABLE:
                    continue
                window = support_window(model, version)
                due = (due_support_reminder(window, today, reminder_days)
                       if window is not None else None)
                if due is None:
                    continue
                teams = {team: [c.name for c in consumers] for team, consumers
                         in affected_teams(self.resolver, tx, model, [version]).items()}
                serving = str(version.id) in in_production
                if not teams and not serving:
                    continue  # nobody uses it: nothing to remind
                owner = model.owner_team or self.ctx.default_team
                teams.setdefault(owner, [])
                for team, names in sorted(teams.items()):
                    created += tx.add_notice(support_notice(
                        model, due, team, names, serving and team == owner, now))
        return created
