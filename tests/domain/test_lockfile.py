"""models.lock: deterministic rendering, round trips, every problem located, lock-version rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.lineage import model_purl
from modelsteward.domain.lockfile import (
    CREATED_BY,
    LOCK_VERSION,
    Lock,
    LockedFile,
    LockedModel,
    entry_line,
    lock_warnings,
    parse_lock,
    render_lock,
)
from modelsteward.domain.requirements import Requirements
from modelsteward.errors import DocumentInvalid, Problem
from tests.domain.strategies import FAST, VERSIONS

GOLDEN = Path(__file__).parent / "golden" / "models.lock"
ROOT = "3f" * 32
WEIGHTS = "a1" * 32
CONFIG = "0c" * 32
TEMPLATE = "7e" * 32

REPRESENTATIVE = Lock("support-portal", (
    LockedModel(
        name="support-bot", version="2.1.3", pin="^2.1",
        purl="pkg:generic/modelsteward/support-bot@2.1.3",
        registry="sqlite:///steward.db", root_digest=ROOT,
        files=(LockedFile("tokenizer.json", CONFIG, 2048),
               LockedFile("model.safetensors", WEIGHTS, 1234)),
        tokenizer="tiktoken 0.7.0", framework="transformers 4.44.0",
        config_digest=f"sha256:{CONFIG}", prompt_template_digest=f"sha256:{TEMPLATE}",
        derived_from=("base-llm@1.0.0", "pkg:huggingface/org/name@abc123"),
        attestation_builder="https://ci.example/builder",
        attestation_identity="release@example.com",
    ),
    LockedModel(
        name="embedder", version="1.2.0+q4", pin="~1.2+q4",
        purl="pkg:generic/modelsteward/embedder@1.2.0%2Bq4",
        registry="sqlite:///steward.db", root_digest=WEIGHTS,
        files=(LockedFile("embedder.gguf", WEIGHTS, 99),),
        derived_from=("embedder@1.2.0",),
    ),
    LockedModel(
        name="gpt-4o", version="gpt-4o-2024-08-06", pin="gpt-4o-2024-08-06",
        purl="pkg:generic/modelsteward/gpt-4o@gpt-4o-2024-08-06",
        registry="sqlite:///other.db",
    ),
))


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_lock(text)
    assert caught.value.source == "models.lock"
    return list(caught.value.problems)


def by_location(text: str) -> dict[str, str]:
    return {p.location: p.message for p in problems_of(text)}


def golden_text() -> str:
    return GOLDEN.read_text(encoding="utf-8")


# --- strategies --------------------------------------------------------------------------------

_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_SEGMENTS = st.builds(lambda a, b, c: a + b + c, st.sampled_from(_LOWER),
                      st.text(alphabet=_LOWER + "._-", max_size=8), st.sampled_from(_LOWER)
                      ) | st.sampled_from(_LOWER)
NAMES = _SEGMENTS | st.builds(lambda org, name: f"{org}/{name}", _SEGMENTS, _SEGMENTS)
SNAPSHOTS = st.builds(lambda family, y, m, d: f"{family}-{y}-{m:02d}-{d:02d}",
                      st.sampled_from(["gpt-4o", "claude-sonnet-4-5", "gemini"]),
                      st.integers(2020, 2030), st.integers(1, 12), st.integers(1, 28))
HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)
TEXT = st.text(max_size=12)
PATHS = st.lists(st.text(alphabet=_LOWER + "._- ", min_size=1, max_size=6)
                 .filter(lambda s: s not in (".", "..")), min_size=1, max_size=3).map("/".join)
FILES = st.builds(LockedFile, PATHS, HEX, st.integers(0, 2**63 - 1))
ANCESTORS = st.builds(lambda n, v: f"{n}@{v}", NAMES, VERSIONS.map(str) | SNAPSHOTS) | \
    st.sampled_from(["pkg:huggingface/meta-llama/Llama-3.1-8B@abc", "pkg:generic/x@1"])
PINS = st.sampled_from(["^2.1", "~1.2+q4", "2.1.3", ">=2 <3", "*", "gpt-4o-*"])


@st.composite
def locked_models(draw: st.DrawFn) -> LockedModel:
    name = draw(NAMES)
    version = draw(VERSIONS.map(str) | SNAPSHOTS)
    files = draw(st.lists(FILES, max_size=3, unique_by=lambda f: f.path))
    root = draw(HEX) if files else draw(st.just("") | HEX)
    return LockedModel(
        name=name, version=version, pin=draw(PINS), purl=model_purl(name, version),
        registry=draw(TEXT), root_digest=root, files=tuple(files),
        tokenizer=draw(TEXT), framework=draw(TEXT),
        config_digest=draw(st.just("") | HEX.map("sha256:".__add__)),
        prompt_template_digest=draw(st.just("") | HEX.map("sha256:".__add__)),
        derived_from=tuple(draw(st.lists(ANCESTORS, max_size=2))),
        attestation_builder=draw(TEXT), attestation_identity=draw(TEXT),
        candidates=draw(st.booleans()),
        requirements=draw(st.none() | st.builds(
            Requirements, st.sampled_from(["transformers", "vllm", "llama.cpp"]),
            st.sampled_from([">=4.40,<4.47", "==2.3.*", "~=1.2"]), TEXT, TEXT,
            st.just("") | HEX.map("sha256:".__add__))),
    )


LOCKS = st.builds(
    Lock, NAMES,
    st.lists(locked_models(), max_size=3, unique_by=lambda m: m.name).map(tuple),
    st.sampled_from([LOCK_VERSION, "1.1", "1.12"]),
    st.text(min_size=1, max_size=12).filter(str.strip),
)


# --- properties --------------------------------------------------------------------------------


@FAST
@given(LOCKS)
def test_parse_reads_what_render_writes(lock: Lock) -> None:
    """parse_lock(render_lock(l)) == l for every lock parse_lock accepts."""
    assert parse_lock(render_lock(lock)) == lock


@FAST
@given(LOCKS)
def test_rendering_is_stable(lock: Lock) -> None:
    """Rendering twice, or rendering the parsed rendering, gives identical bytes."""
    text = render_lock(lock)
    assert render_lock(lock) == text
    assert render_lock(parse_lock(text)) == text
    assert text.endswith("\n") and not text.endswith("\n\n")


@FAST
@given(LOCKS, st.data())
def test_rendering_does_not_depend_on_input_order(lock: Lock, data: st.DataObject) -> None:
    """Models and files given in any order render to the same text."""
    shuffled = [
        LockedModel(**{**model.__dict__, "files": tuple(data.draw(st.permutations(model.files)))})
        for model in lock.models
    ]
    reordered = Lock(lock.application, tuple(data.draw(st.permutations(shuffled))),
                     lock.lock_version, lock.created_by)
    assert render_lock(reordered) == render_lock(lock)


# --- the golden file ---------------------------------------------------------------------------


def test_golden_file() -> None:
    """The representative lock renders to exactly tests/domain/golden/models.lock. When the
    format changes on purpose, regenerate the file with render_lock and review the diff."""
    assert render_lock(REPRESENTATIVE) == golden_text()
    assert parse_lock(golden_text()) == REPRESENTATIVE


def test_golden_file_is_in_the_documented_shape() -> None:
    text = golden_text()
    assert text.startswith('lock-version = "1.0"\ncreated-by = "modelsteward"\n'
                           'application = "support-portal"\n\n[[models]]\nname = "embedder"\n')
    keys = [line.split(" = ")[0] for line in text.split('name = "support-bot"')[1]
            .split("[[models.files]]")[0].splitlines() if " = " in line]
    assert keys == ["version", "pin", "purl", "registry", "hashes", "tokenizer", "framework",
                    "config-digest", "prompt-template-digest", "derived-from", "attestation"]
    assert 'derived-from = ["base-llm@1.0.0", "pkg:huggingface/org/name@abc123"]' in text
    # the hosted model has no files and so no hashes
    hosted = text.split('name = "gpt-4o"')[1].split("[[models]]")[0]
    assert "hashes" not in hosted and "[[models.files]]" not in hosted


# --- value objects -----------------------------------------------------------------------------


def test_variant_is_derived_from_the_version() -> None:
    model = LockedModel("m", "1.2.0+q4", "^1", "pkg:generic/modelsteward/m@1.2.0%2Bq4")
    assert model.variant == "q4"
    assert model.ref == "m@1.2.0+q4"
    assert LockedModel("m", "1.2.0", "^1", "p", variant="q4").variant == ""
    # dataclasses.replace passes the old variant back in; the new version decides
    assert replace(model, version="1.3.0").variant == ""
    assert replace(model, version="").variant == ""
    assert replace(model, version="1.3.0+q8").variant == "q8"


def test_lock_get_and_replace_keep_models_sorted() -> None:
    lock = Lock("app", ())
    a = LockedModel("a", "1.0.0", "^1", "p")
    b = LockedModel("b", "1.0.0", "^1", "p")
    lock = lock.replace(b).replace(a)
    assert [m.name for m in lock.models] == ["a", "b"]
    newer = LockedModel("a", "1.1.0", "^1", "p")
    lock = lock.replace(newer)
    assert lock.models == (newer, b)
    assert lock.get("a") == newer and lock.get("zzz") is None
    # a lock that records no candidates is written as 1.0, readable by every modelsteward
    assert (lock.lock_version, lock.created_by) == ("1.0", CREATED_BY)
    assert lock.replace(replace(b, candidates=True)).lock_version == "1.1"
    tested = Requirements("transformers", ">=4.40,<4.47")
    assert lock.replace(replace(b, requirements=tested)).lock_version == LOCK_VERSION == "1.2"


def test_candidates_are_recorded_per_entry_and_need_lock_version_1_1() -> None:
    """An entry resolved with candidates says ``candidates = true``; only a lock that records
    one is written as 1.1, so that an older modelsteward still reads every other lock."""
    plain = LockedModel("a", "1.0.0", "^1", "pkg:generic/modelsteward/a@1.0.0")
    staged = replace(plain, name="b", purl="pkg:generic/modelsteward/b@1.0.0", candidates=True)
    text = render_lock(Lock("app", (plain, staged)))
    assert text.startswith('lock-version = "1.1"\n')
    assert text.count("candidates = true") == 1
    assert 'pin = "^1"\ncandidates = true\npurl = "pkg:generic/modelsteward/b@1.0.0"' in text
    parsed = parse_lock(text)
    assert [(m.name, m.candidates) for m in parsed.models] == [("a", False), ("b", True)]
    assert render_lock(Lock("app", (plain,))).startswith('lock-version = "1.0"\n')
    # a lock written as 1.0 may record it too (nothing else could mean), and a non-boolean is
    # a problem at its place
    assert parse_lock(text.replace('"1.1"', '"1.0"')).models[1].candidates is True
    bad = text.replace("candidates = true", 'candidates = "yes"')
    assert by_location(bad) == {
        "models[1].candidates": "must be true or false, found the text 'yes'"}


def test_requirements_are_recorded_per_entry_and_need_lock_version_1_2() -> None:
    """An entry records only the requirements that were recorded, as an inline table with the
    lock's kebab-case keys; a lock that records some is written as 1.2, and an older
    modelsteward (reading 1.1) reads it with a warning, ignoring them."""
    plain = LockedModel("a", "1.0.0", "^1", "pkg:generic/modelsteward/a@1.0.0")
    tested = replace(plain, name="b", purl="pkg:generic/modelsteward/b@1.0.0",
                     requirements=Requirements("transformers", ">=4.40,<4.47",
                                               hardware="nvidia-a100-80gb",
                                               serving_config_digest="sha256:" + "c" * 64))
    text = render_lock(Lock("app", (plain, tested)))
    assert text.startswith('lock-version = "1.2"\n')
    assert ('requirements = { framework = "transformers", framework-version = ">=4.40,<4.47", '
            'hardware = "nvidia-a100-80gb", serving-config-digest = "sha256:' + "c" * 64
            + '" }\n') in text
    assert text.count("requirements =") == 1
    assert parse_lock(text) == Lock("app", (plain, tested))
    # with candidates too, 1.2 still says both
    both = Lock("app", (replace(plain, candidates=True), tested))
    assert both.lock_version == "1.2" and parse_lock(render_lock(both)) == both


def test_requirements_in_a_lock_are_checked_and_located() -> None:
    text = render_lock(Lock("app", (LockedModel(
        "a", "1.0.0", "^1", "pkg:generic/modelsteward/a@1.0.0",
        requirements=Requirements("transformers", ">=4.40")),)))
    bad = text.replace('framework = "transformers", framework-version = ">=4.40"',
                       'framework-version = "4.40 or so", gpu = "a100", '
                       'serving-config-digest = "md5:1"')
    found = by_location(bad)
    assert sorted(found) == ["models[0].requirements.framework",
                             "models[0].requirements.framework-version",
                             "models[0].requirements.gpu",
                             "models[0].requirements.serving-config-digest"]
    assert found["models[0].requirements.framework"].startswith("missing; name the framework")
    assert "not a version range" in found["models[0].requirements.framework-version"]
    assert by_location(text.replace('requirements = {', 'requirements = "x" #')) == {
        "models[0].requirements": "must be a table (framework, framework-version, tokenizer, "
                                  "hardware, serving-config-digest), found the text 'x'"}


def test_an_empty_lock_round_trips() -> None:
    lock = Lock("app", ())
    assert render_lock(lock) == ('lock-version = "1.0"\ncreated-by = "modelsteward"\n'
                                 'application = "app"\n')
    assert parse_lock(render_lock(lock)) == lock
    assert parse_lock(render_lock(lock) + "models = []\n") == lock


# --- lock-version ------------------------------------------------------------------------------


def test_a_newer_major_version_is_refused_alone() -> None:
    text = golden_text().replace('lock-version = "1.0"', 'lock-version = "2.0"')
    text = "something-new = true\n" + text
    assert problems_of(text) == [Problem(
        "lock-version",
        "written by a newer modelsteward (lock-version 2.0); upgrade modelsteward to read it")]


@pytest.mark.parametrize("version", ["one", "1", "1.0.0", "v1.0", ""])
def test_a_lock_version_that_is_not_major_minor_is_refused(version: str) -> None:
    text = golden_text().replace('lock-version = "1.0"', f'lock-version = "{version}"')
    problems = by_location(text)
    assert list(problems) == ["lock-version"]
    if version:
        assert problems["lock-version"] == (
            f"{version!r} is not a lock-version: write MAJOR.MINOR, e.g. \"1.0\"")
    else:
        assert problems["lock-version"].startswith("must not be empty")


def test_a_lock_version_below_one_is_refused() -> None:
    text = golden_text().replace('lock-version = "1.0"', 'lock-version = "0.9"')
    assert "regenerate the lock" in by_location(text)["lock-version"]


def test_a_newer_minor_version_is_read_with_a_warning_and_unknown_keys_ignored() -> None:
    text = golden_text().replace('lock-version = "1.0"', 'lock-version = "1.3"')
    text = text.replace('name = "gpt-4o"', 'name = "gpt-4o"\nnew-key = 3')
    text = "extra-top = 1\n" + text.replace("size = 99", "size = 99\nmode = 420")
    lock = parse_lock(text)
    assert lock.lock_version == "1.3"
    assert lock.models == REPRESENTATIVE.models
    [warning] = lock_warnings(lock)
    assert warning.startswith("The lock was written by a newer modelsteward (lock-version 1.3)")
    assert lock_warnings(REPRESENTATIVE) == []


def test_unknown_keys_are_problems_at_the_current_version() -> None:
    text = golden_text().replace('name = "gpt-4o"', 'name = "gpt-4o"\nvariant = "q4"')
    text = "extra-top = 1\n" + text.replace("size = 99", "size = 99\nmode = 420")
    problems = by_location(text)
    assert problems == {
        "extra-top": "unknown key; expected lock-version, created-by, application, models",
        "models[1].variant": ("unknown key; expected name, version, pin, candidates, purl, "
                              "registry, "
                              "hashes, tokenizer, framework, config-digest, "
                              "prompt-template-digest, derived-from, attestation, requirements, "
                              "files"),
        "models[0].files[0].mode": "unknown key; expected path, size, hashes",
    }


# --- problems ----------------------------------------------------------------------------------


def test_syntax_error_is_one_problem_with_line_and_column() -> None:
    [problem] = problems_of('lock-version = "1.0"\ncreated-by = modelsteward\n')
    assert problem.location == "line 2, column 14"
    assert problem.message.startswith("is not valid TOML (invalid value)")


def test_missing_top_level_keys() -> None:
    assert by_location("") == {
        "lock-version": 'missing; write lock-version = "1.0"',
        "created-by": 'missing; write created-by = "modelsteward"',
        "application": 'missing; name the application, e.g. application = "support-portal"',
    }


def test_wrong_types_are_located() -> None:
    text = """\
lock-version = 1.0
created-by = "modelsteward"
application = "Support Portal"
models = [1, { name = 3, version = "2.1.3", pin = "^2", purl = "pkg:generic/x@1", \
hashes = "abc", files = "x", derived-from = "a@1.0.0", attestation = [] }]
"""
    problems = by_location(text)
    assert problems == {
        "lock-version": "must be text, found the number 1.0; write it in quotes",
        "application": ("'Support Portal' is not an application name: use 1–64 lowercase "
                        "letters, digits, '.', '_' or '-', starting and ending with a letter "
                        "or digit"),
        "models[0]": "must be a table ([[models]]), found the number 1",
        "models[1].name": "must be text, found the number 3; write it in quotes",
        "models[1].hashes": ('must be a table { sha256 = "<64 hex digits>" }, found the text '
                             "'abc'"),
        "models[1].files": "must be an array of tables ([[models.files]]), found the text 'x'",
        "models[1].derived-from": ("must be a list of ancestors ('name@version' or a package "
                                   "URL), nearest first, found the text 'a@1.0.0'"),
        "models[1].attestation": "must be a table (builder, identity), found a list",
    }


def test_missing_model_and_file_keys() -> None:
    text = golden_text().replace('pin = "gpt-4o-2024-08-06"\n', "").replace(
        "size = 99\n", "").replace('path = "embedder.gguf"\n', "")
    problems = by_location(text)
    assert problems == {
        "models[1].pin": "missing; give the pin the version was resolved from",
        "models[0].files[0].path": "missing; give the file's path inside the model folder",
        "models[0].files[0].size": "missing; give the file's size in bytes",
    }


def test_digests_must_be_64_lowercase_hex() -> None:
    text = golden_text().replace(f'sha256 = "{ROOT}"', f'sha256 = "{ROOT.upper()}"')
    text = text.replace(f'hashes = {{ sha256 = "{WEIGHTS}" }}\n\n[[models]]\nname = "gpt-4o"',
                        'hashes = { sha256 = "abc" }\n\n[[models]]\nname = "gpt-4o"')
    text = text.replace(f'config-digest = "sha256:{CONFIG}"', f'config-digest = "{CONFIG}"')
    problems = by_location(text)
    assert set(problems) == {"models[2].hashes.sha256", "models[0].files[0].hashes.sha256",
                             "models[2].config-digest"}
    assert problems["models[0].files[0].hashes.sha256"] == (
        "'abc' is not a SHA-256 digest: write 64 lowercase hex digits (0-9, a-f), without a "
        "'sha256:' prefix")
    assert problems["models[2].config-digest"].endswith(
        "is not a digest: write 'sha256:' followed by 64 lowercase hex digits")


def test_a_model_with_files_needs_its_root_digest() -> None:
    text = golden_text().replace(f'hashes = {{ sha256 = "{ROOT}" }}\n', "")
    assert by_location(text) == {"models[2].hashes": (
        'missing; a model with files records their root digest as hashes = { sha256 = "…" }; '
        "regenerate the lock")}


def test_file_hashes_are_required_and_only_sha256_is_known() -> None:
    text = golden_text().replace(
        f'size = 99\nhashes = {{ sha256 = "{WEIGHTS}" }}',
        f'size = 99\nhashes = {{ sha256 = "{WEIGHTS}", md5 = "x" }}').replace(
        f'size = 1234\nhashes = {{ sha256 = "{WEIGHTS}" }}', "size = 1234")
    assert by_location(text) == {
        "models[0].files[0].hashes.md5": "unknown key; expected sha256",
        "models[2].files[0].hashes": 'missing; write hashes = { sha256 = "<64 hex digits>" }',
    }


def test_duplicate_model_names_and_file_paths() -> None:
    text = golden_text().replace('name = "gpt-4o"', 'name = "embedder"').replace(
        'path = "tokenizer.json"', 'path = "model.safetensors"')
    assert by_location(text) == {
        "models[1].name": "repeats 'embedder' (already at models[0]); lock each model once",
        "models[2].files[1].path": ("repeats 'model.safetensors' (already at files[0]); list "
                                    "each file once"),
    }


def test_invalid_names_versions_pins_purls_and_paths() -> None:
    text = golden_text().replace('name = "gpt-4o"', 'name = "GPT 4o"').replace(
        'version = "2.1.3"', 'version = "2.1.3+Q!"').replace(
        'pin = "~1.2+q4"', 'pin = "^^1"').replace(
        'purl = "pkg:generic/modelsteward/gpt-4o@gpt-4o-2024-08-06"', 'purl = "generic/x"').replace(
        'path = "embedder.gguf"', 'path = "../escape.gguf"').replace(
        '"base-llm@1.0.0"', '"base-llm"').replace(
        '"pkg:huggingface/org/name@abc123"', '"Base@1.0.0"')
    problems = by_location(text)
    assert set(problems) == {
        "models[1].name", "models[2].version", "models[0].pin", "models[1].purl",
        "models[0].files[0].path", "models[2].derived-from[0]", "models[2].derived-from[1]",
    }
    assert problems["models[1].name"].startswith("'GPT 4o' is not a valid model name")
    assert "'Q!' is not a valid variant name" in problems["models[2].version"]
    assert "'^^1' is not a valid pin" in problems["models[0].pin"]
    assert problems["models[1].purl"].startswith("'generic/x' is not a package URL")
    assert problems["models[0].files[0].path"].startswith(
        "'../escape.gguf' is not a path inside the model folder")
    assert problems["models[2].derived-from[0]"] == (
        "'base-llm' is not an ancestor: write 'name@version' or a package URL, e.g. "
        "'base-llm@1.0.0'")
    assert problems["models[2].derived-from[1]"].startswith("'Base' is not a valid model name")


def test_attestation_may_have_either_field_but_not_be_empty() -> None:
    text = golden_text().replace(
        'attestation = { builder = "https://ci.example/builder", '
        'identity = "release@example.com" }',
        'attestation = {}')
    assert by_location(text) == {
        "models[2].attestation": "is empty; give builder and identity or remove it"}
    only_identity = golden_text().replace('builder = "https://ci.example/builder", ', "")
    model = parse_lock(only_identity).get("support-bot")
    assert model is not None
    assert (model.attestation_builder, model.attestation_identity) == ("", "release@example.com")


def test_sizes_must_be_whole_non_negative_numbers() -> None:
    for bad, shown in (("-1", "the number -1"), ("1.5", "the number 1.5"),
                       ("true", "the boolean true"), ('"9"', "the text '9'")):
        text = golden_text().replace("size = 99", f"size = {bad}")
        assert by_location(text) == {"models[0].files[0].size": (
            f"must be the file's size in bytes, a whole number 0 or more, found {shown}")}


# --- entry_line --------------------------------------------------------------------------------


def test_entry_line_points_at_the_name_of_the_entry() -> None:
    text = golden_text()
    lines = text.splitlines()
    for name in ("embedder", "gpt-4o", "support-bot"):
        number = entry_line(text, name)
        assert lines[number - 1] == f'name = "{name}"'
    assert entry_line(text, "absent") == 0


def test_entry_line_ignores_names_outside_model_entries() -> None:
    text = 'application = "a"\nname = "m"\n\n[[models.files]]\nname = "m"\n\n[[models]]\n' \
           "name = 'm'  # literal string\n"
    assert entry_line(text, "m") == 8


def test_the_documented_example_has_the_golden_shape() -> None:
    """docs/lock-files.md shows the lock with shortened digests and comments; with the digests
    restored and the comments removed, its support-bot entry is the golden one."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "lock-files.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n")[2].split("```")[0]
    for short, full in (("3f3f…3f3f", ROOT), ("a1a1…a1a1", WEIGHTS), ("0c0c…0c0c", CONFIG),
                        ("7e7e…7e7e", TEMPLATE)):
        example = example.replace(short, full)
    lock = parse_lock(example)
    expected = REPRESENTATIVE.get("support-bot")
    assert expected is not None
    assert lock.models == (LockedModel(**{**expected.__dict__, "files": expected.files[:1]}),)
