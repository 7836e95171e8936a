"""What a model's retrain triggers are judged against, read from the registry inside one unit
of work (:func:`retrain_facts`).

* The **current version** is the one holding ``production``, else the latest release: its
  readings are the ones that matter (a candidate still under test says nothing about what users
  get).
* **Readings**: every metric of the current version's evaluations, each with the event that
  recorded it; and the production measurements among the version's latest
  :data:`RECENT_EVENTS` events (one ``model:version:measured`` event holds a batch of them).
* The **base** is the fine-tune step's ``base_model``; the version it was fine-tuned from is
  the current version's lineage parent of that model (a ``model@version`` in this registry, or
  a package URL whose name is the base's), else its first ``finetune`` parent. When the base is
  a model of this registry, its latest release is the base's latest version. Deprecation plans
  and advisories are those covering the base version used (else the latest).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime

from packageurl import PackageURL

from modelsteward.domain import events as ev
from modelsteward.domain.deprecation import plan_covers
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import Model, Version
from modelsteward.domain.pipeline import FineTuneStep
from modelsteward.domain.pipeline_record import ImportedPipeline
from modelsteward.domain.retrain import (
    BaseNotice,
    MetricReading,
    MetricSource,
    MetricTrigger,
    RetrainFacts,
)
from modelsteward.ports import Transaction
from modelsteward.service.lifecycle import PRODUCTION

RECENT_EVENTS = 1000  # how far back a version's events are read for its measurements


def retrain_facts(tx: Transaction, model: Model,
                  pipeline: ImportedPipeline) -> RetrainFacts:
    """The facts ``pipeline``'s triggers are judged against (see the module's docstring)."""
    current = current_version(tx, model.name)
    sources = {t.source for t in pipeline.definition.triggers if isinstance(t, MetricTrigger)}
    readings: list[MetricReading] = []
    if current is not None:
        if MetricSource.EVALUATION in sources:
            readings.extend(_evaluated(tx, current))
        if MetricSource.MONITORING in sources:
            readings.extend(_measured(tx, current))
    tune = pipeline.definition.of(FineTuneStep)
    base = tune.base_model if tune is not None else ""
    parent = _base_parent(tx.parents(current.ref), base) if current is not None else ""
    used = parent.rpartition("@")[2] if parent else ""
    if not base and parent:
        base = _name_of(parent)
    base_model = tx.get_model(base) if base else None
    latest = tx.latest_release(base) if base_model is not None else None
    latest_id = str(latest.id) if latest is not None else ""
    deprecations: tuple[BaseNotice, ...] = ()
    advisories: tuple[BaseNotice, ...] = ()
    if base_model is not None and (used or latest_id):
        deprecations = tuple(
            BaseNotice(p.id, f"{p.reason.value}, hard deadline {p.hard_deadline}")
            for p in tx.plans(base) if plan_covers(base_model, p, used or latest_id))
        stored = tx.get_version(base, used or latest_id)
        advisories = _advisories(tx, stored, f"{base}@{used or latest_id}")
    elif parent.startswith("pkg:"):
        deprecations = tuple(
            BaseNotice(p.id, f"{p.reason.value}, hard deadline {p.hard_deadline}")
            for p in tx.upstream_plans() if p.covers_purl(parent))
        advisories = _advisories(tx, None, parent)
    return RetrainFacts(model.name, tuple(readings), base, used, latest_id, deprecations,
                        advisories, pipeline.schedule_checked_at)


def current_version(tx: Transaction, model: str) -> Version | None:
    """The version holding ``production``, else the latest release."""
    holders = tx.current_aliases(model, PRODUCTION)
    if holders:
        found = tx.get_version(model, holders[0].version)
        if found is not None:
            return found
    return tx.latest_release(model)


def _evaluated(tx: Transaction, version: Version) -> list[MetricReading]:
    return [MetricReading(metric, value, MetricSource.EVALUATION, version.ref,
                          evaluation.recorded_at, evaluation.seq)
            for evaluation in tx.evaluations(version.model, str(version.id))
            for metric, value in evaluation.metrics.items()]


def _measured(tx: Transaction, version: Version) -> list[MetricReading]:
    found: list[MetricReading] = []
    for event in tx.events_before(subject_prefix=version.ref, limit=RECENT_EVENTS):
        if event.kind != ev.VERSION_MEASURED or event.subject != version.ref:
            continue
        values = event.payload.get("values")
        if isinstance(values, dict):
            found.extend(MetricReading(str(metric), float(value), MetricSource.MONITORING,
                                       version.ref, datetime.fromisoformat(event.time),
                                       event.seq)
                         for metric, value in values.items())
    return found


def _base_parent(parents: Sequence[Derivation], base: str) -> str:
    """The parent naming ``base`` (the first ``finetune`` parent when none does, or when no
    base is named)."""
    if base:
        named = next((d.parent for d in parents if _name_of(d.parent) == base), "")
        if named:
            return named
    return next((d.parent for d in parents if d.relation is Relation.FINETUNE), "")


def _name_of(parent: str) -> str:
    """The model a parent names: ``model`` of ``model@version``, a package URL's name."""
    if parent.startswith("pkg:"):
        with suppress(ValueError):
            return str(PackageURL.from_string(parent).name)
        return ""
    return parent.rpartition("@")[0]


def _advisories(tx: Transaction, version: Version | None, ref: str) -> tuple[BaseNotice, ...]:
    from modelsteward.service.advisories import find_matches, ref_subject, version_subject

    subject = version_subject(version) if version is not None else ref_subject(ref)
    if subject is None:
        return ()
    found = find_matches(tx, {ref: [(subject, "")]})[ref]
    return tuple(BaseNotice(f.advisory.id, f.advisory.summary) for f in found)
