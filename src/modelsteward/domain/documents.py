"""Shared wording for the parsers of user documents (registry file, policy file)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime


def describe(value: object) -> str:
    """How a wrong value is named in messages: ``found the number 3``, ``found a list``…"""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}" if value.strip() else "an empty string"
    if isinstance(value, datetime):
        return f"the timestamp {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a value of type {type(value).__name__}"
