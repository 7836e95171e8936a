"""Flags that guard a write are strict booleans: ``"dry_run": 0`` is a 422 problem, not a real
deletion, and every boolean of every request body in the route table is strict."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.types import Strict

from tests.api.conftest import Server
from tests.api.test_auth import FILES


def test_a_number_is_not_a_dry_run_flag(server: Server) -> None:
    c = server.client
    assert c.post("/api/v1/models", json={"name": "support-bot"}).status_code == 201
    assert c.post("/api/v1/models/support-bot/versions", json={
        "version": "1.0.0", "files": FILES}).status_code == 201
    for flag in (0, 1, "false", "no", None):
        refused = c.post("/api/v1/deletions", json={"target": "support-bot", "reason": "tidy",
                                                    "dry_run": flag})
        assert refused.status_code == 422, (flag, refused.text)
        assert "dry_run" in refused.text
    assert c.get("/api/v1/models/support-bot").status_code == 200
    assert c.post("/api/v1/models/support-bot/versions/1.0.0/promotions",
                  json={"to": "evaluated", "dry_run": 0}).status_code == 422
    assert c.post("/api/v1/models/support-bot/versions", json={
        "version": "2.0.0", "files": FILES, "force": 1, "reason": "x"}).status_code == 422
    assert c.post("/api/v1/locks", json={"manifest": "", "upgrade": 1}).status_code == 422
    dry = c.post("/api/v1/deletions", json={"target": "support-bot", "reason": "tidy",
                                            "dry_run": True})
    assert dry.status_code == 200 and dry.json()["dry_run"] is True


def _bool_annotations(annotation: object, where: str) -> Iterator[tuple[str, bool]]:
    """(where, strict) for every boolean inside ``annotation`` (unions, lists, models)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if base is bool:
            yield where, any(isinstance(m, Strict) and m.strict for m in metadata)
            return
        yield from _bool_annotations(base, where)
    elif annotation is bool:
        yield where, False
    elif origin in (typing.Union, types.UnionType, list, dict, tuple):
        for arg in typing.get_args(annotation):
            yield from _bool_annotations(arg, where)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            metadata = [m for m in info.metadata if isinstance(m, Strict)]
            inner = (typing.Annotated[info.annotation, *metadata] if metadata
                     else info.annotation)
            yield from _bool_annotations(inner, f"{where}.{name}")


def test_every_boolean_of_a_request_body_is_strict(server: Server) -> None:
    loose = []
    found = 0
    for route in server.app.routes:
        if not isinstance(route, APIRoute):
            continue
        methods = route.methods or set()
        if not methods - {"GET", "HEAD"}:
            continue
        for param in route.dependant.body_params:
            for where, strict in _bool_annotations(param.field_info.annotation,
                                                   f"{sorted(methods)[0]} {route.path}"):
                found += 1
                if not strict:
                    loose.append(where)
    assert found >= 7  # dry_run, force, upgrade, redirect, passed, archive_existing_versions…
    assert loose == []
