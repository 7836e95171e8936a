"""Evaluation files and attestations: a required field that is present but wrong is described
as it is, not reported as missing."""

from __future__ import annotations

import pytest

from modelsteward.domain.direction import Direction
from modelsteward.domain.evaluation_file import direction_conflicts, parse_evaluation
from modelsteward.domain.policy import Policy
from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE, parse_attestation
from modelsteward.errors import DocumentInvalid

DIGEST = "sha256:" + "ab" * 32


def problems(doc: object) -> dict[str, str]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_evaluation(doc, source="eval.json")
    return {p.location: p.message for p in caught.value.problems}


def test_missing_required_fields_are_required() -> None:
    found = problems({"notes": "x"})
    assert set(found) == {"$.suite", "$.dataset_digest", "$.metrics"}
    assert all(message.startswith("is required: ") for message in found.values())


def test_present_but_invalid_fields_say_what_is_wrong_with_the_value() -> None:
    found = problems({"suite": "Golden Set", "dataset_digest": "sha256:xyz",
                      "metrics": {"accuracy": "high"}})
    assert found == {
        "$.suite": ("must be a lowercase name such as 'golden-set' or 'safety' (letters, "
                    "digits, '.', '_' or '-', at most 100), found the text 'Golden Set'"),
        "$.dataset_digest": ("must be 'sha256:' and the 64 lowercase hex digits of the "
                             "evaluation dataset, found the text 'sha256:xyz'"),
        "$.metrics.accuracy": "must be a finite number, found the text 'high'",
    }
    assert problems({"suite": 3, "dataset_digest": DIGEST, "metrics": {}}) == {
        "$.suite": ("must be a lowercase name such as 'golden-set' or 'safety' (letters, "
                    "digits, '.', '_' or '-', at most 100), found the number 3"),
        "$.metrics": "must be an object with at least one metric, found an empty object"}
    assert problems({"suite": "s", "dataset_digest": DIGEST, "metrics": [0.9]}) == {
        "$.metrics": "must be an object of metric names to numbers, found a list"}
    assert not any("required" in m for m in problems({"suite": None, "dataset_digest": None,
                                                       "metrics": None}).values())


def attestation_problems(predicate: object, **top: object) -> dict[str, str]:
    doc = {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
           "subject": [{"name": "m", "digest": {"sha256": "ab" * 32}}], "predicate": predicate,
           **top}
    attestation, found = parse_attestation(doc)
    assert attestation is None
    return {p.location: p.message for p in found}


def test_attestation_fields_present_but_invalid_are_not_reported_missing() -> None:
    found = attestation_problems({"buildDefinition": {"buildType": 3},
                                  "runDetails": {"builder": {"id": ""}}})
    assert found == {"$.predicate.buildDefinition.buildType": "must be a URI, found the number 3",
                     "$.predicate.runDetails.builder.id": "must be a URI, found an empty string"}
    found = attestation_problems({"buildDefinition": [], "runDetails": {}})
    assert found == {"$.predicate.buildDefinition": "must be an object, found a list",
                     "$.predicate.runDetails.builder": "is required (an object holding id)"}
    found = attestation_problems({"runDetails": {"builder": {}}}, _type="x")
    assert found == {"$._type": "must be 'https://in-toto.io/Statement/v1', found the text 'x'",
                     "$.predicate.buildDefinition": ("is required (an object holding "
                                                     "buildType)"),
                     "$.predicate.runDetails.builder.id": "is required (a URI)"}


def test_directions_are_read_and_each_bad_one_is_located() -> None:
    doc = {"suite": "safety", "dataset_digest": DIGEST,
           "metrics": {"jailbreak_resistance": 0.97, "toxicity_rate": 0.002}}
    assert parse_evaluation(doc).directions == {}
    result = parse_evaluation({**doc, "directions": {"jailbreak_resistance": "higher"}})
    assert result.directions == {"jailbreak_resistance": Direction.HIGHER_IS_BETTER}
    assert problems({**doc, "directions": {"toxicity_rate": "down", "accuracy": "higher",
                                           "jailbreak_resistance": None}}) == {
        "$.directions.toxicity_rate": ("must be 'higher' or 'lower' (are higher or lower values "
                                       "of toxicity_rate better?), found the text 'down'"),
        "$.directions.accuracy": ("is not one of this file's metrics: declare the direction "
                                  "only of a metric under metrics"),
        "$.directions.jailbreak_resistance": ("must be 'higher' or 'lower' (are higher or lower "
                                              "values of jailbreak_resistance better?), found "
                                              "nothing (null)"),
    }
    assert set(problems({**doc, "directions": ["higher"]})) == {"$.directions"}


def test_a_direction_contradicting_the_policy_is_located() -> None:
    doc = {"suite": "safety", "dataset_digest": DIGEST,
           "metrics": {"refusal_accuracy": 0.9, "helpfulness": 3.0},
           "directions": {"refusal_accuracy": "lower", "helpfulness": "lower"}}
    [problem] = direction_conflicts(parse_evaluation(doc), Policy(), "bot")
    assert problem.location == "$.directions.refusal_accuracy"
    assert problem.message == (
        "says refusal_accuracy is lower-is-better, but the policy makes it higher-is-better for "
        "bot; remove it from directions (the policy decides), or change the policy's "
        "declaration under metrics:")
