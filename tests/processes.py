"""Processes for the tests that need several (concurrent writers), forked from one server
process that has already imported modelsteward.

A forked child imports the module of the function it runs (to unpickle it), and whatever that
module imports: this module imports nothing but the standard library, so that a test module
taking :func:`process_context` from here does not make every child import ``tests.conftest``
(pytest, hypothesis, httpx, Alembic: about 0.6 s a child, sixteen children a run)."""

from __future__ import annotations

import functools
import multiprocessing
from multiprocessing.context import ForkServerContext

# What a process of process_context() has imported before it starts: what Registry.open and a
# write need on either backend.
PRELOADED = ["modelsteward.service.registry", "modelsteward.store.sql",
             "modelsteward.store.opening",
             "modelsteward.service.registration", "modelsteward.service.lifecycle",
             "sqlalchemy.dialects.sqlite.pysqlite", "sqlalchemy.dialects.postgresql.psycopg",
             "tests.service.lifecycle_helpers"]


@functools.cache
def process_context() -> ForkServerContext:
    """Processes forked from one server process that has imported :data:`PRELOADED`: a new
    process costs a fork, where a spawned one imported everything again (about a second of work
    each). The server process is started without threads, so forking it is safe."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context
