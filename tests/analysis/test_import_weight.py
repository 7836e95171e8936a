"""SciPy and statsmodels (with numpy and pandas behind them, seconds to import) are for the
analysis alone: the package, its domain and the CLI's start load none of them."""

from __future__ import annotations

import subprocess
import sys

STATISTICS = ("scipy", "statsmodels", "numpy", "pandas")


def test_the_package_the_domain_and_the_cli_load_no_statistics_library() -> None:
    """In a fresh interpreter (what an earlier test imported cannot hide an import)."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import modelsteward, modelsteward.domain as domain\n"
        "for found in pkgutil.walk_packages(domain.__path__, 'modelsteward.domain.'):\n"
        "    importlib.import_module(found.name)\n"
        "from modelsteward.cli.main import main\n"
        "modelsteward.Registry\n"
        f"print(sorted(m for m in {STATISTICS!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
