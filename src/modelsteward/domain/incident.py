"""An incident found after release, recorded against one version: a known issue on its card.

An incident is two kinds of event, never a row of its own:

* ``model:version:incident`` (subject ``MODEL@VERSION``) records it; the event's sequence number
  is the incident's id (``steward version incident … --resolve 42``). Its payload::

      {"summary": "Answers in the wrong language for Catalan tickets",   # 1–500 characters
       "severity": "high",              # low, medium (the default), high or critical
       "started": "2026-11-02",         # an ISO date; the day it was recorded when not given
       "resolved": "2026-11-04",        # optional: an incident recorded after the fact
       "link": "https://status.example.com/incidents/81"}   # optional: http(s) URL

* ``model:version:incident-resolved`` (the same subject) resolves an open one later:
  ``{"incident": 42, "resolved": "2026-11-04"}``. An incident is resolved once; the recording
  event itself is never rewritten, so the card at a time before the resolution shows it open.

:func:`parse_incident` and :func:`parse_day` check what a user gives and name every fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from modelsteward.domain.severity import Level, parse_level
from modelsteward.errors import InvalidInput

__all__ = ["MAX_LINK", "MAX_SUMMARY", "Incident", "parse_day", "parse_incident"]

MAX_SUMMARY = 500
"""The longest incident summary, in characters: one line a card can show (link the write-up)."""
MAX_LINK = 2000


@dataclass(frozen=True)
class Incident:
    """What a ``model:version:incident`` event records (dates as ``YYYY-MM-DD``)."""

    summary: str
    severity: Level
    started: str
    resolved: str = ""
    link: str = ""

    def as_payload(self) -> dict[str, str]:
        payload = {"summary": self.summary, "severity": self.severity.value,
                   "started": self.started}
        if self.resolved:
            payload["resolved"] = self.resolved
        if self.link:
            payload["link"] = self.link
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Incident:
        """The incident an event recorded (checked when it was written)."""
        try:
            severity = Level(str(payload.get("severity") or "medium"))
        except ValueError:
            severity = Level.MEDIUM
        return cls(str(payload.get("summary") or ""), severity,
                   str(payload.get("started") or ""), str(payload.get("resolved") or ""),
                   str(payload.get("link") or ""))


def parse_day(text: str, what: str) -> str:
    """``text`` as an ISO date (``2026-11-02``), normalised; :class:`InvalidInput` naming
    ``what`` otherwise."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidInput(f"The incident's {what} {text!r} is not a date: write it as "
                           "YYYY-MM-DD, e.g. 2026-11-02.") from None


def parse_incident(summary: str, *, severity: str = "medium", started: str = "",
                   resolved: str = "", link: str = "", today: date) -> Incident:
    """The incident a user described, checked: a summary of 1–:data:`MAX_SUMMARY` characters
    (whitespace runs become one space), a known severity, ISO dates with ``resolved`` not
    before ``started`` (``started`` defaults to ``today``), an ``http(s)`` link without spaces
    (or ``<>"``). Raises :class:`InvalidInput` naming the field and the fix."""
    text = " ".join(summary.split())
    if not text:
        raise InvalidInput("The incident's summary is empty: say in one line what went wrong, "
                           "e.g. --summary \"Answers in the wrong language\".")
    if len(text) > MAX_SUMMARY:
        raise InvalidInput(f"The incident's summary is {len(text)} characters long; at most "
                           f"{MAX_SUMMARY} fit. Shorten it and put the write-up behind --link.")
    try:
        level = parse_level(severity)
    except InvalidInput:
        raise InvalidInput(f"{severity!r} is not an incident severity: use low, medium, high "
                           "or critical.") from None
    begun = parse_day(started, "start date") if started.strip() else today.isoformat()
    ended = parse_day(resolved, "resolution date") if resolved.strip() else ""
    if ended and ended < begun:
        raise InvalidInput(f"The incident was resolved on {ended}, before it started on "
                           f"{begun}: check --started and --resolved.")
    address = link.strip()
    if address and (not address.startswith(("https://", "http://")) or len(address) > MAX_LINK
                    or any(c.isspace() or not c.isprintable() or c in '<>"' for c in address)):
        raise InvalidInput(f"The incident's link {address[:80]!r} is not an http(s) URL of at "
                           f"most {MAX_LINK} characters without spaces: give the address of "
                           "its write-up, e.g. https://status.example.com/incidents/81.")
    return Incident(text, level, begun, ended, address)
