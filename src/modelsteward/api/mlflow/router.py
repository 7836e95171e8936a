"""The MLflow Model Registry REST API under ``/api/2.0/mlflow``, so that
``MlflowClient(tracking_uri=URL, registry_uri=URL)`` works against modelsteward unchanged.

Routes are thin: they check who may write (``api/auth.py``), call
:class:`~modelsteward.service.mlflow_compat.MlflowRegistry` and shape MLflow's messages. Errors take
MLflow's shape (:mod:`modelsteward.api.mlflow.errors`). The read routes (get, search,
get-by-alias, download URI) answer from memory while the database is unchanged
(``api/resolutions.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from modelsteward.api.auth import require_model_writer, require_writer
from modelsteward.api.deps import Principal, PrincipalDep, RegistryDep
from modelsteward.api.mlflow import errors as mlflow_errors
from modelsteward.api.mlflow import schemas as s
from modelsteward.api.mlflow.errors import MlflowRoute
from modelsteward.api.mlflow.filters import (
    MAX_PAGE_TOKEN,
    Order,
    decode_token,
    encode_token,
    matches,
    paginate,
    parse_filter,
    parse_order,
)
from modelsteward.api.resolutions import Answer, kept_or_computed
from modelsteward.errors import InvalidInput
from modelsteward.results import ModelSummary, VersionView
from modelsteward.service.mlflow_compat import MlflowRegistry, parse_number
from modelsteward.service.registry import Registry

API = "/api/2.0/mlflow"
router = APIRouter(prefix=API, tags=["mlflow"], route_class=MlflowRoute,
                   responses=mlflow_errors.RESPONSES)

MAX_MODELS = 1000
MAX_VERSIONS = 200_000
Json = dict[str, object]
PageToken = Annotated[str, Query(max_length=MAX_PAGE_TOKEN,
                                 description="The next_page_token of the previous page.")]
_MODEL_FIELDS = frozenset({"name"})
_MODEL_ORDER = frozenset({"name", "last_updated_timestamp", "creation_timestamp"})
_MODEL_DEFAULT_ORDER = (Order("name"),)  # MLflow's order of search_registered_models
_VERSION_FIELDS = frozenset({"name", "run_id", "source_path", "version_number"})
_VERSION_ORDER = frozenset({"name", "version_number", "last_updated_timestamp",
                            "creation_timestamp"})
# MLflow's order of search_model_versions, which the store pages by
_VERSION_DEFAULT_ORDER = (Order("name"), Order("version_number", descending=True))


def _writable(registry: Registry, principal: Principal, name: str) -> MlflowRegistry:
    require_model_writer(principal, registry.get_model(name))
    return registry.mlflow()


def _authorized(registry: Registry, principal: Principal) -> MlflowRegistry:
    """The MLflow registry that checks, inside each write's own transaction, that
    ``principal`` may change the model (see ``MlflowRegistry``); for the writes that take
    ``authorize``, so the model is read once."""
    return registry.mlflow(authorize=partial(require_model_writer, principal))


async def _kept(request: Request, compute: Callable[[], Json]) -> Response:
    """The read routes' answer: kept in memory while the database is unchanged, like
    ``/api/v1/resolve`` (``api/resolutions.py``), keyed by the path and the query string;
    computed in the thread pool otherwise. Errors are raised, never kept."""
    return await kept_or_computed(request, lambda: Answer(json.dumps(compute()).encode(), ()))


def _max_results(value: int, ceiling: int) -> int:
    if not 1 <= value <= ceiling:
        raise InvalidInput(f"max_results must be between 1 and {ceiling}, not {value}.")
    return value


# registered models --------------------------------------------------------------------------

@router.post("/registered-models/create")
def create_registered_model(body: s.RegisteredModelCreate, registry: RegistryDep,
                            principal: PrincipalDep) -> Json:
    team = require_writer(principal, "")
    view = registry.mlflow().create_model(
        body.name, description=body.description, owner_team=team,
        tags={t.key: t.value for t in body.tags})
    return {"registered_model": s.model_json(view)}


@router.get("/registered-models/get")
async def get_registered_model(name: str, registry: RegistryDep, request: Request) -> Response:
    return await _kept(request, lambda: {
        "registered_model": s.model_json(registry.mlflow().get_model(name))})


@router.patch("/registered-models/update")
def update_registered_model(body: s.RegisteredModelUpdate, registry: RegistryDep,
                            principal: PrincipalDep) -> Json:
    view = _writable(registry, principal, body.name).update_model(body.name, body.description)
    return {"registered_model": s.model_json(view)}


@router.post("/registered-models/rename")
def rename_registered_model(body: s.RegisteredModelRename, registry: RegistryDep,
                            principal: PrincipalDep) -> Json:
    mlflow = _writable(registry, principal, body.name)
    if body.new_name != body.name:
        raise InvalidInput(
            f"Registered models cannot be renamed in modelsteward: the event log, lineage and "
            f"consumer pins name {body.name!r} for good. Create {body.new_name!r} and register "
            "its versions there instead.")
    return {"registered_model": s.model_json(mlflow.get_model(body.name))}


@router.delete("/registered-models/delete")
def delete_registered_model(body: s.RegisteredModelRef, registry: RegistryDep,
                            principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).delete_model(body.name)
    return {}


@router.get("/registered-models/search")
async def search_registered_models(
    registry: RegistryDep, request: Request, filter: str = "", max_results: int = 100,
    order_by: Annotated[list[str] | None, Query()] = None, page_token: PageToken = "",
) -> Response:
    return await _kept(request, lambda: _search_models(registry, filter, max_results,
                                                       order_by or [], page_token))


def _search_models(registry: Registry, filter: str, max_results: int, order_by: list[str],
                   page_token: str) -> Json:
    conditions = parse_filter(filter, _MODEL_FIELDS)
    orders = parse_order(order_by, _MODEL_ORDER, _MODEL_DEFAULT_ORDER)
    limit = _max_results(max_results, MAX_MODELS)
    following = ""

    def key(summary: ModelSummary) -> list[str | int]:
        values: dict[str, str | int] = {"name": summary.name,
                                        "creation_timestamp": summary.created_ms,
                                        "last_updated_timestamp": summary.updated_ms}
        return [values[o.field] for o in orders]

    def choose(candidates: list[ModelSummary]) -> list[str]:
        # the store narrows the candidates in SQL; the exact check and the order are MLflow's
        nonlocal following
        wanted = [m for m in candidates if matches(conditions, {"name": m.name}, m.tags)]
        shown, following = paginate(wanted, key, orders, limit, page_token)
        return [m.name for m in shown]

    narrowing = [(c.field, c.op, c.value) for c in conditions if isinstance(c.value, str)]
    with_tags = any(c.field.startswith("tags.") for c in conditions)
    if orders == _MODEL_DEFAULT_ORDER:
        # the store's own order: a keyset page read in SQL, checked exactly here
        after = decode_token(page_token, 1) if page_token else None
        if after is not None and not isinstance(after[0], str):
            raise InvalidInput(f"Invalid page_token {page_token[:40]!r}: pass the "
                               "next_page_token of the previous page unchanged, with the same "
                               "filter and order_by.")
        shown, more = registry.mlflow().model_page(
            narrowing, lambda m: matches(conditions, {"name": m.name}, m.tags), limit,
            str(after[0]) if after is not None else "", with_tags=with_tags)
        following = encode_token([shown[-1].name]) if more and shown else ""
    else:  # orders by time: every candidate is read and sorted
        shown = registry.mlflow().search_models(
            narrowing, choose, with_tags=with_tags,
            with_updated=any(o.field == "last_updated_timestamp" for o in orders))
    body: Json = {"registered_models": [s.model_json(m) for m in shown]}
    if following:
        body["next_page_token"] = following
    return body


@router.post("/registered-models/get-latest-versions")
def get_latest_versions(body: s.LatestVersionsQuery, registry: RegistryDep) -> Json:
    found = registry.mlflow().latest_versions(body.name, body.stages)
    return {"model_versions": [s.version_json(v) for v in found]}


@router.post("/registered-models/set-tag")
def set_registered_model_tag(body: s.RegisteredModelTagSet, registry: RegistryDep,
                             principal: PrincipalDep) -> Json:
    _authorized(registry, principal).set_model_tag(body.name, body.key, body.value)
    return {}


@router.delete("/registered-models/delete-tag")
def delete_registered_model_tag(body: s.RegisteredModelTagDelete, registry: RegistryDep,
                                principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).delete_model_tag(body.name, body.key)
    return {}


@router.post("/registered-models/alias")
def set_registered_model_alias(body: s.AliasSet, registry: RegistryDep,
                               principal: PrincipalDep) -> Json:
    _authorized(registry, principal).set_alias(body.name, body.alias,
                                               parse_number(body.version))
    return {}


@router.delete("/registered-models/alias")
def delete_registered_model_alias(body: s.AliasDelete, registry: RegistryDep,
                                  principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).delete_alias(body.name, body.alias)
    return {}


@router.get("/registered-models/alias")
async def get_model_version_by_alias(name: str, alias: str, registry: RegistryDep,
                                     request: Request) -> Response:
    return await _kept(request, lambda: {"model_version": s.version_json(
        registry.mlflow().version_by_alias(name, alias))})


# model versions -----------------------------------------------------------------------------

@router.post("/model-versions/create")
def create_model_version(body: s.ModelVersionCreate, registry: RegistryDep,
                         principal: PrincipalDep) -> Json:
    view = _authorized(registry, principal).create_version(
        body.name, source=body.source, run_id=body.run_id, run_link=body.run_link,
        description=body.description, tags={t.key: t.value for t in body.tags})
    return {"model_version": s.version_json(view)}


@router.get("/model-versions/get")
async def get_model_version(name: str, version: str, registry: RegistryDep,
                            request: Request) -> Response:
    return await _kept(request, lambda: {"model_version": s.version_json(
        registry.mlflow().get_version(name, parse_number(version)))})


@router.patch("/model-versions/update")
def update_model_version(body: s.ModelVersionUpdate, registry: RegistryDep,
                         principal: PrincipalDep) -> Json:
    view = _writable(registry, principal, body.name).update_version(
        body.name, parse_number(body.version), body.description)
    return {"model_version": s.version_json(view)}


@router.post("/model-versions/transition-stage")
def transition_model_version_stage(body: s.StageTransition, registry: RegistryDep,
                                   principal: PrincipalDep) -> Json:
    view = _writable(registry, principal, body.name).transition_stage(
        body.name, parse_number(body.version), body.stage,
        archive_existing=body.archive_existing_versions)
    return {"model_version": s.version_json(view)}


@router.delete("/model-versions/delete")
def delete_model_version(body: s.ModelVersionRef, registry: RegistryDep,
                         principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).delete_version(body.name,
                                                             parse_number(body.version))
    return {}


@router.get("/model-versions/search")
async def search_model_versions(
    registry: RegistryDep, request: Request, filter: str = "", max_results: int = 10_000,
    order_by: Annotated[list[str] | None, Query()] = None, page_token: PageToken = "",
) -> Response:
    return await _kept(request, lambda: _search_versions(registry, filter, max_results,
                                                         order_by or [], page_token))


def _search_versions(registry: Registry, filter: str, max_results: int, order_by: list[str],
                     page_token: str) -> Json:
    conditions = parse_filter(filter, _VERSION_FIELDS)
    orders = parse_order(order_by, _VERSION_ORDER, _VERSION_DEFAULT_ORDER)
    names = [c.value for c in conditions if c.field == "name" and c.op == "="]
    scope = names[0] if len(names) == 1 and isinstance(names[0], str) else ""
    mlflow = registry.mlflow()
    limit = _max_results(max_results, MAX_VERSIONS)

    def attributes(view: VersionView) -> dict[str, str | int]:
        return {"name": view.name, "run_id": view.run_id, "source_path": view.source,
                "version_number": view.number, "creation_timestamp": view.created_ms,
                "last_updated_timestamp": view.updated_ms}

    def key(view: VersionView) -> list[str | int]:
        return [attributes(view)[o.field] for o in orders]

    if orders == _VERSION_DEFAULT_ORDER:
        # the store's own order: a keyset page read in SQL, checked exactly here
        after = decode_token(page_token, 2) if page_token else None
        if after is not None and not (isinstance(after[0], str) and isinstance(after[1], int)):
            raise InvalidInput(f"Invalid page_token {page_token[:40]!r}: pass the "
                               "next_page_token of the previous page unchanged, with the same "
                               "filter and order_by.")
        shown, more = mlflow.version_page(
            scope, lambda v: matches(conditions, attributes(v), v.tags), limit,
            (str(after[0]), int(after[1])) if after is not None else None)
        following = encode_token(key(shown[-1])) if more and shown else ""
    else:  # orders by time: every candidate is read and sorted
        candidates = mlflow.versions(scope) if scope else mlflow.versions()
        wanted = [v for v in candidates if matches(conditions, attributes(v), v.tags)]
        shown, following = paginate(wanted, key, orders, limit, page_token)
    body: Json = {"model_versions": [s.version_json(v) for v in shown]}
    if following:
        body["next_page_token"] = following
    return body


@router.get("/model-versions/get-download-uri")
async def get_model_version_download_uri(name: str, version: str, registry: RegistryDep,
                                         request: Request) -> Response:
    return await _kept(request, lambda: {"artifact_uri": registry.mlflow().download_uri(
        name, parse_number(version))})


@router.post("/model-versions/set-tag")
def set_model_version_tag(body: s.ModelVersionTagSet, registry: RegistryDep,
                          principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).set_version_tag(
        body.name, parse_number(body.version), body.key, body.value)
    return {}


@router.delete("/model-versions/delete-tag")
def delete_model_version_tag(body: s.ModelVersionTagDelete, registry: RegistryDep,
                             principal: PrincipalDep) -> Json:
    _writable(registry, principal, body.name).delete_version_tag(
        body.name, parse_number(body.version), body.key)
    return {}
