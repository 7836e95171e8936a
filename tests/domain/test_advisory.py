"""OSV advisories: the vendored schema, parsing with every problem located, serialisation,
warnings, ids and severity levels."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL

from modelsteward.domain.advisory import (
    ECOSYSTEM,
    ID_PREFIX,
    SCHEMA_VERSION,
    Advisory,
    Affected,
    AffectedRange,
    Credit,
    EventKind,
    RangeEvent,
    Reference,
    Severity,
    load_advisory,
    next_id,
)
from modelsteward.domain.osv_document import advisory_warnings, parse_advisory, validate_osv
from modelsteward.domain.osv_order import model_key, semver_key, snapshot_key
from modelsteward.domain.severity import Level
from modelsteward.domain.versioning import ModelVersion
from modelsteward.errors import DocumentInvalid, InvalidInput

from .strategies import FAST, PRERELEASES, VARIANTS, VERSIONS

# --- strategies of valid advisories ---------------------------------------------------------------

_HEX = "0123456789abcdef"
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
DIGESTS = st.text(alphabet=_HEX, min_size=64, max_size=64).map(lambda h: f"sha256:{h}")
COMMITS = st.text(alphabet=_HEX, min_size=40, max_size=40)
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                       timezones=st.just(UTC))
_SEGMENTS = st.builds(lambda a, mid, b: a + mid + b, st.sampled_from(_LOWER),
                      st.text(alphabet=_LOWER + "._-", max_size=10), st.sampled_from(_LOWER))
MODEL_NAMES = _SEGMENTS | st.builds(lambda org, name: f"{org}/{name}", _SEGMENTS, _SEGMENTS)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8)
IDS = st.one_of(
    st.builds(lambda y, n: f"{ID_PREFIX}-{y}-{n:04d}", st.integers(2000, 2099),
              st.integers(1, 99999)),
    st.text(alphabet="23456789cfghjmpqrvwx", min_size=4, max_size=4).map(
        lambda s: f"GHSA-{s}-{s}-{s}"),
    st.integers(1000, 999999).map(lambda n: f"CVE-2026-{n}"),
)
CVSS_VECTORS = st.sampled_from([
    Severity("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
    Severity("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"),
    Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    Severity("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"),
    Severity("Ubuntu", "medium"),
])
RELEASES = st.builds(lambda v: str(ModelVersion(v.major, v.minor, v.patch, v.prerelease)),
                     VERSIONS)
SNAPSHOTS = st.builds(lambda family, day: f"{family}-{day:%Y-%m-%d}",
                      st.sampled_from(["gpt-4o", "claude-sonnet-4-5", "gemini-pro"]),
                      st.dates(min_value=datetime(2020, 1, 1).date(),
                               max_value=datetime(2030, 1, 1).date()))
HF_REPOS = st.builds(lambda org, name: f"https://huggingface.co/{org}/{name}", _SEGMENTS,
                     _SEGMENTS)


@st.composite
def _events(draw: st.DrawFn, values: list[str]) -> tuple[RangeEvent, ...]:
    """Events over ``values`` (already in increasing order): introduced/closing pairs, each
    closing event above the introduced it follows; fixed and last_affected never mixed."""
    closer = draw(st.sampled_from([EventKind.FIXED, EventKind.LAST_AFFECTED, EventKind.LIMIT]))
    events = [RangeEvent(EventKind.INTRODUCED, "0")] if draw(st.booleans()) or not values else []
    for value in values:
        opening = not events or events[-1].kind is not EventKind.INTRODUCED
        kind = EventKind.INTRODUCED if opening else closer
        events.append(RangeEvent(kind, value))
        if kind is EventKind.LIMIT:
            break
    return tuple(events)


@st.composite
def _ordered(draw: st.DrawFn, values: st.SearchStrategy[str],
             key: Any) -> list[str]:
    chosen = draw(st.lists(values, max_size=4, unique_by=key))
    return sorted(chosen, key=key)


@st.composite
def model_ranges(draw: st.DrawFn) -> AffectedRange:
    kind = draw(st.sampled_from(["SEMVER", "MODEL", "SNAPSHOT", "GIT"]))
    if kind == "SEMVER":
        return AffectedRange("SEMVER", draw(_events(draw(_ordered(RELEASES, semver_key)))))
    if kind == "MODEL":
        model_versions = st.builds(str, VERSIONS)
        return AffectedRange("ECOSYSTEM", draw(_events(draw(_ordered(model_versions,
                                                                     model_key)))))
    if kind == "SNAPSHOT":
        return AffectedRange("ECOSYSTEM", draw(_events(draw(_ordered(SNAPSHOTS, snapshot_key)))))
    commits = draw(st.lists(COMMITS, max_size=3, unique=True))
    return AffectedRange("GIT", draw(_events(commits)), repo=draw(HF_REPOS))


_SPECIFIC = st.dictionaries(st.text(max_size=8).filter(lambda k: k not in ("variants", "digests")),
                            JSON, max_size=2)


@st.composite
def affected_entries(draw: st.DrawFn, with_severity: bool) -> Affected:
    shape = draw(st.sampled_from(["model", "model", "git", "pypi"]))
    severity = tuple(draw(st.lists(CVSS_VECTORS, max_size=2))) if with_severity else ()
    eco = draw(_SPECIFIC)
    db = draw(st.dictionaries(st.text(max_size=8), JSON, max_size=2))
    if shape == "git":
        ranges = draw(st.lists(model_ranges().filter(lambda r: r.type == "GIT"), min_size=1,
                               max_size=2))
        return Affected("", "", ranges=tuple(ranges), severity=severity,
                        versions=tuple(draw(st.lists(COMMITS, max_size=2))),
                        digests=tuple(draw(st.lists(DIGESTS, max_size=2))),
                        ecosystem_specific=eco, database_specific=db)
    if shape == "pypi":
        return Affected("PyPI", draw(st.text(min_size=1, max_size=10)),
                        ranges=(AffectedRange("SEMVER", draw(_events(draw(
                            _ordered(RELEASES, semver_key))))),),
                        versions=tuple(draw(st.lists(st.text(max_size=6), max_size=3))),
                        severity=severity, ecosystem_specific=eco, database_specific=db)
    name = draw(MODEL_NAMES)
    org, _, base = name.rpartition("/")
    purl = draw(st.sampled_from(["", str(PackageURL(
        type="generic", namespace=f"modelsteward/{org}" if org else "modelsteward",
        name=base).to_string())]))
    return Affected(
        ECOSYSTEM, name, purl=purl,
        ranges=tuple(draw(st.lists(model_ranges(), max_size=3))),
        versions=tuple(draw(st.lists(st.builds(str, VERSIONS) | SNAPSHOTS, max_size=3))),
        variants=tuple(draw(st.lists(st.just("") | VARIANTS, max_size=3))),
        digests=tuple(draw(st.lists(DIGESTS, max_size=3))),
        severity=severity, ecosystem_specific=eco, database_specific=db)


@st.composite
def advisories(draw: st.DrawFn) -> Advisory:
    """Valid advisories of every shape this registry writes or imports."""
    modified = draw(MOMENTS)
    published = draw(st.none() | st.just(modified - timedelta(days=draw(st.integers(0, 900)))))
    withdrawn = None
    if published is not None and draw(st.booleans()):
        withdrawn = published + timedelta(seconds=draw(st.integers(0, 10**7)))
    top_severity = draw(st.booleans())
    specific: dict[str, object] = draw(st.dictionaries(
        st.text(max_size=8).filter(lambda k: k not in ("severity", "atlas", "avid")), JSON,
        max_size=2))
    if draw(st.booleans()):
        specific["severity"] = draw(st.sampled_from(["LOW", "MODERATE", "HIGH", "CRITICAL"]))
    if draw(st.booleans()):
        specific["atlas"] = draw(st.lists(st.sampled_from(
            ["AML.T0051", "AML.T0051.000", "AML.T0043", "AML.T0018.001"]), max_size=3))
    if draw(st.booleans()):
        specific["avid"] = draw(st.lists(st.sampled_from(
            ["Security", "Ethics", "Performance", "S0403: Adversarial Example"]), max_size=2))
    urls = st.text(alphabet=_LOWER + "/-", max_size=12).map(lambda p: f"https://example.org/{p}")
    return Advisory(
        id=draw(IDS),
        modified=modified,
        summary=draw(st.text(max_size=30)),
        details=draw(st.text(max_size=60)),
        published=published,
        withdrawn=withdrawn,
        aliases=tuple(draw(st.lists(IDS, max_size=2))),
        related=tuple(draw(st.lists(IDS, max_size=2))),
        upstream=tuple(draw(st.lists(IDS, max_size=2))),
        severity=tuple(draw(st.lists(CVSS_VECTORS, max_size=2))) if top_severity else (),
        affected=tuple(draw(st.lists(affected_entries(not top_severity), max_size=3))),
        references=tuple(draw(st.lists(st.builds(
            Reference, st.sampled_from(["ADVISORY", "FIX", "REPORT", "WEB", "EVIDENCE"]), urls),
            max_size=2))),
        credits=tuple(draw(st.lists(st.builds(
            Credit, st.text(max_size=10), st.lists(urls, max_size=2).map(tuple),
            st.sampled_from(["", "FINDER", "REPORTER", "TOOL"])), max_size=2))),
        database_specific=specific,
        schema_version=draw(st.sampled_from([SCHEMA_VERSION, "1.6.0"])),
    )


# The example of the OSV specification (docs/schema.md, "Examples"), trimmed: a GIT range with
# full commit hashes, an ECOSYSTEM range and a versions list, and an example with a CVSS vector.
SPEC_EXAMPLE = {
    "schema_version": "1.7.0",
    "id": "OSV-2020-111",
    "published": "2020-07-01T00:00:18.401815Z",
    "modified": "2021-03-09T04:49:05.965964Z",
    "summary": "Heap-buffer-overflow in Parse::ParseInput",
    "details": "OSS-Fuzz report: https://bugs.chromium.org/p/oss-fuzz/issues/detail?id=15499",
    "references": [{"type": "REPORT",
                    "url": "https://bugs.chromium.org/p/oss-fuzz/issues/detail?id=15499"}],
    "affected": [{
        "package": {"ecosystem": "OSS-Fuzz", "name": "icu"},
        "ranges": [{
            "type": "GIT",
            "repo": "https://github.com/unicode-org/icu.git",
            "events": [{"introduced": "6e5755a2a833bc64852eae12967d0a54d7adf629"},
                       {"fixed": "c43455749b914feef56b178b256f29b3016146eb"}],
        }],
        "versions": ["release-64-1"],
        "ecosystem_specific": {"severity": "HIGH"},
    }],
}
GHSA_EXAMPLE = {
    "schema_version": "1.4.0",
    "id": "GHSA-xvch-5gv4-984h",
    "modified": "2022-01-25T16:59:49Z",
    "published": "2021-11-18T21:00:21Z",
    "aliases": ["CVE-2021-37713"],
    "summary": "Arbitrary File Creation/Overwrite on Windows via insufficient relative path "
               "sanitization",
    "severity": [{"type": "CVSS_V3",
                  "score": "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H"}],
    "affected": [{"package": {"ecosystem": "npm", "name": "tar", "purl": "pkg:npm/tar"},
                  "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                           {"fixed": "4.4.18"}]}]}],
    "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-37713"}],
    "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-22"]},
}


@pytest.mark.parametrize("record", [SPEC_EXAMPLE, GHSA_EXAMPLE], ids=["osv", "ghsa"])
def test_records_in_the_official_format_validate_parse_and_round_trip(
        record: dict[str, Any]) -> None:
    assert validate_osv(record) == []
    advisory = parse_advisory(record)
    assert parse_advisory(advisory.to_osv()) == advisory
    assert advisory.to_osv()["details"] == record["details"] if "details" in record else True


def test_a_model_advisory_parses_into_values() -> None:
    doc = {
        "id": "x_MSA-2026-0001",
        "modified": "2026-01-31T12:00:00Z",
        "published": "2026-01-30T08:00:00.250Z",
        "summary": "Jailbreak through the system prompt",
        "affected": [{
            "package": {"ecosystem": "modelsteward", "name": "acme/support-bot"},
            "ranges": [{"type": "ECOSYSTEM",
                        "events": [{"introduced": "1.2.0"}, {"fixed": "1.4.3"}]}],
            "versions": ["1.1.0+q4"],
            "ecosystem_specific": {"variants": ["", "q4"], "digests": ["sha256:" + "ab" * 32],
                                   "note": {"k": 1}},
        }],
        "database_specific": {"severity": "HIGH", "atlas": ["AML.T0051.000"],
                              "avid": ["Security"]},
    }
    advisory = parse_advisory(doc)
    assert advisory.published == datetime(2026, 1, 30, 8, 0, 0, 250000, tzinfo=UTC)
    assert advisory.affected == (Affected(
        ECOSYSTEM, "acme/support-bot",
        ranges=(AffectedRange("ECOSYSTEM", (RangeEvent(EventKind.INTRODUCED, "1.2.0"),
                                            RangeEvent(EventKind.FIXED, "1.4.3"))),),
        versions=("1.1.0+q4",), variants=("", "q4"), digests=("sha256:" + "ab" * 32,),
        ecosystem_specific={"note": {"k": 1}}),)
    assert advisory.level is Level.HIGH
    assert advisory.atlas == ("AML.T0051.000",)
    assert advisory.avid == ("Security",)
    # the parsed value does not share mutable state with the document
    doc["affected"][0]["ecosystem_specific"]["note"]["k"] = 2  # type: ignore[index]
    assert advisory.affected[0].ecosystem_specific == {"note": {"k": 1}}


def test_to_osv_orders_keys_merges_ecosystem_specific_and_writes_utc_timestamps() -> None:
    advisory = Advisory(
        id="x_MSA-2026-0007",
        modified=datetime(2026, 3, 1, 14, 0, tzinfo=UTC) ,
        published=datetime(2026, 3, 1, 10, 30, 15, 120000, tzinfo=UTC),
        database_specific={"severity": "LOW"},
        credits=(Credit("Red team", ("mailto:redteam@example.org",), "FINDER"),),
        references=(Reference("FIX", "https://example.org/fix"),),
        affected=(Affected(ECOSYSTEM, "support-bot", variants=("q4",),
                           ranges=(AffectedRange("SEMVER", (
                               RangeEvent(EventKind.INTRODUCED, "0"),
                               RangeEvent(EventKind.FIXED, "2.0.0"))),),
                           ecosystem_specific={"runtime": "vllm"}),),
        summary="Leaks training data",
        aliases=("CVE-2026-1234",),
        upstream=("CVE-2025-0001",),
    )
    doc = advisory.to_osv()
    assert doc == {
        "id": "x_MSA-2026-0007",
        "schema_version": "1.7.0",
        "modified": "2026-03-01T14:00:00Z",
        "published": "2026-03-01T10:30:15.120000Z",
        "aliases": ["CVE-2026-1234"],
        "upstream": ["CVE-2025-0001"],
        "summary": "Leaks training data",
        "affected": [{
            "package": {"ecosystem": "modelsteward", "name": "support-bot"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}],
            "ecosystem_specific": {"variants": ["q4"], "runtime": "vllm"},
        }],
        "references": [{"type": "FIX", "url": "https://example.org/fix"}],
        "credits": [{"name": "Red team", "contact": ["mailto:redteam@example.org"],
                     "type": "FINDER"}],
        "database_specific": {"severity": "LOW"},
    }
    assert list(doc) == ["id", "schema_version", "modified", "published", "aliases", "upstream",
                         "summary", "affected", "references", "credits", "database_specific"]
    assert validate_osv(doc) == []


def test_timestamps_in_other_zones_are_written_in_utc() -> None:
    paris = datetime(2026, 3, 1, 15, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=1)))
    doc = Advisory("x_MSA-2026-0001", paris).to_osv()
    assert doc["modified"] == "2026-03-01T15:00:00Z"


_ORDER = ["id", "schema_version", "modified", "published", "withdrawn", "aliases", "related",
          "upstream", "summary", "details", "severity", "affected", "references", "credits",
          "database_specific"]


@FAST
@given(advisories())
def test_every_advisory_round_trips_through_its_osv_document(advisory: Advisory) -> None:
    """``parse_advisory(a.to_osv()) == a``; the document is valid for the vendored schema, is
    plain JSON, keeps the specification's key order and is not changed by parsing."""
    doc = advisory.to_osv()
    before = copy.deepcopy(doc)
    assert validate_osv(doc) == []
    assert parse_advisory(doc) == advisory
    assert doc == before
    assert json.loads(json.dumps(doc)) == doc
    assert list(doc) == [key for key in _ORDER if key in doc]
    # the store's fast loader reads the same value from the stored JSON
    assert load_advisory(json.loads(json.dumps(doc))) == advisory


# --- every problem, located -----------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    return {
        "id": "x_MSA-2026-0001",
        "modified": "2026-02-01T00:00:00Z",
        "published": "2026-01-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3",
                      "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "modelsteward", "name": "support-bot"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"},
                                                     {"fixed": "1.2.0"}]}],
        }],
        "references": [{"type": "WEB", "url": "https://example.org/a"}],
    }


def _set(doc: dict[str, Any], path: str, value: object) -> None:
    """Set ``value`` at a dotted path with [i] indexes; the value ``...`` deletes the key."""
    parts = path.replace("[", ".[").split(".")
    target: Any = doc
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if value is ...:
        del target[key]
    else:
        target[key] = value


def _problems(doc: object) -> dict[str, str]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_advisory(doc, source="x_MSA-2026-0001.json")
    assert "x_MSA-2026-0001.json" in str(caught.value)
    for problem in caught.value.problems:
        assert problem.message.endswith((".", "?")), problem
    return {p.location: p.message for p in caught.value.problems}


R0 = "affected[0].ranges[0]"
BAD_INPUTS = [
    # (what to change, value, location of the problem, words of the message)
    ("id", ..., "id", "is missing"),
    ("modified", ..., "modified", "is missing"),
    ("id", "FOO-1", "id", "prefix of a known OSV database"),
    ("id", "x_MSA-26-1", "id", "x_MSA-<year>-<number>"),
    ("id", "GHSA-with space", "id", "PREFIX-ENTRY"),
    ("id", "x_OTHER-2026-0001", "id", "prefix of a known OSV database"),
    ("modified", "2026-02-01 00:00", "modified", "RFC 3339"),
    ("modified", "2026-02-30T00:00:00Z", "modified", "not a real moment"),
    ("published", "2026-03-01T00:00:00Z", "published", "is after modified"),
    ("withdrawn", "2025-12-31T00:00:00Z", "withdrawn", "is before published"),
    ("schema_version", "one", "schema_version", "schema version"),
    ("aliasses", [], "aliasses", "Did you mean 'aliases'?"),
    ("summary", 3, "summary", "must be a string, found the number 3"),
    ("severity[0].type", "CVSS_V5", "severity[0].type", "must be one of CVSS_V2"),
    ("severity[0].score", "CVSS:3.1/AV:X", "severity[0].score", "CVSS v3 vector"),
    ("severity[0].score", "CVSS:3.1/AV:N", "severity[0].score", "not a complete CVSS v3"),
    ("affected[0].severity", [{"type": "Ubuntu", "score": "high"}], "affected[0].severity",
     "top-level severity"),
    ("affected[0].package.ecosystem", "Hugging Face", "affected[0].package.ecosystem",
     "not an OSV ecosystem"),
    ("affected[0].package.name", ..., "affected[0].package.name", "is missing"),
    ("affected[0].package.name", "Support Bot", "affected[0].package.name",
     "not a valid model name"),
    ("affected[0].package.purl", "pkg:", "affected[0].package.purl", "not a valid package URL"),
    ("affected[0].package.purl", "pkg:generic/modelsteward/support-bot@1.0.0",
     "affected[0].package.purl", "remove the '@…' part"),
    (f"{R0}.type", "RANGE", f"{R0}.type", "must be one of GIT, SEMVER, ECOSYSTEM"),
    (f"{R0}.events", [{"fixed": "1.0.0"}], f"{R0}.events", "must contain an introduced event"),
    (f"{R0}.events", [], f"{R0}.events", "must contain an introduced event"),
    (f"{R0}.events[0]", {"introduced": "1.0.0", "fixed": "1.2.0"}, f"{R0}.events[0]",
     "holds 2 events"),
    (f"{R0}.events[0]", {"introduced": "1.0.0", "fixed": 2}, f"{R0}.events[0]",
     "holds 2 events"),
    (f"{R0}.events[1]", {"fixed": 2}, f"{R0}.events[1].fixed", "must be a string"),
    (f"{R0}.events[1]", {"broken": "1"}, f"{R0}.events[1]", "is not an event"),
    ("modified", "2026-02-01T00:00:00Zjunk", "modified", "RFC 3339"),
    (R0, {"events": [{"introduced": "0"}]}, f"{R0}.type", "is missing"),
    ("severity[0]", {"score": "CVSS:3.1/AV:N"}, "severity[0].type", "is missing"),
    (f"{R0}.events", [{"introduced": "1.0.0"}, {"fixed": "1.2.0"}, {"last_affected": "1.3.0"}],
     f"{R0}.events", "mixes fixed and last_affected"),
    (f"{R0}.events[1].fixed", "v1.2.0", f"{R0}.events[1].fixed", "without the 'v'"),
    (f"{R0}.events[1].fixed", "1.0.0", f"{R0}.events[1].fixed", "never opens"),
    (f"{R0}.events[1]", {"limit": "0.9.0"}, f"{R0}.events[1].limit", "never opens"),
    (f"{R0}.events[1]", {"last_affected": "0.9.0"}, f"{R0}.events[1].last_affected",
     "is below the introduced"),
    (R0, {"type": "GIT", "events": [{"introduced": "0"}]}, f"{R0}.repo", "GIT range"),
    (R0, {"type": "GIT", "repo": "https://huggingface.co/org/m", "events": [
        {"introduced": "abc123"}]}, f"{R0}.events[0].introduced", "full Git commit hash"),
    (R0, {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "latest!"}]},
     f"{R0}.events[1].fixed", "neither a model version nor a snapshot id"),
    (R0, {"type": "ECOSYSTEM", "events": [{"introduced": "1.0.0+q4"},
                                          {"fixed": "gpt-4o-2024-08-06"}]},
     f"{R0}.events", "mixes model versions and provider snapshot ids"),
    ("affected[0].versions", ["1.0.0", "one point two"], "affected[0].versions[1]",
     "neither a model version nor a snapshot id"),
    ("affected[0].ecosystem_specific", {"variants": ["q4", "Q8"]},
     "affected[0].ecosystem_specific.variants[1]", "not a valid variant name"),
    ("affected[0].ecosystem_specific", {"variants": "q4"},
     "affected[0].ecosystem_specific.variants", "must be a list of variant names"),
    ("affected[0].ecosystem_specific", {"digests": ["sha256:" + "A" * 64]},
     "affected[0].ecosystem_specific.digests[0]", "64 lowercase hexadecimal"),
    ("affected[0].version", ["1.0.0"], "affected[0].version", "Did you mean 'versions'?"),
    ("affected[0].package.purls", "pkg:x/y", "affected[0].package.purls", "not a field of a "
     "package"),
    (f"{R0}.repository", "https://x.org", f"{R0}.repository", "not a field of a range"),
    (f"{R0}.events[0]", {"introduced": "1.0.0", "note": "x"}, f"{R0}.events[0].note",
     "is not part of an event"),
    ("severity[0].vector", "x", "severity[0].vector", "not a field of a severity"),
    ("references[0].link", "x", "references[0].link", "not a field of a reference"),
    ("references[0].type", "BLOG", "references[0].type", "must be one of ADVISORY"),
    ("references[0].url", "example.org/a", "references[0].url", "not an absolute URL"),
    ("credits", [{"name": "x", "type": "HERO"}], "credits[0].type", "must be one of FINDER"),
    ("credits", [{"contact": []}], "credits[0].name", "is missing"),
    ("database_specific", {"severity": "severe"}, "database_specific.severity",
     "LOW, MODERATE, HIGH or CRITICAL"),
    ("database_specific", {"atlas": ["AML.T0051", "T0051"]}, "database_specific.atlas[1]",
     "AML.T0051"),
    ("database_specific", {"avid": "Security"}, "database_specific.avid", "must be a list"),
    ("database_specific", [], "database_specific", "must be an object"),
]


@pytest.mark.parametrize(("path", "value", "location", "words"), BAD_INPUTS,
                         ids=[f"{case[2]}:{case[3]}" for case in BAD_INPUTS])
def test_each_problem_is_reported_at_its_location(path: str, value: object, location: str,
                                                  words: str) -> None:
    doc = _valid()
    _set(doc, path, value)
    problems = _problems(doc)
    assert location in problems, problems
    assert words in problems[location]
    assert len(problems) == 1, problems


def test_a_misspelt_events_key_is_reported_not_a_mix_of_fixed_and_last_affected() -> None:
    doc = _valid()
    _set(doc, R0, {"type": "SEMVER", "event": [{"introduced": "0"}, {"fixed": "1.1.0"}]})
    problems = _problems(doc)
    assert set(problems) == {f"{R0}.events", f"{R0}.event"}, problems
    assert "is missing" in problems[f"{R0}.events"]
    assert "Did you mean 'events'?" in problems[f"{R0}.event"]
    assert not any("mixes" in message for message in problems.values())
    _set(doc, R0, {"type": "SEMVER"})
    assert list(_problems(doc)) == [f"{R0}.events"]


def test_a_last_affected_equal_to_its_introduced_is_one_affected_version() -> None:
    doc = _valid()
    _set(doc, f"{R0}.events[1]", {"last_affected": "1.0.0"})
    assert parse_advisory(doc).affected[0].ranges[0].events[1].value == "1.0.0"


def test_a_document_with_many_problems_reports_all_of_them() -> None:
    doc = _valid()
    _set(doc, "id", "nope")
    _set(doc, "modified", "yesterday")
    _set(doc, "affected[0].package.name", "Bad Name")
    _set(doc, f"{R0}.events[1].fixed", "0.5.0")
    _set(doc, "affected[0].versions", ["?"])
    _set(doc, "references[0].type", "BLOG")
    _set(doc, "database_specific", {"atlas": ["T1"]})
    problems = _problems(doc)
    assert set(problems) == {"id", "modified", "affected[0].package.name",
                             f"{R0}.events[1].fixed", "affected[0].versions[0]",
                             "references[0].type", "database_specific.atlas[0]"}


def test_schema_problems_come_first_and_each_location_is_reported_once() -> None:
    doc = _valid()
    _set(doc, "modified", "2026-13-01")
    _set(doc, "published", "2027-01-01T00:00:00Z")
    _set(doc, "severity[0].score", "CVSS:3.1/AV:N")
    with pytest.raises(DocumentInvalid) as caught:
        parse_advisory(doc)
    locations = [p.location for p in caught.value.problems]
    assert locations == ["modified", "severity[0].score"]  # published ≤ modified: no modified


@pytest.mark.parametrize("value", [None, [], "x_MSA-2026-0001", 3, ("id",)])
def test_a_value_that_is_not_an_object_is_one_problem(value: object) -> None:
    problems = _problems(value)
    assert list(problems) == ["$"]
    assert "must be a JSON object" in problems["$"]


def test_validate_osv_reports_schema_problems_only() -> None:
    doc = _valid()
    _set(doc, "published", "2027-01-01T00:00:00Z")  # after modified: semantic
    _set(doc, "affected[0].package.name", "Bad Name")  # semantic
    assert validate_osv(doc) == []
    _set(doc, "id", 7)
    assert [p.location for p in validate_osv(doc)] == ["id"]


# --- warnings, ids --------------------------------------------------------------------------------


def test_a_range_that_never_closes_and_a_missing_severity_are_warnings() -> None:
    doc = _valid()
    del doc["severity"]
    _set(doc, f"{R0}.events", [{"introduced": "1.1.0"}, {"introduced": "1.0.0"}])
    warnings = advisory_warnings(parse_advisory(doc))
    assert [w.location for w in warnings] == [f"{R0}.events", "severity"]
    assert warnings[0].message.startswith(
        "never closes: every version from 1.0.0 on is affected; add a `fixed` or "
        "`last_affected` event when a fix exists")


def test_a_closed_scored_advisory_has_no_warnings() -> None:
    assert advisory_warnings(parse_advisory(_valid())) == []
    doc = _valid()
    del doc["severity"]
    doc["database_specific"] = {"severity": "LOW"}
    assert advisory_warnings(parse_advisory(doc)) == []


def test_next_id_numbers_from_the_highest_of_the_year() -> None:
    assert next_id([], 2026) == "x_MSA-2026-0001"
    existing = ["x_MSA-2026-0001", "x_MSA-2026-0041", "x_MSA-2025-0099", "GHSA-aaaa-bbbb-cccc",
                "x_MSA-2026-7"]
    assert next_id(existing, 2026) == "x_MSA-2026-0042"
    assert next_id(existing, 2025) == "x_MSA-2025-0100"
    assert next_id(["x_MSA-2026-9999"], 2026) == "x_MSA-2026-10000"
    assert next_id(["x_MSA-2026-10000"], 2026) == "x_MSA-2026-10001"
    with pytest.raises(InvalidInput):
        next_id([], 26)


@FAST
@given(st.lists(st.integers(1, 20000), max_size=5), st.integers(2000, 2099))
def test_next_id_is_new_and_parses(numbers: list[int], year: int) -> None:
    existing = [f"x_MSA-{year}-{n:04d}" for n in numbers]
    new = next_id(existing, year)
    assert new not in existing
    parse_advisory({"id": new, "modified": "2026-01-01T00:00:00Z"})


# --- levels ---------------------------------------------------------------------------------------

V31 = Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N")  # 2.6
V40 = Severity("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N")  # 8.7
V2 = Severity("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")  # 7.5
CRITICAL_V31 = Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")  # 9.8
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("severity", "database_specific", "level"), [
    ((V31,), {}, Level.LOW),
    ((V40,), {}, Level.HIGH),
    ((V2,), {}, Level.HIGH),
    ((CRITICAL_V31,), {}, Level.CRITICAL),
    ((V31, V40), {}, Level.HIGH),
    ((Severity("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"),), {}, Level.MEDIUM),
    ((Severity("Ubuntu", "negligible"),), {}, Level.LOW),
    ((V40,), {"severity": "MODERATE"}, Level.MEDIUM),
    ((), {"severity": "critical"}, Level.CRITICAL),
    ((), {}, Level.UNKNOWN),
    ((Severity("CVSS_V3", "CVSS:3.1/AV:N"),), {}, Level.UNKNOWN),
    ((V31,), {"severity": "not a level"}, Level.LOW),
], ids=["v3.1-low", "v4.0-high", "v2-high", "v3.1-critical", "highest-wins", "v3.0-medium",
        "ubuntu", "database-wins", "database-only", "nothing", "broken-vector", "bad-database"])
def test_level(severity: tuple[Severity, ...], database_specific: dict[str, object],
               level: Level) -> None:
    assert Advisory("x_MSA-2026-0001", NOW, severity=severity,
                    database_specific=database_specific).level is level


def test_level_counts_the_severities_of_affected_entries() -> None:
    advisory = Advisory("x_MSA-2026-0001", NOW, affected=(
        Affected(ECOSYSTEM, "a", severity=(V31,)), Affected(ECOSYSTEM, "b", severity=(V40,))))
    assert advisory.level is Level.HIGH


def test_prerelease_key_follows_semver_precedence() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]  # SemVer 2 §11
    keys = [semver_key(v) for v in ordered]
    assert all(a is not None and b is not None and a < b for a, b in pairwise(keys))
    assert semver_key("1.0.0+build.7") == semver_key("1.0.0")


@FAST
@given(VERSIONS, VERSIONS)
def test_model_key_orders_like_model_version(a: ModelVersion, b: ModelVersion) -> None:
    key_a, key_b = model_key(str(a)), model_key(str(b))
    assert key_a is not None and key_b is not None
    assert (key_a < key_b) == (a < b) and (key_a == key_b) == (a == b)


@FAST
@given(st.text(max_size=12) | PRERELEASES.map(lambda p: f"1.0.0-{p}" if p else "1.0.0+"))
def test_model_key_exists_exactly_for_model_versions(text: str) -> None:
    try:
        ModelVersion.parse(text)
        parses = True
    except InvalidInput:
        parses = False
    assert (model_key(text) is not None) == parses
