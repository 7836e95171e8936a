"""What is particular to the in-memory store (its behaviour shared with SQL is the contract suite's,
``tests/contract``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import modelsteward
from modelsteward.errors import StorageError
from modelsteward.service.registry import Registry
from modelsteward.store.memory import MemoryStore
from modelsteward.store.opening import open_store
from tests.conftest import FixedClock
from tests.contract.helpers import add_model


def test_importing_it_does_not_load_sqlalchemy() -> None:
    code = ("import sys, modelsteward.store.memory, modelsteward.store.opening; "
            "from modelsteward import MemoryStore; "
            "print(any(m.split('.')[0] == 'sqlalchemy' for m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


def test_the_package_exports_it() -> None:
    assert modelsteward.MemoryStore is MemoryStore
    assert "MemoryStore" in modelsteward.__all__
    assert modelsteward.__all__ == sorted(modelsteward.__all__)


def test_each_memory_url_opens_a_fresh_store() -> None:
    first, second = open_store("memory://"), open_store("memory://")
    assert isinstance(first, MemoryStore) and first is not second
    with Registry.open("memory://", actor="ci") as registry:
        assert isinstance(registry.store, MemoryStore)


def test_a_registry_runs_on_it(clock: FixedClock) -> None:
    from modelsteward.domain.model import Model

    registry = Registry(MemoryStore(), actor="ci", clock=clock)
    registry.create_model(Model("bot", owner_team="team-a"))
    registry.register_version("bot", "1.0.0")
    assert registry.resolve("bot", "^1", candidates=True).ref == "bot@1.0.0"
    assert registry.verify_history().broken is None


def test_a_read_transaction_refuses_writes() -> None:
    store = MemoryStore()
    with pytest.raises(StorageError), store.read() as tx:
        add_model(tx, "bot")


def test_a_write_inside_a_write_raises_instead_of_waiting() -> None:
    store = MemoryStore()
    with pytest.raises(RuntimeError), store.write(), store.write():
        pass
    with store.write() as tx:  # the lock was released
        add_model(tx, "bot")


def test_the_marker_moves_with_each_commit_only() -> None:
    store = MemoryStore()
    before = store.marker()
    with store.read():
        pass
    with pytest.raises(RuntimeError), store.write():
        raise RuntimeError("abandoned")
    assert store.marker() == before
    with store.write() as tx:
        add_model(tx, "bot")
    assert store.marker() == before + 1
