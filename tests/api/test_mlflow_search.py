"""Searches over many models give the pages the per-model reference gives: the views built one
query at a time from the store's per-model reads (the way the API built them before searches
were narrowed in SQL and views batched), filtered, ordered and paged in Python. On SQLite and
PostgreSQL, on random data with deleted models and versions, tags, aliases and stages."""

from __future__ import annotations

import base64
import contextlib
import random
from collections.abc import Sequence
from typing import Any

import pytest

from modelsteward import Registry
from modelsteward.api.mlflow import schemas as s
from modelsteward.api.mlflow.filters import Order, matches, paginate, parse_filter, parse_order
from modelsteward.domain.lifecycle import AliasAssignment
from modelsteward.domain.mlflow_stages import MlflowStage
from modelsteward.domain.model import Version
from modelsteward.errors import Conflict
from modelsteward.ports import Transaction
from modelsteward.results import ModelView, VersionView
from modelsteward.service.mlflow_compat import (
    RESERVED_PREFIX,
    VERSION_TAG,
    _event_millis,
    millis,
)
from tests.api.conftest import MakeServer, Server
from tests.conftest import FixedClock

_DESCRIPTION_TAG = "modelsteward.description"


def _reference_version(tx: Transaction, version: Version, order: Sequence[str],
                       held: Sequence[AliasAssignment]) -> VersionView:
    vid = str(version.id)
    stored = tx.version_tags(version.model, vid)
    description = stored.pop(_DESCRIPTION_TAG, version.description)
    tags = {k: v for k, v in stored.items() if not k.startswith(RESERVED_PREFIX)}
    tags[VERSION_TAG] = vid
    return VersionView(
        version=version, number=order.index(vid) + 1, created_ms=millis(version.registered_at),
        updated_ms=_event_millis(tx.last_event_time(version.ref), version.registered_at),
        description=description, tags=dict(sorted(tags.items())),
        aliases=tuple(sorted(a.alias for a in held if a.version == vid)))


def _reference_versions(tx: Transaction, name: str) -> list[VersionView]:
    order = tx.registration_order(name)
    held = tx.current_aliases(name)
    return sorted((_reference_version(tx, v, order, held) for v in tx.list_versions(name)),
                  key=lambda view: view.number)


def _reference_model(tx: Transaction, name: str) -> ModelView:
    model = tx.get_model(name)
    assert model is not None
    views = _reference_versions(tx, name)
    number = {str(v.version.id): v.number for v in views}
    latest: dict[str, VersionView] = {}
    for view in views:
        latest[view.stage] = view
    created = tx.model_created_at(name)
    creation = next(iter(tx.events(subject_prefix=name, limit=1)), None)
    return ModelView(
        model=model, created_ms=millis(created),
        updated_ms=_event_millis(tx.last_event_time(name, with_versions=True), created),
        creator=creation.actor if creation else "", tags=tx.model_tags(name),
        aliases=tuple(sorted((a.alias, number[a.version]) for a in tx.current_aliases(name)
                             if a.version in number)),
        latest=tuple(latest[s] for s in MlflowStage.ALL if s in latest))


def _reference_views(registry: Registry) -> list[ModelView]:
    """Every model's reference view, in the store's order."""
    with registry.store.read() as tx:
        return [_reference_model(tx, m.name) for m in tx.list_models(limit=100_000)]


def _reference_pages(views: list[ModelView], filter: str, order_by: list[str],
                     max_results: int) -> list[list[dict[str, object]]]:
    conditions = parse_filter(filter, frozenset({"name"}))
    orders = parse_order(order_by, frozenset({"name", "last_updated_timestamp",
                                              "creation_timestamp"}), (Order("name"),))
    wanted = [v for v in views if matches(conditions, {"name": v.name}, v.tags)]

    def key(view: ModelView) -> list[str | int]:
        values: dict[str, str | int] = {"name": view.name, "creation_timestamp": view.created_ms,
                                        "last_updated_timestamp": view.updated_ms}
        return [values[o.field] for o in orders]

    pages, token = [], ""
    while True:
        shown, token = paginate(wanted, key, orders, max_results, token)
        pages.append([s.model_json(v) for v in shown])
        if not token:
            return pages


def _seed(registry: Registry, clock: FixedClock, rng: random.Random) -> None:
    from datetime import timedelta
    mlflow = registry.mlflow()
    for i in range(40):
        clock.moment += timedelta(milliseconds=rng.choice([0, 1, 7, 1500]))
        name = rng.choice(["alpha", "alpine", "beta", "gamma", "org/delta"]) + f"-{i}"
        tags = {k: rng.choice(["a", "b", "A", "a%b", "x_y", "ä"])
                for k in rng.sample(["team", "kind", "a key", "t_"], rng.randint(0, 3))}
        mlflow.create_model(name, description=rng.choice(["", "d"]), tags=tags)
        for n in range(rng.randint(0, 3)):
            clock.moment += timedelta(milliseconds=rng.choice([0, 3, 900]))
            mlflow.create_version(name, source=f"s3://b/{name}/{n}", run_id=f"run-{i}-{n}",
                                  tags={"n": str(n)} if rng.random() < 0.5 else {})
            if rng.random() < 0.3:
                registry.lifecycle.reject(f"{name}@1.{n}.0", "worse")  # Archived
        versions = len(mlflow.versions(name))
        if versions and rng.random() < 0.5:
            with contextlib.suppress(Conflict):  # rejected versions take no alias
                mlflow.set_alias(name, rng.choice(["champion", "challenger"]),
                                 rng.randint(1, versions))
        if versions > 1 and rng.random() < 0.3:
            mlflow.delete_version(name, 1)
        if versions > 1 and rng.random() < 0.3:
            mlflow.update_version(name, versions, "edited")
        if rng.random() < 0.1:
            mlflow.delete_model(name)


FILTERS = ["", "name LIKE 'al%'", "name ILIKE 'AL%'", "name LIKE 'al_ha%'", "name != 'beta-3'",
           "name = 'gamma-5'", "tags.team = 'a'", "tags.team != 'a'", "tags.team LIKE 'a%'",
           "tags.team ILIKE 'A'", "tags.`a key` = 'b' AND name LIKE '%a%'", "tags.kind LIKE 'x_y'",
           "tags.team ILIKE '%Ä%'", "tag.t_ != 'b'", "name LIKE '%\\%'"]
ORDERS = [[], ["name DESC"], ["last_updated_timestamp DESC"], ["creation_timestamp"],
          ["last_updated_timestamp", "name DESC"]]


@pytest.mark.parametrize("seed", [1, 2])
def test_search_pages_match_the_reference(make_server: MakeServer, db_url: str, seed: int) -> None:
    clock = FixedClock()
    server = make_server(clock=clock)
    with Registry.open(db_url, actor="seeder", clock=clock) as registry:
        _seed(registry, clock, random.Random(seed))
        rng = random.Random(seed)
        views = _reference_views(registry)  # the searches change nothing: built once
        for filter in FILTERS:
            order_by = rng.choice(ORDERS)
            size = rng.choice([1, 3, 7, 100])
            expected = _reference_pages(views, filter, order_by, size)
            pages = _every_page(server, "registered-models", filter, order_by, size)
            assert pages == expected, (filter, order_by, size)
        # every model and version read alone agrees with the reference too
        with registry.store.read() as tx:
            names = [m.name for m in tx.list_models(limit=100_000)]
            reference = {n: _reference_model(tx, n) for n in names}
            versions = {n: _reference_versions(tx, n) for n in names}
        mlflow = registry.mlflow()
        for name in names:
            assert s.model_json(mlflow.get_model(name)) == s.model_json(reference[name])
            assert [s.version_json(v) for v in mlflow.versions(name)] == [
                s.version_json(v) for v in versions[name]]
            for view in versions[name]:
                assert s.version_json(mlflow.get_version(name, view.number)) == \
                    s.version_json(view)
                for alias in view.aliases:
                    assert s.version_json(mlflow.version_by_alias(name, alias)) == \
                        s.version_json(view)
        assert [s.version_json(v) for v in mlflow.versions()] == [
            s.version_json(v) for n in names for v in versions[n]]


def test_deep_page_tokens_and_huge_filters_are_invalid_parameters(server: Server) -> None:
    """A page token that decodes to deeply nested JSON, an overlong one, and a filter of
    thousands of comparisons are refused in MLflow's shape instead of failing the server."""
    c = server.client
    assert c.post("/api/2.0/mlflow/registered-models/create",
                  json={"name": "support-bot"}).status_code == 200
    deep = base64.urlsafe_b64encode(b"[" * 10_000 + b"]" * 10_000).decode()
    for route in ("registered-models/search", "model-versions/search"):
        for token in (deep[:4000], deep):
            answer = c.get(f"/api/2.0/mlflow/{route}", params={"page_token": token})
            assert answer.status_code == 400, (route, len(token), answer.text[:200])
            assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        nested = base64.urlsafe_b64encode(b"[" * 2000 + b"]" * 2000).decode()
        answer = c.get(f"/api/2.0/mlflow/{route}", params={"page_token": nested})
        assert answer.status_code == 400 and "page_token" in answer.json()["message"]
    terms = " AND ".join(f"name != 'm{i}'" for i in range(2001))
    for route in ("registered-models/search", "model-versions/search"):
        answer = c.get(f"/api/2.0/mlflow/{route}", params={"filter": terms})
        assert answer.status_code == 400, answer.text[:200]
        assert "more than 100 comparisons" in answer.json()["message"]
    allowed = " AND ".join(f"name != 'm{i}'" for i in range(100))
    found = c.get("/api/2.0/mlflow/registered-models/search", params={"filter": allowed})
    assert found.status_code == 200
    assert [m["name"] for m in found.json()["registered_models"]] == ["support-bot"]


VERSION_FILTERS = ["", "name = '{busiest}'", "name LIKE 'al%'", "name ILIKE 'BETA%'",
                   "tags.n = '1'", "tags.n != '0'", "run_id = 'run-7-1'",
                   "run_id IN ('run-1-0', 'run-9-2', 'run-30-1')", "version_number > 1",
                   "source_path LIKE 's3://b/g%'", "name LIKE '%a%' AND version_number <= 2"]
VERSION_ORDERS = [[], [], ["name", "version_number DESC"], ["version_number DESC"],
                  ["creation_timestamp DESC"]]


def _reference_version_pages(versions: list[VersionView], filter: str, order_by: list[str],
                             max_results: int) -> list[list[dict[str, object]]]:
    conditions = parse_filter(filter, frozenset({"name", "run_id", "source_path",
                                                 "version_number"}))
    orders = parse_order(order_by, frozenset({"name", "version_number", "creation_timestamp",
                                              "last_updated_timestamp"}),
                         (Order("name"), Order("version_number", descending=True)))

    def attributes(view: VersionView) -> dict[str, str | int]:
        return {"name": view.name, "run_id": view.run_id, "source_path": view.source,
                "version_number": view.number, "creation_timestamp": view.created_ms,
                "last_updated_timestamp": view.updated_ms}

    wanted = [v for v in versions if matches(conditions, attributes(v), v.tags)]
    pages, token = [], ""
    while True:
        shown, token = paginate(wanted, lambda v: [attributes(v)[o.field] for o in orders],
                                orders, max_results, token)
        pages.append([s.version_json(v) for v in shown])
        if not token:
            return pages


@pytest.mark.parametrize("seed", [3, 4])
def test_version_search_pages_match_the_reference(make_server: MakeServer, db_url: str,
                                                  seed: int) -> None:
    """search_model_versions, paged in SQL in its default order (by time in Python), gives the
    pages of the reference views filtered, ordered and paged in Python, tokens included."""
    clock = FixedClock()
    server = make_server(clock=clock)
    with Registry.open(db_url, actor="seeder", clock=clock) as registry:
        _seed(registry, clock, random.Random(seed))
        rng = random.Random(seed)
        with registry.store.read() as tx:
            versions = [v for m in tx.list_models(limit=100_000)
                        for v in _reference_versions(tx, m.name)]
        assert len(versions) > 20  # enough to page through
        names = [v.name for v in versions]
        busiest = max(names, key=names.count)
        for filter in (f.replace("{busiest}", busiest) for f in VERSION_FILTERS):
            order_by = rng.choice(VERSION_ORDERS)
            size = rng.choice([1, 2, 5, 100])
            expected = _reference_version_pages(versions, filter, order_by, size)
            pages = _every_page(server, "model-versions", filter, order_by, size)
            assert pages == expected, (filter, order_by, size)


def _every_page(server: Server, what: str, filter: str, order_by: list[str],
                size: int) -> list[list[Any]]:
    """Every page of MLflow's search of ``what`` (``registered-models`` or ``model-versions``)
    over HTTP, following ``next_page_token`` to the end."""
    key = "registered_models" if what == "registered-models" else "model_versions"
    pages: list[list[Any]] = []
    token = ""
    while True:
        params: dict[str, str | int | list[str]] = {"filter": filter, "order_by": order_by,
                                                    "max_results": size}
        if token:
            params["page_token"] = token
        answer = server.client.get(f"/api/2.0/mlflow/{what}/search", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body.get(key, []))
        token = body.get("next_page_token", "")
        if not token:
            return pages
