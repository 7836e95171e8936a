"""A version's runtime requirements: what it was tested with, so that an application can see
"tested with transformers >=4.40,<4.47" on the card before it upgrades its serving stack.

The document ``steward version requirements MODEL@VERSION --file F`` reads (YAML or JSON)::

    framework: transformers
    framework_version: ">=4.40,<4.47"     # one or more comma-separated clauses
    tokenizer: meta-llama/Llama-3-8B       # optional
    hardware: "nvidia-a100-80gb"           # optional: accelerator or hardware class
    serving_config_digest: "sha256:…"      # optional: 64 hexadecimal digits

:func:`parse_requirements` reports every problem at once, each with its location.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from modelsteward.domain.documents import describe
from modelsteward.domain.events import REQUIREMENTS_SET, Event
from modelsteward.domain.field_reader import FieldReader
from modelsteward.errors import DocumentInvalid, Problem

__all__ = ["FIELDS", "Requirements", "latest_recorded", "parse_requirements"]

FIELDS = ("framework", "framework_version", "tokenizer", "hardware", "serving_config_digest")

# a PEP 440-like clause: an operator then a release with an optional trailing wildcard
_CLAUSE = re.compile(r"(~=|==|!=|<=|>=|<|>)\s*\d+(\.\d+)*(\.\*)?")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Requirements:
    """What one version was tested with; empty text where the document said nothing."""

    framework: str
    framework_version: str
    tokenizer: str = ""
    hardware: str = ""
    serving_config_digest: str = ""

    def as_payload(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}

    def recorded(self) -> dict[str, str]:
        """Only the fields that say something, in :data:`FIELDS` order: the document that
        reads back as these requirements (what the HTTP API and the lock file carry)."""
        return {name: value for name in FIELDS if (value := getattr(self, name))}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Requirements:
        """The requirements an event recorded (already validated when it was written)."""
        return cls(*(str(payload.get(name) or "") for name in FIELDS))


def latest_recorded(events: Iterable[Event], ref: str) -> Requirements | None:
    """The requirements the newest ``model:version:requirements-set`` event about the version
    ``ref`` (``MODEL@VERSION``) among ``events`` recorded, or ``None``."""
    found: Requirements | None = None
    for event in events:
        if event.kind == REQUIREMENTS_SET and event.subject == ref:
            found = Requirements.from_payload(event.payload)
    return found


def valid_range(text: str) -> bool:
    """``text`` is one or more comma-separated version clauses (``>=4.40,<4.47``, ``==2.3.*``)."""
    clauses = [c.strip() for c in text.split(",")]
    return bool(clauses) and all(_CLAUSE.fullmatch(c) for c in clauses)


def parse_requirements(document: object, source: str, where: str = "$") -> Requirements:
    """The requirements in ``document`` (a loaded tree) found at ``where`` (``$``: the whole
    document; ``requirements`` inside a request body). Raises :class:`DocumentInvalid` naming
    ``source`` with every problem located (``framework_version``,
    ``requirements.framework_version``)."""
    problems: list[Problem] = []
    if not isinstance(document, Mapping):
        raise DocumentInvalid(source, [Problem(where, "must be a mapping of "
                                                      f"{', '.join(FIELDS)}, found "
                                                      f"{describe(document)}")])
    fields = FieldReader(document, where, problems)
    fields.unknown_keys(FIELDS, "runtime requirements")
    framework = fields.text("framework", "the framework (e.g. transformers)")
    version = fields.text("framework_version", "a version range such as \">=4.40,<4.47\"")
    if version and not valid_range(version):
        fields.problem("framework_version", f"must be a version range such as "
                                            f"\">=4.40,<4.47\" or \"==2.3.*\", found {version!r}")
    tokenizer = fields.text("tokenizer", "the tokenizer", required=False)
    hardware = fields.text("hardware", "the hardware or accelerator", required=False)
    digest = fields.text("serving_config_digest", "a digest", required=False)
    if digest and not _DIGEST.fullmatch(digest):
        fields.problem("serving_config_digest",
                       f"must be sha256: and 64 lowercase hexadecimal digits, found {digest!r}")
    if problems:
        raise DocumentInvalid(source, problems)
    return Requirements(framework, version, tokenizer, hardware, digest)
