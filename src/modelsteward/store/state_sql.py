"""The current state as the tables hold it, in the shape of :mod:`modelsteward.domain.state`, for
comparing with the state the events determine. One query per table, read in the caller's
transaction; memory grows with the number of objects (models, versions, aliases, tokens,
consumers), never with the number of events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

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
from modelsteward.store.base import SqlConnectionBase
from modelsteward.store.tables import (
    advisories,
    alias_assignments,
    api_tokens,
    consumer_pins,
    consumers,
    deprecation_plans,
    model_tags,
    models,
    upstream_plans,
    version_files,
    version_tags,
    versions,
)

Table = dict[str, dict[str, object]]


def table_state(c: Connection) -> Table:
    """Every object the state check compares, keyed as :class:`~modelsteward.domain.state.
    Replay` keys them."""
    state: Table = {}
    names: dict[str, str] = {}
    for row in c.execute(select(models)):
        names[row.id] = row.name
        state[model_key(row.name)] = {
            **{name: getattr(row, name) for name in MODEL_FIELDS},
            "deleted": row.deleted_at is not None, "mlflow_tags": {}}
    for tag in c.execute(select(model_tags)):
        _tags(state, model_key(names[tag.model_id]))[tag.key] = tag.value
    refs = _versions(c, state, names)
    for tag in c.execute(select(version_tags)):
        _tags(state, version_key(refs[tag.version_id]))[tag.key] = tag.value
    holders: dict[str, list[str]] = {}
    for row in c.execute(select(alias_assignments.c.model_id, alias_assignments.c.alias,
                                alias_assignments.c.version_id)
                         .where(alias_assignments.c.removed_at.is_(None))):
        version = refs[row.version_id].partition("@")[2]
        holders.setdefault(alias_key(names[row.model_id], row.alias), []).append(version)
    for key, held in holders.items():
        state[key] = {"holders": sorted(held)}
    for row in c.execute(select(api_tokens)):
        state[token_key(row.id)] = {
            "name": row.name, "team": row.team, "roles": list(row.roles),
            "approval_roles": list(row.approval_roles), "expires_at": time_text(row.expires_at),
            "created_by": row.created_by, "revoked": row.revoked_at is not None}
    _consumers(c, state, names)
    _plans(c, state, names)
    for row in c.execute(select(advisories.c.id, advisories.c.summary, advisories.c.level,
                                advisories.c.modified, advisories.c.withdrawn)):
        state[advisory_key(row.id)] = {
            "summary": row.summary, "level": row.level, "modified": time_text(row.modified),
            "withdrawn": row.withdrawn is not None}
    return state


def _plans(c: Connection, state: Table, names: dict[str, str]) -> None:
    def common(row: Any) -> dict[str, object]:
        return {"reason": row.reason, "replacement": row.replacement,
                "announced": row.announced.isoformat(),
                "soft_deadline": row.soft_deadline.isoformat(),
                "hard_deadline": row.hard_deadline.isoformat(),
                "migration_steps": list(row.migration_steps),
                "support_window": row.support_window}

    for row in c.execute(select(deprecation_plans)):
        state[plan_key(row.id)] = {**common(row), "model": names[row.model_id],
                                   "target": row.target, "redirect": bool(row.redirect)}
    for row in c.execute(select(upstream_plans)):
        state[plan_key(row.id)] = {**common(row), "purl": row.purl}


def _tags(state: Table, key: str) -> dict[str, object]:
    tags = state[key]["mlflow_tags"]
    assert isinstance(tags, dict)
    return tags


def _versions(c: Connection, state: Table, names: dict[str, str]) -> dict[str, str]:
    files = {row.version_id: int(row.n) for row in c.execute(
        select(version_files.c.version_id, func.count().label("n"))
        .group_by(version_files.c.version_id))}
    refs: dict[str, str] = {}
    for row in c.execute(select(versions)):
        ref = refs[row.id] = f"{names[row.model_id]}@{row.version}"
        state[version_key(ref)] = {
            "digest": row.digest, "files": files.get(row.id, 0), "change": row.change,
            "forced_reason": row.forced_reason, "status": row.status, "metrics": row.metrics,
            "metadata": row.meta, "registered_by": row.registered_by,
            "registered_seq": int(row.registered_seq), "number": int(row.number),
            "stage": row.stage,
            "blocked_reason": row.blocked_reason, "deleted": row.deleted_at is not None,
            "mlflow_tags": {}}
    return refs


def _consumers(c: Connection, state: Table, names: dict[str, str]) -> None:
    by_id: dict[str, dict[str, object]] = {}
    for row in c.execute(select(consumers)):
        by_id[row.id] = state[consumer_key(row.name)] = {
            "kind": row.kind, "team": row.team, "contact": row.contact,
            "environment": row.environment, "pins": {}}
    for pin in c.execute(select(consumer_pins)):
        pins: Any = by_id[pin.consumer_id]["pins"]
        pins[names[pin.model_id]] = pin.pin


class StateQueries(SqlConnectionBase):
    """Implements :class:`~modelsteward.ports.StateRecords`."""

    def table_state(self) -> dict[str, dict[str, object]]:
        """The current state as the tables hold it (see :func:`table_state`)."""
        return table_state(self.c)
