"""Parsing ``MODEL@VERSION`` references given on the command line or in files."""

from __future__ import annotations

from modelsteward.domain.names import validate_model_name
from modelsteward.errors import InvalidInput


def split_ref(ref: str, *, version_required: bool = True) -> tuple[str, str]:
    """Split ``model@version`` into its parts; the version part may be empty when not required."""
    model, at, version = ref.partition("@")
    if version_required and (not at or not version):
        raise InvalidInput(
            f"{ref!r} does not name a version: write MODEL@VERSION, e.g. 'support-bot@1.4.2'."
        )
    validate_model_name(model)
    return model, version
