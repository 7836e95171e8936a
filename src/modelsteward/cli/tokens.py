"""``steward token create|list|revoke``: API tokens for the server, made in the database
directly or, under STEWARD_URL, through the server (with an administrator's token)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from modelsteward.cli.context import (
    State,
    emit_json,
    err,
    idempotency_key_option,
    json_option,
    out,
    pass_state,
)
from modelsteward.domain.tokens import Role, Token, parse_expiry, parse_roles

if TYPE_CHECKING:
    from modelsteward.results import IssuedToken
    from modelsteward.service.tokens import Tokens

ADMIN_TOKEN_FILE = "admin-token"


def token_view(t: Token) -> dict[str, object]:
    return {"id": t.id, "name": t.name, "team": t.team, "roles": sorted(t.roles),
            "approval_roles": sorted(t.approval_roles), "created_at": t.created_at.isoformat(),
            "created_by": t.created_by,
            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            "hint": f"stw_{t.id}_…{t.last_four}"}


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its mode otherwise
        handle.write(text + "\n")


def bootstrap_admin_token(tokens: Tokens, home: Path) -> IssuedToken | None:
    """When the database has no token, make the ``bootstrap`` administrator token, print it once
    on stderr and write it to ``home/admin-token`` (0600)."""
    issued = tokens.bootstrap()
    if issued is not None:
        path = home / ADMIN_TOKEN_FILE
        write_secret_file(path, issued.text)
        err.print(f"No API token existed: made the administrator token 'bootstrap' (also in "
                  f"{path}, mode 0600). It is shown only now:\n{issued.text}", highlight=False)
    return issued


@click.group()
def token() -> None:
    """API tokens for the server: who may read, change models, approve or administer."""


@token.command("create")
@click.argument("name")
@click.option("--team", default="", help="The team whose models a maintainer may change.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]),
              help="viewer, maintainer, approver, admin or reporter; repeat for several.")
@click.option("--approval-role", "approval_roles", multiple=True, metavar="ROLE",
              help="A lifecycle approval role an approver signs for (ml-lead, product-owner…); "
                   "repeat.")
@click.option("--expires", default="", metavar="90d|DATE",
              help="Expire after a duration (90d, 12h, 4w) or on a date (2027-01-31); default "
                   "never.")
@json_option
@idempotency_key_option
@pass_state
def token_create(state: State, name: str, team: str, roles: tuple[str, ...],
                 approval_roles: tuple[str, ...], expires: str, as_json: bool) -> None:
    """Make the token NAME and print its text, once: only its hash is stored."""
    registry = state.registry
    expires_at = parse_expiry(expires, registry.clock.now()) if expires else None
    issued = registry.tokens.create(name, team=team, roles=parse_roles(list(roles)),
                                     approval_roles=frozenset(approval_roles),
                                     expires_at=expires_at)
    if as_json:
        emit_json({**token_view(issued.token), "token": issued.text})
        return
    err.print(f"Made token {issued.token.id} ({name}); this is the only time it is shown:",
              highlight=False)
    sys.stdout.write(issued.text + "\n")


@token.command("list")
@json_option
@pass_state
def token_list(state: State, as_json: bool) -> None:
    """All tokens (never their text); through a server, a holder who is not an administrator
    sees their own."""
    found = state.registry.tokens.list()
    if as_json:
        emit_json([token_view(t) for t in found])
        return
    now = state.registry.clock.now()
    table = Table("id", "name", "team", "roles", "approval roles", "expires", "state", "hint")
    for t in found:
        table.add_row(t.id, t.name, t.team, ", ".join(sorted(t.roles)),
                      ", ".join(sorted(t.approval_roles)),
                      f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never",
                      t.state(now).value, f"…{t.last_four}")
    out.print(table)


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@pass_state
def token_revoke(state: State, token_id: str) -> None:
    """Revoke the token ID: refused at once by the server that revokes it (and by servers on the
    same SQLite file), within 30 s by other replicas. Through a server an administrator may
    revoke any token, a holder their own."""
    revoked = state.registry.tokens.revoke(token_id)
    out.print(f"Revoked token {revoked.id} ({revoked.name}).", highlight=False)
