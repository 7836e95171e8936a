"""A registry file's ``embedding`` (and its older ``dimension`` key) declares an embedding model
on every store, as ``steward model create --embedding-dimension`` does: a new model is created
with it, an existing one is updated to it, an entry without one leaves a declaration alone, a
second import changes nothing, the export writes it back, and moving a lock's pin is then
refused without a re-embedding plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.embedding import Distance, EmbeddingSpec, embedding_of, with_embedding
from modelsteward.domain.model import Model
from modelsteward.domain.registry_file import parse_registry_file, render_registry_file
from modelsteward.errors import DocumentInvalid, ReembeddingRequired
from modelsteward.results import ImportReport
from modelsteward.service.registry import Registry

DECLARED = {"dimension": 1536, "distance": "cosine", "normalized": True}


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice") as opened:
        yield opened


def imported(registry: Registry, models: dict[str, dict[str, object]]) -> ImportReport:
    return registry.registry_files.import_registry(parse_registry_file({"models": models}),
                                                   source="reg.yaml")


def test_an_embedding_entry_declares_the_model_as_the_command_does(registry: Registry) -> None:
    models: dict[str, dict[str, object]] = {
        "embedder": {"provider": "openai", "model_id": "text-embedding-3-small",
                     "embedding": dict(DECLARED)},
        "legacy": {"version": "1.0.0", "dimension": 768},
        "chat": {"version": "1.0.0", "notes": "not an embedding model"}}
    report = imported(registry, models)
    assert set(report.created_models) == {"embedder", "legacy", "chat"}
    # the same declaration `steward model create --embedding-dimension 1536
    # --embedding-distance cosine --embedding-normalized` stores
    assert registry.get_model("embedder").extra == with_embedding(
        {}, EmbeddingSpec.declared(1536, "cosine", True))
    assert embedding_of(registry.get_model("legacy")) == EmbeddingSpec(768, Distance.COSINE)
    assert registry.get_version("legacy", "1.0.0").metadata == {"dimension": 768}
    assert embedding_of(registry.get_model("chat")) is None
    assert not imported(registry, models).changed  # idempotent

    exported = {e.model.name: e for e in registry.registry_files.export_registry()}
    written = render_registry_file(list(exported.values()))["models"]
    assert isinstance(written, dict)
    assert written["embedder"]["embedding"] == DECLARED
    assert "embedding" not in written["legacy"] and written["legacy"]["dimension"] == 768
    assert not registry.registry_files.import_registry(
        parse_registry_file({"models": written})).changed  # round trip


def test_an_existing_model_is_declared_and_a_silent_entry_keeps_it(registry: Registry) -> None:
    registry.create_model(Model("embedder", extra={"team_note": "kept"}))
    report = imported(registry, {"embedder": {"embedding": {"dimension": 384}}})
    assert report.updated_models == ("embedder",)
    model = registry.get_model("embedder")
    assert model.extra == {"team_note": "kept", "embedding": {
        "dimension": 384, "distance": "cosine", "normalized": False}}
    updated = [e for e in registry.log("embedder") if e.kind == "model:updated"]
    assert updated[-1].payload["extra"] == model.extra
    # an entry that says nothing about it leaves the declaration as it is
    assert not imported(registry, {"embedder": {}}).changed
    assert embedding_of(registry.get_model("embedder")) == EmbeddingSpec(384)


def test_a_bad_declaration_writes_nothing(registry: Registry) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_registry_file({"models": {"embedder": {"embedding": {"dimension": "large"}}}})
    assert [p.location for p in caught.value.problems] == ["models.embedder.embedding.dimension"]
    assert registry.list_models() == []


def test_moving_a_declared_models_pin_needs_a_reembedding_plan(registry: Registry) -> None:
    imported(registry, {"embedder": {"version": "1.0.0", "status": "active",
                                     "embedding": {"dimension": 1536}}})
    manifest = parse_manifest('[application]\nname = "search"\nteam = "platform"\n\n'
                              '[models]\nembedder = "^1"\n')
    first = registry.locking.lock(manifest)
    imported(registry, {"embedder": {"version": "1.1.0", "status": "active"}})
    with pytest.raises(ReembeddingRequired):
        registry.locking.lock(manifest, first.lock, upgrade=True)
