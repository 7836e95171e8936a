"""Dependencies point inward: the domain imports no I/O, database, CLI or web library."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "modelsteward" / "domain"
FORBIDDEN = {"sqlalchemy", "alembic", "click", "rich", "yaml", "httpx", "fastapi", "os",
             "subprocess", "socket", "pathlib", "psycopg", "modelsteward.store",
             "modelsteward.service", "modelsteward.cli", "modelsteward.integrity"}


def test_domain_is_pure() -> None:
    offenders = []
    for source in DOMAIN.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{source.name}: {name}")
    assert offenders == []
