"""Who a problem with some versions reaches: the versions derived from them (lineage,
transitively) and the consumer teams whose pins resolve to them. Shared by deprecation notices
and advisory notices."""

from __future__ import annotations

from collections import defaultdict

from modelsteward.domain.consumers import Consumer
from modelsteward.domain.model import Model, Version
from modelsteward.ports import Transaction
from modelsteward.service.registry import Registry, walk_lineage, first_match


def affected_teams(registry: Registry, tx: Transaction, model: Model,
                   versions: list[Version]) -> dict[str, list[Consumer]]:
    """Consumers of ``model`` whose pin resolves to one of ``versions``, by team. Resolution here
    ignores deprecation plans: it is where the pin points before any plan redirects it."""
    refs = {str(v.id) for v in versions}
    teams: dict[str, list[Consumer]] = defaultdict(list)
    for consumer in tx.list_consumers(model.name):
        for pin in consumer.pins:
            if pin.model != model.name:
                continue
            current = first_match(tx, model.name, registry.parse_pin(model, pin.pin))
            if current is not None and str(current.id) in refs:
                teams[consumer.team].append(consumer)
    return teams


def descendants(tx: Transaction, versions: list[Version]) -> dict[Model, list[Version]]:
    """Everything derived from ``versions`` (lineage, transitively), by model; deleted models
    and versions are left out."""
    found: dict[str, list[Version]] = defaultdict(list)
    loaded = {v.ref for v in versions}
    for node in walk_lineage([v.ref for v in versions], tx.children, lambda d: d.child):
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
