"""Walks over whole tables in keyset batches, so that a use case that visits every model or
every plan holds one batch at a time: its memory stays flat however large the registry grows.

Each walk reads :data:`BATCH` rows a statement (a module attribute, read at each call, so that
tests can make it small) and yields them in the store's order, exactly as one read of the whole
table would have listed them."""

from __future__ import annotations

from collections.abc import Iterator

from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.model import Model
from modelsteward.ports import Transaction

BATCH = 500  # rows a statement: a few hundred kilobytes of records at most


def models_of(tx: Transaction) -> Iterator[Model]:
    """Every live model, by name (:meth:`~modelsteward.ports.Catalog.list_models`' order)."""
    size, after = BATCH, ""
    while True:
        batch = tx.list_models(after=after, limit=size)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1].name


def model_batches(tx: Transaction) -> Iterator[list[Model]]:
    """:func:`models_of` a batch at a time (the last one may be empty)."""
    size, after = BATCH, ""
    while True:
        batch = tx.list_models(after=after, limit=size)
        yield batch
        if len(batch) < size:
            return
        after = batch[-1].name


def plans_of(tx: Transaction, *, by_model: bool = False) -> Iterator[DeprecationPlan]:
    """Every deprecation plan, deleted models' too, oldest first (the order of
    :meth:`~modelsteward.ports.DeprecationRecords.plans`) or, with ``by_model``, by model name
    and then oldest first."""
    size: int = BATCH
    after: DeprecationPlan | None = None
    while True:
        batch = tx.plans_page(after, limit=size, by_model=by_model)
        yield from batch
        if len(batch) < size:
            return
        after = batch[-1]


def unplanned_models(tx: Transaction) -> Iterator[str]:
    """The names of the live models with neither a deprecation plan nor a support policy, by
    name."""
    size, after = BATCH, ""
    while True:
        names, _ = tx.models_without_plan(limit=size, count_up_to=0, after=after)
        yield from names
        if len(names) < size:
            return
        after = names[-1]
