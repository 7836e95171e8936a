"""``steward``: the entry point, top-level options and the one error → exit-code funnel."""

from __future__ import annotations

import sys

import click
from rich.text import Text

from modelsteward.cli.context import State, err
from modelsteward.cli.exits import Exit, exit_code
from modelsteward.cli.render import terminal_safe
from modelsteward.config import Settings
from modelsteward.errors import StewardError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database-url", envvar="STEWARD_DATABASE_URL", metavar="URL",
              help="Database URL [STEWARD_DATABASE_URL; default sqlite:///~/.local/share/"
                   "modelsteward/registry.db].")
@click.option("--actor", envvar="STEWARD_ACTOR", metavar="NAME",
              help="Who is acting, recorded in every event [STEWARD_ACTOR; default login name].")
@click.option("--workers", envvar="STEWARD_HASH_WORKERS", type=click.IntRange(min=1),
              metavar="N",
              help="Threads for hashing artefacts [STEWARD_HASH_WORKERS; default: cores].")
@click.option("--policy", envvar="STEWARD_POLICY", metavar="FILE",
              help="Lifecycle policy file, YAML or TOML [STEWARD_POLICY; default: built-in].")
@click.option("--url", envvar="STEWARD_URL", metavar="URL",
              help="Work on the registry of this server (`steward serve`) instead of a local "
                   "database [STEWARD_URL].")
@click.option("--token", envvar="STEWARD_TOKEN", metavar="TOKEN",
              help="API token for --url [STEWARD_TOKEN].")
@click.version_option(package_name="modelsteward", prog_name="steward")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, actor: str | None,
        workers: int | None, policy: str | None, url: str | None, token: str | None) -> None:
    """modelsteward: model lifecycle management — a registry of models and versions with
    integrity, provenance, lineage and a tamper-evident history."""
    defaults = Settings.from_env()
    state = State(database_url or defaults.database_url, actor or defaults.actor,
                  workers or defaults.workers, policy or defaults.policy_path, defaults.archive,
                  url=(url or "").strip(), token=(token or "").strip())
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register_commands() -> None:
    from modelsteward.cli import (
        advisories, aliases, consumers, db, deletion, deprecations, evaluations, history,
        import_mlflow, lifecycle, locks, models, notify, providers, registry_file, serve, tokens,
        versions,
    )
    for module in (db, models, versions, history, registry_file, import_mlflow, evaluations,
                   lifecycle, aliases, consumers, deprecations, deletion, providers, advisories,
                   locks, notify, serve, tokens):
        module.register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every :class:`StewardError` becomes a message on stderr and an exit code."""
    try:
        result = cli.main(args=argv, prog_name="steward", standalone_mode=False)
    except StewardError as error:
        err.print(Text.assemble(("error: ", "bold red"), terminal_safe(str(error))),
                  highlight=False)
        return int(exit_code(error))
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        error.show()
        return int(Exit.USAGE)
    except click.exceptions.Abort:
        err.print("Aborted.")
        return int(Exit.USAGE)
    return int(result) if isinstance(result, int) else int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())
