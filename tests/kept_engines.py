"""The engines of the PostgreSQL test schemas, kept open from one test to the next.

A store closed on a test schema's URL (tests/conftest.py, ``fresh_pg_schema``) leaves its engine
here, connections and all, instead of disposing of it as :func:`modelsteward.store.engine.
release_engine` does: the next test that gets the schema (emptied back to a fresh copy of the
template, tests/schema_template.py) opens a store with the same URL and finds the connections
open, their statements prepared and the server's catalog caches warm, instead of starting a
server process per connection and test. An engine a test added an event listener to is disposed
of as usual (the listener must not outlive the test), and at most :data:`KEPT` are kept per URL.

Only the tests' own processes do this; the ``steward`` processes and servers they start close
their engines as the product does.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine

from modelsteward.store import engine as engine_module
from modelsteward.store import sql as sql_module

KEPT = 2
_kept: dict[str, list[Engine]] = {}  # URL of a test schema → its engines no store uses
_lock = threading.Lock()
_listeners: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


def keep_for(url: str) -> None:
    """Keep the engines of ``url`` (a test schema's) when their stores close."""
    with _lock:
        _kept.setdefault(url, [])


def dispose(url: str | None = None) -> None:
    """Close the kept engines of ``url`` (its schema is about to go), or of every URL."""
    with _lock:
        urls = list(_kept) if url is None else [url]
        engines = [engine for each in urls for engine in _kept.pop(each, [])]
    for engine in engines:
        engine.dispose()


def _listener_count(engine: Engine) -> int:
    dispatches: tuple[Any, ...] = (engine.dispatch, engine.pool.dispatch)
    return sum(len(getattr(dispatch, name)) for dispatch in dispatches
               for name in dir(dispatch) if not name.startswith("_"))


def _open_engine(url: str) -> Engine:
    with _lock:
        kept = _kept.get(url)
        if kept:
            return kept.pop()
    engine = engine_module.open_engine(url)
    with _lock:
        if url in _kept:
            _listeners[engine] = _listener_count(engine)
    return engine


def _release_engine(engine: Engine, url: str) -> None:
    with _lock:
        kept = _kept.get(url)
        if kept is not None and len(kept) < KEPT \
                and _listeners.get(engine) == _listener_count(engine):
            kept.append(engine)
            return
        _listeners.pop(engine, None)
    engine_module.release_engine(engine, url)


def install() -> None:
    """Route :class:`~modelsteward.store.sql.SqlStore`'s engines through this module."""
    setattr(sql_module, "open_engine", _open_engine)  # noqa: B010 (not exported: mypy)
    setattr(sql_module, "release_engine", _release_engine)  # noqa: B010
