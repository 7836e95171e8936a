"""One line of a model card's changelog per event: what changed, in words.

:func:`describe_event` names every event kind a model's history holds; a kind it does not know
(a newer release's) is shown by its kind and subject rather than dropped, so the changelog
never silently loses an event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from modelsteward.domain import events as ev
from modelsteward.domain.events import Event

__all__ = ["describe_event"]

Describe = Callable[[str, Mapping[str, object]], str]


def _joined(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


_TEXTS: dict[str, Describe] = {
    ev.MODEL_CREATED: lambda s, p: f"model {s} created (owner team {p.get('owner_team') or '—'}, "
                                   f"risk tier {p.get('risk_tier')})",
    ev.MODEL_UPDATED: lambda s, p: f"model {s} updated"
                                   + (f": {p['reason']}" if p.get("reason") else ""),
    ev.MODEL_DELETED: lambda s, p: f"model {s} deleted: {p.get('reason', '')}",
    ev.VERSION_REGISTERED: lambda s, p: f"{s} registered (sha256:{p.get('digest') or '—'})",
    ev.VERSION_ATTESTED: lambda s, p: f"{s} training attestation recorded "
                                      f"(builder {p.get('builder') or '—'})",
    ev.VERSION_DERIVED: lambda s, p: f"{s} derives from {p.get('parent')} "
                                     f"({p.get('relation')})",
    ev.VERSION_EVALUATED: lambda s, p: f"{s} evaluated on suite {p.get('suite')}",
    ev.VERSION_PROMOTED: lambda s, p: f"{s} promoted from {p.get('from')} to {p.get('to')}",
    ev.VERSION_APPROVED: lambda s, p: f"{s} approved as {p.get('role')}",
    ev.VERSION_CHECKED: lambda s, p: f"{s} staging check {p.get('check')} "
                                     f"{'passed' if p.get('passed') else 'failed'}",
    ev.VERSION_REJECTED: lambda s, p: f"{s} rejected: {p.get('reason', '')}",
    ev.VERSION_DEPRECATED: lambda s, p: f"{s} deprecated ({p.get('reason')})",
    ev.VERSION_RETIRED: lambda s, p: f"{s} retired",
    ev.VERSION_MEASURED: lambda s, p: f"{s} production metrics measured",
    ev.VERSION_BREACHED: lambda s, p: f"{s} breached its {p.get('metric')} threshold "
                                      f"({p.get('value')}, threshold {p.get('threshold')})",
    ev.VERSION_DEGRADED: lambda s, p: f"{s} degraded: {_joined(p.get('breaches'))}",
    ev.GATE_OVERRIDDEN: lambda s, p: f"{s} gate {p.get('gate')} overridden: "
                                     f"{p.get('reason', '')}",
    ev.ALIAS_SET: lambda s, p: f"alias {p.get('alias')} set to {s}",
    ev.ALIAS_REMOVED: lambda s, p: f"alias {p.get('alias')} removed from {s}",
    ev.ALIAS_ROLLED_BACK: lambda s, p: f"alias {p.get('alias')} rolled back from "
                                       f"{p.get('from')} to {s}",
    ev.ROLLBACK_FAILED: lambda s, p: f"rollback of {s} failed",
    ev.DEPRECATION_PLANNED: lambda s, p: f"deprecation planned for {s} ({p.get('reason')}; "
                                         f"hard deadline {p.get('hard_deadline')}, replacement "
                                         f"{p.get('replacement') or 'none'})",
    ev.DEPRECATION_PHASE: lambda s, p: f"{s} deprecation phase: {p.get('phase')}",
    ev.DEPRECATION_OVERDUE: lambda s, p: f"{s} is past its hard deadline and not retired",
    ev.VERSION_RESTORED: lambda s, p: f"{s} restored from its archive",
    ev.VERSION_DELETED: lambda s, p: f"{s} deleted: {p.get('reason', '')}",
    ev.CARD_EDITED: lambda s, p: f"card section {p.get('section')} edited",
    ev.REQUIREMENTS_SET: lambda s, p: f"{s} runtime requirements set ({p.get('framework')} "
                                      f"{p.get('framework_version')})",
    ev.INCIDENT_RECORDED: lambda s, p: f"{s} incident recorded ({p.get('severity')}): "
                                       f"{p.get('summary')}"
                                       + (f"; resolved {p['resolved']}" if p.get("resolved")
                                          else ""),
    ev.INCIDENT_RESOLVED: lambda s, p: f"{s} incident {p.get('incident')} resolved on "
                                       f"{p.get('resolved')}",
    ev.EXPERIMENT_STARTED: lambda s, p: f"experiment started on {s}",
    ev.EXPERIMENT_DECIDED: lambda s, p: f"experiment on {s} decided",
}


def describe_event(event: Event) -> str:
    """The changelog text of ``event`` (one line, no trailing punctuation)."""
    text = _TEXTS.get(event.kind)
    line = text(event.subject, event.payload) if text else f"{event.kind} on {event.subject}"
    return " ".join(line.split())
