"""Dependencies point inward: the domain imports no I/O, database, CLI or web library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


REMOTE = DOMAIN.parent / "remote"
REMOTE_FORBIDDEN = {"sqlalchemy", "alembic", "psycopg", "click", "rich", "fastapi",
                    "modelsteward.store", "modelsteward.api", "modelsteward.cli"}


def test_the_remote_client_is_an_adapter_without_the_store() -> None:
    """``remote`` speaks HTTP and returns domain and service values; it never opens a database
    and knows neither the server's code nor the CLI's."""
    offenders = []
    for source in REMOTE.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if any(name == f or name.startswith(f + ".") for f in REMOTE_FORBIDDEN):
                    offenders.append(f"{source.name}: {name}")
    assert REMOTE.is_dir() and offenders == []


PACKAGE = DOMAIN.parent
# the wiring: what opens a store and hands it (and its ports) to everything else
STORE_WIRING = {"api/app.py", "cli/db.py", "cli/serve.py", "service/registry.py"}
# still typed against the SQL store; to be moved onto the ports
STORE_KNOWN_OFFENDERS = {"service/locking.py", "service/tokens.py"}


def _imported_modules(source: Path) -> set[str]:
    """Every module ``source`` imports, anywhere in it (functions and TYPE_CHECKING blocks
    included), relative imports resolved, ``from a import b`` counted as ``a`` and ``a.b``."""
    package = list(source.relative_to(PACKAGE.parent).with_suffix("").parts)[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _store_importers() -> set[str]:
    importers = set()
    for source in PACKAGE.rglob("*.py"):
        where = source.relative_to(PACKAGE).as_posix()
        if where.startswith("store/"):
            continue
        if any(m == "modelsteward.store" or m.startswith("modelsteward.store.")
               for m in _imported_modules(source)):
            importers.add(where)
    return importers


def test_only_the_wiring_knows_the_sql_store() -> None:
    """Everything but the wiring is typed against ``modelsteward.ports`` and is handed its
    store, change marker and idempotency keys."""
    importers = _store_importers()
    assert "api/app.py" in importers  # the walk sees the wiring's imports
    assert importers - STORE_KNOWN_OFFENDERS <= STORE_WIRING


@pytest.mark.xfail(strict=True, reason="these modules still import the SQL store")
def test_no_known_offender_imports_the_sql_store_any_more() -> None:
    assert not _store_importers() & STORE_KNOWN_OFFENDERS
