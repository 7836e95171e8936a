"""Reading OSV documents: the official OSV JSON Schema with the registry's overlay
(:mod:`modelsteward.domain.osv_schema`), its errors put in words, and the checks the schema does
not express. Every problem is reported, with its location;
``parse_advisory(a.to_osv()) == a`` for every valid advisory."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from packageurl import PackageURL

from modelsteward.domain.advisory import (
    ECOSYSTEM,
    ID_PREFIX,
    LOCAL_ID,
    SCHEMA_VERSION,
    Advisory,
    AffectedRange,
    EventKind,
    RangeEvent,
    Severity,
    build_advisory,
    cvss_score,
    format_timestamp,
    parse_timestamp,
)
from modelsteward.domain.documents import describe
from modelsteward.domain.names import validate_model_name
from modelsteward.domain.osv_order import (
    RangeOrder,
    is_open_bound,
    is_semver,
    model_key,
    order_key,
    range_order,
    snapshot_key,
)
from modelsteward.domain.osv_schema import registry_schema
from modelsteward.domain.severity import parse_level
from modelsteward.domain.versioning import validate_variant
from modelsteward.errors import DocumentInvalid, InvalidInput, Problem

# --- parsing -----------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(registry_schema(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_osv(document: object) -> list[Problem]:
    """The problems of ``document`` against the official OSV JSON Schema with the registry's
    overlay only, located (``affected[0].ranges[1].events``; ``$`` is the document) and ordered
    by location."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: _path_key(e.absolute_path))
    problems: list[Problem] = []
    for error in errors:
        if _vacuous(error, document):
            continue
        for problem in _explain(error):
            if problem not in problems:
                problems.append(problem)
    return problems


def parse_advisory(document: object, source: str = "advisory") -> Advisory:
    """The advisory of an already-loaded OSV JSON ``document``.

    Raises :class:`DocumentInvalid` naming ``source`` with every problem: first the schema's
    (:func:`validate_osv`), then those a schema cannot express — an id not of the form
    ``PREFIX-ENTRY`` (ours: ``x_MSA-<year>-<number>``); timestamps that are no real moment;
    ``published`` after ``modified`` or ``withdrawn`` before ``published``; an event object
    with more than one kind; GIT range events that are not full commit hashes; SEMVER event values
    that are not SemVer 2 (``introduced`` may be ``"0"``, a ``limit`` may contain ``*``); for
    the ``modelsteward`` ecosystem, a package name that is not a model name and versions that
    are neither model versions nor snapshot ids; a ``fixed`` or ``limit`` at or below — or a
    ``last_affected`` below — the ``introduced`` it follows; variant names and digests
    (``sha256:`` + 64 lowercase hex) in ``ecosystem_specific``; CVSS vectors the ``cvss``
    library refuses; package URLs; reference URLs; in ``database_specific`` the ``severity``
    level, ``atlas`` ids (``AML.T0051``, ``AML.T0051.000``) and ``avid`` categories; and
    fields OSV does not define in affected entries, packages, ranges, events, severities,
    references and credits. A problem the schema already reported at a location is not
    repeated. A value that is not an object gives one problem.
    """
    if not isinstance(document, Mapping):
        raise DocumentInvalid(source, [Problem("$", (
            "must be a JSON object holding one OSV record (id, modified, affected, …), "
            f"found {describe(document)}."))])
    doc = dict(cast(Mapping[object, object], document))
    problems = validate_osv(doc)
    located = {problem.location for problem in problems}
    for problem in _semantic_problems(doc):
        if problem.location not in located and problem not in problems:
            problems.append(problem)
    if problems:
        raise DocumentInvalid(source, problems)
    return build_advisory(doc)


# --- schema errors, in words -------------------------------------------------------------------

_EVENT_KINDS = tuple(kind.value for kind in EventKind)
_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "a string",
               "null": "null", "number": "a number", "integer": "an integer",
               "boolean": "a boolean"}
_REQUIRED_HINTS = {
    ("", "id"): "is missing: every OSV record needs an id such as x_MSA-2026-0001",
    ("", "modified"): ("is missing: give the time of the last change as an RFC 3339 UTC "
                       "timestamp, e.g. 2026-01-31T12:00:00Z"),
    ("package", "ecosystem"): ("is missing: name the package's ecosystem, e.g. "
                               "\"modelsteward\" for a model of this registry"),
    ("package", "name"): "is missing: give the package name (for modelsteward, the model name)",
    ("ranges", "type"): "is missing: give the range type SEMVER, ECOSYSTEM or GIT",
    ("ranges", "events"): ("is missing: list the range's events, starting with "
                           "{\"introduced\": …}"),
    ("ranges", "repo"): ("is required for a GIT range: give the repository URL, e.g. "
                         "https://huggingface.co/org/name"),
    ("severity", "type"): "is missing: give the severity type CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu",
    ("severity", "score"): "is missing: give the CVSS vector, or the Ubuntu priority",
    ("references", "type"): "is missing: give the reference type, e.g. ADVISORY, FIX or WEB",
    ("references", "url"): "is missing: give the reference's URL",
    ("credits", "name"): "is missing: give the name of the person or organisation credited",
}
_TIMESTAMP_HINT = ("is not an RFC 3339 timestamp in UTC: write it like 2026-01-31T12:00:00Z "
                   "(with seconds, and Z for UTC)")
_VECTOR_EXAMPLES = {
    "cvss2": "a CVSS v2 vector, e.g. AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "cvss3": "a CVSS v3 vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "cvss4": ("a CVSS v4 vector with its base metrics in order, e.g. CVSS:4.0/AV:N/AC:L/AT:N/"
              "PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
}


def _path_key(path: Iterable[object]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path)


def _location(path: Iterable[object]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "$"


def _field_of(path: Sequence[object]) -> str:
    """The name of the list or object a path ends in: ``ranges`` for ``affected[0].ranges[1]``."""
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return ""


def _vacuous(error: ValidationError, document: object) -> bool:
    """Whether ``error`` comes from an official ``if`` on a ``type`` that is missing: its ``if``
    names no ``required``, so it holds vacuously (a range without a type must then have a repo,
    a severity without a type a score of every kind). The missing type is reported instead."""
    path = list(error.absolute_path)
    if error.validator == "required" and error.validator_value == ["repo"]:
        return isinstance(error.instance, Mapping) and "type" not in error.instance
    if error.validator in ("pattern", "enum") and path and path[-1] == "score":
        parent: object = document
        for part in path[:-1]:
            # two branches, not one `or`: each narrows part and parent to a pair that indexes
            if isinstance(part, int) and isinstance(parent, list) and part < len(parent):  # noqa: SIM114
                parent = parent[part]
            elif isinstance(part, str) and isinstance(parent, Mapping) and part in parent:
                parent = parent[part]
            else:
                return False
        return isinstance(parent, Mapping) and "type" not in parent
    return False


def _explain(error: ValidationError) -> list[Problem]:
    path = list(error.absolute_path)
    where = _location(path)
    instance: object = error.instance
    kind = error.validator
    if kind == "required":
        if not isinstance(instance, Mapping):
            return []
        parent = _field_of(path)
        return [
            Problem(_location([*path, name]),
                    _REQUIRED_HINTS.get((parent, name), "is missing; add it") + ".")
            for name in cast(list[str], error.validator_value) if name not in instance
        ]
    if kind == "additionalProperties":
        if not isinstance(instance, Mapping):
            return []
        schema = cast(Mapping[str, object], error.schema)
        known = list(cast(Mapping[str, object], schema.get("properties", {})))
        problems = []
        for key in instance:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(_location([*path, key]), (
                "is not a field of an OSV record: put data of your own under "
                f"database_specific, or remove it.{hint}")))
        return problems
    if kind == "type":
        expected = error.validator_value
        if expected == "null":
            return [Problem(where, (
                "must not be set when the record has a top-level severity: OSV allows one or "
                "the other, so move every severity into the affected entries or keep only the "
                "top-level one."))]
        names = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(str(n), str(n)) for n in names)
        return [Problem(where, f"must be {words}, found {describe(instance)}.")]
    if kind == "enum":
        values = ", ".join(str(v) for v in cast(list[object], error.validator_value))
        return [Problem(where, f"must be one of {values}, found {describe(instance)}.")]
    if kind == "pattern":
        return [Problem(where, _pattern_message(path, str(error.validator_value), instance))]
    if kind == "format":
        if error.validator_value == "date-time":
            return [Problem(where, f"{_TIMESTAMP_HINT}, found {describe(instance)}.")]
        return [Problem(where, f"is not a {error.validator_value}, found {describe(instance)}.")]
    if kind in ("contains", "minItems") and _field_of(path) == "events":
        return [Problem(where, (
            "must contain an introduced event: a range starts with {\"introduced\": \"X\"} "
            "(\"0\" for every version before the fix) followed by the events that end it."))]
    if kind == "oneOf" and _field_of(path) == "events":
        if not isinstance(instance, Mapping):
            return []  # the type error says it
        present = [k for k in _EVENT_KINDS if k in instance]
        if len(present) == 1:
            # One kind whose value is no string: say that, not that the object is no event.
            return [problem for sub in error.context or [] if sub.validator == "type"
                    for problem in _explain(sub)]
        if not present:
            return [Problem(where, (
                "is not an event: use an object with exactly one of introduced, fixed, "
                "last_affected or limit, e.g. {\"fixed\": \"1.2.0\"}."))]
        return [Problem(where, (
            f"holds {len(present)} events ({', '.join(present)}) but an event object holds "
            "exactly one: split it, e.g. [{\"introduced\": \"1.0.0\"}, {\"fixed\": \"1.2.0\"}]."))]
    if kind == "not" and _field_of(path) == "ranges":
        if not _mixes_fixed_and_last_affected(instance):
            # the schema's rule holds vacuously when events is missing or misspelt (`event`):
            # the missing key and the unknown one are reported instead
            return []
        return [Problem(_location([*path, "events"]), (
            "mixes fixed and last_affected events, which OSV does not allow in one range: keep "
            "the fixed events (preferred: they name the version with the fix) or only the "
            "last_affected ones."))]
    if kind == "minItems":
        return [Problem(where, "must not be empty: remove it or give at least one item.")]
    return [Problem(where, f"{error.message}.")]


def _mixes_fixed_and_last_affected(instance: object) -> bool:
    """Whether the range ``instance`` lists both a fixed and a last_affected event."""
    events = instance.get("events") if isinstance(instance, Mapping) else None
    if not isinstance(events, list):
        return False
    kinds = {key for event in cast(list[object], events) if isinstance(event, Mapping)
             for key in cast(Mapping[object, object], event)}
    return "fixed" in kinds and "last_affected" in kinds


def _pattern_message(path: Sequence[object], pattern: str, instance: object) -> str:
    found = describe(instance)
    name = _field_of(path)
    if path == ["id"]:
        return (f"does not start with the prefix of a known OSV database, found {found}: use "
                f"{ID_PREFIX}- for this registry's advisories (e.g. {ID_PREFIX}-2026-0001) or "
                "the home database's prefix (GHSA-, CVE-, PYSEC-, …).")
    if name in ("modified", "published", "withdrawn"):
        return f"{_TIMESTAMP_HINT}, found {found}."
    if name == "ecosystem":
        return (f"is not an OSV ecosystem, found {found}: use \"modelsteward\" for a model of "
                "this registry, \"GIT\" for a repository, or an ecosystem of the OSV "
                "specification (PyPI, npm, Maven, …), optionally followed by ':' and a release.")
    if name == "score":
        vector = ("cvss3" if pattern.startswith("^CVSS:3") else
                  "cvss4" if pattern.startswith("^CVSS:4") else "cvss2")
        return f"is not {_VECTOR_EXAMPLES[vector]}; found {found}."
    return f"does not match the pattern {pattern}, found {found}."


# --- what a schema cannot say ------------------------------------------------------------------

_ANY_ID = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.:]+)+")
_FIELDS = {
    "an affected entry": ["package", "severity", "ranges", "versions", "ecosystem_specific",
                          "database_specific"],
    "a package": ["ecosystem", "name", "purl"],
    "a range": ["type", "repo", "events", "database_specific"],
    "a severity": ["type", "score"],
    "a reference": ["type", "url"],
    "a credit": ["name", "contact", "type"],
}
_CVSS_EXAMPLES = {
    "CVSS_V2": "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "CVSS_V3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS_V4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
}
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_COMMIT = re.compile(r"0|[0-9a-f]{40}|[0-9a-f]{64}")
_ATLAS = re.compile(r"AML\.T[0-9]{4}(?:\.[0-9]{3})?")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+|(?:mailto|urn):\S+")


class _Checks:
    """Collects the semantic problems of a document whose shape may be wrong anywhere: every
    check looks at the types it needs and leaves wrong types to the schema's problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def known_fields(self, value: Mapping[object, object], where: str, what: str) -> None:
        """Fields a nested object of OSV does not define. The official schema lets them
        through, but a misspelt ``versions`` would silently make an entry match nothing."""
        known = _FIELDS[what]
        for key in value:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            self.add(f"{where}.{key}", (
                f"is not a field of {what} ({', '.join(known)}): remove it, or keep data of "
                f"your own under database_specific.{hint}"))

    def document(self, doc: Mapping[object, object]) -> None:
        self.identifier(doc.get("id"))
        moments = {name: self.timestamp(doc.get(name), name)
                   for name in ("modified", "published", "withdrawn")}
        modified, published, withdrawn = (moments["modified"], moments["published"],
                                          moments["withdrawn"])
        if published is not None and modified is not None and published > modified:
            self.add("published", (
                f"is after modified ({format_timestamp(modified)}): modified is the time of "
                "the last change, which cannot precede publication; set it to the time of "
                "this change."))
        if withdrawn is not None and published is not None and withdrawn < published:
            self.add("withdrawn", (
                f"is before published ({format_timestamp(published)}): an advisory can only "
                "be withdrawn after it was published; correct one of the two."))
        version = doc.get("schema_version")
        if isinstance(version, str) and not is_semver(version):
            self.add("schema_version", (
                f"is not a schema version, found {describe(version)}: write the OSV schema "
                f"version the record follows, e.g. {SCHEMA_VERSION!r}."))
        self.severities(doc.get("severity"), "severity")
        for name, what in (("references", "a reference"), ("credits", "a credit")):
            items = doc.get(name)
            for i, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, Mapping):
                    self.known_fields(cast(Mapping[object, object], item), f"{name}[{i}]", what)
        affected = doc.get("affected")
        if isinstance(affected, list):
            for i, entry in enumerate(affected):
                if isinstance(entry, Mapping):
                    self.affected(cast(Mapping[object, object], entry), f"affected[{i}]")
        references = doc.get("references")
        if isinstance(references, list):
            for i, reference in enumerate(references):
                url = reference.get("url") if isinstance(reference, Mapping) else None
                if isinstance(url, str) and not _URL.fullmatch(url):
                    self.add(f"references[{i}].url", (
                        f"is not an absolute URL, found {describe(url)}: give the full "
                        "address, e.g. https://example.org/advisories/1."))
        specific = doc.get("database_specific")
        if isinstance(specific, Mapping):
            self.database_specific(cast(Mapping[object, object], specific))

    def identifier(self, ident: object) -> None:
        if not isinstance(ident, str):
            return
        if ident.startswith(f"{ID_PREFIX}-") and not LOCAL_ID.fullmatch(ident):
            self.add("id", (
                f"is not an id of this registry's database, found {describe(ident)}: they "
                f"have the form {ID_PREFIX}-<year>-<number>, e.g. {ID_PREFIX}-2026-0001."))
        elif not _ANY_ID.fullmatch(ident):
            self.add("id", (
                f"is not of the form PREFIX-ENTRY, found {describe(ident)}: write the "
                f"database prefix, a '-' and the entry's id without spaces, e.g. "
                f"{ID_PREFIX}-2026-0001 or GHSA-xxxx-xxxx-xxxx."))

    def timestamp(self, value: object, where: str) -> datetime | None:
        if not isinstance(value, str):
            return None
        moment = parse_timestamp(value)
        if moment is None:
            self.add(where, f"{_TIMESTAMP_HINT}; {describe(value)} is not a real moment.")
        return moment

    def severities(self, value: object, where: str) -> None:
        if not isinstance(value, list):
            return
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                continue
            self.known_fields(cast(Mapping[object, object], item), f"{where}[{i}]", "a severity")
            kind, score = item.get("type"), item.get("score")
            if not (isinstance(kind, str) and kind in _CVSS_EXAMPLES and isinstance(score, str)):
                continue
            if cvss_score(Severity(kind, score)) is None:
                self.add(f"{where}[{i}].score", (
                    f"is not a complete {kind.replace('CVSS_V', 'CVSS v')} vector, "
                    f"found {describe(score)}: give every base metric, e.g. "
                    f"{_CVSS_EXAMPLES[kind]}."))

    def affected(self, entry: Mapping[object, object], where: str) -> None:
        self.known_fields(entry, where, "an affected entry")
        package = entry.get("package")
        ecosystem = ""
        if isinstance(package, Mapping):
            self.known_fields(cast(Mapping[object, object], package), f"{where}.package",
                              "a package")
            raw_ecosystem, name, purl = (package.get("ecosystem"), package.get("name"),
                                         package.get("purl"))
            ecosystem = raw_ecosystem if isinstance(raw_ecosystem, str) else ""
            if ecosystem == ECOSYSTEM and isinstance(name, str):
                try:
                    validate_model_name(name)
                except InvalidInput as exc:
                    self.add(f"{where}.package.name", f"{exc}")
            if isinstance(purl, str):
                self.purl(purl, f"{where}.package.purl")
        self.severities(entry.get("severity"), f"{where}.severity")
        ranges = entry.get("ranges")
        if isinstance(ranges, list):
            for j, rng in enumerate(ranges):
                if isinstance(rng, Mapping):
                    self.range(cast(Mapping[object, object], rng), ecosystem,
                               f"{where}.ranges[{j}]")
        versions = entry.get("versions")
        if ecosystem == ECOSYSTEM and isinstance(versions, list):
            for k, version in enumerate(versions):
                if isinstance(version, str) and not _is_model_release(version):
                    self.add(f"{where}.versions[{k}]", (
                        f"is neither a model version nor a snapshot id, found "
                        f"{describe(version)}: list versions as registered, e.g. '1.4.2', "
                        "'1.4.2+q4' or 'gpt-4o-2024-08-06'."))
        specific = entry.get("ecosystem_specific")
        if isinstance(specific, Mapping):
            self.variants(specific.get("variants", []), f"{where}.ecosystem_specific.variants")
            self.digests(specific.get("digests", []), f"{where}.ecosystem_specific.digests")

    def purl(self, purl: str, where: str) -> None:
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError as exc:
            self.add(where, (
                f"is not a valid package URL ({exc}): write it like "
                "pkg:generic/modelsteward/NAME, without a version."))
            return
        if parsed.version:
            self.add(where, (
                f"names a version ({parsed.version}), but the package URL of an affected "
                "package identifies the package only: remove the '@…' part and list versions "
                "under versions or ranges."))

    def range(self, rng: Mapping[object, object], ecosystem: str, where: str) -> None:
        self.known_fields(rng, where, "a range")
        kind, events = rng.get("type"), rng.get("events")
        if not isinstance(events, list):
            return
        parsed: list[tuple[int, RangeEvent]] = []
        for k, event in enumerate(events):
            if not isinstance(event, Mapping):
                continue
            kinds = [name for name in event if name in _EVENT_KINDS]
            for name in event:
                if name not in _EVENT_KINDS and kinds:
                    self.add(f"{where}.events[{k}].{name}", (
                        f"is not part of an event: an event object holds only one of "
                        f"introduced, fixed, last_affected or limit; remove {name!r}."))
            if len(kinds) > 1:
                # The official oneOf lets two kinds through when one value is not a string.
                self.add(f"{where}.events[{k}]", (
                    f"holds {len(kinds)} events ({', '.join(kinds)}) but an event object holds "
                    "exactly one: split it, e.g. [{\"introduced\": \"1.0.0\"}, "
                    "{\"fixed\": \"1.2.0\"}]."))
            value = event.get(kinds[0]) if len(kinds) == 1 else None
            if isinstance(value, str):
                if kind == "GIT" and not _COMMIT.fullmatch(value):
                    self.add(f"{where}.events[{k}].{kinds[0]}", (
                        f"is not a full Git commit hash, found {describe(value)}: GIT range "
                        "events take 40 (or 64) lowercase hexadecimal characters, or \"0\" "
                        "for introduced."))
                    continue
                parsed.append((k, RangeEvent(EventKind(kinds[0]), value)))
        if kind not in ("SEMVER", "ECOSYSTEM"):
            return
        if kind == "SEMVER":
            for k, event in parsed:
                if not is_open_bound(event.kind, event.value) and not is_semver(event.value):
                    self.add(f"{where}.events[{k}].{event.kind}", _semver_message(event.value))
            order: RangeOrder | None = RangeOrder.SEMVER
        elif ecosystem == ECOSYSTEM:
            order = self.model_bounds(parsed, where)
        else:
            return  # another ecosystem's own ordering: nothing to check here
        if order is not None:
            self.range_opens(parsed, order, where)

    def model_bounds(self, parsed: list[tuple[int, RangeEvent]], where: str) -> RangeOrder | None:
        """Check the bounds of a modelsteward ECOSYSTEM range; return its order, if any."""
        bounds = [(k, e) for k, e in parsed if not is_open_bound(e.kind, e.value)]
        bad = [(k, e) for k, e in bounds if not _is_model_release(e.value)]
        for k, event in bad:
            self.add(f"{where}.events[{k}].{event.kind}", (
                f"is neither a model version nor a snapshot id, found {describe(event.value)}: "
                "ECOSYSTEM ranges of modelsteward take versions as registered, e.g. '1.4.2', "
                "'1.4.2+q4' or 'gpt-4o-2024-08-06' (\"0\" for introduced)."))
        if bad:
            return None
        order = range_order(ECOSYSTEM, AffectedRange("ECOSYSTEM", tuple(e for _, e in parsed)))
        if order is None:
            self.add(f"{where}.events", (
                "mixes model versions and provider snapshot ids, which have no common order: "
                "put each kind in a range of its own."))
        return order

    def range_opens(self, parsed: list[tuple[int, RangeEvent]], order: RangeOrder,
                    where: str) -> None:
        if order is RangeOrder.ANY:
            return
        opened: tuple[str, tuple[object, ...] | None] | None = None  # value, key (None = "0")
        for k, event in parsed:
            key = None if is_open_bound(event.kind, event.value) else order_key(order,
                                                                                event.value)
            if event.kind is EventKind.INTRODUCED:
                opened = (event.value, key) if (key is not None or event.value == "0") else None
                continue
            if opened is None or key is None:
                continue
            start, start_key = opened
            if start_key is None:
                continue  # introduced "0": every bound is above it
            if event.kind is EventKind.LAST_AFFECTED:
                if key < start_key:
                    self.add(f"{where}.events[{k}].{event.kind}", (
                        f"{event.value} is below the introduced {start} it follows, so no "
                        "version is affected: give the last affected version at or above "
                        "where the range starts, after its introduced event."))
            elif key <= start_key:
                self.add(f"{where}.events[{k}].{event.kind}", (
                    f"{event.value} is not above the introduced {start} it follows, so the "
                    f"range never opens: a {event.kind} event comes after the introduced "
                    "event it closes and names a higher version, e.g. introduced 1.0.0 then "
                    "fixed 1.2.0."))

    def variants(self, value: object, where: str) -> None:
        if not isinstance(value, list):
            self.add(where, (
                f"must be a list of variant names such as [\"q4\", \"onnx\"] (\"\" names the "
                f"base version), found {describe(value)}."))
            return
        for i, variant in enumerate(value):
            if not isinstance(variant, str):
                self.add(f"{where}[{i}]", f"must be a variant name, found {describe(variant)}.")
                continue
            if variant == "":
                continue
            try:
                validate_variant(variant)
            except InvalidInput as exc:
                self.add(f"{where}[{i}]", f"{exc}")

    def digests(self, value: object, where: str) -> None:
        if not isinstance(value, list):
            self.add(where, (
                f"must be a list of artefact digests such as [\"sha256:…\"], found "
                f"{describe(value)}."))
            return
        for i, digest in enumerate(value):
            if not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
                self.add(f"{where}[{i}]", (
                    f"is not an artefact digest, found {describe(digest)}: write 'sha256:' "
                    "and the 64 lowercase hexadecimal digits of the digest."))

    def database_specific(self, specific: Mapping[object, object]) -> None:
        where = "database_specific"
        if "severity" in specific:
            level = specific["severity"]
            valid = False
            if isinstance(level, str):
                try:
                    parse_level(level)
                    valid = True
                except InvalidInput:
                    pass
            if not valid:
                self.add(f"{where}.severity", (
                    f"is not a severity level, found {describe(level)}: use LOW, MODERATE, "
                    "HIGH or CRITICAL."))
        if "atlas" in specific:
            self.string_list(specific["atlas"], f"{where}.atlas", "MITRE ATLAS technique ids",
                             _ATLAS, "AML.T0051 or AML.T0051.000")
        if "avid" in specific:
            self.string_list(specific["avid"], f"{where}.avid", "AVID categories", None,
                             "'Security' or 'S0403: Adversarial Example'")

    def string_list(self, value: object, where: str, what: str,
                    pattern: re.Pattern[str] | None, example: str) -> None:
        if not isinstance(value, list):
            self.add(where, f"must be a list of {what} such as {example}, found {describe(value)}.")
            return
        for i, item in enumerate(value):
            ok = isinstance(item, str) and item.strip() != ""
            if ok and pattern is not None:
                ok = pattern.fullmatch(cast(str, item)) is not None
            if not ok:
                self.add(f"{where}[{i}]", f"is not one of the {what}, found {describe(item)}: "
                                          f"write it like {example}.")


def _is_model_release(text: str) -> bool:
    return model_key(text) is not None or snapshot_key(text) is not None


def _semver_message(value: str) -> str:
    hint = ""
    if value.startswith(("v", "V")) and is_semver(value[1:]):
        hint = f" (write it without the 'v', as {value[1:]!r})"
    return (f"is not a SemVer 2 version, found {describe(value)}{hint}: SEMVER ranges take "
            "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.4.2, or \"0\" for introduced; use "
            "an ECOSYSTEM range for other version schemes.")


def _semantic_problems(doc: Mapping[object, object]) -> list[Problem]:
    checks = _Checks()
    checks.document(doc)
    return checks.problems


# --- warnings ----------------------------------------------------------------------------------


def advisory_warnings(advisory: Advisory) -> list[Problem]:
    """What is legal but suspicious, located like parse problems: a range that never closes
    (an ``introduced`` and no ``fixed``, ``last_affected`` or ``limit``), and an advisory with
    no severity at all (it then ranks like ``high``)."""
    warnings: list[Problem] = []
    for i, entry in enumerate(advisory.affected):
        for j, rng in enumerate(entry.ranges):
            kinds = {event.kind for event in rng.events}
            if EventKind.INTRODUCED not in kinds or kinds & {
                    EventKind.FIXED, EventKind.LAST_AFFECTED, EventKind.LIMIT}:
                continue
            start = _lowest_introduced(entry.ecosystem, rng)
            warnings.append(Problem(f"affected[{i}].ranges[{j}].events", (
                f"never closes: every version from {start} on is affected; add a `fixed` or "
                "`last_affected` event when a fix exists.")))
    has_level = (advisory.severity or any(entry.severity for entry in advisory.affected)
                 or "severity" in advisory.database_specific)
    if not has_level:
        warnings.append(Problem("severity", (
            "is missing: add a CVSS vector under severity, or a level under "
            "database_specific.severity (LOW, MODERATE, HIGH, CRITICAL), so that audits can "
            "rank the advisory; until then it ranks like high.")))
    return warnings


def _lowest_introduced(ecosystem: str, rng: AffectedRange) -> str:
    starts = [e.value for e in rng.events if e.kind is EventKind.INTRODUCED]
    if "0" in starts:
        return "0"
    order = range_order(ecosystem, rng)
    if order is not None and order is not RangeOrder.ANY:
        keyed = [(key, value) for value in starts if (key := order_key(order, value)) is not None]
        if len(keyed) == len(starts):
            return min(keyed, key=lambda pair: pair[0])[1]
    return starts[0]
