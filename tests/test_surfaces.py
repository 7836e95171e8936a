"""The local and the remote registry offer one surface (:mod:`modelsteward.service.api`).

The check is mypy's: the functions below only type-check while :class:`Registry` and
:class:`RemoteRegistry` (and each of their services) still match every protocol, so a method
changed on one side and not the other fails the type check of the test suite. The test itself
only makes sure the module is part of the run."""

from __future__ import annotations

from modelsteward.remote.registry import RemoteRegistry
from modelsteward.service.api import RegistryApi
from modelsteward.service.registry import Registry


def _local(registry: Registry) -> RegistryApi:
    return registry


def _remote(registry: RemoteRegistry) -> RegistryApi:
    return registry


def test_both_registries_offer_the_shared_surface() -> None:
    assert _local.__annotations__["return"] == _remote.__annotations__["return"] == "RegistryApi"
