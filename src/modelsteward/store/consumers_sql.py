"""Storage of consumers and their pins. Mixed into ``SqlTransaction``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.batches import chunks
from modelsteward.store.tables import consumer_pins, consumers, models

# the consumers pinning any of a few models (by name), built once
_CONSUMERS_OF = (select(consumer_pins.c.consumer_id).distinct()
                 .join(models, models.c.id == consumer_pins.c.model_id)
                 .where(models.c.name.in_(bindparam("names", expanding=True))))


class ConsumerQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.ConsumerRecords`."""

    def add_consumer(self, consumer: Consumer, at: datetime) -> None:
        consumer_id = str(uuid.uuid4())
        self.c.execute(insert(consumers).values(
            id=consumer_id, name=consumer.name, kind=consumer.kind.value, team=consumer.team,
            contact=consumer.contact, environment=consumer.environment, created_at=at))
        for pin in consumer.pins:
            self._insert_pin(consumer_id, pin)

    def _insert_pin(self, consumer_id: str, pin: ConsumerPin) -> None:
        model_id, _ = self._model_key(pin.model)
        self.c.execute(insert(consumer_pins).values(id=str(uuid.uuid4()), consumer_id=consumer_id,
                                                    model_id=model_id, pin=pin.pin))

    def _consumer_id(self, name: str) -> str | None:
        found = self.c.execute(select(consumers.c.id).where(consumers.c.name == name)).scalar()
        return str(found) if found is not None else None

    def set_consumer_pin(self, name: str, pin: ConsumerPin) -> None:
        """Use ``pin.model`` at ``pin.pin`` from now on (replacing an earlier pin of it)."""
        consumer_id = self._consumer_id(name)
        assert consumer_id is not None
        model_id, _ = self._model_key(pin.model)
        self.c.execute(delete(consumer_pins).where(consumer_pins.c.consumer_id == consumer_id,
                                                   consumer_pins.c.model_id == model_id))
        self._insert_pin(consumer_id, pin)

    def remove_consumer_pin(self, name: str, model: str) -> None:
        consumer_id = self._consumer_id(name)
        model_id, _ = self._model_key(model)
        self.c.execute(delete(consumer_pins).where(consumer_pins.c.consumer_id == consumer_id,
                                                   consumer_pins.c.model_id == model_id))

    def remove_consumer(self, name: str) -> None:
        consumer_id = self._consumer_id(name)
        self.c.execute(delete(consumer_pins).where(consumer_pins.c.consumer_id == consumer_id))
        self.c.execute(delete(consumers).where(consumers.c.id == consumer_id))

    def get_consumer(self, name: str) -> Consumer | None:
        found = self._load(select(consumers).where(consumers.c.name == name))
        return found[0] if found else None

    def list_consumers(self, model: str = "", *, after: str = "",
                       limit: int | None = None) -> list[Consumer]:
        """Every consumer (of ``model`` when given), by name; a keyset page (through the
        unique index on the name) with ``after`` and ``limit``."""
        query = select(consumers)
        if model:
            model_id, _ = self._model_key(model)
            query = query.where(consumers.c.id.in_(
                select(consumer_pins.c.consumer_id).where(consumer_pins.c.model_id == model_id)))
        if after:
            query = query.where(consumers.c.name > after)
        query = query.order_by(consumers.c.name)
        if limit is not None:
            query = query.limit(max(limit, 0))
        return self._load(query, every=not model and not after and limit is None)

    def consumers_of(self, models: Sequence[str]) -> dict[str, list[Consumer]]:
        wanted = set(models)
        ids: set[str] = set()
        for chunk in chunks(sorted(wanted)):
            ids.update(str(row.consumer_id)
                       for row in self.c.execute(_CONSUMERS_OF, {"names": list(chunk)}))
        found: dict[str, list[Consumer]] = {}
        for chunk in chunks(sorted(ids)):
            for consumer in self._load(select(consumers).where(consumers.c.id.in_(chunk))
                                       .order_by(consumers.c.name)):
                for pin in consumer.pins:
                    if pin.model in wanted:
                        found.setdefault(pin.model, []).append(consumer)
        for listed in found.values():
            listed.sort(key=lambda c: c.name)
        return found

    def _load(self, query: Any, every: bool = False) -> list[Consumer]:
        """The consumers ``query`` selects, with their pins; ``every`` when it selects them
        all, so that their pins are read without naming thousands of ids."""
        rows = self.c.execute(query).all()
        if not rows:
            return []
        pins: dict[str, list[ConsumerPin]] = {}
        pin_query = (select(consumer_pins.c.consumer_id, models.c.name, consumer_pins.c.pin)
                     .join(models, models.c.id == consumer_pins.c.model_id)
                     .order_by(models.c.name))
        if not every:
            pin_query = pin_query.where(consumer_pins.c.consumer_id.in_([r.id for r in rows]))
        for consumer_id, model_name, pin in self.c.execute(pin_query):
            pins.setdefault(str(consumer_id), []).append(ConsumerPin(str(model_name), str(pin)))
        return [Consumer(r.name, ConsumerKind(r.kind), r.team, r.contact, r.environment,
                         tuple(pins.get(r.id, []))) for r in rows]
