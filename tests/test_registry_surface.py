"""``modelsteward.Registry``'s public surface is pinned: its public names here, their signatures
in ``tests/golden/registry_api.txt``. Callers of the library use these, so a rename, a removed
method or a changed parameter must be a decision, seen in review; rewrite the golden file on
purpose with ``STEWARD_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import inspect
from functools import cached_property
from pathlib import Path

from modelsteward import Registry
from modelsteward.config import Settings
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "registry_api.txt"

# methods, properties and the attributes an instance is given, sorted
PUBLIC = [
    "actor", "advisories", "attest", "attestations", "audits", "cards", "catalog", "clock",
    "close", "compare", "compliance", "consumers", "context", "create_model", "create_model_in",
    "default_team", "deletions", "deprecations", "experiments", "exports", "get_model",
    "get_version", "history", "ineligible_in", "inherited_plan", "is_deleted", "lifecycle",
    "lineage", "list_models",
    "list_versions", "locking", "log", "log_tail", "mlflow", "notifications", "open", "osv",
    "own_plan", "owned", "parse_pin", "pipelines", "plan_pin", "policy", "providers", "record",
    "register_in", "register_recorded", "register_version", "registrar", "registry_files",
    "require_version", "resolution", "resolve", "resolve_in", "resolver", "retirements", "store",
    "tokens", "transfer_model", "unresolvable_in", "verify", "verify_history", "verify_log",
    "why_not_in", "workers",
]


def _public_names(registry: Registry) -> list[str]:
    return sorted(name for name in {*dir(Registry), *vars(registry)} if not name.startswith("_"))


def _line(name: str) -> str:
    """``name`` and its signature as ``inspect`` writes it (annotations stay as written)."""
    found = inspect.getattr_static(Registry, name, None)
    if found is None:
        return f"{name}  (attribute)"
    if isinstance(found, property | cached_property):
        getter = found.fget if isinstance(found, property) else found.func
        assert getter is not None
        returns = inspect.signature(getter).return_annotation
        return f"{name}  (property) -> {returns}"
    if isinstance(found, classmethod | staticmethod):
        kind = type(found).__name__
        return f"{name}{inspect.signature(getattr(Registry, name))}  ({kind})"
    return f"{name}{inspect.signature(found)}"


def test_the_public_names_and_signatures_of_registry_are_the_pinned_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    # an opened registry, for the attributes its constructor sets
    with Registry.open(url, settings=Settings(url, "alice@example.com")) as registry:
        names = _public_names(registry)
    added, removed = sorted(set(names) - set(PUBLIC)), sorted(set(PUBLIC) - set(names))
    assert names == PUBLIC, (f"Registry's public names changed (added {added}, removed {removed}); "
                             "if that is intended, update PUBLIC and the golden file")
    assert_golden(GOLDEN, "".join(f"{_line(name)}\n" for name in names))
