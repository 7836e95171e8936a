"""Data shipped inside the package: the curated table of provider shutdowns.

This is the one place that reads it (with :mod:`importlib.resources`, so it works from a wheel
or a zip) and the one place that turns its YAML into Python values; the parsing and every check
stay in the pure :mod:`modelsteward.domain.provider_schedules`.
"""

from __future__ import annotations

from importlib import resources

import yaml

from modelsteward.domain.provider_schedules import Shutdown, parse_shutdown_table
from modelsteward.errors import DocumentInvalid, Problem

CURATED_SHUTDOWNS = "provider_shutdowns.yaml"
_SOURCE = f"modelsteward/data/{CURATED_SHUTDOWNS}"


def load_curated() -> list[Shutdown]:
    """The shutdowns of the curated table shipped with modelsteward, in table order.

    Raises :class:`DocumentInvalid` (every problem, located) when the shipped file is not valid
    YAML or not a valid shutdown table — a packaging bug, which the test suite guards against.
    """
    text = resources.files("modelsteward.data").joinpath(CURATED_SHUTDOWNS).read_text(
        encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "$"
        raise DocumentInvalid(_SOURCE, [Problem(where, f"is not valid YAML: {exc}")]) from None
    return parse_shutdown_table(doc, source=_SOURCE)
