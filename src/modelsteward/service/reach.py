"""Who a problem with some versions reaches: the versions derived from them (lineage,
transitively) and the consumer teams whose pins resolve to them. Shared by deprecation notices
and advisory notices."""

from __future__ import annotations

from collections import defaultdict

from modelsteward.domain.consumers import Consumer, ConsumerPin
from modelsteward.domain.lineage import walk_lineage_many
from modelsteward.domain.model import Model, Version
from modelsteward.domain.versioning import ModelVersion, Snapshot
from modelsteward.ports import Transaction
from modelsteward.results import Resolution
from modelsteward.service.resolution import Resolver


def affected_teams(resolver: Resolver, tx: Transaction, model: Model, versions: list[Version],
                   *, as_if_resolvable: bool = False) -> dict[str, list[Consumer]]:
    """Consumers of ``model`` whose pin resolves to one of ``versions``, by team (see
    :func:`affected_pins`)."""
    return {team: [consumer for consumer, _ in found]
            for team, found in affected_pins(resolver, tx, model, versions,
                                             as_if_resolvable=as_if_resolvable).items()}


def affected_pins(resolver: Resolver, tx: Transaction, model: Model, versions: list[Version],
                  *, as_if_resolvable: bool = False
                  ) -> dict[str, list[tuple[Consumer, ConsumerPin]]]:
    """The pins of ``model`` that resolve to one of ``versions``, with their consumers, by team.
    Resolution is the registry's (a non-strict pin gives only eligible versions); a pin a
    plan redirects counts for the version it was redirected from: it is where the pin points
    before the plan moves it. With ``as_if_resolvable``, ``versions`` count as candidates even
    when they no longer resolve (retired, rejected, or past a hard deadline): who used them
    before they stopped resolving (the teams a retirement must tell)."""
    refs = {str(v.id) for v in versions}
    gone = list(versions) if as_if_resolvable else []
    teams: dict[str, list[tuple[Consumer, ConsumerPin]]] = defaultdict(list)
    for consumer in tx.list_consumers(model.name):
        for pin in consumer.pins:
            if pin.model != model.name:
                continue
            parsed = resolver.parse_pin(model, pin.pin)
            current = _points_to(tx, model, resolver.resolve_in(tx, model, parsed))
            for candidate in gone:
                if parsed.matches(candidate.id) and (  # type: ignore[arg-type]  # same scheme
                        current is None or _ranks_above(candidate, current)):
                    current = candidate
            if current is not None and str(current.id) in refs:
                teams[consumer.team].append((consumer, pin))
    return teams


def _points_to(tx: Transaction, model: Model, found: Resolution | None) -> Version | None:
    """The version of ``model`` a resolution gives, or the one a plan redirected it from."""
    if found is None:
        return None
    if found.redirected_from:
        name, _, version = found.redirected_from.partition("@")
        return tx.get_version(name, version) if name == model.name else None
    return found.version if found.version.model == model.name else None


def _ranks_above(a: Version, b: Version) -> bool:
    """Whether resolution would pick ``a`` before ``b`` (the order of the store's candidates:
    the highest semantic version; the newest snapshot date, then the later registration)."""
    if isinstance(a.id, Snapshot) and isinstance(b.id, Snapshot):
        return (a.id.date, a.registered_at) > (b.id.date, b.registered_at)
    if isinstance(a.id, ModelVersion) and isinstance(b.id, ModelVersion):
        return a.id > b.id
    return False


def descendants(tx: Transaction, versions: list[Version]) -> dict[Model, list[Version]]:
    """Everything derived from ``versions`` (lineage, transitively), by model; deleted models
    and versions are left out."""
    found: dict[str, list[Version]] = defaultdict(list)
    loaded = {v.ref for v in versions}
    # a generation at a time: one read for all the refs of a generation
    for node in walk_lineage_many([v.ref for v in versions], tx.children_of, lambda d: d.child):
        child = node.derivation.child
        if child in loaded:
            continue
        loaded.add(child)
        model_name, _, version = child.partition("@")
        stored = tx.get_version(model_name, version)
        if stored is not None:
            found[model_name].append(stored)
    models = {name: tx.get_model(name) for name in found}
    return {m: found[name] for name, m in models.items() if m is not None}
