"""Provider schedules: LiteLLM's deprecation dates, our shutdown table, the curated table."""

from __future__ import annotations

import ast
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.data import load_curated
from modelsteward.domain.provider_schedules import (
    Shutdown,
    litellm_model_id,
    normalise_provider,
    parse_litellm,
    parse_provider_schedule,
    parse_shutdown_table,
    render_shutdown_table,
)
from modelsteward.errors import DocumentInvalid

# Test data written for these tests in LiteLLM's real format: entries copied from
# model_prices_and_context_window.json (BerriAI/litellm) at several dates, fields trimmed.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "litellm_model_prices_sample.json"
LITELLM = "model_prices_and_context_window.json"


def problems_of(parse: object, doc: object) -> dict[str, str]:
    """location → message of every problem ``parse`` reports for ``doc``."""
    assert callable(parse)
    with pytest.raises(DocumentInvalid) as caught:
        parse(doc)
    locations = [p.location for p in caught.value.problems]
    assert len(locations) == len(set(locations)), locations
    return {p.location: p.message for p in caught.value.problems}


# --- LiteLLM -----------------------------------------------------------------------------------


def test_the_sample_file_gives_the_expected_shutdowns() -> None:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))

    shutdowns = parse_litellm(doc)

    def s(provider: str, model: str, day: str, key: str) -> Shutdown:
        return Shutdown(provider, model, date.fromisoformat(day), source=f"{LITELLM}#{key}")

    assert shutdowns == [
        s("openai", "gpt-4-0613", "2025-06-06", "gpt-4-0613"),
        s("openai", "gpt-4-1106-vision-preview", "2024-12-06", "gpt-4-1106-vision-preview"),
        s("azure", "gpt-35-turbo-0613", "2025-02-13", "azure/gpt-35-turbo-0613"),
        # azure/eu/… is the same Azure model priced for the EU: one shutdown, first key kept
        s("azure", "gpt-4o-2024-08-06", "2026-02-27", "azure/gpt-4o-2024-08-06"),
        s("anthropic", "claude-3-sonnet-20240229", "2025-07-21", "claude-3-sonnet-20240229"),
        s("anthropic", "claude-3-5-sonnet-20240620", "2025-06-01", "claude-3-5-sonnet-20240620"),
        # Vertex AI and the Gemini API name the same model: one google shutdown
        s("google", "gemini-1.5-pro-001", "2025-05-24", "gemini-1.5-pro-001"),
        # …and when their dates differ, the earlier one (the Gemini API's) wins
        s("google", "gemini-3-pro-preview", "2026-03-09", "gemini/gemini-3-pro-preview"),
        s("google", "claude-3-7-sonnet@20250219", "2025-06-01",
          "vertex_ai/claude-3-7-sonnet@20250219"),
        s("google", "chat-bison@002", "2025-04-09", "chat-bison@002"),
        s("bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "2026-10-15",
          "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
        s("groq", "mixtral-8x7b-32768", "2025-03-20", "groq/mixtral-8x7b-32768"),
    ]


def test_the_sample_file_is_in_litellm_shape() -> None:
    """The test data keeps what the real file has: sample_spec, prefixed keys, undated models."""
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert "sample_spec" in doc and "azure/gpt-35-turbo-0613" in doc
    assert 10 <= len(doc) <= 20
    assert any("deprecation_date" not in entry for entry in doc.values())
    assert all("litellm_provider" in entry and "mode" in entry for entry in doc.values())


def test_sample_spec_and_undated_entries_are_skipped_silently() -> None:
    spec = {"deprecation_date": "date when the model becomes deprecated in the format YYYY-MM-DD",
            "litellm_provider": "one of https://docs.litellm.ai/docs/providers"}
    doc = {"sample_spec": spec,
           "gpt-4o": {"litellm_provider": "openai", "mode": "chat"},
           "odd": {"litellm_provider": 42}}  # not dated, so its provider is never read
    assert parse_litellm(doc) == []


@pytest.mark.parametrize(("litellm", "normal"), [
    ("openai", "openai"), ("text-completion-openai", "openai"), ("anthropic", "anthropic"),
    ("vertex_ai", "google"), ("vertex_ai-language-models", "google"),
    ("vertex_ai-anthropic_models", "google"), ("gemini", "google"), ("palm", "google"),
    ("azure", "azure"), ("azure_text", "azure"), ("azure_ai", "azure"),
    ("bedrock", "bedrock"), ("bedrock_converse", "bedrock"), ("mistral", "mistral"),
    ("codestral", "mistral"), ("cohere_chat", "cohere"), ("Groq", "groq"),
    ("openrouter", "openrouter"),
])
def test_provider_names_are_normalised(litellm: str, normal: str) -> None:
    assert normalise_provider(litellm) == normal


@pytest.mark.parametrize(("key", "provider", "model"), [
    ("gpt-4-0314", "openai", "gpt-4-0314"),
    ("openai/gpt-4o-2024-05-13", "openai", "gpt-4o-2024-05-13"),
    ("azure/gpt-35-turbo-0613", "azure", "gpt-35-turbo-0613"),
    ("azure/global-standard/gpt-4o-2024-11-20", "azure", "gpt-4o-2024-11-20"),
    ("azure/us/o3-2025-04-16", "azure", "o3-2025-04-16"),
    ("bedrock/us-east-1/anthropic.claude-v2", "bedrock", "anthropic.claude-v2"),
    ("bedrock/*/1-month-commitment/cohere.command-light-text-v14", "bedrock",
     "cohere.command-light-text-v14"),
    ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock_converse",
     "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
    ("gemini/gemini-1.5-pro-001", "gemini", "gemini-1.5-pro-001"),
    ("gemini-1.5-pro-001", "vertex_ai-language-models", "gemini-1.5-pro-001"),
    ("vertex_ai/claude-3-7-sonnet@20250219", "vertex_ai-anthropic_models",
     "claude-3-7-sonnet@20250219"),
    ("vertex_ai/meta/llama3-70b-instruct-maas", "vertex_ai-llama_models",
     "meta/llama3-70b-instruct-maas"),
    ("anthropic/claude-3-opus-20240229", "anthropic", "claude-3-opus-20240229"),
    ("mistral/mistral-large-2407", "mistral", "mistral-large-2407"),
    # only one routing prefix goes: a reseller's id keeps its publisher
    ("openrouter/google/gemini-2.0-flash-001", "openrouter", "google/gemini-2.0-flash-001"),
    ("groq/mixtral-8x7b-32768", "groq", "mixtral-8x7b-32768"),
])
def test_routing_prefixes_are_stripped(key: str, provider: str, model: str) -> None:
    assert litellm_model_id(key, provider) == model


def test_every_problem_of_a_malformed_litellm_file_is_located() -> None:
    doc = {
        "sample_spec": "anything goes here",
        "gpt-4-0314": {"litellm_provider": "openai", "deprecation_date": "2024-13-45"},
        "gpt-4-0613": {"litellm_provider": "openai", "deprecation_date": "13/06/2024"},
        "gpt-4-32k": {"litellm_provider": "openai", "deprecation_date": 20240613},
        "claude-2.0": {"litellm_provider": ["anthropic"], "deprecation_date": "2025-07-21"},
        "claude-2.1": {"deprecation_date": "2025-07-21"},
        "azure/": {"litellm_provider": "azure", "deprecation_date": "2025-02-13"},
        "broken": ["not", "an", "object"],
        "text-davinci-003": None,
        "gpt-4o": {"litellm_provider": "openai", "mode": "chat"},
        "gpt-4-1106-preview": {"litellm_provider": "openai", "deprecation_date": "2026-03-26"},
    }

    problems = problems_of(parse_litellm, doc)

    assert set(problems) == {
        "gpt-4-0314.deprecation_date", "gpt-4-0613.deprecation_date",
        "gpt-4-32k.deprecation_date", "claude-2.0.litellm_provider",
        "claude-2.1.litellm_provider", "azure/", "broken", "text-davinci-003",
    }
    assert "not a day of the calendar" in problems["gpt-4-0314.deprecation_date"]
    assert "YYYY-MM-DD" in problems["gpt-4-0613.deprecation_date"]
    assert "the number 20240613" in problems["gpt-4-32k.deprecation_date"]
    assert "a list" in problems["claude-2.0.litellm_provider"]
    assert "found nothing" in problems["claude-2.1.litellm_provider"]
    assert "must be an object" in problems["broken"]


def test_the_whole_litellm_document_must_be_an_object() -> None:
    assert set(problems_of(parse_litellm, [{"gpt-4": {}}])) == {"$"}


def test_the_error_names_the_file_and_counts_the_problems() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_litellm({"a": 1, "b": 2}, source="prices.json")
    assert str(caught.value).startswith("prices.json has 2 problems; nothing was written.")


# --- our table ---------------------------------------------------------------------------------

TABLE = """\
shutdowns:
  - provider: openai
    model: gpt-4-0613
    shutdown: 2026-10-23
    announced: 2026-04-22
    source: https://platform.openai.com/docs/deprecations
  - provider: anthropic
    model: claude-3-opus-20240229
    shutdown: "2026-01-05"
    replacement: claude-opus-4-1-20250805
    source: https://docs.anthropic.com/en/docs/about-claude/model-deprecations
"""


def test_the_table_format_parses() -> None:
    assert parse_shutdown_table(yaml.safe_load(TABLE)) == [
        Shutdown("openai", "gpt-4-0613", date(2026, 10, 23), announced=date(2026, 4, 22),
                 source="https://platform.openai.com/docs/deprecations"),
        Shutdown("anthropic", "claude-3-opus-20240229", date(2026, 1, 5),
                 replacement="claude-opus-4-1-20250805",
                 source="https://docs.anthropic.com/en/docs/about-claude/model-deprecations"),
    ]


def test_the_table_round_trips_through_yaml_and_json() -> None:
    shutdowns = parse_shutdown_table(yaml.safe_load(TABLE))
    rendered = render_shutdown_table(shutdowns)
    assert parse_shutdown_table(yaml.safe_load(yaml.safe_dump(rendered))) == shutdowns
    assert parse_shutdown_table(json.loads(json.dumps(rendered))) == shutdowns
    rows = rendered["shutdowns"]
    assert isinstance(rows, list) and isinstance(rows[0], dict)
    assert list(rows[0]) == ["provider", "model", "shutdown", "announced", "source"]


_PROVIDERS = st.sampled_from(["openai", "anthropic", "google", "azure", "bedrock"])
_MODELS = st.from_regex(r"[a-z][a-z0-9.-]{0,20}[a-z0-9]", fullmatch=True)
_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def _shutdowns(draw: st.DrawFn) -> Shutdown:
    shutdown = draw(_DAYS)
    announced = draw(st.none() | st.integers(1, 400).map(lambda d: shutdown - timedelta(days=d)))
    model = draw(_MODELS)
    replacement = draw(st.just("") | _MODELS.filter(lambda m: m != model))
    return Shutdown(draw(_PROVIDERS), model, shutdown, replacement, announced,
                    "https://example.com/deprecations")


@given(st.lists(_shutdowns(), max_size=8, unique_by=lambda s: s.key))
def test_render_then_parse_gives_the_shutdowns_back(shutdowns: list[Shutdown]) -> None:
    """parse_shutdown_table(render_shutdown_table(s)) == s for any valid table."""
    assert parse_shutdown_table(render_shutdown_table(shutdowns)) == shutdowns


def test_every_problem_of_a_bad_table_is_reported_at_once() -> None:
    doc = {
        "version": 1,
        "shutdowns": [
            {"provider": "openai", "model": "gpt-4-0314", "shutdown": "2024-06-13",
             "source": "https://platform.openai.com/docs/deprecations"},
            {"provider": "OpenAI", "model": "gpt-4-32k-0314", "shutdown": "June 13, 2024",
             "source": "the OpenAI blog"},
            {"provider": "vertex_ai", "model": "gemini-1.0-pro-001", "shutdown": "2025-04-09",
             "announced": "2025-05-01", "source": "https://cloud.google.com/vertex-ai"},
            {"model": "has spaces in it", "shutdown_date": "2025-01-01"},
            "gpt-3.5-turbo-0301",
            {"provider": "openai", "model": "gpt-4-0314", "shutdown": "2024-06-14",
             "source": "https://platform.openai.com/docs/deprecations"},
            {"provider": "anthropic", "model": "claude-2.1", "shutdown": datetime(2025, 7, 21),
             "replacement": "claude-2.1", "source": "https://docs.anthropic.com/"},
        ],
    }

    problems = problems_of(parse_shutdown_table, doc)

    assert set(problems) == {
        "version",
        "shutdowns[1].provider", "shutdowns[1].shutdown", "shutdowns[1].source",
        "shutdowns[2].provider", "shutdowns[2].announced",
        "shutdowns[3].provider", "shutdowns[3].model", "shutdowns[3].shutdown",
        "shutdowns[3].source", "shutdowns[3].shutdown_date",
        "shutdowns[4]",
        "shutdowns[5]",
        "shutdowns[6].shutdown", "shutdowns[6].replacement",
    }
    assert "write 'openai'" in problems["shutdowns[1].provider"]
    assert "write 'google'" in problems["shutdowns[2].provider"]
    assert "before the shutdown date 2025-04-09" in problems["shutdowns[2].announced"]
    assert problems["shutdowns[3].shutdown"] == "is required"
    assert "is not a shutdown field" in problems["shutdowns[3].shutdown_date"]
    assert "repeats openai gpt-4-0314 from shutdowns[0]" in problems["shutdowns[5]"]
    assert "not a timestamp" in problems["shutdowns[6].shutdown"]


@pytest.mark.parametrize(("doc", "where"), [
    ([], "$"), ("shutdowns", "$"), ({}, "shutdowns"), ({"shutdowns": {"a": 1}}, "shutdowns"),
])
def test_the_table_shape_is_checked(doc: object, where: str) -> None:
    assert set(problems_of(parse_shutdown_table, doc)) == {where}


def test_an_empty_table_has_no_shutdowns() -> None:
    assert parse_shutdown_table({"shutdowns": None}) == []
    assert parse_shutdown_table({"shutdowns": []}) == []


def test_either_format_is_recognised() -> None:
    assert parse_provider_schedule(yaml.safe_load(TABLE))[0].model == "gpt-4-0613"
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert parse_provider_schedule(doc) == parse_litellm(doc)


# --- the curated table -------------------------------------------------------------------------


def test_shutdowns_remember_their_file_and_1_based_row() -> None:
    url = "https://platform.openai.com/docs/deprecations"
    table = {"shutdowns": [
        {"provider": "openai", "model": "gpt-4-0613", "shutdown": "2026-10-23", "source": url},
        {"provider": "openai", "model": "gpt-4-0314", "shutdown": "2026-10-23", "source": url}]}
    read = parse_shutdown_table(table, source="mine.yaml")
    assert [(s.file, s.row) for s in read] == [("mine.yaml", 1), ("mine.yaml", 2)]
    # every key of LiteLLM's object counts, and a merged shutdown keeps the row it came from
    litellm = {"sample_spec": {"deprecation_date": "YYYY-MM-DD"},
               "gpt-4o": {"litellm_provider": "openai"},
               "azure/gpt-4o-2024-08-06": {"litellm_provider": "azure",
                                           "deprecation_date": "2026-03-01"},
               "azure/eu/gpt-4o-2024-08-06": {"litellm_provider": "azure",
                                              "deprecation_date": "2026-02-27"}}
    [merged] = parse_litellm(litellm, source="prices.json")
    assert (merged.file, merged.row, merged.shutdown) == ("prices.json", 4, date(2026, 2, 27))
    # where it was read is provenance, not part of the fact
    assert read[0] == Shutdown("openai", "gpt-4-0613", date(2026, 10, 23), source=url)


def test_the_curated_table_loads_with_sources_dates_and_no_duplicates() -> None:
    curated = load_curated()
    assert len(curated) >= 10
    assert {s.provider for s in curated} == {"openai", "anthropic", "google"}
    assert len({s.key for s in curated}) == len(curated)
    for s in curated:
        assert re.fullmatch(r"https://[a-z0-9.-]+/\S*", s.source), s
        assert isinstance(s.shutdown, date)
        assert s.announced is None or s.announced < s.shutdown


def test_the_curated_table_matches_the_documentation() -> None:
    """Every curated row is listed in docs/provider-schedules.md, and nothing else is."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "provider-schedules.md").read_text(
        encoding="utf-8")
    section = docs.split("## The curated table", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| (\w+) \| `([^`]+)` \| (\d{4}-\d{2}-\d{2}) \|", section,
                            re.MULTILINE))
    assert listed == {(s.provider, s.model, s.shutdown.isoformat()) for s in load_curated()}


def test_the_module_is_pure() -> None:
    import modelsteward.domain.provider_schedules as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not imported & {"yaml", "json", "os", "io", "pathlib", "importlib", "sqlalchemy"}


def test_litellm_keys_that_would_not_show_are_quoted_in_locations() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_litellm({"": None, " gpt-4o": None, "gpt-4.1": None}, source="prices.json")
    assert [p.location for p in caught.value.problems] == ["$['']", "$[' gpt-4o']", "gpt-4.1"]
