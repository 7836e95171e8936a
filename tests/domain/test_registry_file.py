"""model-registry.yaml (Factor 15): parsing, every problem located, rendering back."""

from __future__ import annotations

import ast
import math
from datetime import date, datetime
from pathlib import Path
from typing import cast

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelsteward.domain.embedding import Distance, EmbeddingSpec, embedding_of
from modelsteward.domain.model import Model, ModelKind, RiskTier, SupportPolicy, VersionScheme
from modelsteward.domain.names import label_problem
from modelsteward.domain.registry_file import (
    RegistryEntry,
    parse_registry_file,
    render_registry_file,
)
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

# Copied verbatim from the "Model Registry" example of Factor 15.
SEED = """\
# model-registry.yaml
models:
  summarization-primary:
    provider: anthropic
    model_id: claude-sonnet-4-5-20250929
    api_version: "2025-01-01"
    purpose: "Document summarization"
    status: active
    deployed_date: "2025-03-15"
    eval_scores:
      accuracy: 0.94
      relevance: 0.91
      cost_per_1k_requests: 12.50
    owner: team-ai-platform

  summarization-candidate:
    provider: anthropic
    model_id: claude-sonnet-4-5-20250929  # newer version
    purpose: "Document summarization — evaluation candidate"
    status: evaluating
    eval_scores:
      accuracy: 0.95
      relevance: 0.93
      cost_per_1k_requests: 11.80
    notes: "5% quality improvement, 6% cost reduction. A/B test started 2025-06-10."

  classification-v2:
    type: fine-tuned
    base_model: gpt-4o-mini
    fine_tune_id: ft:gpt-4o-mini:org:classification-v2:abc123
    training_data: "s3://ml-data/classification/training-v2.jsonl"
    training_date: "2025-05-20"
    purpose: "Support ticket classification"
    status: active
    eval_scores:
      accuracy: 0.97
      f1: 0.95
    retrain_schedule: quarterly
    owner: team-support

  embedding-production:
    provider: openai
    model_id: text-embedding-3-small
    purpose: "Document embedding for RAG"
    status: active
    dimension: 1536
    notes: "Changing this model requires re-embedding all documents (~2M docs, ~$500, ~4h)"
"""


def problems_of(doc: object) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_registry_file(doc)
    return list(caught.value.problems)


def locations_of(doc: object) -> set[str]:
    return {p.location for p in problems_of(doc)}


def models_of(document: dict[str, object]) -> dict[str, dict[str, object]]:
    return cast(dict[str, dict[str, object]], document["models"])


def one(entry: dict[str, object], name: str = "m") -> RegistryEntry:
    [parsed] = parse_registry_file({"models": {name: entry}})
    return parsed


# --- the Factor 15 example ---------------------------------------------------------------------


def test_seed_example_parses_into_four_entries() -> None:
    entries = parse_registry_file(yaml.safe_load(SEED))
    by_name = {e.model.name: e for e in entries}
    assert list(by_name) == ["summarization-primary", "summarization-candidate",
                             "classification-v2", "embedding-production"]

    primary = by_name["summarization-primary"]
    assert primary.model.kind is ModelKind.HOSTED
    assert primary.model.provider == "anthropic"
    assert primary.model.provider_model == "claude-sonnet-4-5-20250929"
    assert primary.version == "claude-sonnet-4-5-20250929"
    assert primary.status == "active"
    assert primary.model.purpose == "Document summarization"
    assert primary.model.owner_team == "team-ai-platform"
    assert primary.metrics == {"accuracy": 0.94, "relevance": 0.91, "cost_per_1k_requests": 12.5}
    assert primary.metadata == {"api_version": "2025-01-01", "deployed_date": "2025-03-15"}
    assert primary.model.extra == {}

    candidate = by_name["summarization-candidate"]
    assert candidate.model.kind is ModelKind.HOSTED
    assert candidate.status == "evaluating"
    assert candidate.model.owner_team == ""
    assert str(candidate.metadata["notes"]).startswith("5% quality improvement")

    fine_tune = by_name["classification-v2"]
    assert fine_tune.model.kind is ModelKind.FINE_TUNED
    assert fine_tune.model.provider == ""
    assert fine_tune.model.versioning is VersionScheme.SNAPSHOT  # a provider fine-tune id
    assert fine_tune.version == "ft:gpt-4o-mini:org:classification-v2:abc123"
    assert fine_tune.base_model == "gpt-4o-mini"
    assert fine_tune.metrics == {"accuracy": 0.97, "f1": 0.95}
    assert fine_tune.model.owner_team == "team-support"
    assert fine_tune.metadata == {
        "fine_tune_id": "ft:gpt-4o-mini:org:classification-v2:abc123",
        "training_data": "s3://ml-data/classification/training-v2.jsonl",
        "training_date": "2025-05-20",
        "retrain_schedule": "quarterly",
    }

    embedding = by_name["embedding-production"]
    assert embedding.model.kind is ModelKind.HOSTED
    assert embedding.model.provider == "openai"
    assert embedding.version == "text-embedding-3-small"
    assert embedding.metrics == {}
    assert embedding.metadata["dimension"] == 1536
    # the older dimension key declares an embedding model with the default distance
    assert embedding_of(embedding.model) == EmbeddingSpec(1536)
    assert all(embedding_of(e.model) is None for e in entries if e is not embedding)
    assert all(e.model.risk_tier is RiskTier.MEDIUM for e in entries)
    assert all(e.model.uses_snapshots for e in entries)


def test_seed_example_renders_back_to_the_same_document() -> None:
    """Rendering keeps every key and value of the example, in the example's order."""
    original = yaml.safe_load(SEED)
    rendered = render_registry_file(parse_registry_file(original))
    assert rendered == original
    for name, entry in original["models"].items():
        assert list(models_of(rendered)[name]) == list(entry)
    assert yaml.safe_load(yaml.safe_dump(rendered, sort_keys=False, allow_unicode=True)) == original


def test_an_embedding_entry_declares_an_embedding_model() -> None:
    doc = yaml.safe_load("""\
models:
  embedder:
    provider: openai
    model_id: text-embedding-3-large
    embedding: {dimension: 3072, distance: dot, normalized: true}
  legacy:
    version: "1.0.0"
    dimension: 768
    embedding: {dimension: 768}
  notes-only:
    version: "1.0.0"
    notes: "768 dimensions, but that is just a note"
""")
    embedder, legacy, notes = parse_registry_file(doc)
    assert embedder.model.extra == {"embedding": {"dimension": 3072, "distance": "dot",
                                                  "normalized": True}}
    assert "dimension" not in embedder.metadata
    assert embedding_of(legacy.model) == EmbeddingSpec(768, Distance.COSINE, False)
    assert legacy.metadata == {"dimension": 768}
    assert embedding_of(notes.model) is None and notes.model.extra == {}
    rendered = models_of(render_registry_file([embedder, legacy, notes]))
    assert rendered["embedder"]["embedding"] == {"dimension": 3072, "distance": "dot",
                                                 "normalized": True}
    # what the dimension key says already is not written twice
    assert rendered["legacy"] == {"version": "1.0.0", "dimension": 768}
    assert parse_registry_file(render_registry_file([embedder, legacy, notes])) == [
        embedder, legacy, notes]


def test_bad_embedding_declarations_are_located() -> None:
    doc = yaml.safe_load("""\
models:
  a: {version: "1.0.0", embedding: 1536}
  b: {version: "1.0.0", embedding: {dimension: 0, distance: manhattan, normalized: "yes"}}
  c: {version: "1.0.0", embedding: {distance: cosine, normalised: true}}
  d: {version: "1.0.0", dimension: 768, embedding: {dimension: 1536}}
  e: {version: "1.0.0", dimension: 2000000}
""")
    located = {p.location: p.message for p in problems_of(doc)}
    assert set(located) == {
        "models.a.embedding", "models.b.embedding.dimension", "models.b.embedding.distance",
        "models.b.embedding.normalized", "models.c.embedding.dimension",
        "models.c.embedding.normalised", "models.d.dimension", "models.e.dimension"}
    assert "must be a mapping such as {dimension: 1536" in located["models.a.embedding"]
    assert "from 1 to 1000000" in located["models.b.embedding.dimension"]
    assert "cosine" in located["models.b.embedding.distance"]
    assert "true or false" in located["models.b.embedding.normalized"]
    assert located["models.c.embedding.dimension"].startswith("is required")
    assert "spelt 'normalized'" in located["models.c.embedding.normalised"]
    assert "says 768 but embedding.dimension says 1536" in located["models.d.dimension"]
    assert "at most 1000000" in located["models.e.dimension"]


def test_source_names_the_file() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_registry_file([], source="deploy/model-registry.yaml")
    assert caught.value.source == "deploy/model-registry.yaml"
    assert "deploy/model-registry.yaml has 1 problem" in str(caught.value)


# --- report everything -------------------------------------------------------------------------


def test_every_problem_is_reported_with_its_location() -> None:
    doc = yaml.safe_load("""\
models:
  Classification V2:
    type: fine-tuned
    fine_tune_id: "not a snapshot id!"
    eval_scores:
      f1: high
      accuracy: true
  chat:
    type: hosted
    owner: 42
    deployed_date: 15/03/2025
    risk_tier: extreme
    tags: [chat, 7]
  embedder:
    provider: openai
    model_id: text-embedding-3-small
    dimension: -3
    support: {active_months: twelve}
  broken: just a string
""")
    problems = problems_of(doc)
    located = {p.location: p.message for p in problems}
    assert set(located) == {
        "models.Classification V2",
        "models.Classification V2.fine_tune_id",
        "models.Classification V2.eval_scores.f1",
        "models.Classification V2.eval_scores.accuracy",
        "models.chat.provider",
        "models.chat.model_id",
        "models.chat.owner",
        "models.chat.deployed_date",
        "models.chat.risk_tier",
        "models.chat.tags[1]",
        "models.embedder.dimension",
        "models.embedder.support.active_months",
        "models.broken",
    }
    assert len(problems) == len(located)  # one problem each, none repeated
    assert "Did you mean 'classification-v2'?" in located["models.Classification V2"]
    assert "provider snapshot id" in located["models.Classification V2.fine_tune_id"]
    assert "boolean true" in located["models.Classification V2.eval_scores.accuracy"]
    assert "hosted model needs a provider" in located["models.chat.provider"]
    assert "YYYY-MM-DD" in located["models.chat.deployed_date"]
    assert "low, medium, high" in located["models.chat.risk_tier"]
    assert "must be a mapping" in located["models.broken"]


@pytest.mark.parametrize("doc", [None, [], "models", 3, [{"models": {}}]])
def test_top_level_must_be_a_mapping(doc: object) -> None:
    [problem] = problems_of(doc)
    assert problem.location == "$"
    assert "mapping with a 'models' key" in problem.message


def test_models_is_required() -> None:
    [problem] = problems_of({"model": {"a": {}}})[1:]  # 'model' itself is also reported
    assert problem.location == "models"
    assert "is required" in problem.message
    assert locations_of({"model": {}}) == {"model", "models"}


def test_models_must_be_a_mapping() -> None:
    [problem] = problems_of({"models": ["a", "b"]})
    assert problem.location == "models"
    assert "found a list" in problem.message


@pytest.mark.parametrize("models", [{}, None])
def test_an_empty_registry_has_no_entries(models: object) -> None:
    assert parse_registry_file({"models": models}) == []
    assert render_registry_file([]) == {"models": {}}


def test_other_top_level_sections_are_reported() -> None:
    assert locations_of({"models": {}, "pinning": {}}) == {"pinning"}


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [True, False])
def test_booleans_are_not_scores(score: bool) -> None:
    [problem] = problems_of({"models": {"m": {"eval_scores": {"accuracy": score}}}})
    assert problem.location == "models.m.eval_scores.accuracy"
    assert "must be a number" in problem.message


@pytest.mark.parametrize("score", [math.nan, math.inf, "0.9", None, [0.9]])
def test_scores_are_finite_numbers(score: object) -> None:
    assert locations_of({"models": {"m": {"eval_scores": {"f1": score}}}}) == {
        "models.m.eval_scores.f1"}


def test_integer_scores_become_floats() -> None:
    assert one({"eval_scores": {"latency_ms": 120}}).metrics == {"latency_ms": 120.0}


def test_date_objects_are_accepted_and_normalised() -> None:
    doc = yaml.safe_load("""\
models:
  m:
    provider: anthropic
    model_id: claude-sonnet-4-5-20250929
    api_version: 2025-01-01
    deployed_date: 2025-03-15
    training_date: 2025-02-01
""")
    assert isinstance(doc["models"]["m"]["deployed_date"], date)
    entry = parse_registry_file(doc)[0]
    assert entry.metadata == {"api_version": "2025-01-01", "deployed_date": "2025-03-15",
                              "training_date": "2025-02-01"}
    assert one({"deployed_date": date(2025, 3, 15)}).metadata == {"deployed_date": "2025-03-15"}


@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-30", "15/03/2025", "2025-3-5",
                                   datetime(2025, 3, 15, 10, 0), 20250315, ""])
def test_dates_must_be_calendar_dates(value: object) -> None:
    assert locations_of({"models": {"m": {"deployed_date": value}}}) == {"models.m.deployed_date"}


def test_kind_is_inferred_from_provider() -> None:
    assert one({"provider": "openai", "model_id": "gpt-4o-2024-08-06"}).model.kind is \
        ModelKind.HOSTED
    assert one({"purpose": "in-house"}).model.kind is ModelKind.SELF_HOSTED
    self_hosted = one({"type": "self-hosted", "provider": "vllm", "model_id": "llama-3-8b"})
    assert self_hosted.model.kind is ModelKind.SELF_HOSTED
    assert self_hosted.version == "llama-3-8b"


def test_unknown_type_lists_the_accepted_ones() -> None:
    [problem] = problems_of({"models": {"m": {"type": "api"}}})
    assert problem.location == "models.m.type"
    assert "fine-tuned" in problem.message and "self-hosted" in problem.message


def test_version_precedence() -> None:
    assert one({"version": "1.4.2"}).version == "1.4.2"
    assert one({}).version == ""
    provider_fine_tune = one({"type": "fine-tuned", "provider": "openai",
                              "model_id": "gpt-4o-mini-2024-07-18",
                              "fine_tune_id": "ft:gpt-4o-mini-2024-07-18:org::x1"})
    assert provider_fine_tune.version == "ft:gpt-4o-mini-2024-07-18:org::x1"
    assert provider_fine_tune.model.provider_model == "gpt-4o-mini-2024-07-18"
    assert one({"provider": "openai", "model_id": "gpt-4o",
                "version": "gpt-4o-2024-08-06"}).version == "gpt-4o-2024-08-06"


def test_versioning_is_inferred_or_given() -> None:
    assert one({"version": "1.4.2"}).model.versioning is VersionScheme.SEMVER
    assert one({}).model.versioning is VersionScheme.SEMVER
    assert one({"type": "fine-tuned", "version": "2.0.0"}).model.versioning is VersionScheme.SEMVER
    assert one({"model_id": "llama-3-8b"}).model.versioning is VersionScheme.SNAPSHOT
    assert one({"provider": "openai", "model_id": "gpt-4o"}).model.versioning is \
        VersionScheme.SNAPSHOT
    vllm = one({"provider": "vllm", "model_id": "llama-3-8b", "versioning": "semver",
                "version": "1.2.0"})
    assert (vllm.model.versioning, vllm.version) == (VersionScheme.SEMVER, "1.2.0")
    named = one({"versioning": "snapshot", "version": "run-2025-05-20"})
    assert named.model.versioning is VersionScheme.SNAPSHOT
    assert render_registry_file([named])["models"] == {
        "m": {"version": "run-2025-05-20", "versioning": "snapshot"}}
    assert render_registry_file([vllm])["models"] == {
        "m": {"provider": "vllm", "model_id": "llama-3-8b", "version": "1.2.0",
              "versioning": "semver"}}


def test_versions_must_fit_the_versioning_scheme() -> None:
    located = {p.location: p.message for p in problems_of({"models": {
        "a": {"provider": "vllm", "model_id": "llama-3-8b", "versioning": "semver"},
        "b": {"versioning": "calver"},
        "c": {"versioning": "snapshot", "version": "not ok!"},
    }})}
    assert set(located) == {"models.a.model_id", "models.b.versioning", "models.c.version"}
    assert "give one with 'version:'" in located["models.a.model_id"]
    assert "semver, snapshot" in located["models.b.versioning"]


@pytest.mark.parametrize("version", ["v1.0.0", 1.0, "1.0", "latest"])
def test_explicit_versions_of_self_hosted_models_are_model_versions(version: object) -> None:
    assert locations_of({"models": {"m": {"version": version}}}) == {"models.m.version"}


def test_owner_as_a_mapping() -> None:
    model = one({"owner": {"team": "team-ml", "contact": "ml@example.com"}}).model
    assert (model.owner_team, model.owner_contact) == ("team-ml", "ml@example.com")
    assert locations_of({"models": {"m": {"owner": {"team": "t", "email": "x"}}}}) == {
        "models.m.owner.email"}
    assert locations_of({"models": {"m": {"owner": {}}}}) == {"models.m.owner"}


def test_support_policy() -> None:
    model = one({"support": {"active_months": 12, "afterwards": "security fixes only"}}).model
    assert model.support == SupportPolicy(12, "security fixes only")
    assert locations_of({"models": {"m": {"support": {"active_months": True, "until": "x"}}}}) \
        == {"models.m.support.active_months", "models.m.support.until"}
    assert locations_of({"models": {"m": {"support": "forever"}}}) == {"models.m.support"}


def test_model_fields() -> None:
    model = one({"description": "d", "purpose": "p", "license": "apache-2.0",
                 "tags": ["nlp", "rag"], "risk_tier": "high"}).model
    assert (model.description, model.purpose, model.license) == ("d", "p", "apache-2.0")
    assert model.tags == ("nlp", "rag")
    assert model.risk_tier is RiskTier.HIGH
    assert locations_of({"models": {"m": {"tags": "nlp", "license": 2, "purpose": None}}}) == {
        "models.m.tags", "models.m.license", "models.m.purpose"}


def test_unknown_keys_are_kept_as_version_metadata() -> None:
    entry = one({"provider": "openai", "model_id": "gpt-4o-2024-08-06",
                 "context_window": 128000, "limits": {"rpm": 500, "regions": ["eu", "us"]},
                 "retired_on": date(2026, 1, 1), "flag": None})
    assert entry.metadata == {"context_window": 128000,
                              "limits": {"rpm": 500, "regions": ["eu", "us"]},
                              "retired_on": "2026-01-01", "flag": None}
    assert entry.model.extra == {}
    rendered = models_of(render_registry_file([entry]))["m"]
    assert list(rendered) == ["provider", "model_id", "context_window", "limits", "retired_on",
                              "flag"]


def test_unknown_values_must_be_plain_data() -> None:
    assert locations_of({"models": {"m": {"x": {"y": [1, math.nan]}, "z": b"\x00", 3: 1}}}) == {
        "models.m.x.y[1]", "models.m.z", "models.m.3"}


@pytest.mark.parametrize(("typo", "meant"), [("eval_score", "eval_scores"), ("licence", "license"),
                                             ("Owner", "owner"), ("model-id", "model_id"),
                                             ("tag", "tags"), ("stauts", "status")])
def test_near_misses_of_known_keys_are_reported(typo: str, meant: str) -> None:
    [problem] = problems_of({"models": {"m": {typo: "x"}}})
    assert problem.location == f"models.m.{typo}"
    assert f"did you mean {meant!r}" in problem.message


def test_negative_support_months_are_located() -> None:
    # Model would refuse them too, but without a location; the parser finds them first.
    [problem] = problems_of({"models": {"m": {"support": {"active_months": -1}}}})
    assert problem.location == "models.m.support.active_months"


def test_the_module_is_pure() -> None:
    import modelsteward.domain.registry_file as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not imported & {"yaml", "os", "io", "pathlib", "sqlalchemy", "open"}


# --- rendering ---------------------------------------------------------------------------------


def test_render_writes_type_only_when_it_cannot_be_inferred() -> None:
    hosted = RegistryEntry(Model("a", ModelKind.HOSTED, provider="openai", provider_model="gpt-4o"),
                           version="gpt-4o")
    self_hosted = RegistryEntry(Model("b"), version="1.0.0", status="active")
    rendered = render_registry_file([hosted, self_hosted])["models"]
    assert rendered == {"a": {"provider": "openai", "model_id": "gpt-4o"},
                        "b": {"version": "1.0.0", "status": "active"}}


def test_render_writes_owner_contact_support_and_risk() -> None:
    entry = RegistryEntry(Model("a", owner_team="t", owner_contact="c@example.com",
                                risk_tier=RiskTier.HIGH, support=SupportPolicy(6)))
    assert render_registry_file([entry])["models"] == {"a": {
        "risk_tier": "high", "owner": {"team": "t", "contact": "c@example.com"},
        "support": {"active_months": 6}}}
    assert parse_registry_file(render_registry_file([entry])) == [entry]


def test_render_refuses_ambiguous_entries() -> None:
    with pytest.raises(InvalidInput, match="Two registry entries"):
        render_registry_file([RegistryEntry(Model("a")), RegistryEntry(Model("a"))])
    with pytest.raises(InvalidInput, match="metadata"):
        render_registry_file([RegistryEntry(Model("a"), metadata={"provider": "x"})])
    with pytest.raises(InvalidInput, match="extra"):
        render_registry_file([RegistryEntry(Model("a", extra={"notes": "x"}),
                                            metadata={"notes": "y"})])


# --- round trip --------------------------------------------------------------------------------

_slug = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
_snapshot = st.from_regex(r"[a-z][a-z0-9:._/-]{0,20}[a-z0-9]", fullmatch=True)
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=20).filter(str.strip)
# a team is a name people compare: one script, nothing invisible (domain/names.py)
_team = _text.filter(lambda text: not label_problem(text))
_score = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**6, 10**6)
_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | _text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), inner, max_size=3),
    max_leaves=6,
)
_date = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
_semver = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)).map(
    lambda v: ".".join(map(str, v)))


@st.composite
def _entries(draw: st.DrawFn) -> dict[str, object]:
    entry: dict[str, object] = {}
    kind = draw(st.sampled_from(["hosted", "fine-tuned", "self-hosted", "inferred-self",
                                 "snapshot-named", "semver-provider"]))
    if kind == "hosted":
        if draw(st.booleans()):
            entry["type"] = "hosted"
        entry["provider"] = draw(_slug)
        entry["model_id"] = draw(_snapshot)
        if draw(st.booleans()):
            entry["version"] = draw(_snapshot)
    elif kind == "fine-tuned":
        entry["type"] = "fine-tuned"
        entry["base_model"] = draw(_text)
        if draw(st.booleans()):
            entry["provider"] = draw(_slug)
        if draw(st.booleans()):
            entry["fine_tune_id"] = draw(_snapshot)
    elif kind == "self-hosted":
        entry["type"] = "self-hosted"
        if draw(st.booleans()):
            entry["version"] = draw(_semver)
        if draw(st.booleans()):
            entry["versioning"] = "semver"
    elif kind == "snapshot-named":
        entry["versioning"] = "snapshot"
        if draw(st.booleans()):
            entry["version"] = draw(_snapshot)
    elif kind == "semver-provider":
        entry["provider"] = draw(_slug)
        entry["model_id"] = draw(_snapshot)
        entry["versioning"] = "semver"
        entry["version"] = draw(_semver)
    optional: dict[str, st.SearchStrategy[object]] = {
        "description": _text, "purpose": _text, "status": st.sampled_from(
            ["active", "evaluating", "deprecated"]),
        "license": _text, "tags": st.lists(_text, max_size=3),
        "risk_tier": st.sampled_from([t.value for t in RiskTier]),
        "eval_scores": st.dictionaries(_slug, _score, max_size=3),
        "owner": _team | st.fixed_dictionaries({"team": _team}, optional={"contact": _text}),
        "support": st.fixed_dictionaries({}, optional={"active_months": st.integers(0, 60),
                                                       "afterwards": _text}),
        "deployed_date": _date | _date.map(date.isoformat),
        "training_date": _date.map(date.isoformat),
        "api_version": _date | _text,
        "training_data": _text, "retrain_schedule": _text, "notes": _text | st.just(""),
        "dimension": st.integers(1, 4096),
        "embedding": st.fixed_dictionaries({"dimension": st.integers(1, 4096)}, optional={
            "distance": st.sampled_from(["cosine", "dot", "euclidean"]),
            "normalized": st.booleans()}),
        "custom_field": _plain, "custom_other": _plain,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            entry[key] = draw(strategy)
    declared = entry.get("embedding")
    if "dimension" in entry and isinstance(declared, dict):
        declared["dimension"] = entry["dimension"]  # given twice, they must agree
    return entry


@given(st.dictionaries(_slug, _entries(), max_size=4))
@settings(max_examples=100, deadline=None)
def test_render_is_the_inverse_of_parse(models: dict[str, dict[str, object]]) -> None:
    """parse(render(parse(doc))) == parse(doc), and rendering is stable after one pass."""
    entries = parse_registry_file({"models": models})
    assert [e.model.name for e in entries] == list(models)
    rendered = render_registry_file(entries)
    assert parse_registry_file(rendered) == entries
    assert render_registry_file(parse_registry_file(rendered)) == rendered
    dumped = yaml.safe_load(yaml.safe_dump(rendered, sort_keys=False, allow_unicode=True))
    assert parse_registry_file(dumped) == entries


def test_the_status_table_is_documented_as_the_code_has_it() -> None:
    """docs/registry-file.md and README.md show STATUS_STAGES row by row, as it is."""
    from pathlib import Path

    from modelsteward.domain.registry_file import STATUS_STAGES

    root = Path(__file__).resolve().parents[2]
    rows = [f"| {', '.join(f'`{w}`' for w in words)} | `{stage.value}` |"
            for stage, words in STATUS_STAGES]
    table = "\n".join(["| `status` (case ignored) | lifecycle stage |", "|---|---|", *rows,
                       "| empty or missing | `trained` |"])
    for document in ("docs/registry-file.md", "README.md"):
        assert table in (root / document).read_text(encoding="utf-8"), document
