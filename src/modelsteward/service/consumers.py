"""Consumer use cases: register consumers and their pins, and measure the impact of a change."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from modelsteward.domain import events as ev
from modelsteward.domain.consumers import (
    Affected,
    Consumer,
    ConsumerPin,
    ConsumerStatus,
    Impact,
    PinStatus,
)
from modelsteward.domain.deprecation import DeprecationPlan, Phase
from modelsteward.domain.events import NewEvent
from modelsteward.domain.model import Model, Version
from modelsteward.domain.pins import Pin
from modelsteward.domain.refs import split_ref
from modelsteward.errors import (
    Conflict,
    ConsumerNotFound,
    InvalidInput,
    ModelNotFound,
    NoMatchingVersion,
    NotFound,
    PinNoLongerResolves,
    StewardError,
    Unresolvable,
)
from modelsteward.ports import Transaction
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver


class Consumers:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def _check_pin(self, tx: Transaction, pin: ConsumerPin) -> PinStatus:
        """Parse ``pin`` for its model and return what it resolves to; refuse a pin that names an
        unknown model, does not parse, resolves to nothing (:class:`PinNoLongerResolves` says
        why when versions match it) or adopts a version past its soft deadline.

        A non-strict pin resolves only to an eligible version. An exact pin naming a version
        that is not eligible is accepted — it names exactly what the consumer runs, and
        refusing it would hide that — but the status says why the version is not eligible, so
        callers warn and the event records it."""
        model = tx.get_model(pin.model)
        if model is None:
            raise ModelNotFound(pin.model)
        parsed = self.resolver.parse_pin(model, pin.pin)
        resolved = self.resolver.resolve_in(tx, model, parsed)
        if resolved is None:
            why = self.resolver.unresolvable_in(tx, model, parsed)
            if why is not None:
                raise PinNoLongerResolves(pin.model, pin.pin, why)
            raise NoMatchingVersion(pin.model, pin.pin)
        plan = resolved.plan
        today = self.ctx.clock.now().date()
        if plan is not None and plan.phase(today) in (Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED):
            instead = f" Pin {plan.replacement} instead." if plan.replacement else ""
            raise Conflict(f"{resolved.version.ref} passed its soft deadline ({plan.soft_deadline}"
                           f", {plan.reason.value}); new consumers may not adopt it.{instead}")
        return _status_of(model, resolved.version.model, str(resolved.version.id),
                          resolved.ineligible)

    def status_in(self, tx: Transaction, pin: ConsumerPin, *,
                  known: tuple[Model | None, Sequence[DeprecationPlan]] | None = None
                  ) -> PinStatus:
        """What ``pin`` gives now (see :class:`PinStatus`): never raises for a pin that no
        longer resolves, it says why instead. ``known``: the pinned model (``None`` when not
        live) and its plans, when read already."""
        model = tx.get_model(pin.model) if known is None else known[0]
        if model is None:  # deletion clears the pins of a deleted model; this is a safety net
            return PinStatus(unresolvable=Unresolvable(pin.model, "deleted", "",
                                                       "the model is deleted"))
        parsed = self.resolver.parse_pin(model, pin.pin)
        found = self.resolver.resolve_in(tx, model, parsed,
                                         plans=None if known is None else known[1])
        if found is None:
            return PinStatus(unresolvable=self.resolver.unresolvable_in(tx, model, parsed))
        return _status_of(model, found.version.model, str(found.version.id), found.ineligible)

    def add(self, consumer: Consumer) -> Consumer:
        """Register ``consumer`` with its pins; every pin must resolve today."""
        with self.ctx.store.write() as tx:
            return self.add_in(tx, consumer)

    def add_in(self, tx: Transaction, consumer: Consumer) -> Consumer:
        """:meth:`add` within the write transaction ``tx`` (several consumers in one)."""
        models = [p.model for p in consumer.pins]
        if len(set(models)) != len(models):
            raise InvalidInput(f"Consumer {consumer.name!r} names a model twice; use one pin per "
                               "model.")
        if tx.get_consumer(consumer.name) is not None:
            raise Conflict(f"A consumer named {consumer.name!r} already exists; change its "
                           f"pins with `steward consumer pin {consumer.name} MODEL PIN`.")
        statuses = {str(p): self._check_pin(tx, p) for p in consumer.pins}
        tx.add_consumer(consumer, self.ctx.clock.now())
        ineligible = {pin: s.ineligible for pin, s in statuses.items() if s.ineligible}
        self.ctx.record(tx, NewEvent(ev.CONSUMER_REGISTERED, f"consumer:{consumer.name}", {
            "kind": consumer.kind.value, "team": consumer.team, "contact": consumer.contact,
            "environment": consumer.environment,
            "pins": {pin: s.resolves_to for pin, s in statuses.items()},
            **({"ineligible": ineligible} if ineligible else {})}))
        return consumer

    def pin(self, name: str, pin: ConsumerPin) -> PinStatus:
        """Make consumer ``name`` use ``pin`` (replacing its earlier pin of that model); return
        what it resolves to — with why the version is not eligible when an exact pin names
        such a version (accepted, and recorded in the event)."""
        with self.ctx.store.write() as tx:
            if tx.get_consumer(name) is None:
                raise ConsumerNotFound(name)
            resolved = self._check_pin(tx, pin)
            tx.set_consumer_pin(name, pin)
            self.ctx.record(tx, NewEvent(ev.CONSUMER_PINNED, f"consumer:{name}", {
                "model": pin.model, "pin": pin.pin, "resolves_to": resolved.resolves_to,
                **({"ineligible": resolved.ineligible} if resolved.ineligible else {})}))
        return resolved

    def unpin(self, name: str, model: str) -> None:
        with self.ctx.store.write() as tx:
            found = tx.get_consumer(name)
            if found is None:
                raise ConsumerNotFound(name)
            if model not in {p.model for p in found.pins}:
                raise NotFound(f"Consumer {name!r} does not use {model!r}.")
            tx.remove_consumer_pin(name, model)
            self.ctx.record(tx, NewEvent(ev.CONSUMER_UNPINNED, f"consumer:{name}",
                                               {"model": model}))

    def remove(self, name: str, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput("--reason is required: say why the consumer is removed.")
        with self.ctx.store.write() as tx:
            found = tx.get_consumer(name)
            if found is None:
                raise ConsumerNotFound(name)
            tx.remove_consumer(name)
            self.ctx.record(tx, NewEvent(ev.CONSUMER_REMOVED, f"consumer:{name}", {
                "reason": reason.strip(), "team": found.team,
                "pins": [str(p) for p in found.pins]}))

    def get(self, name: str) -> Consumer:
        with self.ctx.store.read() as tx:
            found = tx.get_consumer(name)
        if found is None:
            raise ConsumerNotFound(name)
        return found

    def show(self, name: str) -> ConsumerStatus:
        """Consumer ``name`` with what each pin gives now; a pin that no longer resolves says
        why (version, state, since, reason, replacement) instead of failing."""
        with self.ctx.store.read() as tx:
            found = tx.get_consumer(name)
            if found is None:
                raise ConsumerNotFound(name)
            return ConsumerStatus(found, tuple((p, self.status_in(tx, p)) for p in found.pins))

    def statuses(self, consumers: Sequence[Consumer]) -> list[ConsumerStatus]:
        """:meth:`show` of each of ``consumers`` (as read already), in one read transaction:
        a page of consumers resolves its pins without reading each consumer again."""
        with self.ctx.store.read() as tx:
            # the pinned models and their plans read for all pins at once
            names = {p.model for c in consumers for p in c.pins}
            models, plans = tx.get_models(names), tx.plans_of(names)
            return [ConsumerStatus(c, tuple(
                (p, self.status_in(tx, p, known=(models.get(p.model), plans[p.model])))
                for p in c.pins)) for c in consumers]

    def list(self, model: str = "") -> list[Consumer]:
        with self.ctx.store.read() as tx:
            if model and tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.list_consumers(model)

    def page(self, model: str = "", *, after: str = "",
             limit: int = 100) -> builtins.list[Consumer]:
        """The ``limit`` consumers (of ``model`` when given) named after ``after``, by name: one
        keyset read, whatever the number of consumers. ModelNotFound for an unknown ``model``."""
        with self.ctx.store.read() as tx:
            if model and tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.list_consumers(model, after=after, limit=limit)

    def impact(self, target: str) -> Impact:
        """Who is affected by ``MODEL`` (every consumer of it), ``MODEL@VERSION`` (consumers whose
        pin resolves to that version now) or ``MODEL@PIN`` (consumers whose pin resolves to a
        version the pin matches). A pin that no longer resolves is reported with why; it counts
        for ``MODEL@VERSION`` / ``MODEL@PIN`` when the version it would have given matches."""
        with self.ctx.store.read() as tx:
            return self._impact_in(tx, target)

    def impacts(self, targets: Sequence[str]) -> dict[str, Impact]:
        """:meth:`impact` of each of ``targets``, in one read transaction; a target whose
        impact cannot be told (an unknown model or version, a package URL) is left out."""
        found: dict[str, Impact] = {}
        with self.ctx.store.read() as tx:
            # the models, the versions named and the consumers of those models read for all
            # targets at once; a target whose model is not found is read again alone (and left
            # out as before)
            parts = [target.partition("@") for target in targets]
            models = tx.get_models({name for name, _, _ in parts})
            versions = tx.get_versions([(name, selector) for name, _, selector in parts
                                        if selector and name in models])
            consumers = tx.consumers_of(list(models))
            for target, (name, _, selector) in zip(targets, parts, strict=True):
                try:
                    if name not in models:
                        found[target] = self._impact_in(tx, target)
                        continue
                    split_ref(name, version_required=False)
                    exact = versions.get(f"{name}@{selector}") if selector else None
                    found[target] = self._impact_of(tx, target, models[name], selector, exact,
                                                    consumers.get(name, []))
                except StewardError:
                    continue
        return found

    def _impact_in(self, tx: Transaction, target: str) -> Impact:
        model_name, _, selector = target.partition("@")
        split_ref(model_name, version_required=False)
        model = tx.get_model(model_name)
        if model is None:
            raise ModelNotFound(model_name)
        exact = tx.get_version(model_name, selector) if selector else None
        return self._impact_of(tx, target, model, selector, exact,
                               tx.list_consumers(model_name))

    def _impact_of(self, tx: Transaction, target: str, model: Model, selector: str,
                   exact: Version | None, consumers: Sequence[Consumer]) -> Impact:
        """:meth:`impact` of ``target`` on ``model``, with the version its ``selector`` names
        (``exact``, when it names one) and the consumers of the model, as read already."""
        chosen: Pin | None = None
        if selector:
            chosen = self.resolver.parse_pin(model, str(exact.id) if exact else selector)
        affected = []
        for consumer in consumers:
            for pin in consumer.pins:
                if pin.model != model.name:
                    continue
                status = self.status_in(tx, pin)
                if chosen is not None and not _chosen(chosen, model, status):
                    continue
                affected.append(Affected(consumer, pin, status.resolves_to,
                                         status.ineligible, status.unresolvable))
        return Impact(target, tuple(affected))


def _status_of(model: Model, version_model: str, version: str, ineligible: str) -> PinStatus:
    """A resolved pin's status: the version id, or ``model@version`` when a redirect left the
    model."""
    shown = version if version_model == model.name else f"{version_model}@{version}"
    return PinStatus(shown, ineligible)


def _chosen(chosen: Pin, model: Model, status: PinStatus) -> bool:
    """Whether the version ``status`` gives — or, when nothing resolves, would have given — is
    one ``chosen`` matches."""
    if status.resolves_to:
        return "@" not in status.resolves_to and chosen.matches_text(status.resolves_to)
    if status.unresolvable is None:
        return False
    name, _, version = status.unresolvable.version.partition("@")
    return name == model.name and bool(version) and chosen.matches_text(version)
