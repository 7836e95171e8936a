"""Training attestations: in-toto Statement v1 with the SLSA Provenance v1 predicate.

Only the structure is checked here; the service compares the subject digest with the version's
root digest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from modelsteward.domain.documents import describe
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
        return None, [Problem("$", "an attestation must be a JSON object "
                                   "(an in-toto Statement v1)")]
    for key, expected in (("_type", STATEMENT_TYPE), ("predicateType", SLSA_PROVENANCE)):
        if key not in doc:
            problems.append(Problem(f"$.{key}", f"is required: {expected!r}"))
        elif doc[key] != expected:
            problems.append(Problem(f"$.{key}", f"must be {expected!r}, found "
                                                f"{describe(doc[key])}"))
    digests: list[str] = []
    subjects = doc.get("subject")
    if not isinstance(subjects, list) or not subjects:
        problems.append(Problem("$.subject", "must be a non-empty list of {name, digest} objects"))
    else:
        for i, subject in enumerate(subjects):
            where = f"$.subject[{i}]"
            digest = subject.get("digest") if isinstance(subject, Mapping) else None
            sha = digest.get("sha256") if isinstance(digest, Mapping) else None
            if (not isinstance(sha, str) or len(sha) != 64
                    or any(c not in "0123456789abcdef" for c in sha)):
                problems.append(Problem(f"{where}.digest.sha256",
                                        "must be a lowercase hex SHA-256 digest of 64 characters"))
            else:
                digests.append(sha)
    predicate = doc.get("predicate")
    builder_id = build_type = ""
    if not isinstance(predicate, Mapping):
        problems.append(Problem("$.predicate", "must be an object (SLSA Provenance v1)"))
    else:
        build_type = _uri(predicate, ("buildDefinition", "buildType"), problems)
        builder_id = _uri(predicate, ("runDetails", "builder", "id"), problems)
    if problems:
        return None, problems
    return Attestation(tuple(digests), builder_id, build_type, dict(doc)), []


def _uri(predicate: Mapping[object, object], keys: tuple[str, ...],
         problems: list[Problem]) -> str:
    """The text at ``keys`` under the predicate; ``""`` and a problem when it is missing (or an
    object on the way is), or present but not text, each said as it is."""
    value: object = predicate
    where = "$.predicate"
    for i, key in enumerate(keys):
        if not isinstance(value, Mapping):
            problems.append(Problem(where, f"must be an object, found {describe(value)}"))
            return ""
        if key not in value:
            rest = ".".join(keys[i + 1:])
            problems.append(Problem(f"{where}.{key}", (
                f"is required (an object holding {rest})" if rest else "is required (a URI)")))
            return ""
        value = value[key]
        where = f"{where}.{key}"
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, f"must be a URI, found {describe(value)}"))
        return ""
    return value


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
