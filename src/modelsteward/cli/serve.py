"""``steward serve``: the HTTP server (API, MLflow-compatible API, metrics)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from modelsteward.cli.context import State, err, local_only, pass_state
from modelsteward.errors import InvalidInput

if TYPE_CHECKING:
    from modelsteward.api.settings import ServerSettings

APP_FACTORY = "modelsteward.api.app:create_app"  # what each worker process imports and calls
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
WORKER_HEALTHCHECK_S = 30


@click.command()
@click.option("--host", envvar="STEWARD_HOST", default="127.0.0.1", show_default=True,
              help="Address to listen on [STEWARD_HOST]; 0.0.0.0 exposes the server.")
@click.option("--port", envvar="STEWARD_PORT", default=8765, show_default=True,
              type=click.IntRange(1, 65535), help="Port [STEWARD_PORT].")
@click.option("--workers", "processes", envvar="STEWARD_WORKERS", default=1, show_default=True,
              type=click.IntRange(1, 256), metavar="N",
              help="Server processes sharing the port [STEWARD_WORKERS]; more than one needs a "
                   "database file or PostgreSQL.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--anonymous-read/--no-anonymous-read", envvar="STEWARD_ANONYMOUS_READ",
              default=False, help="Let requests without a token read (GET, HEAD, OSV queries) "
                                  "[STEWARD_ANONYMOUS_READ; default off].")
@local_only
@pass_state
def serve(state: State, host: str, port: int, processes: int, log_level: str,
          anonymous_read: bool) -> None:
    """Serve the registry over HTTP: the API under /api/v1 (OpenAPI at /openapi.json, /docs),
    /healthz, /readyz and /metrics. Requests carry `Authorization: Bearer <token>`; when the
    database has no token yet, an administrator token is made and written to
    $STEWARD_HOME/admin-token. With --workers N, N processes serve the same port and
    /metrics counts the requests of all of them."""
    import uvicorn
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from modelsteward.cli.tokens import bootstrap_admin_token
    from modelsteward.config import default_home
    from modelsteward.store.engine import is_sqlite_memory

    settings = server_settings(state, host, port, anonymous_read)
    if processes > 1:
        try:
            url = make_url(state.database_url)
        except ArgumentError:
            url = None  # opening the registry below says what is wrong with it
        if (url is not None and url.get_backend_name() == "sqlite"
                and is_sqlite_memory(url.database or "")):
            raise InvalidInput(f"--workers {processes} needs a database every worker opens: an "
                               "in-memory SQLite database is each process's own. Use a database "
                               "file or PostgreSQL (STEWARD_DATABASE_URL), or one worker.")
        _check_metrics_directory()
    bootstrap_admin_token(state.local_registry.tokens, default_home(os.environ))
    err.print(f"modelsteward serving {state.database_url.split('?')[0]} on "
              f"http://{host}:{port}" + (f" with {processes} workers" if processes > 1 else ""),
              highlight=False)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": log_level,
                               "access_log": False, "log_config": _log_config(log_level)}
    if processes == 1:
        from modelsteward.api.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    # each worker is a new process that makes its application from the environment
    os.environ.update(_environment(settings))
    with _metrics_directory():
        # a worker that answers no health check for this long is replaced: uvicorn's 5 s
        # replaced workers that were only slow, starting on a busy machine
        uvicorn.run(APP_FACTORY, factory=True, workers=processes,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, **options)


def server_settings(state: State, host: str, port: int,
                    anonymous_read: bool) -> ServerSettings:
    """What ``steward serve`` serves with: the registry, host, port and anonymous reading as
    the command's options and the CLI's settings say, and the rest (body limit, tick, change
    polling, notifications) from the ``STEWARD_*`` environment, checked (InvalidInput names
    a bad variable)."""
    from modelsteward.api.settings import ServerSettings
    from modelsteward.config import Settings
    from modelsteward.notify.settings import NotifySettings

    return dataclasses.replace(
        ServerSettings.from_env(),
        registry=Settings(state.database_url, state.actor, state.workers, state.policy_path,
                          state.archive),
        host=host, port=port, anonymous_read=anonymous_read,
        notify=NotifySettings.from_env().check())


def _environment(settings: ServerSettings) -> dict[str, str]:
    """The ``STEWARD_*`` variables from which ``ServerSettings.from_env`` makes ``settings``
    again (the notification settings came from the environment already)."""
    registry = settings.registry
    env = {"STEWARD_DATABASE_URL": registry.database_url, "STEWARD_ACTOR": registry.actor,
           "STEWARD_POLICY": registry.policy_path, "STEWARD_ARCHIVE": registry.archive,
           "STEWARD_HOST": settings.host, "STEWARD_PORT": str(settings.port),
           "STEWARD_ANONYMOUS_READ": "1" if settings.anonymous_read else "",
           "STEWARD_CHANGE_POLL_SECONDS": str(settings.change_poll_seconds)}
    if registry.workers:
        env["STEWARD_HASH_WORKERS"] = str(registry.workers)
    return env


@contextmanager
def _metrics_directory() -> Iterator[str]:
    """Where the workers' Prometheus client keeps its counters, so that /metrics adds up every
    worker's (its multiprocess mode): PROMETHEUS_MULTIPROC_DIR when set (an existing folder,
    left as it is), else a temporary folder made now and removed when the server stops."""
    given = _check_metrics_directory()
    if given:
        yield given
        return
    directory = tempfile.mkdtemp(prefix="steward-metrics-")
    os.environ[METRICS_DIRECTORY] = directory
    try:
        yield directory
    finally:
        os.environ.pop(METRICS_DIRECTORY, None)
        shutil.rmtree(directory, ignore_errors=True)


def _check_metrics_directory() -> str:
    """PROMETHEUS_MULTIPROC_DIR, empty when unset. Raises :class:`InvalidInput` when it is set
    to anything but an existing folder."""
    given = os.environ.get(METRICS_DIRECTORY, "")
    if given and not os.path.isdir(given):
        raise InvalidInput(f"{METRICS_DIRECTORY}={given!r} is not a folder: create it (empty) "
                           "or unset it, and the server makes a temporary one.")
    return given


def _log_config(level: str) -> dict[str, Any]:
    """Plain messages on stderr at ``level``, set up again in every worker process."""
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                                    "stream": "ext://sys.stderr"}},
            "root": {"handlers": ["stderr"], "level": level.upper()}}
