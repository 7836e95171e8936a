"""Dependencies point inward: the domain imports no I/O, database, CLI or web library."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "modelsteward" / "domain"
FORBIDDEN = {"sqlalchemy", "alembic", "click", "rich", "yaml", "httpx", "fastapi", "os",
             "subprocess", "socket", "pathlib", "psycopg", "modelsteward.store",
             "modelsteward.service", "modelsteward.cli", "modelsteward.integrity",
             # the statistics stay in modelsteward.analysis: values here, numbers there
             "numpy", "scipy", "statsmodels", "pandas", "modelsteward.analysis"}


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
# the only parts of the package the remote client may use: values and pure rules, its own code
REMOTE_ALLOWED = {"modelsteward.domain", "modelsteward.errors", "modelsteward.results",
                  "modelsteward.integrity", "modelsteward.ports", "modelsteward.files",
                  "modelsteward.remote"}


def _imported(node: ast.AST, package: str) -> list[str]:
    """The modules an import statement names, a relative one resolved against ``package``;
    ``from modelsteward import x`` names ``modelsteward.x``."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parent = package.rsplit(".", node.level - 1)[0]
        base = f"{parent}.{base}" if base else parent
    return [f"{base}.{a.name}" for a in node.names] if base == "modelsteward" else [base]


def _within(name: str, prefixes: set[str]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in prefixes)


def test_the_remote_client_is_an_adapter_without_the_store() -> None:
    """``remote`` speaks HTTP and returns domain values and the use cases' results; it never
    opens a database and knows neither the services', the server's nor the CLI's code. Every
    import statement counts, those inside functions and ``TYPE_CHECKING`` blocks too."""
    offenders = [
        f"{source.name}: {name}"
        for source in REMOTE.rglob("*.py")
        for node in ast.walk(ast.parse(source.read_text()))
        for name in _imported(node, "modelsteward.remote")
        if _within(name, REMOTE_FORBIDDEN)
        or (_within(name, {"modelsteward"}) and not _within(name, REMOTE_ALLOWED))
    ]
    assert REMOTE.is_dir() and offenders == []


LIGHT = ("modelsteward.remote", "modelsteward.results", "modelsteward.domain",
         "modelsteward.errors")
HEAVY = ("sqlalchemy", "alembic", "fastapi")


def test_the_remote_client_and_the_values_load_without_the_database_or_the_server() -> None:
    """A client of a server pays for neither SQLAlchemy, Alembic nor FastAPI: importing the
    remote client (every module of it), the results, the domain and the errors in a fresh
    interpreter leaves them unloaded."""
    script = (
        "import importlib, pkgutil, sys\n"
        f"for name in {LIGHT!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for found in pkgutil.walk_packages(getattr(package, '__path__', []), name + '.'):\n"
        "        importlib.import_module(found.name)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_the_composition_root_loads_a_service_only_when_it_is_used() -> None:
    """``import modelsteward.service.registry`` (every command does) loads neither SQLAlchemy
    nor a service's module before the service is used: a command pays only for what it runs."""
    script = (
        "import sys\n"
        "from modelsteward.service.registry import Registry\n"
        "from modelsteward.store.memory import MemoryStore\n"
        "before = sorted(m for m in ('sqlalchemy', 'fsspec', 'jsonschema',\n"
        "                            'modelsteward.service.retirement') if m in sys.modules)\n"
        "Registry(MemoryStore(), actor='alice').retirements\n"
        "print(before, 'modelsteward.service.retirement' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[] True"


PACKAGE = DOMAIN.parent
# the wiring: what opens a store and hands it (and its ports) to everything else
STORE_WIRING = {"api/app.py", "cli/db.py", "cli/serve.py", "service/registry.py",
                "__init__.py"}  # the last: the public surface's lazy export of MemoryStore


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
    assert importers <= STORE_WIRING




def _module_name(source: Path) -> str:
    parts = list(source.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(name: str, source: Path, modules: set[str]) -> Iterator[tuple[str, set[str]]]:
    """Every module of the package that ``name`` imports, anywhere in it (inside functions
    and ``TYPE_CHECKING`` blocks too), with the names imported from it (empty for ``import
    x``). ``from package import module`` imports the module; relative imports are resolved."""
    package = name.split(".") if source.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, set()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1],
                                 *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule, set()) if submodule in modules else (base, {alias.name})


def import_graph() -> dict[str, set[str]]:
    """Each module of ``modelsteward`` and the modules of ``modelsteward`` it imports."""
    sources = {_module_name(s): s for s in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in sources}
    for name, source in sources.items():
        for target, _names in _imports(name, source, set(sources)):
            if target not in sources or target == name:
                continue
            graph[name].add(target)
    return graph


def test_the_import_graph_has_no_cycle() -> None:
    """Modules import each other in one direction: any circle is named."""
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as error:
        # graphlib lists each module before the one that imports it
        circle = " -> ".join(reversed(error.args[1]))
        pytest.fail(f"These modules import each other in a circle (a -> b: a imports b): {circle}")


def test_the_graph_sees_imports_inside_functions_and_relative_ones() -> None:
    graph = import_graph()
    assert "modelsteward.service.registry" in graph["modelsteward"]  # inside a function
    assert "modelsteward.service.context" in graph["modelsteward.service.registry"]


def test_no_service_depends_on_the_composition_root() -> None:
    """Services get their collaborators in their constructors; only the outside (CLI, API,
    the package's entry point) knows :class:`~modelsteward.service.registry.Registry`."""
    graph = import_graph()
    assert [name for name, targets in graph.items() if name.startswith("modelsteward.service.")
            and "modelsteward.service.registry" in targets] == []


def test_services_do_not_import_the_store() -> None:
    graph = import_graph()
    offenders = sorted((name, target) for name, targets in graph.items()
                       if name.startswith("modelsteward.service.")
                       and name != "modelsteward.service.registry"
                       for target in targets if target.startswith("modelsteward.store"))
    assert offenders == []
