"""The audit's output formats: golden files for one representative report, plus structural
checks (CycloneDX against the 1.6 schema, SARIF rules and levels, the JSON shape).

Rewrite the golden files after an intended change with ``STEWARD_UPDATE_GOLDEN=1 pytest
tests/reports`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelsteward.domain.audit import (
    AuditedModel,
    AuditReport,
    Finding,
    FindingKind,
    apply_ignores,
    fails,
    parse_fail_on,
    sort_findings,
)
from modelsteward.domain.deprecation import Phase
from modelsteward.domain.ignores import Ignore
from modelsteward.domain.severity import Level
from modelsteward.reports import cyclonedx, json_report, markdown, sarif, table

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("STEWARD_UPDATE_GOLDEN") == "1"
TODAY = date(2026, 6, 1)
SERIAL = UUID("5f1c1c4e-3a53-4c7e-9a55-2b0d8d3f6a10")
STAMP = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
LINES = {"embedder": 13, "gpt-4o": 22, "summariser": 28, "support-bot": 36}

BOT = AuditedModel("support-bot", "2.1.3", "pkg:generic/modelsteward/support-bot@2.1.3",
                   root_digest="3f5a" * 16, pin="^2.1")
EMBEDDER = AuditedModel("embedder", "1.2.0+q4", "pkg:generic/modelsteward/embedder@1.2.0%2Bq4",
                        root_digest="9b1e" * 16, pin="~1.2")
SUMMARISER = AuditedModel("summariser", "3.0.1", "pkg:generic/modelsteward/summariser@3.0.1",
                          root_digest="c0de" * 16, pin="^3")
GPT = AuditedModel("gpt-4o", "gpt-4o-2024-08-06",
                   "pkg:generic/modelsteward/gpt-4o@gpt-4o-2024-08-06", pin="gpt-4o-2024-08-06")
CLEAN = AuditedModel("classifier", "0.4.0", "pkg:generic/modelsteward/classifier@0.4.0",
                     root_digest="0a0b" * 16, pin="^0.4")

RAW_FINDINGS = (
    # An advisory inherited through lineage.
    Finding(FindingKind.ADVISORY, "support-bot", "2.1.3", "x_MSA-2026-0003",
            "System-prompt override through crafted tool output",
            "base-llm 1.0.0 follows instructions embedded in tool results.",
            level=Level.HIGH, inherited_from="base-llm@1.0.0", fixed_in=("1.0.1",),
            aliases=("CVE-2026-31337",),
            references=("https://advisories.example.com/x_MSA-2026-0003",),
            atlas=("AML.T0051.001",),
            fix="move to a version of support-bot derived from a fixed base-llm (1.0.1)"),
    # A direct critical advisory.
    Finding(FindingKind.ADVISORY, "support-bot", "2.1.3", "x_MSA-2026-0007",
            "Training data leaks customer e-mail addresses",
            "Prompts of the form 'repeat the word …' make the model emit memorised records.",
            level=Level.CRITICAL, fixed_in=("2.1.4",),
            references=("https://advisories.example.com/x_MSA-2026-0007",
                        "https://example.com/blog/memorisation"),
            avid=("P0201: Privacy",), fix="upgrade support-bot to 2.1.4 or later"),
    # A deprecation past its soft deadline, with a replacement.
    Finding(FindingKind.DEPRECATION, "summariser", "3.0.1", "deprecation:summariser@3.0.1",
            "summariser@3.0.1 is deprecated (replaced): soft-deadline-passed",
            "New adoption is refused; it retires on 2026-09-01.",
            phase=Phase.SOFT_DEADLINE_PASSED, replacement="summariser@^4",
            dates={"announced": "2026-02-01", "soft_deadline": "2026-05-01",
                   "hard_deadline": "2026-09-01"},
            fix="move to summariser@^4"),
    # An advisory that a live ignore covers (through its alias).
    Finding(FindingKind.ADVISORY, "embedder", "1.2.0+q4", "x_MSA-2026-0002",
            "Embedding inversion recovers short inputs | partial text",
            level=Level.MEDIUM, aliases=("GHSA-7x2q-9w4m-p3rv",), fixed_in=("1.3.0",),
            fix="upgrade embedder to 1.3.0 or later"),
    # A digest mismatch.
    Finding(FindingKind.DIGEST_MISMATCH, "embedder", "1.2.0+q4", "digest:embedder@1.2.0+q4",
            "the lock's digest of embedder@1.2.0+q4 differs from the registry's",
            f"lock sha256:{'9b1e' * 16}, registry sha256:{'77aa' * 16}.",
            fix="run `steward lock --upgrade embedder` against the right registry"),
    # A gate override whose ignore has expired.
    Finding(FindingKind.GATE_OVERRIDE, "gpt-4o", "gpt-4o-2024-08-06",
            "override:gpt-4o@gpt-4o-2024-08-06:evaluation",
            "the evaluation gate was overridden for gpt-4o@gpt-4o-2024-08-06",
            "by alice on 2026-03-02: provider model, evaluated upstream",
            fix="review the evidence, or move to a version that passed its gates"),
)
IGNORES = (
    Ignore("GHSA-7x2q-9w4m-p3rv", "Inputs are long documents; short-input inversion does not "
           "apply.", date(2026, 12, 31), model="embedder"),
    Ignore("override:gpt-4o@gpt-4o-2024-08-06:evaluation", "Accepted until the Q2 review.",
           date(2026, 4, 30)),
)


def representative(fail_on: str = "low,soft-deadline-passed") -> AuditReport:
    """An inherited advisory, a direct critical one, a deprecation past its soft deadline with a
    replacement, an ignored finding, an expired ignore, a digest mismatch and a gate override."""
    return AuditReport(
        application="support-portal",
        source="https://steward.example.com",
        audited=(BOT, EMBEDDER, SUMMARISER, GPT, CLEAN),
        findings=apply_ignores(RAW_FINDINGS, IGNORES, TODAY),
        fail_on=parse_fail_on(fail_on),
    )


def empty() -> AuditReport:
    return AuditReport("support-portal", "advisories/", (), (), parse_fail_on("low"))


def test_the_representative_report_has_what_it_claims() -> None:
    audit = representative()
    kinds = {f.kind for f in audit.findings}
    assert {FindingKind.ADVISORY, FindingKind.DEPRECATION, FindingKind.DIGEST_MISMATCH,
            FindingKind.GATE_OVERRIDE, FindingKind.EXPIRED_IGNORE} <= kinds
    assert [f.id for f in audit.ignored] == ["x_MSA-2026-0002"]
    assert not audit.passed


# --- golden files ----------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[AuditReport], str]] = {
    "report.json": json_report.render,
    "report.md": markdown.render,
    "report.sarif.json": lambda r: sarif.render(r, lines=LINES),
    "report.cdx.json": lambda r: cyclonedx.render(r, serial_number=SERIAL, timestamp=STAMP),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(name: str) -> None:
    rendered = RENDERERS[name](representative())
    path = GOLDEN / name
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with STEWARD_UPDATE_GOLDEN=1 to write it."
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, run "
        "STEWARD_UPDATE_GOLDEN=1 pytest tests/reports and review the diff.")


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_rendering_ignores_the_order_of_findings_and_is_repeatable(name: str) -> None:
    audit = representative()
    shuffled = replace(audit, findings=tuple(reversed(audit.findings)))
    assert RENDERERS[name](shuffled) == RENDERERS[name](audit) == RENDERERS[name](audit)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_every_format_ends_with_one_newline(name: str) -> None:
    for audit in (representative(), empty()):
        text = RENDERERS[name](audit)
        assert text.endswith("\n") and not text.endswith("\n\n")


# --- JSON ------------------------------------------------------------------------------------


def test_json_has_the_documented_shape() -> None:
    document = json.loads(json_report.render(representative()))
    assert set(document) == {"application", "source", "fail_on", "passed", "summary", "models"}
    assert document["fail_on"] == "low,soft-deadline-passed"
    assert document["passed"] is False
    assert document["summary"] == {"audited": 5, "findings": 7, "failing": 5, "ignored": 1}
    assert [m["name"] for m in document["models"]] == [
        "classifier", "embedder", "gpt-4o", "summariser", "support-bot"]
    finding_keys = {f.name for f in fields(Finding)} | {"fails"}
    for model in document["models"]:
        assert set(model) == {"name", "version", "purl", "pin", "root_digest", "candidates",
                              "findings"}
        assert model["candidates"] is False
        for item in model["findings"]:
            assert set(item) == finding_keys
    bot = document["models"][4]
    assert bot["findings"][0]["level"] == "high" and bot["findings"][0]["phase"] is None
    assert bot["findings"][0]["fixed_in"] == ["1.0.1"]
    summariser = document["models"][3]["findings"][0]
    assert summariser["kind"] == "deprecation" and summariser["phase"] == "soft-deadline-passed"
    assert summariser["dates"]["soft_deadline"] == "2026-05-01"


def _ineligible_report(fail_on: str = "low,soft-deadline-passed") -> AuditReport:
    """A degraded version (high) and a model locked with candidates that was rolled back."""
    staged = replace(CLEAN, candidates=True)
    found = (
        Finding(FindingKind.INELIGIBLE, "support-bot", "2.1.3", "ineligible:support-bot@2.1.3",
                "support-bot@2.1.3 is not eligible for applications",
                "support-bot@2.1.3 is not eligible because it is degraded (production "
                "monitoring: error rate 7%).", level=Level.HIGH,
                fix="run `steward lock --upgrade support-bot` to lock the best eligible version"),
        Finding(FindingKind.INELIGIBLE, "classifier", "0.4.0", "ineligible:classifier@0.4.0",
                "classifier@0.4.0 is not eligible for applications",
                "classifier@0.4.0 is not eligible because it is still trained.",
                level=Level.MEDIUM, fix="move classifier@0.4.0 through the gates"),
    )
    return AuditReport("support-portal", "https://steward.example.com", (BOT, staged), found,
                       parse_fail_on(fail_on))


def test_an_ineligible_version_is_shown_in_every_format_with_its_severity() -> None:
    audit = _ineligible_report()
    assert [f.id for f in audit.failing] == ["ineligible:classifier@0.4.0",
                                             "ineligible:support-bot@2.1.3"]
    assert not _ineligible_report("critical").failing  # ranks like an advisory of its level
    assert [f.id for f in _ineligible_report("high").failing] == [
        "ineligible:support-bot@2.1.3"]
    _, rows = table.rows(audit)
    assert [(r[1], r[3]) for r in rows] == [("ineligible-version", "medium"),
                                            ("ineligible-version", "high")]
    document = json.loads(json_report.render(audit))
    by_name = {m["name"]: m for m in document["models"]}
    assert by_name["classifier"]["candidates"] is True
    assert by_name["support-bot"]["findings"][0]["kind"] == "ineligible-version"
    assert by_name["support-bot"]["findings"][0]["level"] == "high"
    text = markdown.render(audit)
    assert "| ❌ fails | `support-bot@2.1.3` | ineligible-version |" in text
    assert "classifier@0.4.0 was locked with --candidates" in text
    bom = json.loads(cyclonedx.render(audit, serial_number=SERIAL, timestamp=STAMP))
    props = {c["name"]: {p["name"]: p["value"] for p in c.get("properties", [])}
             for c in bom["components"]}
    assert props["support-bot"]["modelsteward:ineligible-version:severity"] == "high"
    assert props["classifier"]["modelsteward:candidates"] == "true"
    assert "degraded" not in json.dumps(bom.get("vulnerabilities", []))  # not an advisory
    log = json.loads(sarif.render(audit))
    results = log["runs"][0]["results"]
    assert {r["ruleId"]: r["level"] for r in results} == {
        "ineligible:classifier@0.4.0": "error", "ineligible:support-bot@2.1.3": "error"}
    assert log["runs"][0]["properties"]["lockedWithCandidates"] == ["classifier@0.4.0"]


def test_json_fails_flags_agree_with_the_policy() -> None:
    audit = representative()
    document = json.loads(json_report.render(audit))
    flags = [item["fails"] for model in document["models"] for item in model["findings"]]
    assert flags == [fails(f, audit.fail_on) for f in sort_findings(audit.findings)]
    assert sum(flags) == document["summary"]["failing"]


def test_json_keeps_findings_about_models_that_were_not_audited() -> None:
    stray = Finding(FindingKind.NOT_IN_REGISTRY, "ghost", "1.0.0", "missing:ghost@1.0.0",
                    "ghost@1.0.0 is not in the registry")
    document = json.loads(json_report.render(replace(empty(), findings=(stray,))))
    assert document["models"][0]["name"] == "ghost"
    assert document["models"][0]["findings"][0]["id"] == "missing:ghost@1.0.0"


# --- table -----------------------------------------------------------------------------------


def test_table_rows_follow_the_sorted_findings() -> None:
    audit = representative()
    header, body = table.rows(audit)
    assert header == ("model", "finding", "id", "severity/phase", "what", "fix")
    ordered = sort_findings(audit.findings)
    assert [row[2] for row in body] == [f.id for f in ordered]
    assert all(len(row) == len(header) for row in body)
    by_id = {row[2]: row for row in body}
    inherited = by_id["x_MSA-2026-0003"]
    assert inherited[0] == "support-bot@2.1.3" and inherited[3] == "high"
    assert inherited[4].endswith("(inherited from base-llm@1.0.0)")
    assert by_id["deprecation:summariser@3.0.1"][3] == "soft-deadline-passed"
    ignored = by_id["x_MSA-2026-0002"]
    assert ignored[1] == "advisory (ignored)"
    assert ignored[5].startswith("ignored: Inputs are long documents")
    assert by_id["digest:embedder@1.2.0+q4"][3] == ""


def test_an_inherited_note_already_in_the_title_is_not_repeated() -> None:
    finding = Finding(FindingKind.ADVISORY, "bot", "1.0.0", "x_MSA-2026-0001",
                      "Jailbreak (inherited from base@1.0.0)", inherited_from="base@1.0.0")
    _, body = table.rows(replace(empty(), findings=(finding,)))
    assert body[0][4] == "Jailbreak (inherited from base@1.0.0)"


def test_an_empty_report_has_no_rows() -> None:
    assert table.rows(empty())[1] == []


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_escapes_cells_and_links_advisories() -> None:
    text = markdown.render(representative())
    assert "short inputs \\| partial text" in text
    assert "[x_MSA-2026-0007](https://advisories.example.com/x_MSA-2026-0007)" in text
    table_lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table_lines) == 1 + 7
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 7 for line in table_lines)


def test_markdown_of_an_empty_lock_says_nothing_was_audited() -> None:
    text = markdown.render(empty())
    assert "**Nothing audited**" in text and "| Status" not in text


def test_markdown_of_a_clean_audit_passes() -> None:
    clean = replace(empty(), audited=(CLEAN,))
    assert "**Passed**: no findings" in markdown.render(clean)


# --- CycloneDX -------------------------------------------------------------------------------

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def assert_valid_cyclonedx(text: str) -> None:
    errors = VALIDATOR.validate_str(text, all_errors=True)
    assert errors is None, [str(e) for e in errors] if errors else None


def test_cyclonedx_is_valid_1_6() -> None:
    for audit in (representative(), empty()):
        assert_valid_cyclonedx(cyclonedx.render(audit))
        assert_valid_cyclonedx(cyclonedx.render(audit, serial_number=SERIAL, timestamp=STAMP))


def test_cyclonedx_maps_models_and_advisories() -> None:
    bom = json.loads(cyclonedx.render(representative(), serial_number=SERIAL, timestamp=STAMP))
    assert bom["specVersion"] == "1.6"
    assert bom["serialNumber"] == f"urn:uuid:{SERIAL}"
    assert bom["metadata"]["timestamp"].startswith("2026-06-01T09:30:00")
    components = {c["name"]: c for c in bom["components"]}
    assert set(components) == {"classifier", "embedder", "gpt-4o", "summariser", "support-bot"}
    for model in (BOT, EMBEDDER, SUMMARISER, GPT, CLEAN):
        component = components[model.name]
        assert component["type"] == "machine-learning-model"
        assert component["bom-ref"] == component["purl"] == model.purl
        assert component["version"] == model.version
        hashes = [h["content"] for h in component.get("hashes", [])]
        assert hashes == ([model.root_digest] if model.root_digest else [])
    summariser = {p["name"]: p["value"] for p in components["summariser"]["properties"]}
    assert summariser["modelsteward:deprecation:phase"] == "soft-deadline-passed"
    assert summariser["modelsteward:deprecation:replacement"] == "summariser@^4"
    assert summariser["modelsteward:deprecation:hard-deadline"] == "2026-09-01"
    names = {p["name"] for c in bom["components"] for p in c.get("properties", [])}
    assert {"modelsteward:digest-mismatch", "modelsteward:gate-override",
            "modelsteward:expired-ignore"} <= names
    assert all(name.startswith("modelsteward:") for name in names)

    vulnerabilities = {v["id"]: v for v in bom["vulnerabilities"]}
    assert set(vulnerabilities) == {"x_MSA-2026-0002", "x_MSA-2026-0003", "x_MSA-2026-0007"}
    critical = vulnerabilities["x_MSA-2026-0007"]
    assert critical["source"]["name"] == "modelsteward"
    assert critical["ratings"][0]["severity"] == "critical"
    assert critical["recommendation"] == "upgrade support-bot to 2.1.4 or later"
    assert critical["affects"] == [{"ref": BOT.purl}]
    assert "analysis" not in critical
    ignored = vulnerabilities["x_MSA-2026-0002"]
    assert ignored["analysis"]["state"] == "not_affected"
    assert ignored["analysis"]["detail"].startswith("Inputs are long documents")
    assert vulnerabilities["x_MSA-2026-0003"]["references"] == [
        {"id": "CVE-2026-31337", "source": {"name": "NVD"}}]


def test_cyclonedx_splits_an_advisory_ignored_for_some_models_only() -> None:
    shared = [Finding(FindingKind.ADVISORY, model.name, model.version, "x_MSA-2026-0011",
                      "Shared weakness", level=Level.LOW) for model in (BOT, EMBEDDER, CLEAN)]
    ignores = [Ignore("x_MSA-2026-0011", "batch only", None, model="embedder"),
               Ignore("x_MSA-2026-0011", "not exposed", None, model="classifier")]
    audit = replace(empty(), audited=(BOT, EMBEDDER, CLEAN),
                    findings=apply_ignores(shared, ignores, TODAY))
    text = cyclonedx.render(audit)
    assert_valid_cyclonedx(text)
    vulnerabilities = json.loads(text)["vulnerabilities"]
    assert sorted(v["bom-ref"] for v in vulnerabilities) == [
        "x_MSA-2026-0011", "x_MSA-2026-0011#ignored-1", "x_MSA-2026-0011#ignored-2"]
    live = next(v for v in vulnerabilities if v["bom-ref"] == "x_MSA-2026-0011")
    assert live["affects"] == [{"ref": BOT.purl}] and "analysis" not in live


def test_cyclonedx_serial_number_is_derived_from_the_content() -> None:
    audit = representative()
    first = json.loads(cyclonedx.render(audit))
    assert first["serialNumber"] == json.loads(cyclonedx.render(audit))["serialNumber"]
    other = json.loads(cyclonedx.render(replace(audit, application="other-app")))
    assert first["serialNumber"] != other["serialNumber"]
    assert "timestamp" not in first.get("metadata", {})


def test_cyclonedx_keeps_a_model_with_an_unparseable_purl() -> None:
    odd = AuditedModel("odd", "1.0.0", "not a purl")
    text = cyclonedx.render(replace(empty(), audited=(odd,)))
    assert_valid_cyclonedx(text)
    component = json.loads(text)["components"][0]
    assert component["bom-ref"] == "not a purl" and "purl" not in component


# --- SARIF -----------------------------------------------------------------------------------


def test_sarif_results_point_at_rules_and_carry_levels() -> None:
    audit = representative()
    log = json.loads(sarif.render(audit, lines=LINES))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "modelsteward" and driver["informationUri"]
    rules = driver["rules"]
    rule_ids = [rule["id"] for rule in rules]
    assert rule_ids == sorted(set(rule_ids))
    assert set(rule_ids) == {f.id for f in audit.findings}
    results = run["results"]
    ordered = sort_findings(audit.findings)
    assert len(results) == len(ordered)
    for result, finding in zip(results, ordered, strict=True):
        assert result["ruleId"] == finding.id
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        expected = ("note" if finding.ignored
                    else "error" if fails(finding, audit.fail_on) else "warning")
        assert result["level"] == expected
        assert ("suppressions" in result) is finding.ignored
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "models.lock"
        assert location["region"]["startLine"] == LINES[finding.model]
        assert result["message"]["text"].startswith(finding.ref)
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["x_MSA-2026-0007"] == "error"
    assert levels["override:gpt-4o@gpt-4o-2024-08-06:evaluation"] == "warning"
    assert levels["ignore:override:gpt-4o@gpt-4o-2024-08-06:evaluation"] == "error"
    ignored = next(r for r in results if r["ruleId"] == "x_MSA-2026-0002")
    assert ignored["suppressions"] == [{
        "kind": "external",
        "justification": "Inputs are long documents; short-input inversion does not apply."}]
    critical = rules[rule_ids.index("x_MSA-2026-0007")]
    assert critical["helpUri"] == "https://advisories.example.com/x_MSA-2026-0007"
    assert critical["shortDescription"]["text"] == "Training data leaks customer e-mail addresses"


def test_sarif_fingerprints_are_unique_and_survive_rewording() -> None:
    audit = representative()
    results = json.loads(sarif.render(audit))["runs"][0]["results"]
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(set(prints)) == len(prints)
    reworded = replace(audit, findings=tuple(replace(f, title=f.title.upper(), detail="")
                                             for f in audit.findings))
    again = json.loads(sarif.render(reworded))["runs"][0]["results"]
    assert [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in again] == prints


def test_sarif_defaults_to_line_one_and_uses_the_given_lock_uri() -> None:
    log = json.loads(sarif.render(representative(), lock_uri="app/models.lock",
                                  lines={"embedder": 0}))
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "app/models.lock"
        assert location["region"]["startLine"] == 1


def test_sarif_of_an_empty_report_has_no_results() -> None:
    run = json.loads(sarif.render(empty()))["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


# --- any report renders ----------------------------------------------------------------------

_text = st.text(max_size=12)
_findings = st.builds(
    Finding,
    kind=st.sampled_from(FindingKind),
    model=st.sampled_from(["support-bot", "embedder", "ghost"]),
    version=st.sampled_from(["1.0.0", "2.1.3+q4", ""]),
    id=st.sampled_from(["x_MSA-2026-0001", "x_MSA-2026-0002", "digest:embedder@1.0.0"]),
    title=_text, detail=_text,
    level=st.none() | st.sampled_from(Level), phase=st.none() | st.sampled_from(Phase),
    inherited_from=st.sampled_from(["", "base@1.0.0", "pkg:huggingface/org/name@abc"]),
    fixed_in=st.lists(_text, max_size=2).map(tuple),
    aliases=st.lists(st.sampled_from(["CVE-2026-1", "GHSA-x", "odd"]), max_size=2).map(tuple),
    references=st.lists(st.sampled_from(["https://example.com/a", "https://x.test/%zz#a#b"]),
                        max_size=2).map(tuple),
    atlas=st.lists(_text, max_size=1).map(tuple), avid=st.lists(_text, max_size=1).map(tuple),
    fix=_text, ignored_reason=st.sampled_from(["", "accepted"]),
    dates=st.dictionaries(st.sampled_from(["announced", "soft_deadline"]), _text, max_size=2),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_findings, max_size=6), st.sampled_from(["low", "none", "critical,retired"]))
def test_any_report_renders_in_every_format(findings: list[Finding], fail_on: str) -> None:
    """Every format accepts any report, and the BOM stays schema-valid."""
    audit = AuditReport("app", "advisories/", (BOT, EMBEDDER), tuple(findings),
                        parse_fail_on(fail_on))
    document = json.loads(json_report.render(audit))
    assert document["summary"]["findings"] == len(findings)
    assert len(table.rows(audit)[1]) == len(findings)
    assert markdown.render(audit).startswith("## modelsteward audit: app\n")
    results = json.loads(sarif.render(audit))["runs"][0]["results"]
    assert len(results) == len(findings)
    assert_valid_cyclonedx(cyclonedx.render(audit))
