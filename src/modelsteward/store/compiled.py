"""Compiled statements shared by every engine of the process whose dialect is set up alike.

SQLAlchemy keeps the statements an engine has compiled in a cache of that engine, under keys
that hold the engine's dialect object. A process that opens many databases (a library's
tests, a tool with a registry per team, the tests of this package) therefore compiles every
statement again for each database it opens: about 40 ms of a short test on SQLite.

The engines of :func:`~modelsteward.store.engine.make_engine` share :data:`STATEMENTS`
instead (given as the ``compiled_cache`` execution option). Its keys hold the dialect's
*likeness* in place of the dialect: its class and every plain value it holds once it has met
its server (server version, parameter style, isolation level, the features it found), learnt
by :func:`learn_likeness` when the engine's first connection has been set up. Two dialects
alike compile every statement to the same SQL with the same processors, so a statement
compiled for one is right for the other. A dialect whose likeness is not known yet, and a
statement compiled with a schema translation map, keep their own entries, as before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable, Iterator, MutableMapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.util import LRUCache

CAPACITY = 2000
"""How many compiled statements the process keeps (SQLAlchemy keeps 500 per engine)."""

# the values of a dialect that are part of its likeness: plain ones, and tuples of them
_PLAIN = (bool, int, float, str, type(None))
# a dialect's default schema only matters to a statement compiled with a schema translation
# map, which keeps its own entry: a PostgreSQL search_path does not make dialects unalike
_UNLIKE = frozenset({"default_schema_name"})

_likeness: weakref.WeakKeyDictionary[Dialect, Hashable] = weakref.WeakKeyDictionary()
_likeness_lock = threading.Lock()


def _plain(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, _PLAIN)


def likeness(dialect: Dialect) -> Hashable:
    """What makes ``dialect`` compile as it does: its class, the names of the classes of its
    other parts, and its plain values (but its default schema)."""
    state = vars(dialect)
    plain = tuple(sorted((name, value) for name, value in state.items()
                         if name not in _UNLIKE and _plain(value)))
    parts = tuple(sorted((name, type(value).__qualname__) for name, value in state.items()
                         if name not in _UNLIKE and not _plain(value)))
    return (type(dialect), plain, parts)


def learn_likeness(dialect: Dialect) -> Hashable:
    """Record ``dialect``'s likeness, once, and return it; call it only once a connection has
    set the dialect up (a pool ``connect`` listener added after the engine was created runs
    after SQLAlchemy's own, which does that; any open connection's dialect is set up)."""
    known = _likeness.get(dialect)
    if known is not None:
        return known
    with _likeness_lock:
        return _likeness.setdefault(dialect, likeness(dialect))


def known_likeness(dialect: Dialect) -> Hashable | None:
    """``dialect``'s likeness once :func:`learn_likeness` has recorded it, else None."""
    return _likeness.get(dialect)


class SharedStatements(MutableMapping[Any, Compiled]):
    """A compiled-statement cache (SQLAlchemy's ``compiled_cache``) whose keys name the
    dialect by its likeness. Keys of another shape than SQLAlchemy's ``(dialect, statement
    key, column keys, schema translated, executemany)`` are kept as they are."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._cache: LRUCache[Any, Compiled] = LRUCache(capacity)

    @staticmethod
    def _shared(key: Any) -> Any:
        if (type(key) is not tuple or len(key) != 5 or key[3]
                or not isinstance(key[0], Dialect)):
            return key
        alike = _likeness.get(key[0])
        if alike is None:
            return key
        return (alike, *key[1:])

    def get(self, key: Any, default: Any = None) -> Any:
        return self._cache.get(self._shared(key), default)

    def __getitem__(self, key: Any) -> Compiled:
        return self._cache[self._shared(key)]

    def __setitem__(self, key: Any, value: Compiled) -> None:
        self._cache[self._shared(key)] = value

    def __delitem__(self, key: Any) -> None:
        del self._cache[self._shared(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._cache.keys()))

    def __len__(self) -> int:
        return len(self._cache)


STATEMENTS = SharedStatements()
"""The process's cache, shared by the engines of :func:`~modelsteward.store.engine.make_engine`."""
