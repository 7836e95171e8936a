"""Consumer use cases: register consumers and their pins, and measure the impact of a change."""

from __future__ import annotations

from modelsteward.domain import events as ev
from modelsteward.domain.consumers import Affected, Consumer, ConsumerPin, Impact
from modelsteward.domain.deprecation import Phase
from modelsteward.domain.events import NewEvent
from modelsteward.domain.pins import Pin
from modelsteward.errors import (
    Conflict, InvalidInput, ModelNotFound, NoMatchingVersion, NotFound,
)
from modelsteward.ports import Transaction
from modelsteward.service.registry import Registry
from modelsteward.service.refs import split_ref


class ConsumerNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"No consumer is named {name!r}. List them with `steward consumer list`.")


class Consumers:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _check_pin(self, tx: Transaction, pin: ConsumerPin) -> str:
        """Parse ``pin`` for its model and return what it resolves to; refuse a pin that names an
        unknown model, does not parse, or resolves to nothing."""
        model = tx.get_model(pin.model)
        if model is None:
            raise ModelNotFound(pin.model)
        resolved = self.registry.resolve_in(tx, model, self.registry.parse_pin(model, pin.pin))
        if resolved is None:
            raise NoMatchingVersion(pin.model, pin.pin)
        plan = resolved.plan
        today = self.registry.clock.now().date()
        if plan is not None and plan.phase(today) in (Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED):
            instead = f" Pin {plan.replacement} instead." if plan.replacement else ""
            raise Conflict(f"{resolved.version.ref} passed its soft deadline ({plan.soft_deadline}"
                           f", {plan.reason.value}); new consumers may not adopt it.{instead}")
        return str(resolved.version.id)

    def add(self, consumer: Consumer) -> Consumer:
        """Register ``consumer`` with its pins; every pin must resolve today."""
        models = [p.model for p in consumer.pins]
        if len(set(models)) != len(models):
            raise InvalidInput(f"Consumer {consumer.name!r} names a model twice; use one pin per "
                               "model.")
        with self.registry.store.write() as tx:
            if tx.get_consumer(consumer.name) is not None:
                raise Conflict(f"A consumer named {consumer.name!r} already exists; change its "
                               f"pins with `steward consumer pin {consumer.name} MODEL PIN`.")
            resolved = {str(p): self._check_pin(tx, p) for p in consumer.pins}
            tx.add_consumer(consumer, self.registry.clock.now())
            self.registry.record(tx, NewEvent(ev.CONSUMER_REGISTERED, f"consumer:{consumer.name}", {
                "kind": consumer.kind.value, "team": consumer.team, "contact": consumer.contact,
                "environment": consumer.environment, "pins": resolved}))
        return consumer

    def pin(self, name: str, pin: ConsumerPin) -> str:
        """Make consumer ``name`` use ``pin`` (replacing its earlier pin of that model); return
        the version it resolves to."""
        with self.registry.store.write() as tx:
            if tx.get_consumer(name) is None:
                raise ConsumerNotFound(name)
            resolved = self._check_pin(tx, pin)
            tx.set_consumer_pin(name, pin)
            self.registry.record(tx, NewEvent(ev.CONSUMER_PINNED, f"consumer:{name}", {
                "model": pin.model, "pin": pin.pin, "resolves_to": resolved}))
        return resolved

    def unpin(self, name: str, model: str) -> None:
        with self.registry.store.write() as tx:
            found = tx.get_consumer(name)
            if found is None:
                raise ConsumerNotFound(name)
            if model not in {p.model for p in found.pins}:
                raise NotFound(f"Consumer {name!r} does not use {model!r}.")
            tx.remove_consumer_pin(name, model)
            self.registry.record(tx, NewEvent(ev.CONSUMER_UNPINNED, f"consumer:{name}",
                                               {"model": model}))

    def remove(self, name: str, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput("--reason is required: say why the consumer is removed.")
        with self.registry.store.write() as tx:
            found = tx.get_consumer(name)
            if found is None:
                raise ConsumerNotFound(name)
            tx.remove_consumer(name)
            self.registry.record(tx, NewEvent(ev.CONSUMER_REMOVED, f"consumer:{name}", {
                "reason": reason.strip(), "team": found.team,
                "pins": [str(p) for p in found.pins]}))

    def get(self, name: str) -> Consumer:
        with self.registry.store.read() as tx:
            found = tx.get_consumer(name)
        if found is None:
            raise ConsumerNotFound(name)
        return found

    def list(self, model: str = "") -> list[Consumer]:
        with self.registry.store.read() as tx:
            if model and tx.get_model(model) is None:
                raise ModelNotFound(model)
            return tx.list_consumers(model)

    def impact(self, target: str) -> Impact:
        """Who is affected by ``MODEL`` (every consumer of it), ``MODEL@VERSION`` (consumers whose
        pin resolves to that version now) or ``MODEL@PIN`` (consumers whose pin resolves to a
        version the pin matches)."""
        model_name, _, selector = target.partition("@")
        split_ref(model_name, version_required=False)
        with self.registry.store.read() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            chosen: Pin | None = None
            if selector:
                exact = tx.get_version(model_name, selector)
                chosen = self.registry.parse_pin(model, str(exact.id) if exact else selector)
            affected = []
            for consumer in tx.list_consumers(model_name):
                for pin in consumer.pins:
                    if pin.model != model_name:
                        continue
                    found = self.registry.resolve_in(tx, model,
                                                     self.registry.parse_pin(model, pin.pin))
                    resolved = str(found.version.id) if found else ""
                    if chosen is not None and not (resolved and chosen.matches_text(resolved)):
                        continue
                    affected.append(Affected(consumer, pin, resolved))
        return Impact(target, tuple(affected))
