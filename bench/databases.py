"""The databases a benchmark runs on: a fresh SQLite file, and a fresh schema of a PostgreSQL
database when one is reachable (dropped when the benchmark ends).

PostgreSQL comes from ``--postgres`` (default ``STEWARD_TEST_DATABASE_URL``, else the local
server the test suite uses). Unlike the test suite's schemas, the benchmark's keep the server's
own ``synchronous_commit``: a commit waits for the disk, as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = (os.environ.get("STEWARD_TEST_DATABASE_URL")
                    or "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Database:
    """A database to measure on: a label for the tables, and the URL the registry opens."""

    label: str
    url: str


@contextmanager
def sqlite_file(folder: Path, name: str = "registry.db") -> Iterator[Database]:
    """A fresh SQLite file in ``folder`` (which the caller removes)."""
    yield Database("SQLite", f"sqlite:///{folder / name}")


def postgres_problem(base_url: str) -> str | None:
    """None when the PostgreSQL server at ``base_url`` answers, else why not."""
    try:
        engine = create_engine(_psycopg(base_url), connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server to measure on
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@contextmanager
def postgres_schema(base_url: str) -> Iterator[Database]:
    """A fresh schema of the database at ``base_url``; its URL makes every connection use it
    (``search_path``). The schema is dropped on exit, whatever happened."""
    base = _psycopg(base_url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, pool_size=1)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield Database("PostgreSQL", url.render_as_string(hide_password=False))
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _psycopg(url: str) -> str:
    """``url`` with the psycopg (3) driver the registry uses."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def sqlite_and_postgres(folder: Path, postgres: str,
                        on: Collection[str] = ("sqlite", "postgresql")) -> Iterator[list[Database]]:
    """A fresh SQLite file in ``folder`` and, when ``postgres`` answers, a fresh schema there
    (why not is printed), of those ``on`` names; all removed afterwards."""
    with ExitStack() as stack:
        found = [stack.enter_context(sqlite_file(folder))] if "sqlite" in on else []
        if "postgresql" in on:
            problem = postgres_problem(postgres)
            if problem is None:
                found.append(stack.enter_context(postgres_schema(postgres)))
            else:
                print(f"PostgreSQL skipped: {problem}")
        yield found
