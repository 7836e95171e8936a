"""Deletion with migration: a model or version is taken out of use, every consumer pin on it is
moved to the replacement (or cleared), each team is told once with counts, and the record stays
as a tombstone for audit."""

from __future__ import annotations

from datetime import datetime

from modelsteward.domain import events as ev
from modelsteward.domain.consumers import ConsumerPin
from modelsteward.domain.events import NewEvent
from modelsteward.domain.model import Model
from modelsteward.domain.notices import Notice
from modelsteward.errors import Conflict, InvalidInput, ModelNotFound, NotFound
from modelsteward.ports import Transaction
from modelsteward.results import DeletionReport, PinChange, PinKept
from modelsteward.service.context import Context
from modelsteward.service.replacement import eligible_replacement
from modelsteward.service.resolution import Resolver


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that nothing is written."""

    def __init__(self, report: DeletionReport) -> None:
        self.report = report


class Deletions:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def delete(self, target: str, *, reason: str, replacement: str = "",
               dry_run: bool = False) -> DeletionReport:
        """Delete ``MODEL`` or ``MODEL@VERSION``.

        With a replacement, every pin on the model (or that resolves to the version) moves to
        it. Without one, a model's pins are cleared; of the pins that resolve to a deleted
        version, only those that resolve to nothing once it is gone are cleared — the others
        are kept and reported in :attr:`DeletionReport.unchanged` with what they resolve to
        now. Refused when the replacement does not exist, is deleted, gives no eligible
        version, resolves to what is being deleted (a cycle) or is the deleted model."""
        if not reason.strip():
            raise InvalidInput("--reason is required: say why it is deleted.")
        try:
            with self.ctx.store.write() as tx:
                report = self._delete(tx, target, reason.strip(), replacement, dry_run)
                if dry_run:
                    raise _DryRun(report)
        except _DryRun as done:
            return done.report
        return report

    def _delete(self, tx: Transaction, target: str, reason: str, replacement: str,
                dry_run: bool) -> DeletionReport:
        model_name, _, version = target.partition("@")
        model = tx.get_model(model_name)
        if model is None:
            if tx.get_model(model_name, include_deleted=True) is not None:
                raise Conflict(f"{model_name} is already deleted; see `steward log "
                               f"{model_name}` or `steward model show {model_name} "
                               "--include-deleted`.")
            raise ModelNotFound(model_name)
        if version and tx.get_version(model_name, version) is None:
            if tx.get_version(model_name, version, include_deleted=True) is not None:
                raise Conflict(f"{target} is already deleted.")
            raise NotFound(f"Model {model_name!r} has no version {version!r}.")
        new_pin = self._replacement(tx, model_name, version, replacement)
        pins = [(consumer, pin) for consumer in tx.list_consumers(model_name)
                for pin in consumer.pins if pin.model == model_name]
        if version:
            # the pins that give the version now, and what each gives once it is gone
            pins = [(c, p) for c, p in pins if self._gives(tx, model, p) == version]
        held = [a for a in tx.current_aliases(model_name) if not version or a.version == version]
        now = self.ctx.clock.now()
        # a dry run is rolled back with its transaction, so it may mark the tombstone too:
        # what still resolves afterwards is then computed exactly as for the real deletion
        tx.mark_deleted(model_name, version, now)
        changes, unchanged = [], []
        for consumer, pin in pins:
            after_deletion = self._gives(tx, model, pin) if version else ""
            if after_deletion and not new_pin:
                unchanged.append(PinKept(consumer.name, consumer.team, pin, after_deletion))
                continue
            keeps = {p.model for p in consumer.pins} - {model_name}
            after = new_pin if new_pin and new_pin.model not in keeps else None
            changes.append(PinChange(consumer.name, consumer.team, pin, after))
        report = DeletionReport(target, replacement, tuple(changes),
                                tuple(f"{a.alias}→{a.version}" for a in held), dry_run,
                                tuple(unchanged))
        if dry_run:
            return report
        for assignment in held:
            tx.remove_alias(model_name, assignment.alias, assignment.version, now)
        for change in changes:
            if change.after is None:
                tx.remove_consumer_pin(change.consumer, model_name)
            elif change.after.model == model_name:
                tx.set_consumer_pin(change.consumer, change.after)
            else:
                tx.remove_consumer_pin(change.consumer, model_name)
                tx.set_consumer_pin(change.consumer, change.after)
            self.ctx.record(tx, NewEvent(ev.CONSUMER_PINNED, f"consumer:{change.consumer}", {
                "model": change.before.model, "from": change.before.pin,
                "to": str(change.after) if change.after else None,
                "reason": f"{target} deleted"}))
        self.ctx.record(tx, NewEvent(
            ev.VERSION_DELETED if version else ev.MODEL_DELETED, target, {
                "reason": reason, "replacement": replacement or None,
                "consumers_moved": len(changes), "by_team": report.by_team,
                "consumers_kept": len(unchanged),
                "aliases_removed": list(report.aliases_removed)}))
        for team in sorted({c.team for c in changes} | {k.team for k in unchanged}):
            tx.add_notice(self._notice(report, team, model_name, reason, now))
        return report

    def _gives(self, tx: Transaction, model: Model, pin: ConsumerPin) -> str:
        """The version of ``model`` ``pin`` resolves to now, by the registry's resolution
        (eligible versions only for a non-strict pin); ``""`` for none or another model's."""
        found = self.resolver.resolve_in(tx, model, self.resolver.parse_pin(model, pin.pin))
        if found is None or found.version.model != model.name:
            return ""
        return str(found.version.id)

    @staticmethod
    def _notice(report: DeletionReport, team: str, model_name: str, reason: str,
                now: datetime) -> Notice:
        """The one notice ``team`` gets: which of its pins moved or were cleared, and which
        still resolve (to what) and were kept."""
        names = sorted(c.consumer for c in report.changes if c.team == team)
        kept = [k for k in report.unchanged if k.team == team]
        told = [f"{report.target} was deleted ({reason})."]
        if names:
            moved = (f"moved to {report.replacement}" if report.replacement
                     else "cleared (no replacement was given)")
            told.append(f"{len(names)} of your consumer pins were {moved}: {', '.join(names)}.")
        if kept:
            told.append(f"{len(kept)} of your consumer pins still resolve and were kept: "
                        + ", ".join(f"{k.consumer} ({k.pin.pin} → {k.resolves_to})"
                                    for k in sorted(kept, key=lambda k: k.consumer)) + ".")
        return Notice(
            f"deletion:{report.target}:{team}", team, model_name, "deletion", " ".join(told),
            {"target": report.target, "replacement": report.replacement or None,
             "changed": len(names), "consumers": names, "kept": len(kept),
             "kept_consumers": {k.consumer: k.resolves_to for k in kept}}, now)

    def _replacement(self, tx: Transaction, model_name: str, version: str,
                     replacement: str) -> ConsumerPin | None:
        if not replacement:
            return None
        target_model, at, pin = replacement.partition("@")
        if not at or not pin:
            raise InvalidInput(f"--replacement {replacement!r} must be MODEL@PIN.")
        if not version and target_model == model_name:
            raise Conflict(f"{model_name} cannot be replaced by itself: it is the model being "
                           "deleted. Name another model.")
        found = tx.get_model(target_model)
        if found is None:
            if tx.get_model(target_model, include_deleted=True) is not None:
                raise Conflict(f"The replacement {target_model} is itself deleted; replacing with "
                               "it would lead nowhere. Name a model in use.")
            raise ModelNotFound(target_model)
        resolved = eligible_replacement(self.resolver, tx, found, pin, replacement).version
        if version and target_model == model_name and str(resolved.id) == version:
            raise Conflict(f"The replacement {replacement} resolves to {model_name}@{version}, "
                           "the version being deleted; name a pin that excludes it.")
        return ConsumerPin(target_model, pin)
