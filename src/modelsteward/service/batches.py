"""Walks over whole tables in keyset batches, so that a use case that visits every model or
every plan holds one batch at a time: its memory stays flat however large the registry grows.

Each walk reads :data:`BATCH` rows a statement (a module attribute, read at each call, so that
tests can make it small) and yields them in the store's order, exactly as one read of the whole
table would have listed them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import TypeVar

from modelsteward.domain.deprecation import DeprecationPlan
from modelsteward.domain.model import Model
from modelsteward.ports import Transaction

BATCH = 500  # rows a statement: a few hundred kilobytes of records at most

T = TypeVar("T")
K = TypeVar("K")


def keyset_pages(read: Callable[[K, int], list[T]], first: K, key: Callable[[T], K],
                 size: int | None = None) -> Iterator[list[T]]:
    """The pages ``read(after, size)`` gives, from ``after=first``, each next one after
    ``key`` of the last row of the one before, until one holds fewer than ``size``
    (default :data:`BATCH`, read at the call) rows; the last page may be empty."""
    size = size or BATCH
    after = first
    while True:
        page = read(after, size)
        yield page
        if len(page) < size:
            return
        after = key(page[-1])


def model_batches(tx: Transaction) -> Iterator[list[Model]]:
    """Every live model, by name (:meth:`~modelsteward.ports.Catalog.list_models`' order), a
    batch at a time (the last one may be empty)."""
    return keyset_pages(lambda after, size: tx.list_models(after=after, limit=size), "",
                        lambda model: model.name)


def models_of(tx: Transaction) -> Iterator[Model]:
    """:func:`model_batches` a model at a time."""
    return chain.from_iterable(model_batches(tx))


def plans_of(tx: Transaction, *, by_model: bool = False) -> Iterator[DeprecationPlan]:
    """Every deprecation plan, deleted models' too, oldest first (the order of
    :meth:`~modelsteward.ports.DeprecationRecords.plans`) or, with ``by_model``, by model name
    and then oldest first."""
    first: DeprecationPlan | None = None
    return chain.from_iterable(keyset_pages(
        lambda after, size: tx.plans_page(after, limit=size, by_model=by_model), first,
        lambda plan: plan))


def unplanned_models(tx: Transaction) -> Iterator[str]:
    """The names of the live models with neither a deprecation plan nor a support policy, by
    name."""
    return chain.from_iterable(keyset_pages(
        lambda after, size: tx.models_without_plan(limit=size, count_up_to=0, after=after)[0],
        "", lambda name: name))
