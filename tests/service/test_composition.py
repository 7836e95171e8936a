"""The registry builds its services once; they share its actor and policy, changes included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from modelsteward import Registry
from modelsteward.domain.model import Model
from tests.conftest import FixedClock

SERVICES = ("resolver", "catalog", "registrar", "history", "lifecycle", "retirements",
            "deprecations", "consumers", "deletions", "providers", "advisories", "osv",
            "locking", "audits", "tokens", "registry_files")


@pytest.fixture
def registry(sqlite_url: str, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(sqlite_url, actor="alice", clock=clock) as reg:
        yield reg


def test_each_service_is_built_once(registry: Registry) -> None:
    for name in SERVICES:
        assert getattr(registry, name) is getattr(registry, name), name
    assert registry.mlflow() is registry.mlflow()
    # the services share what they use instead of building their own
    assert registry.deprecations.lifecycle is registry.lifecycle
    assert registry.audits.locking is registry.locking
    assert registry.catalog.resolver is registry.resolver


def test_every_service_sees_a_new_actor_and_policy(registry: Registry) -> None:
    held = registry.lifecycle
    registry.actor = "bob"
    policy = replace(registry.policy, administrators=("bob",))
    registry.policy = policy
    assert registry.lifecycle is held and held.ctx.actor == "bob"
    assert {getattr(registry, name).ctx.actor for name in SERVICES} == {"bob"}
    assert {id(getattr(registry, name).ctx.policy) for name in SERVICES} == {id(policy)}
    assert registry.lifecycle.policy is policy
    registry.create_model(Model("bot"))
    assert [e.actor for e in registry.log("bot")] == ["bob"]
