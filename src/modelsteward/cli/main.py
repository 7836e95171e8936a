"""``steward``: the entry point, top-level options and the one error → exit-code funnel."""

from __future__ import annotations

import sys

import click
from rich.text import Text

from modelsteward.cli.context import State, err
from modelsteward.cli.exits import Exit, exit_code
from modelsteward.cli.lazy import LazyGroup
from modelsteward.cli.render import terminal_safe
from modelsteward.errors import StewardError

# every command by name, imported only when it is run or its help is shown
COMMANDS = {
    "advisory": "modelsteward.cli.advisories:advisory",
    "alias": "modelsteward.cli.aliases:alias",
    "approve": "modelsteward.cli.lifecycle:approve",
    "audit": "modelsteward.cli.locks:audit",
    "card": "modelsteward.cli.cards:card",
    "check": "modelsteward.cli.lifecycle:check",
    "compare": "modelsteward.cli.evaluations:compare",
    "compliance": "modelsteward.cli.compliance:compliance",
    "consumer": "modelsteward.cli.consumers:consumer",
    "db": "modelsteward.cli.db:db",
    "dead-letters": "modelsteward.cli.notify:dead_letters",
    "delete": "modelsteward.cli.deletion:delete",
    "deliver": "modelsteward.cli.notify:deliver",
    "deprecate": "modelsteward.cli.deprecations:deprecate",
    "eval": "modelsteward.cli.evaluations:eval_group",
    "experiment": "modelsteward.cli.experiments:experiment",
    "export": "modelsteward.cli.registry_file:export_group",
    "history": "modelsteward.cli.aliases:history",
    "impact": "modelsteward.cli.consumers:impact",
    "import": "modelsteward.cli.registry_file:import_group",
    "init": "modelsteward.cli.db:init",
    "lineage": "modelsteward.cli.versions:lineage",
    "lock": "modelsteward.cli.locks:lock",
    "log": "modelsteward.cli.history:log",
    "model": "modelsteward.cli.models:model",
    "monitor": "modelsteward.cli.lifecycle:monitor",
    "notices": "modelsteward.cli.deprecations:notices",
    "outdated": "modelsteward.cli.locks:outdated",
    "override": "modelsteward.cli.lifecycle:override",
    "pipeline": "modelsteward.cli.pipelines:pipeline",
    "plan": "modelsteward.cli.deprecations:plan",
    "plans": "modelsteward.cli.deprecations:plans",
    "policy": "modelsteward.cli.lifecycle:policy",
    "promote": "modelsteward.cli.lifecycle:promote",
    "providers": "modelsteward.cli.providers:providers",
    "reject": "modelsteward.cli.lifecycle:reject",
    "replay": "modelsteward.cli.notify:replay",
    "resolve": "modelsteward.cli.versions:resolve",
    "restore": "modelsteward.cli.lifecycle:restore",
    "retire": "modelsteward.cli.lifecycle:retire",
    "rollback": "modelsteward.cli.aliases:rollback",
    "serve": "modelsteward.cli.serve:serve",
    "subscribe": "modelsteward.cli.notify:subscribe",
    "subscriptions": "modelsteward.cli.notify:subscriptions",
    "tick": "modelsteward.cli.deprecations:tick",
    "token": "modelsteward.cli.tokens:token",
    "unsubscribe": "modelsteward.cli.notify:unsubscribe",
    "verify": "modelsteward.cli.versions:verify",
    "version": "modelsteward.cli.versions:version",
}


@click.group(cls=LazyGroup, lazy_subcommands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    from modelsteward.config import Settings  # with its policy and file readers: not for --help

    defaults = Settings.from_env()
    state = State(database_url or defaults.database_url, actor or defaults.actor,
                  workers or defaults.workers, policy or defaults.policy_path, defaults.archive,
                  url=(url or "").strip(), token=(token or "").strip())
    ctx.obj = state
    ctx.call_on_close(state.close)


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
