"""Replacements: the ``MODEL@PIN`` a deletion moves consumers to, or a deprecation plan tells
them to adopt, must give a version applications may be moved to — an eligible one."""

from __future__ import annotations

from modelsteward.domain.model import Model
from modelsteward.errors import Conflict, NoMatchingVersion
from modelsteward.ports import Transaction
from modelsteward.results import Resolution
from modelsteward.service.resolution import Resolver


def eligible_replacement(resolver: Resolver, tx: Transaction, model: Model, pin: str,
                         replacement: str) -> Resolution:
    """The resolution of ``replacement`` (``model@pin``) inside ``tx``, an eligible version.

    Resolution is the registry's own (:meth:`Resolver.resolve_in`), so the policy's eligibility
    rule decides. Raises :class:`Conflict` saying why when the pin gives no eligible version —
    an exact pin naming a version that has not passed the gates, or a pin whose versions are
    all retired, deleted, rejected or ineligible — and :class:`NoMatchingVersion` when no
    version matches at all."""
    parsed = resolver.parse_pin(model, pin)
    found = resolver.resolve_in(tx, model, parsed)
    if found is not None and found.ineligible:
        raise Conflict(
            f"The replacement {replacement} resolves to {found.version.ref}, which is not "
            f"eligible for applications because {found.ineligible}. A replacement must be a "
            "version people can move to: move it through the gates first, or name another.")
    if found is not None:
        return found
    why = resolver.unresolvable_in(tx, model, parsed)
    if why is None:
        raise NoMatchingVersion(model.name, pin)
    if why.state == "ineligible":
        raise Conflict(
            f"The replacement {replacement} gives no version applications may use: the best "
            f"match, {why.version}, is not eligible because {why.reason}. A replacement must be "
            "a version people can move to: move it through the gates first, or name another.")
    since = f" on {why.since}" if why.since else ""
    raise Conflict(
        f"The replacement {replacement} no longer resolves: {why.version} was {why.state}{since} "
        f"({why.reason}). A replacement must be a version people can move to; name another.")
