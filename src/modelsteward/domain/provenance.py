"""Training attestations: in-toto Statement v1 with the SLSA Provenance v1 predicate.

Only the structure is checked here; the service compares the subject digest with the version's
root digest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from modelsteward.errors import Problem

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v1"


@dataclass(frozen=True)
class Attestation:
    subject_digests: tuple[str, ...]  # hex sha256 of each subject
    builder_id: str
    build_type: str
    statement: dict[str, object]


def parse_attestation(doc: object) -> tuple[Attestation | None, list[Problem]]:
    """Check ``doc`` against the parts of in-toto Statement v1 / SLSA Provenance v1 that
    modelsteward relies on; return the attestation, or every problem found with its location."""
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        return None, [Problem("$", "an attestation must be a JSON object (an in-toto Statement v1)")]
    if doc.get("_type") != STATEMENT_TYPE:
        problems.append(Problem("$._type", f"must be {STATEMENT_TYPE!r}, found {doc.get('_type')!r}"))
    if doc.get("predicateType") != SLSA_PROVENANCE:
        problems.append(Problem("$.predicateType",
                                f"must be {SLSA_PROVENANCE!r}, found {doc.get('predicateType')!r}"))
    digests: list[str] = []
    subjects = doc.get("subject")
    if not isinstance(subjects, list) or not subjects:
        problems.append(Problem("$.subject", "must be a non-empty list of {name, digest} objects"))
    else:
        for i, subject in enumerate(subjects):
            where = f"$.subject[{i}]"
            digest = subject.get("digest") if isinstance(subject, Mapping) else None
            sha = digest.get("sha256") if isinstance(digest, Mapping) else None
            if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
                problems.append(Problem(f"{where}.digest.sha256",
                                        "must be a lowercase hex SHA-256 digest of 64 characters"))
            else:
                digests.append(sha)
    predicate = doc.get("predicate")
    builder_id = build_type = ""
    if not isinstance(predicate, Mapping):
        problems.append(Problem("$.predicate", "must be an object (SLSA Provenance v1)"))
    else:
        definition = predicate.get("buildDefinition")
        if not isinstance(definition, Mapping) or not isinstance(definition.get("buildType"), str):
            problems.append(Problem("$.predicate.buildDefinition.buildType", "is required (a URI)"))
        else:
            build_type = str(definition["buildType"])
        details = predicate.get("runDetails")
        builder = details.get("builder") if isinstance(details, Mapping) else None
        if not isinstance(builder, Mapping) or not isinstance(builder.get("id"), str):
            problems.append(Problem("$.predicate.runDetails.builder.id", "is required (a URI)"))
        else:
            builder_id = str(builder["id"])
    if problems:
        return None, problems
    return Attestation(tuple(digests), builder_id, build_type, dict(doc)), []


def validate_metrics(doc: object, location: str = "$") -> list[Problem]:
    """Metrics are a JSON object whose values are finite numbers or lists of finite numbers
    (curves), possibly nested one level (``{"curves": {"loss": [..]}}``)."""
    if not isinstance(doc, Mapping):
        return [Problem(location, "metrics must be an object of names to numbers or number lists")]
    problems: list[Problem] = []
    for key, value in doc.items():
        where = f"{location}.{key}"
        if _is_number(value):
            continue
        if isinstance(value, list):
            problems.extend(Problem(f"{where}[{i}]", "must be a finite number")
                            for i, item in enumerate(value) if not _is_number(item))
        elif isinstance(value, Mapping) and location == "$":
            problems.extend(validate_metrics(value, where))
        else:
            problems.append(Problem(where, "must be a number or a list of numbers"))
    return problems


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))
