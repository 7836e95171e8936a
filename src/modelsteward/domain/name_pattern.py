"""The shape of a model name as a regular expression, on its own so that the exception tree
(which names it when it offers to create a model) and :mod:`modelsteward.domain.names` (which
raises from that tree) do not import each other."""

from __future__ import annotations

_SEGMENT = r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?"
MODEL_NAME_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})?$"
"""A valid model name, as a regular expression (also in the API's OpenAPI document)."""
