"""models.toml: the application's declaration, every problem located, edits that keep comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.app_manifest import (
    AppManifest,
    Requirement,
    check_pin,
    parse_manifest,
    update_manifest,
)
from modelsteward.errors import DocumentInvalid, Problem
from tests.domain.strategies import FAST, VARIANTS

EXAMPLE = """\
# models.toml: the models this application uses
[application]
name = "support-portal"        # required, a model-name-like slug
team = "support"               # required: notices go to this team
environment = "production"     # optional
registry = "https://steward.example.com"   # optional default registry

[models]
support-bot = "^2.1"                                    # short form: the pin
embedder = { pin = "~1.2", variant = "q4" }             # table form
gpt-4o = { pin = "gpt-4o-2024-08-06", registry = "sqlite:///other.db" }
"""


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_manifest(text)
    assert caught.value.source == "models.toml"
    return list(caught.value.problems)


def by_location(text: str) -> dict[str, str]:
    return {p.location: p.message for p in problems_of(text)}


def manifest_with(models: str, application: str = 'name = "app"\nteam = "t"') -> str:
    return f"[application]\n{application}\n\n[models]\n{models}\n"


# --- the example -------------------------------------------------------------------------------


def test_example_parses() -> None:
    manifest = parse_manifest(EXAMPLE)
    assert manifest == AppManifest(
        application="support-portal",
        team="support",
        environment="production",
        registry="https://steward.example.com",
        requirements=(
            Requirement("embedder", "~1.2", variant="q4"),
            Requirement("gpt-4o", "gpt-4o-2024-08-06", registry="sqlite:///other.db"),
            Requirement("support-bot", "^2.1"),
        ),
    )
    assert manifest.get("embedder") == Requirement("embedder", "~1.2", variant="q4")
    assert manifest.get("absent") is None


def test_requirements_are_sorted_whatever_the_order_given() -> None:
    a, b = Requirement("a", "1"), Requirement("b", "2")
    assert AppManifest("app", "t", (b, a)).requirements == (a, b)


def test_optional_application_keys_default_to_empty() -> None:
    manifest = parse_manifest(manifest_with('m = "1.0.0"'))
    assert (manifest.environment, manifest.registry) == ("", "")


def test_candidates_globally_or_per_model() -> None:
    text = manifest_with('a = "^1"\nb = { pin = "^2", candidates = true }',
                         application='name = "staging-portal"\nteam = "t"\ncandidates = true')
    manifest = parse_manifest(text)
    assert manifest.candidates is True
    assert manifest.get("a") == Requirement("a", "^1")
    assert manifest.get("b") == Requirement("b", "^2", candidates=True)
    assert parse_manifest(manifest_with('a = "^1"')).candidates is False
    problems = by_location(manifest_with('a = { pin = "^1", candidates = "yes" }'))
    assert problems == {"models.a.candidates": "must be true or false, found the text 'yes'"}
    # written back as a table, since the short form cannot say it
    edited = update_manifest(manifest_with('a = "^1"'),
                             {"a": Requirement("a", "^1.1", candidates=True)})
    assert 'a = { pin = "^1.1", candidates = true }' in edited
    assert parse_manifest(edited).get("a") == Requirement("a", "^1.1", candidates=True)


def test_org_names_and_table_sections_are_read() -> None:
    text = manifest_with('"org/m" = "^1"\n\n[models.big]\npin = "2.x"\nvariant = "q8"')
    manifest = parse_manifest(text)
    assert manifest.get("org/m") == Requirement("org/m", "^1")
    assert manifest.get("big") == Requirement("big", "2.x", variant="q8")


# --- problems ----------------------------------------------------------------------------------


def test_unknown_key_in_a_table_entry_names_the_expected_keys() -> None:
    text = manifest_with('embedder = { pin = "~1.2", colour = "red" }')
    assert by_location(text) == {
        "models.embedder.colour": "unknown key; expected pin, variant, registry, candidates",
    }


def test_a_near_miss_key_gets_a_suggestion() -> None:
    problems = by_location(manifest_with('embedder = { pin = "~1.2", varient = "q4" }'))
    assert problems["models.embedder.varient"] == (
        "unknown key; expected pin, variant, registry, candidates; did you mean 'variant'?")


def test_every_problem_is_reported_with_its_location() -> None:
    text = """\
[application]
name = "Support Portal"
environment = 3
owner = "x"

[models]
Bad_Name = "^1"
embedder = { pin = "^^2" }
hosted = { pin = "gpt-4o-*", variant = "q4" }
nopin = { variant = "q4" }
number = 3
badvariant = { pin = "^1", variant = "Q4!" }
clash = { pin = "^1+q4", variant = "q8" }

[extra]
"""
    problems = by_location(text)
    assert set(problems) == {
        "extra", "application.name", "application.team", "application.environment",
        "application.owner", "models.Bad_Name", "models.embedder.pin", "models.hosted.variant",
        "models.nopin.pin", "models.number", "models.badvariant.variant", "models.clash.variant",
    }
    assert problems["extra"] == "unknown key; expected application, models"
    assert problems["application.name"].startswith("'Support Portal' is not an application name")
    assert "team = \"support\"" in problems["application.team"]
    assert problems["application.environment"] == (
        "must be text, found the number 3; write it in quotes")
    assert problems["models.Bad_Name"].startswith("'Bad_Name' is not a valid model name")
    assert "'^^2' is not a valid pin" in problems["models.embedder.pin"]
    assert "snapshots have no variants; remove the variant" in problems["models.hosted.variant"]
    assert problems["models.nopin.pin"] == 'missing; give the pin, e.g. pin = "^2.1"'
    assert problems["models.number"] == (
        'must be a table (pin, variant, registry, candidates) or a pin such as "^2.1", found '
        'the number 3')
    assert "not a valid variant name" in problems["models.badvariant.variant"]
    assert problems["models.clash.variant"] == (
        "the pin '^1+q4' already asks for the variant 'q4'; remove one of them or make them agree")


def test_a_short_form_pin_is_located_at_the_model() -> None:
    problems = by_location(manifest_with('support-bot = ">=2 <"'))
    assert list(problems) == ["models.support-bot"]
    assert "is not a valid pin" in problems["models.support-bot"]


def test_a_hosted_pin_gets_the_snapshot_explanation() -> None:
    message = by_location(manifest_with('hosted = "gpt 4o"'))["models.hosted"]
    assert "is not a valid pin for a hosted model" in message


def test_syntax_error_is_one_problem_with_line_and_column() -> None:
    text = '[application]\nname = "app"\nteam = \n'
    [problem] = problems_of(text)
    assert problem.location == "line 3, column 8"
    assert problem.message.startswith("is not valid TOML (invalid value)")


@pytest.mark.parametrize("models", ["", "[models]\n"])
def test_no_models_asks_to_declare_one(models: str) -> None:
    text = '[application]\nname = "app"\nteam = "t"\n' + models
    problems = by_location(text)
    assert list(problems) == ["models"]
    assert 'declare at least one model, e.g. support-bot = "^2.1"' in problems["models"]


def test_missing_application_and_wrong_types() -> None:
    assert set(by_location('models = 3\n')) == {"application", "models"}
    problems = by_location('application = "x"\n[models]\nm = "1"\n')
    assert problems == {"application": "must be a table (name, team, environment, registry, "
                                       "candidates), found the text 'x'"}


def test_empty_required_strings_are_problems() -> None:
    problems = by_location(manifest_with('m = "1"', application='name = ""\nteam = "  "'))
    assert problems["application.name"].startswith("must not be empty")
    assert problems["application.team"].startswith("must not be empty")


def test_check_pin_accepts_either_form_and_survives_huge_numbers() -> None:
    assert check_pin("^2.1") == ""
    assert check_pin("claude-sonnet-4-5-*") == ""
    assert "too large" in check_pin("^" + "9" * 5000)


# --- editing -----------------------------------------------------------------------------------


def test_update_keeps_comments_and_untouched_lines() -> None:
    updated = update_manifest(EXAMPLE, {
        "support-bot": Requirement("support-bot", "^2.2"),
        "gpt-4o": None,
        "new-model": Requirement("new-model", "~3.0", variant="q4"),
    })
    assert updated == EXAMPLE.replace(
        'support-bot = "^2.1"                                    # short form: the pin',
        'support-bot = "^2.2"                                    # short form: the pin',
    ).replace(
        'gpt-4o = { pin = "gpt-4o-2024-08-06", registry = "sqlite:///other.db" }\n',
        'new-model = { pin = "~3.0", variant = "q4" }\n',
    )


def test_update_switches_between_short_and_table_form() -> None:
    updated = update_manifest(EXAMPLE, {
        "embedder": Requirement("embedder", "~1.3"),
        "support-bot": Requirement("support-bot", "^2.1", registry="sqlite:///b.db"),
    })
    assert 'embedder = "~1.3"             # table form' in updated
    assert ('support-bot = { pin = "^2.1", registry = "sqlite:///b.db" }'
            '                                    # short form: the pin') in updated
    manifest = parse_manifest(updated)
    assert manifest.get("embedder") == Requirement("embedder", "~1.3")


def test_an_equal_entry_is_left_as_written() -> None:
    text = manifest_with('embedder = {pin="~1.2",variant="q4"}  # spaced my way')
    unchanged = update_manifest(text, {"embedder": Requirement("embedder", "~1.2", "q4")})
    assert unchanged == text


def test_update_adds_a_models_table_when_missing() -> None:
    text = '# mine\n[application]\nname = "app"\nteam = "t"\n'
    updated = update_manifest(text, {"m": Requirement("m", "1.0.0")})
    assert updated.startswith(text)
    assert parse_manifest(updated).requirements == (Requirement("m", "1.0.0"),)


def test_removing_an_absent_model_changes_nothing() -> None:
    assert update_manifest(EXAMPLE, {"absent": None}) == EXAMPLE


def test_invalid_changes_are_all_reported_and_nothing_is_edited() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        update_manifest(EXAMPLE, {
            "Bad": Requirement("Bad", "^1"),
            "m": Requirement("other", "^^"),
            "v": Requirement("v", "^1", variant="Q!"),
        })
    locations = [p.location for p in caught.value.problems]
    assert locations == ["models.Bad", "models.m", "models.m", "models.v.variant"]


def test_update_refuses_invalid_toml_with_its_location() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        update_manifest("[models\n", {"m": None})
    [problem] = caught.value.problems
    assert problem.location.startswith("line 1")


def test_update_refuses_a_models_value_that_is_not_a_table() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        update_manifest('models = "x"\n', {"m": Requirement("m", "1")})
    assert [p.location for p in caught.value.problems] == ["models"]


_NAMES = st.sampled_from(["support-bot", "embedder", "gpt-4o", "new", "org/new"])
_REGISTRIES = st.just("") | st.text(max_size=10).map(str.strip)
_REQUIREMENTS = st.builds(
    Requirement, _NAMES, st.sampled_from(["^2.1", "~1.2", "2.1.3", ">=2 <3", "*", "2.x"]),
    st.just("") | VARIANTS, _REGISTRIES,
) | st.builds(  # snapshot pins: hosted models have no variants
    Requirement, _NAMES, st.sampled_from(["gpt-4o-2024-08-06", "claude-sonnet-*"]),
    st.just(""), _REGISTRIES,
)


@FAST
@given(st.lists(_REQUIREMENTS, max_size=5))
def test_an_updated_manifest_declares_exactly_the_requirements(
        requirements: list[Requirement]) -> None:
    """After an update, each changed model parses back to its requirement and every other
    model of the example is unchanged."""
    changes = {r.model: r for r in requirements}
    manifest = parse_manifest(update_manifest(EXAMPLE, changes))
    original = parse_manifest(EXAMPLE)
    for name in {"support-bot", "embedder", "gpt-4o", "new", "org/new"}:
        expected = changes.get(name) or original.get(name)
        assert manifest.get(name) == expected


def test_the_documented_example_parses() -> None:
    """docs/lock-files.md shows models.toml first; it must stay a valid manifest."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "lock-files.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n")[1].split("```")[0]
    documented = parse_manifest(EXAMPLE)
    reranker = Requirement("reranker", "^0.4", candidates=True)
    assert parse_manifest(example) == AppManifest(
        documented.application, documented.team, (*documented.requirements, reranker),
        documented.environment, documented.registry)
