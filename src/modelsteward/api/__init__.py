"""The HTTP face of modelsteward: a FastAPI application over the same services as the CLI.

:func:`create_app` is imported on first use: a process that needs only a part of this package
(``steward serve --workers N``'s parent reads :mod:`modelsteward.api.settings`, and its workers
import the application themselves) does not import the whole application.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelsteward.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name != "create_app":
        raise AttributeError(f"module 'modelsteward.api' has no attribute {name!r}")
    value = importlib.import_module("modelsteward.api.app").create_app
    globals()[name] = value  # the next access is a plain attribute
    return value
