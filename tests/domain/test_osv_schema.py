"""The OSV schema the registry validates with: the official file shipped byte-for-byte, and an
overlay that changes nothing of it but the registry's id prefix and ecosystem."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from jsonschema import Draft202012Validator

from modelsteward.domain.advisory import ECOSYSTEM, ID_PREFIX, Advisory
from modelsteward.domain.osv_document import validate_osv
from modelsteward.domain.osv_schema import (
    apply_patch,
    official_schema,
    overlay,
    registry_schema,
    schema_source,
)

from .strategies import FAST
from .test_advisory import advisories

OVERLAID = {"/$defs/prefix/pattern", "/$defs/ecosystemWithSuffix/pattern"}


def _leaves(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        yield path, "{" + ",".join(sorted(value)) + "}"  # the keys themselves are compared too
        for key, item in value.items():
            yield from _leaves(item, f"{path}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        yield path, f"[{len(value)}]"
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}/{index}")
    else:
        yield path, value


@cache
def official_validator() -> Draft202012Validator:
    """A validator of the official schema exactly as shipped, without the overlay."""
    return Draft202012Validator(official_schema(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_shipped_official_schema_is_the_recorded_release_byte_for_byte() -> None:
    folder = resources.files("modelsteward.data") / "osv"
    data = (folder / "schema.json").read_bytes()
    source = schema_source()
    assert hashlib.sha256(data).hexdigest() == source["sha256"]
    # pinned here too, so that the file and its record cannot drift together unnoticed
    assert source["sha256"] == "cd2fc34779f60388921829a31f1e860b77b334ee586bffe500887c0c2725dbd9"
    assert (source["version"], source["tag"], source["license"]) == ("1.7.5", "v1.7.5",
                                                                     "Apache-2.0")
    assert source["commit"] == "0cf04cce11454c3df832c12c1e46642eb3983ba0"
    assert source["source"].startswith("https://github.com/ossf/osv-schema/")
    assert "Apache License" in (folder / source["license_file"]).read_text("utf-8")
    assert "Version 2.0" in (folder / source["license_file"]).read_text("utf-8")
    Draft202012Validator.check_schema(official_schema())
    Draft202012Validator.check_schema(registry_schema())


def test_the_overlay_changes_only_the_id_prefix_and_ecosystem_patterns() -> None:
    official, ours = official_schema(), registry_schema()
    before, after = dict(_leaves(official)), dict(_leaves(ours))
    assert set(before) == set(after)
    assert {path for path in before if before[path] != after[path]} == OVERLAID
    assert {op["path"] for op in overlay()} == OVERLAID
    # each pattern gains exactly one alternative: the registry's prefix, the registry's ecosystem
    defs, old = ours["$defs"], official["$defs"]
    assert defs["prefix"]["pattern"] == old["prefix"]["pattern"].replace(  # type: ignore[index]
        "^(", f"^({ID_PREFIX}|", 1)
    assert defs["ecosystemWithSuffix"]["pattern"] == (  # type: ignore[index]
        old["ecosystemWithSuffix"]["pattern"].replace(  # type: ignore[index]
            "|GIT)", f"|GIT|{ECOSYSTEM})", 1))


def test_without_the_overlay_the_official_schema_refuses_the_registry_s_extension() -> None:
    doc = {"id": f"{ID_PREFIX}-2026-0001", "modified": "2026-01-31T12:00:00Z",
           "affected": [{"package": {"ecosystem": ECOSYSTEM, "name": "support-bot"}}]}
    errors = {tuple(e.absolute_path) for e in official_validator().iter_errors(doc)}
    assert errors == {("id",), ("affected", 0, "package", "ecosystem")}
    assert validate_osv(doc) == []
    assert validate_osv({**doc, "id": "x_OTHER-2026-0001"}) != []


def test_the_overlay_refuses_a_schema_it_was_not_written_for() -> None:
    changed = copy.deepcopy(official_schema())
    changed["$defs"]["prefix"]["pattern"] = "^(CVE)-"  # type: ignore[index]
    with pytest.raises(ValueError, match="another version of the official schema"):
        apply_patch(changed, overlay())
    with pytest.raises(ValueError, match="only 'test' and 'replace'"):
        apply_patch(official_schema(), [{"op": "remove", "path": "/$defs/prefix"}])


def without_extension(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the overlaid fields replaced by values of the official schema: a real
    home database's id and a real ecosystem."""
    doc = copy.deepcopy(document)
    if str(doc["id"]).startswith(f"{ID_PREFIX}-"):
        doc["id"] = "PYSEC-" + str(doc["id"]).removeprefix(f"{ID_PREFIX}-")
    for entry in doc.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") == ECOSYSTEM:
            package["ecosystem"] = "PyPI"
    return doc


@FAST
@given(advisories())
def test_every_advisory_but_its_overlaid_fields_is_valid_for_the_unmodified_official_schema(
        advisory: Advisory) -> None:
    doc = json.loads(json.dumps(advisory.to_osv()))
    errors = list(official_validator().iter_errors(without_extension(doc)))
    assert errors == [], [e.message for e in errors]
