"""``steward serve``: the HTTP server (API, MLflow-compatible API, metrics)."""

from __future__ import annotations

import logging
import os

import click

from modelsteward.cli.context import State, err, local_only, pass_state
def register(cli: click.Group) -> None:
    cli.add_command(serve)


@click.command()
@click.option("--host", envvar="STEWARD_HOST", default="127.0.0.1", show_default=True,
              help="Address to listen on [STEWARD_HOST]; 0.0.0.0 exposes the server.")
@click.option("--port", envvar="STEWARD_PORT", default=8765, show_default=True,
              type=click.IntRange(1, 65535), help="Port [STEWARD_PORT].")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--anonymous-read/--no-anonymous-read", envvar="STEWARD_ANONYMOUS_READ",
              default=False, help="Let requests without a token read (GET, HEAD, OSV queries) "
                                  "[STEWARD_ANONYMOUS_READ; default off].")
@local_only
@pass_state
def serve(state: State, host: str, port: int, log_level: str, anonymous_read: bool) -> None:
    """Serve the registry over HTTP: the API under /api/v1 (OpenAPI at /openapi.json, /docs),
    /healthz, /readyz and /metrics. Requests carry `Authorization: Bearer <token>`; when the
    database has no token yet, an administrator token is made and written to
    $STEWARD_HOME/admin-token."""
    import uvicorn

    from modelsteward.api.app import create_app
    from modelsteward.api.settings import ServerSettings
    from modelsteward.cli.tokens import bootstrap_admin_token
    from modelsteward.config import Settings, default_home
    from modelsteward.notify.settings import NotifySettings
    from modelsteward.service.tokens import Tokens

    settings = ServerSettings(Settings(state.database_url, state.actor, state.workers,
                                       state.policy_path, state.archive), host, port,
                              anonymous_read, NotifySettings.from_env().check())
    bootstrap_admin_token(Tokens(state.local_registry), default_home(os.environ))
    logging.basicConfig(level=log_level.upper(), format="%(message)s")
    err.print(f"modelsteward serving {state.database_url.split('?')[0]} on "
              f"http://{host}:{port}", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                access_log=False, log_config=None)
