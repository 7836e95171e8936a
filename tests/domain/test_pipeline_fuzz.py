"""No input crashes the readers of pipeline documents: whatever they are given, they return a
value or raise DocumentInvalid with located problems — never another exception."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelsteward.document_reader import Format, load_document
from modelsteward.domain.pipeline import StepName
from modelsteward.domain.pipeline_evidence import parse_step_result, render_step_result
from modelsteward.domain.pipeline_file import parse_pipeline, render_pipeline
from modelsteward.domain.schedule import parse_schedule
from modelsteward.errors import DocumentInvalid

from .test_pipeline_file import SEED, SEED_DEFINITION
from .test_pipeline_run import EVIDENCE

Parser = Callable[[object], object]

# fewer examples than the property tests' 100: these run on every test run, and ten fuzzers
# of 100 took most of the pipeline tests' time for little more than 50 find
FAST = settings(max_examples=50, deadline=None, database=None)


def survives(parse: Parser, document: object, *, deep: bool = False) -> object | None:
    """``parse(document)``: a value, or None after DocumentInvalid with well-formed problems.
    The document is left as it was (not compared when ``deep``: copying it would recurse
    too deeply)."""
    before = document if deep else copy.deepcopy(document)
    try:
        return parse(document)
    except DocumentInvalid as exc:
        assert exc.problems, "DocumentInvalid without problems"
        for problem in exc.problems:
            assert isinstance(problem.location, str) and problem.location
            assert isinstance(problem.message, str) and problem.message.strip()
        str(exc)  # the message can be built, whatever the problems quote
        return None
    finally:
        assert document == before  # a NaN in it is the same object in the copy, so equal


def pipeline(document: object) -> object:
    definition = parse_pipeline(document, "fuzz")
    assert parse_pipeline(render_pipeline(definition)) == definition
    return definition


# odd text: any code point Python strings hold, lone surrogates and NUL included
_ODD_TEXT = st.text(max_size=12) | st.text(st.characters(codec=None), max_size=6) | \
    st.sampled_from(["", " ", "\x00", "\ud800", "\u202e", "fine_tune\u200b", "ﬁne_tune",
                     "FINE_TUNE", "fine-tune", "\U0001f525", "a" * 10_000])
_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**64)
            | st.floats() | _ODD_TEXT | st.binary(max_size=4) | st.dates() | st.datetimes())
ANYTHING = st.recursive(
    _SCALARS,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(_ODD_TEXT | st.integers() | st.none(), inner, max_size=4)),
    max_leaves=12)

# the words of pipeline documents, so that random documents get past the first checks
_KEYS = ["fine_tuning", "trigger", "pipeline", "schedule", "or", "metric_below", "metric",
         "threshold", "source", "step", "filter", "min_samples", "format", "split", "train",
         "validation", "test", "base_model", "hyperparameters", "suite", "compare_against",
         "registry", "status", "strategy", "traffic_split", "duration", "decision", "epochs",
         # and of a step's evidence
         "samples", "dataset_digest", "base", "job_id", "scores", "passed", "compared_against",
         "deltas", "candidate", "derived_from", "registered_as", "experiment", "outcome",
         "summary", "reason"]
_WORDS = st.sampled_from([
    "collect_training_data", "prepare_dataset", "fine_tune", "evaluate", "register", "deploy",
    "promote_or_rollback", "quarterly", "0 6 1 */3 *", "*/0 * * * *", "0 0 30 2 *",
    "eval_score_drops_below_threshold", "base_model_new_version", "base_deprecated",
    "base_advisory", "evaluation", "monitoring", "jsonl", "gpt-4o-mini", "accuracy",
    "current_production_model", "classifier@1.2.0", "candidate", "active", "ab_test",
    "canary", "7d", "0d", "99999999d", "based_on_ab_test_results", "manual", "", " ",
    "done", "failed", "skipped", "promoted", "rolled_back", "sha256:" + "0" * 64,
    "gpt-4o-mini@2024-07-18", "classification-v2@1.4.0", "ft:gpt-4o-mini:org:x:1", "a@b@c",
]) | st.floats(0, 1) | st.integers(-1, 6000)
SHAPED = st.recursive(
    _WORDS | _SCALARS,
    lambda inner: (st.lists(inner, max_size=5)
                   | st.dictionaries(st.sampled_from(_KEYS) | _ODD_TEXT, inner, max_size=5)),
    max_leaves=12)


@FAST
@given(ANYTHING)
def test_arbitrary_values(document: object) -> None:
    survives(pipeline, document)
    survives(lambda d: parse_schedule(d, "fuzz", "schedule"), document)


@FAST
@given(st.dictionaries(st.sampled_from(_KEYS), SHAPED, max_size=2),
       st.lists(st.dictionaries(st.sampled_from(_KEYS) | _ODD_TEXT, SHAPED, max_size=4),
                max_size=4), SHAPED)
@example({}, [{"step": "fine_tune", "hyperparameters": {"x": 10**400}}], None)  # float overflow
@example({}, [{"step": "evaluate", "threshold": {"accuracy": 10**400}}], None)
def test_pipeline_shaped_documents(section: dict[str, object], steps: list[object],
                                   trigger: object) -> None:
    survives(pipeline, {"fine_tuning": {**section, "pipeline": steps, "trigger": trigger}})
    survives(pipeline, {"fine_tuning": {**section, "pipeline": steps}})


@FAST
@given(st.lists(_ODD_TEXT, max_size=8))
def test_odd_unicode_in_step_names(names: list[str]) -> None:
    assert survives(pipeline, {"fine_tuning": {"pipeline": [{"step": n} for n in names]}}) \
        is None


def evidence_of(step: StepName) -> Parser:
    def parse(document: object) -> object:
        parsed = parse_step_result(step, document, "fuzz")
        assert parse_step_result(step, render_step_result(parsed), "again") == parsed
        return parsed
    return parse


@FAST
@given(st.sampled_from(StepName), ANYTHING | st.dictionaries(st.sampled_from(_KEYS), SHAPED,
                                                             max_size=6))
def test_arbitrary_evidence(step: StepName, document: object) -> None:
    survives(evidence_of(step), document)


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(inner, (*prefix, i)))
    return found


@functools.cache
def _loaded(text: str) -> Any:
    return yaml.safe_load(text)  # once: PyYAML's pure-Python parser is slow


@st.composite
def mutated(draw: st.DrawFn, text: str = SEED) -> Any:
    """The document of ``text`` after one to four edits: a value replaced or removed, a key or
    an item added."""
    doc: Any = copy.deepcopy(_loaded(text))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(SHAPED)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(_KEYS))] = draw(SHAPED)
        else:
            parent.insert(path[-1], draw(SHAPED))
    return doc


@FAST
@given(mutated())
def test_mutated_seed_documents(document: object) -> None:
    survives(pipeline, document)


@FAST
@given(st.data())
def test_mutated_evidence_documents(data: st.DataObject) -> None:
    step = data.draw(st.sampled_from(StepName))
    text = "\n".join(line.strip() for line in EVIDENCE[step].splitlines())
    survives(evidence_of(step), data.draw(mutated(text)))


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """The seed's YAML text with lines deleted, repeated or swapped and characters typed in."""
    lines = SEED.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if edit == "delete" and len(lines) > 1:
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            typed = draw(st.text(st.sampled_from(list("-:{}[], #'\"&*!|>\t\n")), max_size=3)
                         | _ODD_TEXT.map(lambda s: s[:3]))
            lines[i] = lines[i][:at] + typed + lines[i][at:]
    return "".join(lines)


def _through_reader(text: object) -> object:
    assert isinstance(text, str)
    return parse_pipeline(load_document(text, Format.YAML, "fuzz.yaml"), "fuzz.yaml")


@FAST
@given(mutated_text())
def test_mutated_seed_text_through_the_document_reader(text: str) -> None:
    survives(_through_reader, text)


def test_the_seed_text_itself_through_the_document_reader() -> None:
    assert survives(_through_reader, SEED) == SEED_DEFINITION


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    deep: object = "fine_tune"
    for _ in range(10_000):
        deep = [deep]
    assert survives(pipeline, {"fine_tuning": {"pipeline": deep, "trigger": deep}},
                    deep=True) is None
    assert survives(pipeline, {"fine_tuning": {"pipeline": [{"step": deep}]}},
                    deep=True) is None
    text = "fine_tuning:\n  pipeline:\n" + "    - " + "[" * 5000 + "]" * 5000 + "\n"
    assert survives(_through_reader, text) is None
    text = "fine_tuning: {trigger: " + "{or: " * 3000 + "x" + "}" * 3001 + "\n"
    assert survives(_through_reader, text) is None


def test_huge_documents_are_problems_not_crashes() -> None:
    steps = [{"step": "fine_tune", "base_model": "gpt-4o-mini"}] * 5_000
    assert survives(pipeline, {"fine_tuning": {"pipeline": steps}}) is None
    huge = "x" * 1_000_000
    refused = survives(pipeline, {"fine_tuning": {"pipeline": [{"step": huge}],
                                                  "trigger": {"schedule": huge}}})
    assert refused is None
    try:
        parse_pipeline({"fine_tuning": {"pipeline": [{"step": huge}]}})
    except DocumentInvalid as exc:
        assert len(str(exc)) < 2_000  # a huge value is quoted by its start
    many = {"fine_tuning": {"pipeline": [{"step": "collect_training_data",
                                          "source": "s", **{f"k{i}": i for i in range(10_000)}}]}}
    assert survives(pipeline, many) is None
