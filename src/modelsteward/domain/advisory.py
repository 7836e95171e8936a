"""Advisories about models in the OSV format (schema 1.7): the value objects and their
serialisation.

An :class:`Advisory` is one OSV record. Models of this registry are the packages of the
``modelsteward`` ecosystem, named by their model name; an upstream Hugging Face model is a ``GIT``
range on its repository URL. Two keys of ``affected[].ecosystem_specific`` have a meaning here:

* ``variants``: the variants affected (``["q4", "onnx"]``, ``""`` names the base version);
  absent or empty means every variant;
* ``digests``: ``"sha256:<64 hex>"`` digests of affected artefacts, which match whatever the
  version.

Two keys of the top-level ``database_specific`` do: ``severity`` (qualitative, as GitHub
writes it: ``LOW``, ``MODERATE``, ``HIGH``, ``CRITICAL``), ``atlas`` (MITRE ATLAS technique
ids, ``AML.T0051`` or ``AML.T0051.000``) and ``avid`` (AVID categories).

Documents are checked and read by :func:`modelsteward.domain.osv_document.parse_advisory`;
:meth:`Advisory.to_osv` writes a record back, and :func:`load_advisory` reads one that was
checked before (from the registry's own store) without checking it again.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import cvss

from modelsteward.domain.severity import Level, level_for_score, parse_level
from modelsteward.errors import InvalidInput

ECOSYSTEM = "modelsteward"  # OSV ecosystem of models in this registry; package name = model name
ID_PREFIX = "x_MSA"  # local database ids: x_MSA-2026-0001
SCHEMA_VERSION = "1.7.0"


class EventKind(enum.StrEnum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True)
class RangeEvent:
    kind: EventKind
    value: str


@dataclass(frozen=True)
class AffectedRange:
    """One ``affected[].ranges[]`` entry: ``type`` is ``SEMVER``, ``ECOSYSTEM`` or ``GIT``
    (``repo`` is then the repository URL). ``database_specific`` is kept as read."""

    type: str
    events: tuple[RangeEvent, ...]
    repo: str = ""
    database_specific: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Severity:
    """``type`` is ``CVSS_V2``, ``CVSS_V3``, ``CVSS_V4`` (``score`` a vector) or ``Ubuntu``
    (``score`` a priority such as ``high``)."""

    type: str
    score: str


@dataclass(frozen=True)
class Reference:
    type: str
    url: str


@dataclass(frozen=True)
class Credit:
    name: str
    contact: tuple[str, ...] = ()
    type: str = ""


@dataclass(frozen=True)
class Affected:
    """One ``affected[]`` entry. ``ecosystem`` and ``name`` are ``""`` when the entry names no
    package (an entry with GIT ranges only). ``variants`` and ``digests`` are read from, and
    written back to, ``ecosystem_specific``, which holds the entry's other keys."""

    ecosystem: str
    name: str
    purl: str = ""
    ranges: tuple[AffectedRange, ...] = ()
    versions: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # ecosystem_specific["variants"]; () = every variant affected
    digests: tuple[str, ...] = ()  # ecosystem_specific["digests"]: "sha256:<64 hex>"
    severity: tuple[Severity, ...] = ()
    ecosystem_specific: Mapping[str, object] = field(default_factory=dict, hash=False)
    database_specific: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Advisory:
    """One OSV record. Timestamps are timezone-aware UTC. ``upstream`` (OSV 1.7) lists the ids
    of upstream vulnerabilities; it is the one field added to the agreed API, last so that
    positional construction is unchanged."""

    id: str
    modified: datetime
    summary: str = ""
    details: str = ""
    published: datetime | None = None
    withdrawn: datetime | None = None
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    severity: tuple[Severity, ...] = ()
    affected: tuple[Affected, ...] = ()
    references: tuple[Reference, ...] = ()
    credits: tuple[Credit, ...] = ()
    database_specific: Mapping[str, object] = field(default_factory=dict, hash=False)
    schema_version: str = SCHEMA_VERSION
    upstream: tuple[str, ...] = ()

    @property
    def level(self) -> Level:
        """``database_specific["severity"]`` when it names a level (``LOW``, ``MODERATE``,
        ``HIGH``, ``CRITICAL``, any case); else the highest level among the CVSS base scores
        (0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical) and Ubuntu priorities of the
        record and of its affected entries; else ``UNKNOWN``."""
        qualitative = self.database_specific.get("severity")
        if isinstance(qualitative, str):
            try:
                return parse_level(qualitative)
            except InvalidInput:
                pass  # a hand-built advisory with a bad value: fall back to the scores
        levels = [
            level
            for entry in (*self.severity, *(s for a in self.affected for s in a.severity))
            if (level := _severity_level(entry)) is not None
        ]
        return max(levels, key=_LEVEL_ORDER.index, default=Level.UNKNOWN)

    @property
    def atlas(self) -> tuple[str, ...]:
        """MITRE ATLAS technique ids from ``database_specific["atlas"]``."""
        return _strings(self.database_specific.get("atlas"))

    @property
    def avid(self) -> tuple[str, ...]:
        """AVID categories from ``database_specific["avid"]``."""
        return _strings(self.database_specific.get("avid"))

    def to_osv(self) -> dict[str, object]:
        """The OSV JSON object of this advisory, keys in the specification's order, empty
        optional fields left out, timestamps as RFC 3339 UTC (``Z``; fractions only when
        there are microseconds)."""
        out: dict[str, object] = {"id": self.id}
        if self.schema_version:
            out["schema_version"] = self.schema_version
        out["modified"] = format_timestamp(self.modified)
        if self.published is not None:
            out["published"] = format_timestamp(self.published)
        if self.withdrawn is not None:
            out["withdrawn"] = format_timestamp(self.withdrawn)
        for key, values in (("aliases", self.aliases), ("related", self.related),
                            ("upstream", self.upstream)):
            if values:
                out[key] = list(values)
        if self.summary:
            out["summary"] = self.summary
        if self.details:
            out["details"] = self.details
        if self.severity:
            out["severity"] = [_severity_osv(s) for s in self.severity]
        if self.affected:
            out["affected"] = [_affected_osv(a) for a in self.affected]
        if self.references:
            out["references"] = [{"type": r.type, "url": r.url} for r in self.references]
        if self.credits:
            out["credits"] = [_credit_osv(c) for c in self.credits]
        if self.database_specific:
            out["database_specific"] = copy.deepcopy(dict(self.database_specific))
        return out


_LEVEL_ORDER = [Level.UNKNOWN, Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL]
_UBUNTU_LEVELS = {"negligible": Level.LOW, "low": Level.LOW, "medium": Level.MEDIUM,
                  "high": Level.HIGH, "critical": Level.CRITICAL}


def cvss_score(severity: Severity) -> float | None:
    """The CVSS base score of ``severity``, or ``None`` when it is not a CVSS vector the
    ``cvss`` library accepts."""
    try:
        if severity.type == "CVSS_V2":
            return float(cvss.CVSS2(severity.score).scores()[0])
        if severity.type == "CVSS_V3":
            return float(cvss.CVSS3(severity.score).scores()[0])
        if severity.type == "CVSS_V4":
            return float(cvss.CVSS4(severity.score).base_score)
    except (cvss.CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return None


def _severity_level(severity: Severity) -> Level | None:
    if severity.type == "Ubuntu":
        return _UBUNTU_LEVELS.get(severity.score.lower())
    score = cvss_score(severity)
    return None if score is None else level_for_score(score)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


# --- serialisation -----------------------------------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    text = (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
            f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def _severity_osv(severity: Severity) -> dict[str, object]:
    return {"type": severity.type, "score": severity.score}


def _credit_osv(credit: Credit) -> dict[str, object]:
    out: dict[str, object] = {"name": credit.name}
    if credit.contact:
        out["contact"] = list(credit.contact)
    if credit.type:
        out["type"] = credit.type
    return out


def _range_osv(rng: AffectedRange) -> dict[str, object]:
    out: dict[str, object] = {"type": rng.type}
    if rng.repo:
        out["repo"] = rng.repo
    out["events"] = [{event.kind.value: event.value} for event in rng.events]
    if rng.database_specific:
        out["database_specific"] = copy.deepcopy(dict(rng.database_specific))
    return out


def _affected_osv(affected: Affected) -> dict[str, object]:
    out: dict[str, object] = {}
    if affected.ecosystem or affected.name:
        package: dict[str, object] = {"ecosystem": affected.ecosystem, "name": affected.name}
        if affected.purl:
            package["purl"] = affected.purl
        out["package"] = package
    if affected.severity:
        out["severity"] = [_severity_osv(s) for s in affected.severity]
    if affected.ranges:
        out["ranges"] = [_range_osv(r) for r in affected.ranges]
    if affected.versions:
        out["versions"] = list(affected.versions)
    specific: dict[str, object] = {}
    if affected.variants:
        specific["variants"] = list(affected.variants)
    if affected.digests:
        specific["digests"] = list(affected.digests)
    for key, value in affected.ecosystem_specific.items():
        specific.setdefault(key, copy.deepcopy(value))
    if specific:
        out["ecosystem_specific"] = specific
    if affected.database_specific:
        out["database_specific"] = copy.deepcopy(dict(affected.database_specific))
    return out



_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z")
LOCAL_ID = re.compile(rf"{ID_PREFIX}-([0-9]{{4}})-([0-9]{{4,}})")


def parse_timestamp(text: str) -> datetime | None:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        micro, tzinfo=UTC)
    except ValueError:
        return None


# --- building the value once the document is valid ---------------------------------------------


def load_advisory(doc: Mapping[object, object]) -> Advisory:
    """The advisory of a document that has passed every check before (a record this registry
    stored, freshly decoded): no checks and no copies — the advisory keeps the document's
    nested objects, so the caller must not change them afterwards. A malformed document may
    raise anything. This is the audit's hot path (thousands of records per run), so it is
    written for speed; ``build_advisory`` gives the same value."""
    d = cast(dict[str, Any], doc)
    get = d.get
    return Advisory(
        d["id"], datetime.fromisoformat(d["modified"]), get("summary", ""), get("details", ""),
        _instant(get("published")), _instant(get("withdrawn")),
        tuple(get("aliases") or ()), tuple(get("related") or ()),
        tuple(Severity(x["type"], x["score"]) for x in get("severity") or ()),
        tuple(_fast_affected(x) for x in get("affected") or ()),
        tuple(Reference(x["type"], x["url"]) for x in get("references") or ()),
        tuple(Credit(x["name"], tuple(x.get("contact", ())), x.get("type", ""))
              for x in get("credits") or ()),
        get("database_specific") or {}, get("schema_version", SCHEMA_VERSION),
        tuple(get("upstream") or ()))


def _instant(text: str | None) -> datetime | None:
    # stored timestamps are written by format_timestamp: fromisoformat reads them (and is fast)
    return datetime.fromisoformat(text) if text else None


_KINDS = {kind.value: kind for kind in EventKind}
_EVENTS: dict[tuple[str, str], RangeEvent] = {}


def _event(kind: str, value: str) -> RangeEvent:
    """Events are immutable and few distinct ones recur (``introduced: "0"``): share them."""
    event = _EVENTS.get((kind, value))
    if event is None:
        event = RangeEvent(_KINDS[kind], value)
        if len(_EVENTS) < 65536:
            _EVENTS[(kind, value)] = event
    return event


def _fast_affected(entry: dict[str, Any]) -> Affected:
    package = entry.get("package") or {}
    specific = entry.get("ecosystem_specific")
    variants: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    if specific:
        specific = dict(specific)
        variants = tuple(specific.pop("variants", ()))
        digests = tuple(specific.pop("digests", ()))
    return Affected(
        package.get("ecosystem", ""), package.get("name", ""), package.get("purl", ""),
        tuple([AffectedRange(r["type"],
                             tuple([_event(k, v) for e in r["events"] for k, v in e.items()]),
                             r.get("repo", ""), r.get("database_specific") or {})
               for r in entry.get("ranges") or ()]),
        tuple(entry.get("versions") or ()), variants, digests,
        tuple(Severity(x["type"], x["score"]) for x in entry.get("severity") or ()),
        specific or {}, entry.get("database_specific") or {})


def build_advisory(doc: Mapping[object, object],
                   clone: Callable[[dict[str, object]], dict[str, object]] = copy.deepcopy,
                   ) -> Advisory:
    """The advisory of a checked document; nested free-form objects (``database_specific``,
    ``ecosystem_specific``) are passed through ``clone``."""
    def timestamp(name: str) -> datetime | None:
        value = doc.get(name)
        return parse_timestamp(value) if isinstance(value, str) else None

    modified = timestamp("modified")
    assert modified is not None  # checked
    return Advisory(
        id=cast(str, doc["id"]),
        modified=modified,
        summary=cast(str, doc.get("summary", "")),
        details=cast(str, doc.get("details", "")),
        published=timestamp("published"),
        withdrawn=timestamp("withdrawn"),
        aliases=tuple(cast(list[str], doc.get("aliases") or [])),
        related=tuple(cast(list[str], doc.get("related") or [])),
        upstream=tuple(cast(list[str], doc.get("upstream") or [])),
        severity=_build_severities(doc.get("severity")),
        affected=tuple(_build_affected(cast(Mapping[str, object], entry), clone)
                       for entry in cast(list[object], doc.get("affected") or [])),
        references=tuple(Reference(cast(str, r["type"]), cast(str, r["url"]))
                         for r in cast(list[Mapping[str, object]], doc.get("references") or [])),
        credits=tuple(
            Credit(cast(str, c["name"]), tuple(cast(list[str], c.get("contact", []))),
                   cast(str, c.get("type", "")))
            for c in cast(list[Mapping[str, object]], doc.get("credits") or [])),
        database_specific=clone(
            dict(cast(Mapping[str, object], doc.get("database_specific", {})))),
        schema_version=cast(str, doc.get("schema_version", SCHEMA_VERSION)),
    )


def _build_severities(value: object) -> tuple[Severity, ...]:
    return tuple(Severity(cast(str, s["type"]), cast(str, s["score"]))
                 for s in cast(list[Mapping[str, object]], value or []))


def _build_affected(entry: Mapping[str, object],
                    clone: Callable[[dict[str, object]], dict[str, object]]) -> Affected:
    package = cast(Mapping[str, str], entry.get("package", {}))
    specific = dict(cast(Mapping[str, object], entry.get("ecosystem_specific", {})))
    variants = tuple(cast(list[str], specific.pop("variants", [])))
    digests = tuple(cast(list[str], specific.pop("digests", [])))
    return Affected(
        ecosystem=package.get("ecosystem", ""),
        name=package.get("name", ""),
        purl=package.get("purl", ""),
        ranges=tuple(_build_range(cast(Mapping[str, object], r), clone)
                     for r in cast(list[object], entry.get("ranges", []))),
        versions=tuple(cast(list[str], entry.get("versions", []))),
        variants=variants,
        digests=digests,
        severity=_build_severities(entry.get("severity")),
        ecosystem_specific=clone(specific),
        database_specific=clone(
            dict(cast(Mapping[str, object], entry.get("database_specific", {})))),
    )


def _build_range(rng: Mapping[str, object],
                 clone: Callable[[dict[str, object]], dict[str, object]]) -> AffectedRange:
    events = []
    for event in cast(list[Mapping[str, str]], rng["events"]):
        ((name, value),) = event.items()  # checked: one key, an event kind
        events.append(RangeEvent(EventKind(name), value))
    return AffectedRange(
        type=cast(str, rng["type"]),
        events=tuple(events),
        repo=cast(str, rng.get("repo", "")),
        database_specific=clone(
            dict(cast(Mapping[str, object], rng.get("database_specific", {})))),
    )


# --- warnings and ids --------------------------------------------------------------------------


def next_id(existing: Iterable[str], year: int) -> str:
    """The next id of this registry's database for ``year``: ``x_MSA-<year>-<NNNN>`` numbered
    one above the highest id of that year in ``existing`` (``0001`` for the first; more digits
    past 9999). Other ids in ``existing`` are ignored. Raises :class:`InvalidInput` for a year
    outside 1000–9999."""
    if not 1000 <= year <= 9999:
        raise InvalidInput(f"{year} is not a four-digit year; give the year the advisory is "
                           "published in, e.g. 2026.")
    highest = 0
    for ident in existing:
        match = LOCAL_ID.fullmatch(ident)
        if match is not None and int(match[1]) == year:
            highest = max(highest, int(match[2]))
    return f"{ID_PREFIX}-{year}-{highest + 1:04d}"

