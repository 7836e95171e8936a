"""``steward init`` and ``steward db upgrade``."""

from __future__ import annotations

import click

from modelsteward.cli.context import State, local_only, out, pass_state


@click.command()
@local_only
@pass_state
def init(state: State) -> None:
    """Create the registry database (or bring it up to date) and say where it is."""
    from modelsteward.store.engine import safe_url
    from modelsteward.store.sql import SqlStore

    store = SqlStore.open(state.database_url, migrate_schema=False)
    try:
        applied = store.upgrade()
        current, _ = store.revision()
    finally:
        store.close()
    verb = "Created" if applied else "Already initialised:"
    out.print(f"{verb} registry at {safe_url(state.database_url)} (schema {current}).",
              highlight=False)


@click.group()
def db() -> None:
    """Database administration."""


@db.command("upgrade")
@local_only
@pass_state
def db_upgrade(state: State) -> None:
    """Apply pending schema migrations (they also apply on first use)."""
    from modelsteward.store.engine import safe_url
    from modelsteward.store.sql import SqlStore

    store = SqlStore.open(state.database_url, migrate_schema=False)
    try:
        before, head = store.revision()
        applied = store.upgrade()
    finally:
        store.close()
    if applied:
        out.print(f"Upgraded {safe_url(state.database_url)} from {before or 'empty'} to {head}.",
                  highlight=False)
    else:
        out.print(f"{safe_url(state.database_url)} is already at the newest schema ({head}).",
                  highlight=False)
