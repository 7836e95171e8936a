"""Re-embedding plans: record them (carried by a deprecation plan, or for a consumer's move)
and refuse to move an embedding pin that none covers (``lock --upgrade``, ``audit --fix``).

Records live in the event log as ``model:reembedding:planned`` events about the model: they are
history, never edited, and the newest matching one is the plan in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modelsteward.domain import events as ev
from modelsteward.domain.deprecation import Coverage, DeprecationPlan
from modelsteward.domain.embedding import ReembeddingPlan, ReembeddingRecord, embedding_of
from modelsteward.domain.events import NewEvent
from modelsteward.errors import InvalidInput, ModelNotFound, NoMatchingVersion, ReembeddingRequired
from modelsteward.ports import Transaction
from modelsteward.service.context import Context
from modelsteward.service.resolution import Resolver


@dataclass(frozen=True)
class Move:
    """A consumer's model moving from ``model@version`` to ``target_model`` at
    ``target_version`` (``""`` when only the pin ``target_pin`` is known yet)."""

    model: str
    version: str
    target_model: str
    target_version: str = ""
    target_pin: str = ""

    @property
    def target(self) -> str:
        return f"{self.target_model}@{self.target_version or self.target_pin}"


class Reembeddings:
    def __init__(self, ctx: Context, resolver: Resolver) -> None:
        self.ctx = ctx
        self.resolver = resolver

    def record(self, source: str, plan: ReembeddingPlan, *, target: str = "",
               consumer: str = "") -> ReembeddingRecord:
        """Record ``plan`` for moving consumers of ``MODEL[@VERSION|@PIN]`` (``source``) to
        ``target`` (``MODEL@PIN``; anywhere when empty), or only ``consumer``'s move. Refused
        when the model is unknown or not an embedding model, or ``source`` matches nothing."""
        model_name, _, selector = source.partition("@")
        with self.ctx.store.write() as tx:
            model = tx.get_model(model_name)
            if model is None:
                raise ModelNotFound(model_name)
            if embedding_of(model) is None:
                raise InvalidInput(
                    f"{model.name} is not declared an embedding model, so moving its consumers "
                    "needs no re-embedding plan; declare it with `steward model create "
                    "--embedding-dimension N` when it is one.")
            if selector:
                pin = self.resolver.parse_pin(model, selector)
                if not any(pin.matches(v.id)  # type: ignore[arg-type]  # same scheme
                           for v in tx.list_versions(model.name)):
                    raise NoMatchingVersion(model.name, selector)
            if target:
                target_model, at, pin_text = target.partition("@")
                if not at or not pin_text:
                    raise InvalidInput(f"--to {target!r} must be MODEL@PIN, e.g. "
                                       f"{model.name}@^2.")
                found = tx.get_model(target_model)
                if found is None:
                    raise ModelNotFound(target_model)
                self.resolver.parse_pin(found, pin_text)
            if consumer and tx.get_consumer(consumer) is None:
                raise InvalidInput(f"There is no consumer {consumer!r}; list them with "
                                   "`steward consumer list`.")
            record = ReembeddingRecord(model.name, plan, selector, target, "", consumer)
            return self.write(tx, record)

    def write(self, tx: Transaction, record: ReembeddingRecord) -> ReembeddingRecord:
        """Append ``record`` to the log in ``tx`` (a deprecation plan's goes with its plan)."""
        subject = f"{record.model}@{record.source}" if record.source else record.model
        written = self.ctx.record(tx, NewEvent(ev.REEMBEDDING_PLANNED, subject,
                                               record.payload()))
        return ReembeddingRecord(record.model, record.plan, record.source, record.target,
                                 record.deprecation_plan, record.consumer, written[0].seq)

    def records_in(self, tx: Transaction, model: str) -> list[ReembeddingRecord]:
        """The re-embedding records about ``model``, oldest first."""
        found = []
        for event in tx.events(subject_prefix=model):
            if event.kind == ev.REEMBEDDING_PLANNED:
                record = ReembeddingRecord.from_event(event.payload, event.seq)
                if record is not None and record.model == model:
                    found.append(record)
        return found

    def for_plan(self, tx: Transaction, plan: DeprecationPlan) -> ReembeddingPlan | None:
        """The re-embedding plan a deprecation plan carries, if any."""
        if not plan.model:
            return None
        for record in reversed(self.records_in(tx, plan.model)):
            if record.deprecation_plan == plan.id:
                return record.plan
        return None

    def covering(self, tx: Transaction, move: Move,
                 consumer: str = "") -> ReembeddingRecord | None:
        """The newest record that covers ``move`` (by ``consumer`` when given): its source
        matches the version moved from (a deprecation plan's record: the plan covers it), its
        target names the model moved to and, when both are known, its pin matches the
        version moved to."""
        model = tx.get_model(move.model)
        if model is None:
            return None
        plans = {p.id: p for p in tx.plans(model.name)}
        for record in reversed(self.records_in(tx, move.model)):
            if record.consumer and record.consumer != consumer:
                continue
            if record.deprecation_plan:
                plan = plans.get(record.deprecation_plan)
                if plan is None or not Coverage.of(model, [plan]).newest(move.version):
                    continue
            elif record.source and not self._matches(tx, model.name, record.source,
                                                     move.version):
                continue
            if record.target and not self._reaches(tx, record.target, move):
                continue
            return record
        return None

    def _reaches(self, tx: Transaction, target: str, move: Move) -> bool:
        target_model, _, pin_text = target.partition("@")
        if target_model != move.target_model:
            return False
        if not move.target_version:
            return True
        return self._matches(tx, target_model, pin_text, move.target_version)

    def _matches(self, tx: Transaction, model_name: str, pin_text: str, version: str) -> bool:
        """Whether the pin ``pin_text`` of ``model_name`` matches its version ``version``."""
        model = tx.get_model(model_name)
        found = tx.get_version(model_name, version)
        if model is None or found is None:
            return False
        return self.resolver.parse_pin(model, pin_text).matches(found.id)  # type: ignore[arg-type]

    def check_moves(self, tx: Transaction, moves: Sequence[Move], consumer: str = "") -> None:
        """Raise :class:`ReembeddingRequired` for the first move of an embedding model (from
        or to one) to another version or model that no record covers."""
        for move in moves:
            if move.model == move.target_model and move.version == move.target_version:
                continue
            spec = None
            for name in (move.model, move.target_model):
                model = tx.get_model(name)
                spec = spec or (embedding_of(model) if model is not None else None)
            if spec is None:
                continue
            if self.covering(tx, move, consumer) is None:
                raise ReembeddingRequired(f"{move.model}@{move.version}", move.target,
                                          spec.describe())

