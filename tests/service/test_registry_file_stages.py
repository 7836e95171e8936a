"""Import sets the stage a registry file's status means; export writes the eligible current
version, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.policy import Policy, Threshold
from modelsteward.domain.registry_file import (
    STATUS_STAGES,
    RegistryEntry,
    parse_registry_file,
    stage_of_status,
    status_of_stage,
)
from modelsteward.errors import DocumentInvalid
from modelsteward.service.registry import Registry

POLICY = Policy(monitoring=(Threshold("error_rate", "<=", 0.05),))


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", policy=POLICY) as opened:
        yield opened


def imported(registry: Registry, models: dict[str, dict[str, object]]) -> None:
    registry.registry_files.import_registry(parse_registry_file({"models": models}),
                                            source="reg.yaml")


def current(registry: Registry) -> dict[str, tuple[str, str]]:
    return {e.model.name: (e.version, e.status) for e in registry.registry_files.export_registry()}


def test_every_word_of_the_table_sets_its_stage(registry: Registry) -> None:
    """Each status word, in any case, puts the imported version in its stage; production
    versions and only they take the production alias; every stage event says it was imported."""
    models: dict[str, dict[str, object]] = {}
    expected: dict[str, Stage] = {}
    for stage, words in STATUS_STAGES:
        for i, word in enumerate(words):
            name = f"{stage.value}-{i}"
            models[name] = {"version": "1.0.0", "status": word.upper() if i % 2 else word}
            expected[name] = stage
    models["none"] = {"version": "1.0.0"}
    expected["none"] = Stage.TRAINED
    imported(registry, models)
    for name, stage in expected.items():
        assert registry.get_version(name, "1.0.0").stage is stage, name
        holders = [a.alias for a in registry.lifecycle.aliases(name)]
        assert holders == (["production"] if stage is Stage.PRODUCTION else []), name
    staged = [e for e in registry.log() if e.payload.get("imported")]
    assert len(staged) == sum(1 for s in expected.values() if s is not Stage.TRAINED)
    assert all(e.payload["source"] == "reg.yaml" and e.payload["from"] == "trained"
               for e in staged)
    report = registry.verify_history()
    assert report.intact and report.differences == (), report.differences


def test_status_words_go_back_through_the_same_table() -> None:
    for stage, words in STATUS_STAGES:
        assert status_of_stage(stage) == words[0]
        assert stage_of_status(status_of_stage(stage)) is stage
        for word in words:
            assert status_of_stage(stage, word.title()) == word.title()  # the file's own word
    assert status_of_stage(Stage.PRODUCTION, "staging") == "active"
    assert stage_of_status("  ") is Stage.TRAINED and stage_of_status("shadow") is None


def test_an_unknown_status_in_an_entry_is_refused_before_anything_is_written(
        registry: Registry) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        registry.registry_files.import_registry([RegistryEntry(parse_registry_file(
            {"models": {"a": {}}})[0].model, version="1.0.0", status="shadow")])
    assert [p.location for p in caught.value.problems] == ["models.a.status"]
    assert "active" in caught.value.problems[0].message
    assert registry.list_models() == []


def test_export_skips_rejected_and_retired_versions(registry: Registry) -> None:
    imported(registry, {"bot": {"version": "1.0.0", "status": "active"}})
    imported(registry, {"bot": {"version": "1.1.0", "status": "staging"}})
    imported(registry, {"bot": {"version": "2.0.0", "status": "rejected"}})
    # production holds 1.0.0, which stays the current version over the newer staging one
    assert current(registry) == {"bot": ("1.0.0", "active")}
    registry.lifecycle.deprecate("bot@1.0.0", "replaced")
    assert current(registry) == {"bot": ("1.0.0", "deprecated")}


def test_export_without_production_takes_what_resolution_gives(registry: Registry) -> None:
    imported(registry, {"bot": {"version": "1.0.0", "status": "staging"}})
    imported(registry, {"bot": {"version": "1.1.0", "status": "retired"}})
    assert current(registry) == {"bot": ("1.0.0", "staging")}
    registry.lifecycle.reject("bot@1.0.0", "fails the safety review")
    [entry] = registry.registry_files.export_registry()
    assert (entry.version, entry.status, entry.metrics) == ("1.1.0", "", {})  # newest, not current


def test_export_never_writes_a_degraded_version_as_current(registry: Registry) -> None:
    imported(registry, {"bot": {"version": "1.0.0", "status": "active"}})
    registry.lifecycle.record_measurements("bot@1.0.0", {"error_rate": 0.5})
    assert registry.get_version("bot", "1.0.0").blocked_reason
    [entry] = registry.registry_files.export_registry()
    assert entry.status == ""
