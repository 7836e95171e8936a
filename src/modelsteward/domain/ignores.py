"""``.steward-ignore.toml``: audit findings an application has decided to accept, each with a
reason and an expiry date so that it is reviewed again.

::

    [[ignore]]
    id = "MSA-2026-0001"            # an advisory id or a finding id
                                    # ("deprecation:support-bot@2.1.3")
    reason = "Only used offline for batch summaries; no user input reaches it."
    expires = 2027-01-31            # a TOML date (or a "YYYY-MM-DD" string)
    model = "support-bot"           # optional: only for this model

Nothing here reads files or the clock: :meth:`Ignore.expired` takes today's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final

from modelsteward.domain.documents import describe
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.toml_document import TomlTable, load_toml
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

__all__ = ["Ignore", "parse_ignores"]

_KEYS: Final = ("id", "reason", "expires", "model")
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXPIRY_HINT: Final = "e.g. expires = 2027-01-31, so the ignore is reviewed"


@dataclass(frozen=True)
class Ignore:
    """Findings with ``id`` (for ``model`` only, when given) are accepted until ``expires``
    because of ``reason``. ``expires`` is ``None`` only for an ignore given on the command line,
    which lasts for that run."""

    id: str
    reason: str
    expires: date | None
    model: str = ""

    def expired(self, today: date) -> bool:
        """True when ``today`` is after ``expires``: the ignore still holds on its expiry day."""
        return self.expires is not None and today > self.expires


def parse_ignores(text: str, source: str = ".steward-ignore.toml") -> tuple[Ignore, ...]:
    """Read the text of ``.steward-ignore.toml``; an empty file ignores nothing.

    Raises :class:`DocumentInvalid` naming ``source`` with *every* problem, each located
    (``ignore[1].reason``): TOML syntax, unknown keys, a missing id, a missing or empty reason, a
    missing or malformed expiry date, an invalid model name, the same id and model twice.
    Expired ignores are returned like the others; the caller decides what expiry means.
    """
    doc = load_toml(text, source)
    problems: list[Problem] = []
    top = TomlTable(doc, "", problems)
    top.check_keys(("ignore",))
    ignores: list[Ignore] = []
    first: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(top.tables("ignore", "[[ignore]] with id, reason and expires")):
        count = len(problems)
        entry.check_keys(_KEYS)
        id_ = entry.text("id", strip=True, required="give the advisory id (e.g. 'MSA-2026-0001') "
                                                    "or finding id (e.g. "
                                                    "'deprecation:support-bot@2.1.3') to ignore")
        reason = entry.text("reason", required="say why it is safe to ignore, e.g. reason = "
                                               "\"No user input reaches the model.\"")
        expires = _expiry(entry)
        model = entry.text("model", strip=True)
        if model:
            try:
                validate_model_name(model)
            except InvalidInput as exc:
                entry.problem("model", str(exc))
        raw_id, raw_model = entry.raw.get("id"), entry.raw.get("model", "")
        if isinstance(raw_id, str) and raw_id and isinstance(raw_model, str):
            key = (raw_id, raw_model)
            if key in first:
                scope = f" for {raw_model!r}" if raw_model else ""
                entry.problem("id", f"repeats the ignore of {raw_id!r}{scope} at "
                                    f"ignore[{first[key]}]; keep one of them")
            else:
                first[key] = i
        if len(problems) == count:
            ignores.append(Ignore(id_, reason, expires, model))
    if problems:
        raise DocumentInvalid(source, problems)
    return tuple(ignores)


def _expiry(entry: TomlTable) -> date | None:
    if "expires" not in entry.raw:
        entry.problem("expires", f"missing; give an expiry date, {_EXPIRY_HINT}")
        return None
    value = entry.raw["expires"]
    if isinstance(value, datetime):
        entry.problem("expires", f"found {describe(value)}; give a date without a time, "
                                 f"{_EXPIRY_HINT}")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            entry.problem("expires", f"{value!r} is not a date of the calendar; give a real "
                                     f"date, {_EXPIRY_HINT}")
            return None
    shown = "a time of day" if isinstance(value, time) else (
        f"{value!r}" if isinstance(value, str) else describe(value))
    entry.problem("expires", f"must be a date (YYYY-MM-DD), found {shown}; give an expiry "
                             f"date, {_EXPIRY_HINT}")
    return None
