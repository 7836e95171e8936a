"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL.

PostgreSQL comes from STEWARD_TEST_DATABASE_URL (default the local server). Each test gets a
schema of its own: a new one, or one an earlier test of the process used, emptied back to a fresh
copy of the migrated template (tests/schema_template.py), with the engines that test left open
(tests/kept_engines.py). Without a reachable server the PostgreSQL tests skip, except under
CI=true, where they fail.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from modelsteward.service.registry import Registry
from modelsteward.store.sql import SqlStore

# new databases get a copy of a migrated template rather than a migration: see the module
from tests import kept_engines, schema_template
from tests.schema_template import _migrated_from_template  # noqa: F401

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# The CLI's consoles take their width from COLUMNS when they are made (160 when it is unset);
# pytest-xdist's workers set it to 80, so tables and golden files would wrap differently there.
os.environ["COLUMNS"] = "160"

MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_NEEDED = 2 * 1024**3  # bytes free: a run's largest folder, make run's venv, is 0.5 GB


def memory_backed_tmp(environ: Mapping[str, str], candidate: Path = MEMORY_TMP,
                      needed: int = MEMORY_TMP_NEEDED) -> Path | None:
    """Where the tests' temporary files should go instead of the system's temporary folder:
    ``candidate`` (a memory-backed file system) when TMPDIR is not set, it is a writable
    folder and has ``needed`` bytes free; else None (the system's own, as before).

    Every SQLite commit of the product waits for the disk (``synchronous`` FULL, WAL), and the
    tests' databases live in their temporary folders: on a disk those waits left a core idle
    about a quarter of the SQLite tests' time. In memory they return at once; the SQL, the
    locking and the files are the same."""
    if environ.get("TMPDIR"):
        return None
    try:
        free = os.statvfs(candidate)
    except OSError:
        return None
    if not (candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)):
        return None
    return candidate if free.f_bavail * free.f_frsize >= needed else None


# before pytest makes its temporary folders (and for every process a test starts)
if (_memory_tmp := memory_backed_tmp(os.environ)) is not None:
    os.environ["TMPDIR"] = str(_memory_tmp)
    tempfile.tempdir = None  # gettempdir() looks at TMPDIR again


# The collector's youngest generation is examined every 50,000 allocations, not 700: the objects
# a test makes (a registry, an engine, generated data) then mostly die of their references
# before a collection moves them on, instead of piling into the oldest generation, whose
# collections over a test process's whole heap took a twentieth of the suite's time.
gc.set_threshold(50_000, 20, 10)


def _share_the_default_tls_context() -> None:
    """httpx builds a TLS context for every client it makes, loading the CA bundle (about
    25 ms), and the tests make about a thousand clients, nearly all for plain HTTP on
    127.0.0.1. Clients that ask for the default verification share one context (a context is
    made to be shared), one per CA setting of the environment (SSL_CERT_FILE, SSL_CERT_DIR);
    any other verification gets its own, as before. Nothing changes if httpx ever moves the
    function."""
    from httpx._transports import default

    real = getattr(default, "create_ssl_context", None)
    if real is None:
        return

    @functools.cache
    def shared(trust_env: bool, _cafile: str | None, _capath: str | None) -> ssl.SSLContext:
        return real(verify=True, cert=None, trust_env=trust_env)  # type: ignore[no-any-return]

    def create(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is True and cert is None:
            return shared(trust_env, os.environ.get("SSL_CERT_FILE") if trust_env else None,
                          os.environ.get("SSL_CERT_DIR") if trust_env else None)
        return real(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[no-any-return]

    setattr(default, "create_ssl_context", create)  # noqa: B010 (not a name httpx exports)


_share_the_default_tls_context()

# Generating data is slower when the machine is busy (two test processes, PostgreSQL, the
# servers the tests start): a health check that measures generation speed would then fail
# tests that are right. Every other health check stays on.
settings.register_profile("modelsteward", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("modelsteward")


def pg_base_url() -> str:
    return os.environ.get("STEWARD_TEST_DATABASE_URL") or DEFAULT_PG


_pg_state: dict[str, str | None] = {}


def _pg_unreachable() -> str | None:
    """None when the server answers, else why not (checked once per session)."""
    if "error" not in _pg_state:
        try:
            engine = create_engine(pg_base_url(), connect_args={"connect_timeout": 5})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["error"] = None
        except Exception as exc:  # any failure to connect means: no server here
            _pg_state["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return _pg_state["error"]


def require_postgres() -> None:
    problem = _pg_unreachable()
    if problem is None:
        return
    where = make_url(pg_base_url()).render_as_string(hide_password=True)
    message = f"PostgreSQL at {where} is unreachable ({problem}); set STEWARD_TEST_DATABASE_URL."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires the PostgreSQL tests to run: {message}")
    pytest.skip(message)


# A test database whose catalog grew past this (dead rows of the schemas earlier runs made and
# dropped, on a server where autovacuum is off) gets its catalog vacuumed before a session.
_CATALOG_LIMIT = 16 * 1024 * 1024  # bytes of pg_attribute; a clean one holds well under 1 MB
_CATALOG = ("pg_attribute", "pg_class", "pg_depend", "pg_constraint", "pg_index", "pg_trigger",
            "pg_type", "pg_proc", "pg_namespace", "pg_attrdef", "pg_sequence", "pg_description")


# The longest tests (five to twenty-five seconds each) run first: started near the end, one of
# them would keep one process busy while the other had nothing left to take.
RUN_FIRST = (
    "tests/test_make_run.py::test_the_run_install_brings_no_test_package",
    "tests/api/test_schemathesis.py",
    "tests/test_readme.py",
    "tests/service/test_lifecycle_state_machine.py",
    "tests/cli/test_serve_workers.py",
    "tests/service/test_concurrency.py",
    "tests/notify/test_worker_killed.py",
    "tests/api/test_mlflow_search.py",
    "tests/service/test_eligibility_state_machine.py",
    "tests/cli/test_cli_executable.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(RUN_FIRST) if item.nodeid.startswith(prefix)),
                    len(RUN_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave the session's objects out of the interpreter's collections at exit.

    A test process ends holding millions of objects (compiled statements, strategies, the
    app); the collection that finalising the interpreter runs over them took more than ten
    seconds in a worker of the whole suite, longer than pytest-xdist waits for a worker to
    end (it then kills it): the run sat idle for those ten seconds. Frozen objects are never
    examined again; the process is about to end, so nothing they hold needs collecting."""
    gc.freeze()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before the workers start (in the controlling process only): shrink the test database's
    catalog when it has grown, since every schema a test makes looks things up in it."""
    if hasattr(session.config, "workerinput") or _pg_unreachable() is not None:
        return
    engine = create_engine(pg_base_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            _drop_orphaned_pools(connection)
            size: int = connection.execute(text(
                "SELECT pg_relation_size('pg_catalog.pg_attribute')")).scalar_one()
            if size > _CATALOG_LIMIT:
                tables = ", ".join(f"pg_catalog.{table}" for table in _CATALOG)
                connection.execute(text(f"VACUUM FULL {tables}"))  # a non-owner: a warning
    finally:
        engine.dispose()


def _drop_orphaned_pools(connection: Connection) -> None:
    """Drop the schemas (``t_<pid>_…``, and ``pool_<pid>_…`` of earlier versions) of test
    processes of this machine that ended without dropping them (killed, or crashed)."""
    if make_url(pg_base_url()).host not in ("127.0.0.1", "localhost", None):
        return  # another machine's processes may be using theirs
    names: list[str] = list(connection.execute(text(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pool\\_%' "
        "OR nspname LIKE 't\\_%'")).scalars())
    for name in names:
        pid = name.split("_")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@functools.cache
def _admin_engine() -> Engine:
    """One engine per process makes and drops the test schemas, keeping its connection."""
    return create_engine(pg_base_url(), pool_size=1, pool_pre_ping=True)


def _schema_is_disposable(connection: Connection) -> None:
    """A test's schema lives as long as the test: its commits need not wait for the disk."""
    connection.execute(text("SET LOCAL synchronous_commit TO OFF"))


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A URL whose connections use a schema of the PostgreSQL test database that is empty, or
    holds a fresh copy of the migrated template (tests/schema_template.py), kept for the next
    test or dropped on exit (skips, or fails under CI=true, without a server)."""
    require_postgres()
    schema = schema_template.take_ready()
    admin = _admin_engine()
    if schema is None:
        schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            _schema_is_disposable(connection)
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(pg_base_url())
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    # the schema goes with the test: its commits need not wait for the disk either
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    url = base.update_query_dict({"options": options}).render_as_string(hide_password=False)
    kept_engines.keep_for(url)
    try:
        yield url
    finally:
        _recycle_or_drop(admin, schema, url)


def _recycle_or_drop(admin: Engine, schema: str, url: str) -> None:
    """Keep ``schema`` for the next test when it can be emptied back to a fresh copy of the
    template (tests/schema_template.py), else drop it and close the engines kept for ``url``
    (tests/kept_engines.py)."""
    try:
        with admin.begin() as connection:
            _schema_is_disposable(connection)
            if schema_template.recycle_postgresql(connection, schema):
                return
    except DBAPIError:  # not allowed to set session_replication_role, say: dropping will do
        pass
    kept_engines.dispose(url)
    with admin.begin() as connection:
        _schema_is_disposable(connection)
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


kept_engines.install()


@pytest.fixture(scope="session", autouse=True)
def _drop_pooled_schemas() -> Iterator[None]:
    """The schemas kept for the next tests go when the session ends, with their engines
    (tests/kept_engines.py)."""
    yield
    kept_engines.dispose()
    pooled = schema_template.ready_postgresql_schemas()
    if pooled:
        with _admin_engine().begin() as connection:
            _schema_is_disposable(connection)
            for schema in pooled:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of the PostgreSQL test database."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every contract test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return str(request.getfixturevalue("pg_url"))


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def wait_until_ready(process: subprocess.Popen[str], url: str, seconds: float,
                     output: Callable[[], str]) -> None:
    """Return once the server ``process`` started answers 200 on ``url``/readyz; fail with its
    ``output`` when it exits first, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, output()
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not become ready"
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[str], seconds: float = 30) -> None:
    """Stop a server ``process`` as Ctrl-C would (SIGINT), killing it when it has not ended
    after ``seconds``."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sql_store(registry: Registry) -> SqlStore:
    """The SQL store under ``registry``, for a test that looks at the database itself."""
    assert isinstance(registry.store, SqlStore), "this test needs a registry on SQL"
    return registry.store
