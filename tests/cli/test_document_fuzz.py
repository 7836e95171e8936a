"""Every document the CLI reads survives hostile files: the registry file, the policy (checked,
and as STEWARD_POLICY), the lock file, the manifest, advisories, provider tables, evaluations,
attestations (with their metrics), pipelines and a pipeline step's evidence.

Generated documents go through the real command, in-process: deep nesting, huge values, odd
Unicode (bidi controls, NUL, unpaired surrogates), keys written twice, wrong types, bytes that
are not UTF-8 and path tricks in file-name fields. A document that cannot be right is refused
with exit 2, the file named and every problem located (``line 3, column 5``, ``$``,
``models[3].digest``); anything else is accepted or refused by the rules of its command, and no
input ends in a traceback.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pytest
import tomli_w
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelsteward.document_reader import MAX_BYTES
from modelsteward.domain.documents import MAX_DEPTH
from modelsteward.domain.policy_file import POLICY_EXAMPLE
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from tests.cli.conftest import Run, Steward
from tests.cli.test_cli_audit import ADVISORY
from tests.domain.test_app_manifest import EXAMPLE as MANIFEST
from tests.domain.test_lockfile import golden_text
from tests.domain.test_pipeline_file import SEED as PIPELINE
from tests.domain.test_registry_file import SEED

FUZZ = settings(max_examples=10, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

DIGEST = "ab" * 32
ATTESTATION = {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
               "subject": [{"name": "bot", "digest": {"sha256": DIGEST}}],
               "predicate": {"buildDefinition": {"buildType": "https://example.com/t"},
                             "runDetails": {"builder": {"id": "https://example.com/ci"}}}}
EVALUATION = {"suite": "golden-set", "dataset_digest": f"sha256:{DIGEST}",
              "metrics": {"accuracy": 0.93, "helpfulness": 4.2}, "latency_ms": {"p50": 120},
              "directions": {"helpfulness": "higher"}}
COLLECTED = {"source": "production_feedback", "samples": 5230, "dataset_digest": f"sha256:{DIGEST}"}
# the front matter of a Hugging Face model card (the reader adds the --- lines and a body)
CARD = yaml.safe_dump({
    "model_name": "bot", "license": "apache-2.0", "tags": ["support"],
    "base_model": "acme/open-llm", "base_model_relation": "finetune",
    "model-index": [{"name": "bot", "results": [{
        "task": {"type": "other", "name": "golden"},
        "dataset": {"type": "golden", "name": "golden", "revision": f"sha256:{DIGEST}"},
        "metrics": [{"type": "accuracy", "name": "accuracy", "value": 0.93}]}]}]},
    sort_keys=False)
EXPERIMENT = {"name": "bot-ab", "model": "bot", "control": "1.0.0", "treatment": "1.1.0",
              "traffic_split": 0.5,
              "primary": [{"metric": "thumbs_up", "kind": "proportion", "direction": "higher"}],
              "guardrails": [{"metric": "latency_ms", "direction": "lower", "margin": 0.1}]}
OUTCOMES = [{"unit": "user-1", "at": "2026-12-06T10:00:00Z",
             "metrics": {"thumbs_up": 1, "latency_ms": 812.5}}]
REQUIREMENTS = {"framework": "transformers", "framework_version": ">=4.40,<4.47",
                "tokenizer": "meta-llama/Llama-3-8B"}
REEMBEDDING = {"documents": 2_000_000, "cost": 500, "hours": 4, "index": "docs-v2"}
PROVIDERS = ("shutdowns:\n  - {provider: openai, model: gpt-4-0613, shutdown: 2027-06-06,\n"
             "     source: \"https://platform.openai.com/docs/deprecations\"}\n")


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The readers run before any database work: one engine is enough here."""
    return sqlite_url


@dataclass(frozen=True)
class Reader:
    """One CLI document reader: the file's format, a valid document and the command."""

    name: str
    suffix: str
    valid: str
    command: Callable[[str], list[str]]
    # a Markdown file whose YAML front matter is the document (a Hugging Face model card)
    front_matter: bool = False

    def file_bytes(self, content: bytes | str) -> bytes:
        raw = (content if isinstance(content, bytes)
               else content.encode("utf-8", "surrogatepass"))
        return b"---\n" + raw + b"\n---\n# A card\n" if self.front_matter else raw

    @property
    def fmt(self) -> str:
        return {".json": "json", ".toml": "toml"}.get(self.suffix, "yaml")

    def structure(self) -> object:
        if self.fmt == "json":
            return json.loads(self.valid)
        if self.fmt == "toml":
            return tomllib.loads(self.valid)
        return yaml.safe_load(self.valid)


READERS = [
    Reader("registry", ".yaml", SEED, lambda f: ["import", "registry", f]),
    Reader("policy", ".yaml", POLICY_EXAMPLE, lambda f: ["policy", "check", f]),
    Reader("policy-toml", ".toml", tomli_w.dumps(yaml.safe_load(POLICY_EXAMPLE)),
           lambda f: ["policy", "check", f]),
    Reader("STEWARD_POLICY", ".yaml", POLICY_EXAMPLE, lambda f: ["--policy", f, "model", "list"]),
    Reader("lock", ".toml", golden_text(), lambda f: ["audit", "--lock", f]),
    Reader("manifest", ".toml", MANIFEST,
           lambda f: ["lock", "--manifest", f, "--lock", "fuzz.lock"]),
    Reader("advisory", ".json", json.dumps(ADVISORY), lambda f: ["advisory", "import", f]),
    Reader("providers", ".yaml", PROVIDERS, lambda f: ["providers", "import", f]),
    Reader("providers-json", ".json", json.dumps(yaml.safe_load(PROVIDERS), default=str),
           lambda f: ["providers", "import", f]),
    Reader("evaluation", ".json", json.dumps(EVALUATION),
           lambda f: ["eval", "record", "bot@1.0.0", f]),
    Reader("evaluation-yaml", ".yaml", yaml.safe_dump(EVALUATION),
           lambda f: ["eval", "record", "bot@1.0.0", f]),
    Reader("attestation", ".json", json.dumps(ATTESTATION),
           lambda f: ["version", "attest", "bot@1.0.0", f]),
    Reader("metrics", ".json", json.dumps({"loss": 0.2, "curve": [0.9, 0.2]}),
           lambda f: ["version", "attest", "bot@1.0.0", "attestation.json", "--metrics", f]),
    Reader("pipeline", ".yaml", PIPELINE, lambda f: ["pipeline", "import", "bot", f]),
    # the evidence is read before the run is looked up: a good file finds no run (exit 3)
    Reader("evidence", ".yaml", yaml.safe_dump(COLLECTED),
           lambda f: ["pipeline", "record", "no-run", "collect_training_data", f]),
    Reader("experiment", ".yaml", yaml.safe_dump(EXPERIMENT),
           lambda f: ["experiment", "start", f]),
    # the outcomes are read before the experiment is looked up: a good file finds none (exit 3)
    Reader("outcomes", ".json", json.dumps(OUTCOMES),
           lambda f: ["experiment", "ingest", "no-experiment", f]),
    Reader("requirements", ".yaml", yaml.safe_dump(REQUIREMENTS),
           lambda f: ["version", "requirements", "bot@1.0.0", "--file", f]),
    # read before anything is registered: a good file registers the next version (exit 0)
    Reader("register-requirements", ".json", json.dumps(REQUIREMENTS),
           lambda f: ["version", "register", "bot", "--change", "retrain", "--requirements", f]),
    Reader("reembedding", ".yaml", yaml.safe_dump(REEMBEDDING),
           lambda f: ["model", "reembed", "bot", "--file", f]),
    Reader("model-card", ".md", CARD,
           lambda f: ["import", "card", f, "--model", "bot", "--version", "1.0.0"],
           front_matter=True),
]
BY_NAME = {r.name: r for r in READERS}
READER = st.sampled_from(READERS)
# what a well-formed document may lead to: accepted, refused, not found, conflict, audit failed
ANSWERS = {0, 1, 2, 3, 4, 8}
BULLET = re.compile(r"^  - (?P<where>\S.*?): \S")


@pytest.fixture
def cli(steward: Steward, tmp_path: Path) -> Steward:
    """The CLI with the model ``bot`` and its version 1.0.0, and a valid attestation file."""
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0")
    (tmp_path / "attestation.json").write_text(json.dumps(ATTESTATION))
    return steward


def run(cli: Steward, tmp_path: Path, reader: Reader, content: bytes | str) -> tuple[Run, Path]:
    file = tmp_path / f"fuzz-{reader.name}{reader.suffix}"
    file.write_bytes(reader.file_bytes(content))
    return cli(*reader.command(str(file)), expect=None), file


def refused(result: Run, file: Path) -> None:
    """Exit 2, the file named, every problem located."""
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    assert str(file) in result.stderr or file.name in result.stderr, result
    bullets = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert bullets, result
    assert all(BULLET.match(line) for line in bullets), result


def answered(result: Run, file: Path) -> None:
    """A document that may be right: accepted, or refused by the command's rules."""
    assert result.code in ANSWERS, result
    assert "Traceback" not in result.stderr
    if result.code == 2 and f"{file.name} has" in result.stderr:
        refused(result, file)


# --- writing structures back -------------------------------------------------------------------


def to_json(value: object, repeat: int = -1) -> str:
    """``value`` as JSON; the ``repeat``-th mapping (depth first) writes its first key twice.
    Unpaired surrogates and NUL come out as escapes, so the file itself is valid UTF-8."""
    counter = [0]

    def dump(item: object) -> str:
        if isinstance(item, dict):
            pairs = [f"{json.dumps(str(k))}: {dump(v)}" for k, v in item.items()]
            if counter[0] == repeat and pairs:
                pairs.append(pairs[0])
            counter[0] += 1
            return "{" + ", ".join(pairs) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(dump(v) for v in item) + "]"
        if isinstance(item, date | datetime | time):
            return json.dumps(item.isoformat())
        return json.dumps(item)

    return dump(value)


def written(reader: Reader, value: object, repeat: int = -1) -> str:
    """``value`` in the reader's format (YAML files get JSON, which YAML reads)."""
    if reader.fmt == "toml":
        assume(isinstance(value, dict) and repeat < 0)
        try:
            return tomli_w.dumps(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            assume(False)
    return to_json(value, repeat)


def paths(value: object, where: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every location inside ``value`` (the root excluded)."""
    found: list[tuple[object, ...]] = []
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found.append((*where, key))
        found.extend(paths(item, (*where, key)))
    return found


def replaced(value: object, at: tuple[object, ...], new: object) -> object:
    if not at:
        return new
    head, *rest = at
    if isinstance(value, dict):
        return {k: replaced(v, tuple(rest), new) if k == head else v for k, v in value.items()}
    assert isinstance(value, list)
    return [replaced(v, tuple(rest), new) if i == head else v for i, v in enumerate(value)]


# --- strategies --------------------------------------------------------------------------------

ODD = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from([
    "\u202eevil\u202c", "\u2066x\u2069", "\x00", "\ud800", "a\udfffb", "\x1b[31mred\x1b[0m",
    "[bold]x[/bold]", "\ufeff", "\u0440\u0430\u0443\u0440\u0430l", "\r\n", "\u200b", "👍🏽",
    "\U0010ffff"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**70)
           | st.floats() | ODD)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(ODD, inner, max_size=3), max_leaves=8)
PATH_TRICKS = st.sampled_from([
    "../../etc/passwd", "/etc/passwd", "back\\slash.bin", "C:\\weights.bin", "a//b", "./a",
    "a/../b", "~/.ssh/id_rsa", "%2e%2e/x", "a/\x00b", "..", ".", "", " ", "a/", "\u202egnp.exe",
    "con", "a" * 300, "x/" * 40 + "y"])
BAD_BYTES = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82", b"\x80",
                             b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"]) | st.binary(min_size=1,
                                                                                max_size=4)


def deep(fmt: str, depth: int, kind: str) -> str:
    """A document holding one value nested ``depth`` deep."""
    if fmt == "toml":
        inner = "[" * depth + "]" * depth if kind == "list" else "{a = " * depth + "1" + "}" * depth
        return f"x = {inner}\n"
    if kind == "list":
        return '{"x": ' + "[" * depth + "]" * depth + "}"
    return '{"x": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


# --- the tests ---------------------------------------------------------------------------------


@FUZZ
@given(READER, st.integers(MAX_DEPTH + 1, 6000), st.sampled_from(["list", "map"]),
       st.booleans())
def test_deep_nesting_is_refused(cli: Steward, tmp_path: Path, reader: Reader, depth: int,
                                 kind: str, block: bool) -> None:
    text = deep(reader.fmt, depth, kind)
    if block and reader.fmt == "yaml":  # block style: nested indented sequences
        text = "x:\n" + "".join(" " * i + "-\n" for i in range(min(depth, 400)))
        text += " " * min(depth, 400) + "- 1\n"
    refused(*run(cli, tmp_path, reader, text))


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_every_reader_refuses_deep_nesting(cli: Steward, tmp_path: Path, reader: Reader) -> None:
    result, file = run(cli, tmp_path, reader, deep(reader.fmt, 5000, "list"))
    refused(result, file)
    assert "too deep" in result.stderr or "more than 64 deep" in result.stderr


def test_a_policy_named_by_the_environment_is_refused_before_any_command_runs(
        cli: Steward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("evaluation:\n  thresholds: " + "[" * 5000 + "]" * 5000 + "\n")
    monkeypatch.setenv("STEWARD_POLICY", str(policy))
    for args in (("model", "list"), ("version", "show", "bot@1.0.0"), ("policy", "show")):
        result = cli(*args, expect=2)
        refused(result, policy)
        assert "line 2, column" in result.stderr


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_every_reader_refuses_an_integer_too_long_to_read(cli: Steward, tmp_path: Path,
                                                          reader: Reader) -> None:
    number = "9" * 5000
    text = f"x = {number}\n" if reader.fmt == "toml" else f'{{"x": {number}}}'
    result, file = run(cli, tmp_path, reader, text)
    refused(result, file)
    assert "4300 digits" in result.stderr


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_a_file_over_the_size_limit_is_refused_unread(cli: Steward, tmp_path: Path,
                                                      reader: Reader) -> None:
    file = tmp_path / f"huge{reader.suffix}"
    with file.open("wb") as stream:  # sparse: nothing is written to disk
        stream.truncate(MAX_BYTES + 1)
    result = cli(*reader.command(str(file)), expect=2)
    refused(result, file)
    assert "larger than 32 MiB" in result.stderr


@FUZZ
@given(READER, st.data(), st.integers(10_000, 400_000))
def test_huge_values(cli: Steward, tmp_path: Path, reader: Reader, data: st.DataObject,
                     size: int) -> None:
    value = reader.structure()
    at = data.draw(st.sampled_from(paths(value)))
    huge = data.draw(st.sampled_from(["a" * size, "9" * size, ["x"] * (size // 10),
                                      {f"k{i}": i for i in range(size // 100)}]))
    answered(*run(cli, tmp_path, reader, written(reader, replaced(value, at, huge))))


@FUZZ
@given(READER, st.data(), ODD)
def test_odd_unicode(cli: Steward, tmp_path: Path, reader: Reader, data: st.DataObject,
                     odd: str) -> None:
    value = reader.structure()
    at = data.draw(st.sampled_from(paths(value)))
    as_key = data.draw(st.booleans())
    changed = replaced(value, at[:-1], {odd: 1}) if as_key else replaced(value, at, odd)
    if reader.fmt == "toml":
        # a TOML file cannot hold an unpaired surrogate: write its bytes, which are not UTF-8
        try:
            text = tomli_w.dumps(changed)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            assume(False)
        result, file = run(cli, tmp_path, reader, text)
    else:
        result, file = run(cli, tmp_path, reader, to_json(changed))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in odd) or (reader.fmt != "toml" and "\x00" in odd):
        refused(result, file)
    else:
        answered(result, file)


@FUZZ
@given(READER, st.data())
def test_keys_written_twice_are_refused(cli: Steward, tmp_path: Path, reader: Reader,
                                       data: st.DataObject) -> None:
    value = reader.structure()
    if reader.fmt == "toml":
        lines = reader.valid.splitlines(keepends=True)
        pairs = [i for i, line in enumerate(lines) if re.match(r"^[\w\"-]+ *=", line)]
        i = data.draw(st.sampled_from(pairs))
        text = "".join([*lines[:i + 1], lines[i], *lines[i + 1:]])
    else:
        # every mapping below the top, and the top itself when it is one (outcomes are a list)
        mappings = (sum(1 for p in paths(value) if isinstance(_at(value, p), dict))
                    + isinstance(value, dict))
        text = to_json(value, data.draw(st.integers(0, mappings - 1)))
    refused(*run(cli, tmp_path, reader, text))


def _at(value: object, where: tuple[object, ...]) -> object:
    for key in where:
        value = value[key]  # type: ignore[index]
    return value


@FUZZ
@given(READER, st.data(), VALUES)
def test_wrong_types(cli: Steward, tmp_path: Path, reader: Reader, data: st.DataObject,
                     new: object) -> None:
    value = reader.structure()
    at = data.draw(st.sampled_from([(), *paths(value)]))
    answered(*run(cli, tmp_path, reader, written(reader, replaced(value, at, new))))


@FUZZ
@given(READER, st.data(), BAD_BYTES)
def test_bytes_that_are_not_utf8_are_refused(cli: Steward, tmp_path: Path, reader: Reader,
                                             data: st.DataObject, bad: bytes) -> None:
    raw = reader.valid.encode("utf-8")
    at = data.draw(st.integers(0, len(raw)))
    content = raw[:at] + bad + raw[at:]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        refused(*run(cli, tmp_path, reader, content))
    else:
        answered(*run(cli, tmp_path, reader, content))


@FUZZ
@given(st.sampled_from(["lock", "attestation", "registry"]), st.data(), PATH_TRICKS)
def test_path_tricks_in_file_name_fields(cli: Steward, tmp_path: Path, which: str,
                                         data: st.DataObject, trick: str) -> None:
    reader = BY_NAME[which]
    value = reader.structure()
    fields = [p for p in paths(value) if p[-1] in ("path", "name", "model_id")]
    at = data.draw(st.sampled_from(fields))
    result, file = run(cli, tmp_path, reader, written(reader, replaced(value, at, trick)))
    parts = trick.split("/")
    outside = ("\\" in trick or trick.startswith("/") or "\x00" in trick
               or any(part in ("", ".", "..") for part in parts))
    if which == "lock" and at[-1] == "path" and outside:
        refused(result, file)
        assert "is not a path inside the model folder" in result.stderr
    else:
        answered(result, file)


@FUZZ
@given(READER, VALUES)
def test_arbitrary_documents(cli: Steward, tmp_path: Path, reader: Reader,
                             value: object) -> None:
    answered(*run(cli, tmp_path, reader, written(reader, value)))


@FUZZ
@given(READER, st.text(max_size=60) | st.binary(max_size=60))
def test_arbitrary_text(cli: Steward, tmp_path: Path, reader: Reader,
                        content: str | bytes) -> None:
    answered(*run(cli, tmp_path, reader, content))


@given(st.text(max_size=20) | st.sampled_from(["ACTIVE", " deployed ", "Retired", "shadow"]))
@FUZZ
def test_any_registry_status_is_a_known_word_or_refused_where_it_is(
        cli: Steward, tmp_path: Path, status: str) -> None:
    """A status is one of the table's words (any case) or refused at models.<name>.status."""
    from modelsteward.domain.registry_file import stage_of_status

    document = {"models": {"fuzzed": {"provider": "openai", "model_id": "gpt-4o-2024-08-06",
                                      "status": status}}}
    result, file = run(cli, tmp_path, BY_NAME["registry"], to_json(document))
    answered(result, file)
    if stage_of_status(status) is None:
        refused(result, file)
        assert "models.fuzzed.status" in result.stderr or not status.isprintable()
