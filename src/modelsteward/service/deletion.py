"""Deletion with migration: a model or version is taken out of use, every consumer pin on it is
moved to the replacement (or cleared), each team is told once with counts, and the record stays
as a tombstone for audit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from modelsteward.domain import events as ev
from modelsteward.domain.consumers import ConsumerPin
from modelsteward.domain.events import NewEvent
from modelsteward.domain.notices import Notice
from modelsteward.errors import Conflict, InvalidInput, ModelNotFound, NoMatchingVersion, NotFound
from modelsteward.ports import Transaction
from modelsteward.service.registry import Registry, first_match


@dataclass(frozen=True)
class PinChange:
    consumer: str
    team: str
    before: ConsumerPin
    after: ConsumerPin | None  # None: the pin is cleared


@dataclass(frozen=True)
class DeletionReport:
    target: str
    replacement: str
    changes: tuple[PinChange, ...]
    aliases_removed: tuple[str, ...]
    dry_run: bool

    @property
    def by_team(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for change in self.changes:
            counts[change.team] += 1
        return dict(sorted(counts.items()))


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that nothing is written."""

    def __init__(self, report: DeletionReport) -> None:
        self.report = report


class Deletions:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def delete(self, target: str, *, reason: str, replacement: str = "",
               dry_run: bool = False) -> DeletionReport:
        """Delete ``MODEL`` or ``MODEL@VERSION``. Refused when the replacement does not exist,
        is deleted, resolves to what is being deleted (a cycle) or is the deleted model."""
        if not reason.strip():
            raise InvalidInput("--reason is required: say why it is deleted.")
        try:
            with self.registry.store.write() as tx:
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
        changes = []
        for consumer in tx.list_consumers(model_name):
            for pin in consumer.pins:
                if pin.model != model_name:
                    continue
                if version:
                    current = first_match(tx, model_name, self.registry.parse_pin(model, pin.pin))
                    if current is None or str(current.id) != version:
                        continue
                keeps = {p.model for p in consumer.pins} - {model_name}
                after = new_pin if new_pin and new_pin.model not in keeps else None
                changes.append(PinChange(consumer.name, consumer.team, pin, after))
        held = [a for a in tx.current_aliases(model_name) if not version or a.version == version]
        report = DeletionReport(target, replacement, tuple(changes),
                                tuple(f"{a.alias}→{a.version}" for a in held), dry_run)
        if dry_run:
            return report
        now = self.registry.clock.now()
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
            self.registry.record(tx, NewEvent(ev.CONSUMER_PINNED, f"consumer:{change.consumer}", {
                "model": change.before.model, "from": change.before.pin,
                "to": str(change.after) if change.after else None,
                "reason": f"{target} deleted"}))
        tx.mark_deleted(model_name, version, now)
        self.registry.record(tx, NewEvent(
            ev.VERSION_DELETED if version else ev.MODEL_DELETED, target, {
                "reason": reason, "replacement": replacement or None,
                "consumers_moved": len(changes), "by_team": report.by_team,
                "aliases_removed": list(report.aliases_removed)}))
        for team, count in report.by_team.items():
            names = sorted(c.consumer for c in changes if c.team == team)
            moved = (f"moved to {replacement}" if replacement
                     else "cleared (no replacement was given)")
            tx.add_notice(Notice(
                f"deletion:{target}:{team}", team, model_name, "deletion",
                f"{target} was deleted ({reason}). {count} of your consumer pins were {moved}: "
                f"{', '.join(names)}.",
                {"target": target, "replacement": replacement or None, "changed": count,
                 "consumers": names}, now))
        return report

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
        resolved = first_match(tx, target_model, self.registry.parse_pin(found, pin))
        if resolved is None:
            raise NoMatchingVersion(target_model, pin)
        if version and target_model == model_name and str(resolved.id) == version:
            raise Conflict(f"The replacement {replacement} resolves to {model_name}@{version}, "
                           "the version being deleted; name a pin that excludes it.")
        return ConsumerPin(target_model, pin)
