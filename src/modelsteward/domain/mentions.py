"""Which models an event concerns although its subject names none of them.

Most events are about a model or one of its versions: their subject says so (``MODEL``,
``MODEL@VERSION``). Advisories and consumers are subjects of their own (``GHSA-…``,
``consumer:NAME``), yet a model's card must read the advisories that reach it and the consumers
that pin it. The stores index each event under the models this rule names, so a card reads
those subjects' events without scanning every advisory and consumer of the registry.

The rule over-approximates on purpose (a model named is enough; which of its versions is the
card's to decide), and is stable: an event's mentions depend only on the event.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelsteward.domain import events as ev

__all__ = ["MENTIONING_KINDS", "mentioned_models"]

MENTIONING_KINDS = frozenset({ev.ADVISORY_PUBLISHED, ev.ADVISORY_UPDATED, ev.CONSUMER_REGISTERED,
                              ev.CONSUMER_PINNED, ev.CONSUMER_UNPINNED})
"""The kinds whose payload names models other than their subject's."""


def _model(ref: object) -> str:
    """The model of ``MODEL@VERSION`` (or of a bare ``MODEL``); "" for what names no model."""
    return str(ref).partition("@")[0].strip() if isinstance(ref, str) else ""


def mentioned_models(kind: str, payload: Mapping[str, object]) -> frozenset[str]:
    """The models an event of ``kind`` with ``payload`` concerns beyond its subject: for an
    advisory, the models of the versions it affects directly or by inheritance; for a
    consumer's registration, the models it pins; for a pin or unpin, that pin's model (and the
    model a deletion moved it to)."""
    if kind not in MENTIONING_KINDS:
        return frozenset()
    found: set[str] = set()
    if kind in (ev.ADVISORY_PUBLISHED, ev.ADVISORY_UPDATED):
        for key in ("affected", "inherited"):
            refs = payload.get(key)
            if isinstance(refs, list):
                found.update(_model(ref) for ref in refs)
    elif kind == ev.CONSUMER_REGISTERED:
        pins = payload.get("pins")
        if isinstance(pins, Mapping):
            found.update(str(text).partition(" ")[0] for text in pins)
    else:
        found.add(_model(payload.get("model")))
        moved_to = payload.get("to")
        if isinstance(moved_to, str):  # a deletion's move: "OTHER PIN" or "OTHER@VERSION"
            found.add(_model(moved_to.partition(" ")[0]))
    found.discard("")
    return frozenset(name[:200] for name in found)
