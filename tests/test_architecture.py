"""Dependencies point inward: the domain imports no I/O, database, CLI or web library."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "modelsteward" / "domain"
FORBIDDEN = {"sqlalchemy", "alembic", "click", "rich", "yaml", "httpx", "fastapi", "os",
             "subprocess", "socket", "pathlib", "psycopg", "modelsteward.store",
             "modelsteward.service", "modelsteward.cli", "modelsteward.integrity"}


def test_domain_is_pure() -> None:
    offenders: list[str] = []
    for source in DOMAIN.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders.extend(f"{source.name}: {name}" for name in names
                             if any(name == f or name.startswith(f + ".") for f in FORBIDDEN))
    assert offenders == []


REMOTE = DOMAIN.parent / "remote"
REMOTE_FORBIDDEN = {"sqlalchemy", "alembic", "psycopg", "click", "rich", "fastapi",
                    "modelsteward.store", "modelsteward.api", "modelsteward.cli"}


def test_the_remote_client_is_an_adapter_without_the_store() -> None:
    """``remote`` speaks HTTP and returns domain and service values; it never opens a database
    and knows neither the server's code nor the CLI's."""
    offenders: list[str] = []
    for source in REMOTE.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders.extend(f"{source.name}: {name}" for name in names
                             if any(name == f or name.startswith(f + ".")
                                    for f in REMOTE_FORBIDDEN))
    assert REMOTE.is_dir() and offenders == []
