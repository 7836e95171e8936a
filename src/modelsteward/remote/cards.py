"""The living card and the compliance report of a server, as ``steward card …``,
``steward version requirements|incident`` and ``steward compliance`` use them.

* A card's Markdown is the server's rendering, byte for byte (``GET …/card``); the card as a
  value is read back from its JSON (:meth:`~modelsteward.domain.card.Card.from_json`); a diff
  asks for the two renderings and compares them here, as the local registry does.
* Writes (a section, requirements, an incident and its resolution) answer with the event the
  server recorded: its number, kind and subject (:class:`Change`), not the whole event.
* The compliance report travels in the format asked for (JSON, Markdown or HTML, rendered by
  the server); recording the outcomes (``--record``) is the server's own ``steward tick``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelsteward.domain.card import Card, CardSection
from modelsteward.domain.card_markdown import card_diff
from modelsteward.domain.events import format_time
from modelsteward.domain.model import parse_enum
from modelsteward.domain.refs import split_ref
from modelsteward.domain.requirements import Requirements
from modelsteward.remote.client import Params, segment
from modelsteward.remote.part import RemotePart

__all__ = ["Change", "RemoteCards", "RemoteCompliance"]


@dataclass(frozen=True)
class Change:
    """The event a server recorded for a write: what the CLI prints of it."""

    seq: int
    kind: str
    subject: str


def _change(data: Any) -> Change:
    return Change(int(data["seq"]), str(data["kind"]), str(data["subject"]))


class RemoteCards:
    """:class:`~modelsteward.service.cards.Cards` over ``/api/v1`` (see the module's notes)."""

    def __init__(self, registry: RemotePart) -> None:
        self.registry = registry
        self.client = registry.client

    def _path(self, ref: str) -> str:
        model, version = split_ref(ref, version_required=False)
        return (self.registry.version_path(ref) if version
                else self.registry.model_path(model)) + "/card"

    @staticmethod
    def _query(fmt: str, at: datetime | None) -> Params:
        return {"format": fmt, **({"at": format_time(at)} if at is not None else {})}

    def card(self, ref: str, *, at: datetime | None = None) -> Card:
        return Card.from_json(self.client.get(self._path(ref), self._query("json", at)))

    def markdown(self, ref: str, *, at: datetime | None = None) -> str:
        """The server's rendering: the same bytes as a local registry over the same history."""
        return self.client.request("GET", self._path(ref),
                                   params=self._query("markdown", at)).text

    def diff(self, ref: str, start: datetime, end: datetime | None = None) -> str:
        return card_diff(ref, self.markdown(ref, at=start), self.markdown(ref, at=end), start,
                         end)

    def edit(self, model_name: str, section: str, text: str) -> Change:
        chosen = parse_enum(CardSection, section, "card section")  # named here, as locally
        return _change(self.client.put(
            f"{self.registry.model_path(model_name)}/card/sections/{chosen.value}",
            {"text": text}))

    def set_requirements(self, ref: str, requirements: Requirements) -> Change:
        body = {k: v for k, v in requirements.as_payload().items() if v}
        return _change(self.client.put(f"{self.registry.version_path(ref)}/requirements", body))

    def record_incident(self, ref: str, summary: str, *, severity: str = "medium",
                        started: str = "", resolved: str = "", link: str = "") -> Change:
        return _change(self.client.post(f"{self.registry.version_path(ref)}/incidents", {
            "summary": summary, "severity": severity, "started": started,
            "resolved": resolved, "link": link}))

    def resolve_incident(self, ref: str, incident: int, *, resolved: str = "") -> Change:
        return _change(self.client.post(
            f"{self.registry.version_path(ref)}/incidents/{segment(str(incident))}/resolution",
            {"resolved": resolved}))


class RemoteCompliance:
    """``GET /compliance`` in the format asked for."""

    def __init__(self, registry: RemotePart) -> None:
        self.client = registry.client

    @staticmethod
    def _query(model: str | None, team: str | None, fmt: str) -> Params:
        return {"model": model or "", "team": team or "", "format": fmt}

    def payload(self, model: str | None = None, team: str | None = None) -> dict[str, Any]:
        """The report as :meth:`~modelsteward.results.compliance.ComplianceReport.as_payload`
        gives it."""
        found: dict[str, Any] = self.client.get("/compliance", self._query(model, team, "json"))
        return found

    def document(self, model: str | None, team: str | None, fmt: str) -> str:
        """The report rendered by the server: ``markdown`` or ``html``."""
        return self.client.request("GET", "/compliance",
                                   params=self._query(model, team, fmt)).text
