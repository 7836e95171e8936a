"""``modelsteward.__all__`` is the library's public surface: sorted, complete, every name real,
and pinned (tests/golden/public_names.txt; rewrite it deliberately with
``STEWARD_UPDATE_GOLDEN=1`` when the surface is meant to change)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import modelsteward
import modelsteward.errors
import modelsteward.results
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "public_names.txt"


def test_the_public_names_are_sorted_and_pinned() -> None:
    names = modelsteward.__all__
    assert names == sorted(names) and len(set(names)) == len(names)
    assert_golden(GOLDEN, "".join(f"{name}\n" for name in names))


def test_every_public_name_is_what_it_says() -> None:
    for name in modelsteward.__all__:
        value = getattr(modelsteward, name)
        assert getattr(value, "__name__", None) == name, name
        assert value.__module__.startswith("modelsteward."), name
    assert set(modelsteward.__all__) <= set(dir(modelsteward))


def test_the_surface_is_complete() -> None:
    """Every error of the tree, every result value, and the registries a caller opens."""
    errors = {name for name, value in vars(modelsteward.errors).items()
              if inspect.isclass(value) and value.__module__ == "modelsteward.errors"
              and not name.startswith("_")}
    wanted = errors | set(modelsteward.results.__all__) | {
        "Registry", "RemoteRegistry", "MemoryStore", "Store", "Clock", "SystemClock"}
    assert wanted - set(modelsteward.__all__) == set()


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        modelsteward.NoSuchThing  # noqa: B018  (the access is the test)
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("modelsteward.NoSuchThing resolved")


def test_importing_the_package_loads_neither_the_database_nor_the_http_client() -> None:
    script = ("import sys, modelsteward; modelsteward.StewardError; modelsteward.Resolution; "
              "print(sorted(m for m in ('sqlalchemy', 'httpx', 'fastapi') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
