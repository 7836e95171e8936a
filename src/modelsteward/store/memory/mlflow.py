"""Tags, the MLflow mapping's batched reads, the audits' batched reads and the state check's view
of the tables, in memory (as ``store/tags_sql.py``, ``mlflow_sql.py``, ``audit_sql.py`` and
``state_sql.py``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from modelsteward.domain.events import Event
from modelsteward.domain.lifecycle import GateOverride, Stage
from modelsteward.domain.model import SupportPolicy, Version
from modelsteward.domain.state import (
    MODEL_FIELDS,
    advisory_key,
    alias_key,
    consumer_key,
    model_key,
    plan_key,
    time_text,
    token_key,
    version_key,
)
from modelsteward.ports import ModelKey, ModelRecord, VersionRecord
from modelsteward.store.memory.base import TransactionBase
from modelsteward.store.memory.tables import VersionRow, fresh


def _like(pattern: str, value: str) -> bool:
    """SQL ``lower(value) LIKE lower(pattern)`` with ``%`` and ``_`` and no escape character."""
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern.lower())
    return re.fullmatch("".join(parts), value.lower(), re.DOTALL) is not None


def _string_match(op: str, value: str, actual: str) -> bool | None:
    """Whether ``actual`` may meet ``op value`` (None: this store cannot help, as SQL's)."""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    if op in ("LIKE", "ILIKE") and value.isascii():
        return _like(value, actual)
    return None


class MlflowQueries(TransactionBase):
    # tags -----------------------------------------------------------------------------------

    def model_tags(self, model: str) -> dict[str, str]:
        """The tags of ``model``, by key (sorted)."""
        self._model_row(model)
        return dict(sorted(self.t.model_tags.get(model, {}).items()))

    def set_model_tag(self, model: str, key: str, value: str) -> None:
        self._model_row(model)
        t = self._write()
        t.model_tags[model] = {**t.model_tags.get(model, {}), key: value}

    def delete_model_tag(self, model: str, key: str) -> bool:
        self._model_row(model)
        tags = self.t.model_tags.get(model, {})
        if key not in tags:
            return False
        self._write().model_tags[model] = {k: v for k, v in tags.items() if k != key}
        return True

    def version_tags(self, model: str, version: str) -> dict[str, str]:
        ref = self._ref(model, version)
        return dict(sorted(self.t.version_tags.get(ref, {}).items()))

    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None:
        ref = self._ref(model, version)
        t = self._write()
        t.version_tags[ref] = {**t.version_tags.get(ref, {}), key: value}

    def delete_version_tag(self, model: str, version: str, key: str) -> bool:
        ref = self._ref(model, version)
        tags = self.t.version_tags.get(ref, {})
        if key not in tags:
            return False
        self._write().version_tags[ref] = {k: v for k, v in tags.items() if k != key}
        return True

    def registration_order(self, model: str) -> list[str]:
        self._model_row(model)
        return list(self.t.registered.get(model, ()))

    def version_count(self, model: str) -> int:
        self._model_row(model)
        return len(self.t.registered.get(model, ()))

    def newest_registrations(self, model: str, *, limit: int) -> list[str]:
        self._model_row(model)
        return list(reversed(self.t.registered.get(model, ())))[:max(limit, 0)]

    def model_created_at(self, model: str) -> datetime:
        return self._model_row(model).created_at

    def versions_in_stage(self, stage: Stage, *, limit: int = 100) -> list[Version]:
        found = [row for (model, _), row in self.t.versions.items()
                 if row.version.stage is stage and row.deleted_at is None
                 and self.t.models[model].deleted_at is None]
        found.sort(key=lambda row: (row.version.registered_at, str(row.version.id)))
        return [fresh(replace(row.version, files=())) for row in found[:max(limit, 0)]]

    # the MLflow mapping ---------------------------------------------------------------------

    def _live(self, model: str) -> bool:
        row = self.t.models.get(model)
        return row is not None and row.deleted_at is None

    def _record(self, model: str, number: int) -> VersionRecord:
        """The record of version ``number`` (1-based registration order) of ``model``."""
        version = self.t.registered[model][number - 1]
        row = self.t.versions[(model, version)]
        subject = f"{model}@{version}"
        last = next((e.time for e in reversed(self.t.events[:self.t.event_count])
                     if e.subject == subject), None)
        held = sorted(r.alias for r in self.t.aliases.get(model, ())
                      if r.version == version and r.removed_at is None)
        return VersionRecord(
            version=fresh(_without_files(row)), number=number, deleted=row.deleted_at is not None,
            last_event=last, tags=dict(sorted(self.t.version_tags.get((model, version),
                                                                     {}).items())),
            aliases=tuple(held))

    def mlflow_versions(self, model: str = "") -> list[VersionRecord]:
        """The live versions of the live model ``model`` (of every live model when empty), by
        model name and number."""
        names = [model] if model else sorted(self.t.models)
        return [self._record(name, number)
                for name in names if self._live(name)
                for number, version in enumerate(self.t.registered.get(name, ()), 1)
                if self.t.versions[(name, version)].deleted_at is None]

    def mlflow_version_page(self, model: str, after: tuple[str, int] | None,
                            limit: int) -> list[VersionRecord]:
        """A keyset page in MLflow's search order (name ascending, number descending)."""
        found: list[VersionRecord] = []
        for name in ([model] if model else sorted(self.t.models)):
            if not self._live(name) or (after is not None and name < after[0]):
                continue
            order = self.t.registered.get(name, ())
            for number in range(len(order), 0, -1):
                if len(found) >= limit:
                    return found
                if after is not None and name == after[0] and number >= after[1]:
                    continue
                if self.t.versions[(name, order[number - 1])].deleted_at is None:
                    found.append(self._record(name, number))
        return found

    def mlflow_version(self, model: str, number: int) -> VersionRecord | None:
        if number < 1 or not self._live(model) or number > len(self.t.registered.get(model, ())):
            return None
        return self._record(model, number)

    def mlflow_version_by_alias(self, model: str, alias: str) -> VersionRecord | None:
        if not self._live(model):
            return None
        held = sorted((r for r in self.t.aliases.get(model, ())
                       if r.alias == alias and r.removed_at is None),
                      key=lambda r: r.assigned_at)
        if not held:
            return None
        return self._record(model, self.t.registered[model].index(held[0].version) + 1)

    def mlflow_model_keys(self, conditions: Sequence[tuple[str, str, str]], *,
                          with_tags: bool, with_last_event: bool, after: str = "",
                          limit: int | None = None) -> list[ModelKey]:
        """The live models that may meet ``conditions``, by name (a superset, as the SQL
        store's: the caller checks them exactly), after ``after``, at most ``limit``."""
        return [ModelKey(
            name, self.t.models[name].created_at,
            dict(sorted(self.t.model_tags.get(name, {}).items())) if with_tags else {},
            self._model_events(name)[1] if with_last_event else None)
            for name in sorted(self.t.models)
            if name > after and self._live(name)
            and all(self._may_meet(name, *c) for c in conditions)][:limit]

    def _may_meet(self, name: str, field: str, op: str, value: str) -> bool:
        if field == "name":
            return _string_match(op, value, name) is not False
        if not field.startswith("tags."):
            return True
        tags = self.t.model_tags.get(name, {})
        actual = tags.get(field[5:])
        if op == "!=":  # a missing tag differs from every value
            return actual != value
        if actual is None:
            return False
        return _string_match(op, value, actual) is not False

    def _model_events(self, name: str) -> tuple[Event | None, str | None]:
        """The first event about ``name`` or any ``name@…``, and the time of the last."""
        about = [e for e in self.t.events[:self.t.event_count]
                 if e.subject.partition("@")[0] == name]
        return (about[0], about[-1].time) if about else (None, None)

    def mlflow_models(self, names: Sequence[str]) -> list[ModelRecord]:
        """Records of the live models among ``names``, in the order of ``names``."""
        records = []
        for name in dict.fromkeys(names):
            if not self._live(name):
                continue
            row = self.t.models[name]
            order = self.t.registered.get(name, ())
            numbers = {v: n for n, v in enumerate(order, 1)
                       if self.t.versions[(name, v)].deleted_at is None}
            newest: dict[Stage, int] = {}
            for version, number in numbers.items():
                newest[self.t.versions[(name, version)].version.stage] = number
            first, last = self._model_events(name)
            aliases = sorted((r.alias, numbers[r.version]) for r in self.t.aliases.get(name, ())
                             if r.removed_at is None and r.version in numbers)
            records.append(ModelRecord(
                model=fresh(row.model), created_at=row.created_at, last_event=last,
                creator=first.actor if first is not None else "",
                tags=dict(sorted(self.t.model_tags.get(name, {}).items())),
                aliases=tuple(aliases),
                newest=tuple(self._record(name, n) for n in sorted(newest.values()))))
        return records

    # audits ---------------------------------------------------------------------------------

    def version_states(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str],
                                                                        tuple[str, Stage, str]]:
        """(model, version) → (root digest, stage, blocked reason) for the refs that exist and
        are not deleted."""
        found = {}
        for ref in set(refs):
            row = self.t.versions.get(ref)
            if row is not None and row.deleted_at is None and self._live(ref[0]):
                found[ref] = (row.version.digest, row.version.stage, row.version.blocked_reason)
        return found

    def support_terms(self, refs: Sequence[tuple[str, str]]
                      ) -> dict[tuple[str, str], tuple[datetime, SupportPolicy]]:
        """(model, version) → (registration time, support policy) for the refs that exist, are
        not deleted and whose model declares active months."""
        found = {}
        for ref in set(refs):
            row = self.t.versions.get(ref)
            model = self.t.models.get(ref[0])
            if row is not None and row.deleted_at is None and model is not None \
                    and model.deleted_at is None and model.model.support.active_months is not None:
                found[ref] = (row.version.registered_at, model.model.support)
        return found

    def overrides_for(self, refs: Sequence[tuple[str, str]]) -> dict[str, list[GateOverride]]:
        """``model@version`` → its gate overrides, oldest first (only refs that have some)."""
        found = {}
        for model, version in dict.fromkeys(refs):
            kept = self.t.overrides.get((model, version), ())
            if kept:
                found[f"{model}@{version}"] = sorted(kept, key=lambda o: o.at)
        return found

    # the state check ------------------------------------------------------------------------

    def table_state(self) -> dict[str, dict[str, object]]:
        """The current state in the shape of ``store/state_sql.py``'s, for the state check."""
        t = self.t
        state: dict[str, dict[str, object]] = {}
        for name, row in t.models.items():
            m = row.model
            values: dict[str, object] = {
                "kind": m.kind.value, "versioning": m.versioning.value if m.versioning else None,
                "description": m.description, "purpose": m.purpose, "owner_team": m.owner_team,
                "owner_contact": m.owner_contact, "provider": m.provider,
                "provider_model": m.provider_model, "risk_tier": m.risk_tier.value,
                "license": m.license, "tags": list(m.tags),
                "support_months": m.support.active_months,
                "support_after": m.support.afterwards, "extra": fresh(m.extra)}
            state[model_key(name)] = {**{f: values[f] for f in MODEL_FIELDS},
                                      "deleted": row.deleted_at is not None,
                                      "mlflow_tags": dict(t.model_tags.get(name, {}))}
        numbers = {(name, version): n for name, order in t.registered.items()
                   for n, version in enumerate(order, 1)}
        for (name, version), vrow in t.versions.items():
            v = vrow.version
            state[version_key(f"{name}@{version}")] = {
                "digest": v.digest, "files": len(v.files),
                "change": v.change.value if v.change else None,
                "forced_reason": v.forced_reason, "status": v.status,
                "metrics": fresh(v.metrics), "metadata": fresh(v.metadata),
                "registered_by": v.registered_by, "registered_seq": vrow.seq,
                "number": numbers[(name, version)], "stage": v.stage.value,
                "blocked_reason": v.blocked_reason,
                "deleted": vrow.deleted_at is not None,
                "mlflow_tags": dict(t.version_tags.get((name, version), {}))}
        for name, assignments in t.aliases.items():
            holders: dict[str, list[str]] = {}
            for a in assignments:
                if a.removed_at is None:
                    holders.setdefault(alias_key(name, a.alias), []).append(a.version)
            for key, held in holders.items():
                state[key] = {"holders": sorted(held)}
        for token, _ in t.tokens.values():
            state[token_key(token.id)] = {
                "name": token.name, "team": token.team, "roles": sorted(token.roles),
                "approval_roles": sorted(token.approval_roles),
                "expires_at": time_text(token.expires_at), "created_by": token.created_by,
                "revoked": token.revoked_at is not None}
        for c in t.consumers.values():
            state[consumer_key(c.name)] = {
                "kind": c.kind.value, "team": c.team, "contact": c.contact,
                "environment": c.environment, "pins": dict(c.pins)}
        for plan in (*t.plans, *t.upstream_plans):
            common: dict[str, object] = {
                "reason": plan.reason.value, "replacement": plan.replacement,
                "announced": plan.announced.isoformat(),
                "soft_deadline": plan.soft_deadline.isoformat(),
                "hard_deadline": plan.hard_deadline.isoformat(),
                "migration_steps": list(plan.migration_steps),
                "support_window": plan.support_window}
            state[plan_key(plan.id)] = ({**common, "model": plan.model, "target": plan.target,
                                         "redirect": plan.redirect} if plan.model
                                        else {**common, "purl": plan.target})
        for advisory_id, arow in t.advisories.items():
            adv = arow.advisory
            state[advisory_key(advisory_id)] = {
                "summary": adv.summary, "level": adv.level.value,
                "modified": time_text(adv.modified), "withdrawn": adv.withdrawn is not None}
        return state


def _without_files(row: VersionRow) -> Version:
    return replace(row.version, files=())
