"""What the remote services (``tokens``, ``services``, ``lifecycle``) need of the remote
registry that builds them: its client, its paths and its readers of models and versions.

A Protocol, so that those modules need not import :mod:`modelsteward.remote.registry`, which
imports them."""

from __future__ import annotations

from typing import Protocol

from modelsteward.domain.model import Model, Version
from modelsteward.remote.client import Client, Json


class RemotePart(Protocol):
    client: Client

    def model_path(self, name: str) -> str: ...
    def version_path(self, ref: str) -> str: ...
    def version_of(self, data: Json) -> Version: ...
    def get_model(self, name: str, include_deleted: bool = False) -> Model: ...
    def get_version(self, model: str, version: str, include_deleted: bool = False) -> Version: ...
