"""Importing a Hugging Face card: a round trip through the export, the lineage it records, and
every problem of a bad card reported at once, located."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward import Registry
from modelsteward.domain.lineage import Derivation, Relation
from modelsteward.domain.model import Model
from modelsteward.errors import DocumentInvalid
from modelsteward.exports import ExportFormat
from modelsteward.exports.card_reader import read_card
from modelsteward.store.opening import MEMORY_URL
from tests.conftest import FixedClock
from tests.exports.story import BOT, build
from tests.service.lifecycle_helpers import manifest


@pytest.fixture
def registry(clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(MEMORY_URL, actor="alice", clock=clock) as reg:
        build(reg)
        yield reg


def test_an_exported_card_imports_back_into_a_new_model(registry: Registry,
                                                          tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(registry.exports.render(BOT, ExportFormat.HF), encoding="utf-8")
    imported = registry.exports.import_card(card, model="support-bot-copy", team="search")
    assert imported.created
    model = registry.get_model("support-bot-copy")
    assert (model.license, model.tags, model.owner_team) == (
        "apache-2.0", ("support", "chat"), "search")
    assert imported.card.base_models == ("base-llm@1.0.0",)
    assert imported.card.relation is Relation.FINETUNE
    assert imported.lineage == () and "--version" in imported.notes[0]
    # without --model, the name comes from model-index (where huggingface_hub writes it)
    again = registry.exports.import_card(card)
    assert again.model.name == "support-bot" and not again.created


def test_with_a_version_the_base_model_becomes_its_lineage(registry: Registry,
                                                          tmp_path: Path) -> None:
    registry.create_model(Model("ticket-tagger"))
    registry.register_version("ticket-tagger", "1.0.0", manifest=manifest("tagger"))
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\ntags: [tickets]\nbase_model:\n  - base-llm\n"
                    "  - mistralai/Mistral-7B-v0.1\nbase_model_relation: merge\n---\n# T\n",
                    encoding="utf-8")
    imported = registry.exports.import_card(card, model="ticket-tagger", version="1.0.0")
    assert not imported.created
    assert imported.lineage == (
        Derivation("ticket-tagger@1.0.0", "base-llm@1.0.0", Relation.MERGE),
        Derivation("ticket-tagger@1.0.0", "pkg:huggingface/mistralai/Mistral-7B-v0.1",
                   Relation.MERGE))
    assert registry.get_model("ticket-tagger").license == "mit"
    parents = [n.derivation.parent for n in registry.lineage("ticket-tagger@1.0.0").ancestors]
    assert parents == ["base-llm@1.0.0", "pkg:huggingface/mistralai/Mistral-7B-v0.1"]
    assert registry.log("ticket-tagger")[-1].kind == "model:version:derived"
    # a second import leaves the lineage alone and says so
    again = registry.exports.import_card(card, model="ticket-tagger", version="1.0.0")
    assert again.lineage == () and "already derives" in again.notes[0]


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_base_model_named_twice_is_one_parent(store: str, clock: FixedClock,
                                                tmp_path: Path) -> None:
    """The same base listed twice, or once by name and once by its latest version, is recorded
    once (the database's lineage keys refuse a pair twice)."""
    url = MEMORY_URL if store == "memory" else f"sqlite:///{tmp_path / 'registry.db'}"
    with Registry.open(url, actor="alice", clock=clock) as registry:
        build(registry)
        registry.create_model(Model("ticket-tagger"))
        registry.register_version("ticket-tagger", "1.0.0", manifest=manifest("tagger"))
        card = tmp_path / "README.md"
        card.write_text("---\nbase_model: [base-llm, base-llm@1.0.0, acme/x, acme/x, "
                        "pkg:huggingface/acme/x]\n---\n# T\n", encoding="utf-8")
        imported = registry.exports.import_card(card, model="ticket-tagger", version="1.0.0")
        assert imported.lineage == (
            Derivation("ticket-tagger@1.0.0", "base-llm@1.0.0", Relation.MERGE),
            Derivation("ticket-tagger@1.0.0", "pkg:huggingface/acme/x", Relation.MERGE))
        single = tmp_path / "single.md"
        single.write_text("---\nbase_model: [base-llm, base-llm@1.0.0]\n---\n# T\n",
                          encoding="utf-8")
        registry.create_model(Model("reranker"))
        registry.register_version("reranker", "1.0.0", manifest=manifest("reranker"))
        again = registry.exports.import_card(single, model="reranker", version="1.0.0")
        assert again.lineage == (
            Derivation("reranker@1.0.0", "base-llm@1.0.0", Relation.FINETUNE),)


def test_every_problem_of_a_card_is_reported_with_its_location(tmp_path: Path) -> None:
    text = ("---\nmodel_name: 'Bad Name!'\nlicense: [mit, 3]\ntags: [ok, '']\n"
            "base_model: ['pkg:::', 'a@']\nbase_model_relation: distill\n---\n")
    with pytest.raises(DocumentInvalid) as caught:
        read_card(text, "README.md")
    locations = [p.location for p in caught.value.problems]
    assert locations == ["model_name", "license[1]", "tags[1]", "base_model[0]",
                         "base_model[1]", "base_model_relation"]


def test_a_yaml_error_is_located_at_the_file_s_line() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        read_card("---\nlicense: mit\ntags: [a\n---\nbody\n", "README.md")
    assert caught.value.problems[0].location == "line 3, column 9"


def test_a_card_without_front_matter_or_model_name_is_refused(registry: Registry,
                                                            tmp_path: Path) -> None:
    with pytest.raises(DocumentInvalid, match="no YAML front matter"):
        read_card("# just a title\n", "README.md")
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n", encoding="utf-8")
    with pytest.raises(DocumentInvalid, match="--model NAME"):
        registry.exports.import_card(card)


def test_a_registry_base_model_that_does_not_exist_is_located(registry: Registry,
                                                             tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nmodel_name: newbie\nbase_model: [base-llm@9.9.9, ghost@1.0.0]\n---\n",
                    encoding="utf-8")
    with pytest.raises(DocumentInvalid) as caught:
        registry.exports.import_card(card)
    assert [p.location for p in caught.value.problems] == ["base_model[0]", "base_model[1]"]
    assert "newbie" not in {m.name for m in registry.list_models()}  # nothing written


def test_a_malformed_model_index_is_reported() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        read_card("---\nmodel-index:\n  - name: x\n    results: [{task: {}}]\n---\n",
                  "README.md")
    assert caught.value.problems[0].location == "model-index"


@settings(max_examples=60, deadline=None, database=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3), max_leaves=10),
    st.sampled_from(["model_name", "license", "tags", "base_model", "base_model_relation",
                     "model-index"]))
def test_any_value_in_any_field_is_read_or_refused_with_locations(value: object,
                                                                   field: str) -> None:
    """Whatever a card's field holds, the reader answers a card or a located refusal."""
    import json

    text = f"---\n{json.dumps({field: value})}\n---\n"
    try:
        read_card(text, "README.md")
    except DocumentInvalid as exc:
        assert exc.problems and all(p.location for p in exc.problems)
