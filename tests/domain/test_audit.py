"""Tests for ``modelsteward.domain.audit``: the fail policy, ignores and the report value.

Each docstring quotes the rule it checks.
"""

from __future__ import annotations

import itertools
from contextlib import suppress
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward.domain.audit import (
    ALWAYS_FAIL,
    DEFAULT_FAIL_ON,
    AuditedModel,
    AuditReport,
    FailOn,
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
from modelsteward.errors import InvalidInput

TODAY = date(2026, 6, 1)


def advisory(model: str = "support-bot", id: str = "x_MSA-2026-0001",
             level: Level | None = Level.HIGH, version: str = "2.1.3",
             aliases: tuple[str, ...] = (), ignored_reason: str = "") -> Finding:
    return Finding(FindingKind.ADVISORY, model, version, id, f"advisory {id}", level=level,
                   aliases=aliases, ignored_reason=ignored_reason)


def finding(kind: FindingKind, model: str = "support-bot", version: str = "2.1.3",
            phase: Phase | None = None, ignored_reason: str = "") -> Finding:
    prefix = {FindingKind.DEPRECATION: "deprecation", FindingKind.RETIRED: "retired",
              FindingKind.GATE_OVERRIDE: "override", FindingKind.DIGEST_MISMATCH: "digest",
              FindingKind.NOT_IN_REGISTRY: "missing", FindingKind.EXPIRED_IGNORE: "ignore",
              FindingKind.ADVISORY: "advisory", FindingKind.INELIGIBLE: "ineligible",
              FindingKind.END_OF_SUPPORT: "end-of-support"}[kind]
    return Finding(kind, model, version, f"{prefix}:{model}@{version}", f"a {kind} finding",
                   phase=phase, ignored_reason=ignored_reason)


# --- parse_fail_on ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("low", FailOn(Level.LOW, None)),
    ("medium", FailOn(Level.MEDIUM, None)),
    ("moderate", FailOn(Level.MEDIUM, None)),
    ("high", FailOn(Level.HIGH, None)),
    ("critical", FailOn(Level.CRITICAL, None)),
    ("announced", FailOn(None, Phase.ANNOUNCED)),
    ("soft-deadline-passed", FailOn(None, Phase.SOFT_DEADLINE_PASSED)),
    ("retired", FailOn(None, Phase.RETIRED)),
    ("gate-override", FailOn(None, None, gate_overrides=True)),
    ("none", FailOn(None, None)),
    ("low,soft-deadline-passed", FailOn(Level.LOW, Phase.SOFT_DEADLINE_PASSED)),
    (" Critical , RETIRED,gate-override ", FailOn(Level.CRITICAL, Phase.RETIRED, True)),
    ("gate-override,announced,high", FailOn(Level.HIGH, Phase.ANNOUNCED, True)),
])
def test_every_token_parses(text: str, expected: FailOn) -> None:
    """Rule: "comma-separated tokens: a level (low|medium|moderate|high|critical), a phase
    (announced|soft-deadline-passed|retired), "gate-override", or "none" alone"."""
    assert parse_fail_on(text) == expected


def test_the_default_fails_on_any_advisory_and_past_soft_deadlines() -> None:
    assert parse_fail_on(DEFAULT_FAIL_ON) == FailOn(Level.LOW, Phase.SOFT_DEADLINE_PASSED)
    assert str(parse_fail_on(DEFAULT_FAIL_ON)) == DEFAULT_FAIL_ON


ALL_FAIL_ONS = [FailOn(level, phase, gates) for level, phase, gates in itertools.product(
    [None, Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL],
    [None, Phase.ANNOUNCED, Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED], [False, True])]


@pytest.mark.parametrize("fail_on", ALL_FAIL_ONS, ids=str)
def test_canonical_text_round_trips(fail_on: FailOn) -> None:
    """Rule: ``__str__`` is the canonical text; parsing it gives the same policy."""
    assert parse_fail_on(str(fail_on)) == fail_on


def test_canonical_text_orders_level_phase_gate_override() -> None:
    assert str(parse_fail_on("gate-override,retired,moderate")) == "medium,retired,gate-override"
    assert str(FailOn(None, None)) == "none"


@pytest.mark.parametrize(("text", "named"), [
    ("severe", "'severe'"),
    ("low,bogus", "'bogus'"),
    ("unknown", "'unknown'"),
    ("active", "'active'"),
    ("low,", "empty token"),
    ("low,,high", "empty token"),
    ("none,low", "'none' cannot be combined"),
    ("low,high", "more than one level (low, high)"),
    ("medium,moderate", "more than one level"),
    ("announced,retired", "more than one phase (announced, retired)"),
])
def test_bad_tokens_are_named_with_the_choices(text: str, named: str) -> None:
    """Rule: "Unknown token → InvalidInput naming the token and listing the choices"; "at most
    one level and one phase"; "none" only alone."""
    with pytest.raises(InvalidInput) as caught:
        parse_fail_on(text)
    message = str(caught.value)
    assert named in message
    for choice in ("low", "moderate", "critical", "soft-deadline-passed", "gate-override",
                   "'none' alone"):
        assert choice in message


def test_every_bad_token_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_fail_on("bogus,low,high,nonsense")
    message = str(caught.value)
    assert "'bogus'" in message and "'nonsense'" in message and "more than one level" in message


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="--fail-on is empty"):
        parse_fail_on(text)


@given(st.text())
def test_any_text_parses_or_raises_invalid_input(text: str) -> None:
    """No input crashes the parser with anything but InvalidInput."""
    try:
        fail_on = parse_fail_on(text)
    except InvalidInput:
        return
    assert parse_fail_on(str(fail_on)) == fail_on


@given(st.lists(st.sampled_from(["low", "medium", "moderate", "high", "critical", "announced",
                                 "soft-deadline-passed", "retired", "gate-override", "none",
                                 "", "x"]), min_size=1, max_size=5))
def test_token_soup_parses_or_raises_invalid_input(tokens: list[str]) -> None:
    with suppress(InvalidInput):
        parse_fail_on(",".join(tokens))


# --- fails -----------------------------------------------------------------------------------

LEVELS = [Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL]


@pytest.mark.parametrize(("level", "threshold"), list(itertools.product(LEVELS, LEVELS)))
def test_advisories_fail_at_or_above_the_level(level: Level, threshold: Level) -> None:
    """Rule: "advisories at or above this rank fail"."""
    expected = LEVELS.index(level) >= LEVELS.index(threshold)
    assert fails(advisory(level=level), FailOn(threshold, None)) is expected


@pytest.mark.parametrize(("threshold", "expected"), [
    (Level.LOW, True), (Level.MEDIUM, True), (Level.HIGH, True), (Level.CRITICAL, False)])
@pytest.mark.parametrize("level", [Level.UNKNOWN, None])
def test_unscored_advisories_rank_like_high(level: Level | None, threshold: Level,
                                            expected: bool) -> None:
    """Rule: "levels incl. UNKNOWN ranked like high" (and a missing level is unknown)."""
    assert fails(advisory(level=level), FailOn(threshold, None)) is expected


@pytest.mark.parametrize("level", [*LEVELS, Level.UNKNOWN, None])
def test_advisories_never_fail_without_a_level_threshold(level: Level | None) -> None:
    """Rule: "None: advisories never fail"."""
    assert not fails(advisory(level=level), FailOn(None, Phase.ANNOUNCED, True))


PHASES = [Phase.ANNOUNCED, Phase.SOFT_DEADLINE_PASSED, Phase.RETIRED]


@pytest.mark.parametrize(("phase", "threshold"), list(itertools.product(PHASES, PHASES)))
def test_deprecations_fail_at_or_after_the_phase(phase: Phase, threshold: Phase) -> None:
    """Rule: "deprecations at or after this phase fail (order announced < soft < retired)"."""
    expected = PHASES.index(phase) >= PHASES.index(threshold)
    assert fails(finding(FindingKind.DEPRECATION, phase=phase), FailOn(None, threshold)) is expected


@pytest.mark.parametrize(("phase", "expected"), [
    (Phase.ACTIVE, False), (Phase.ANNOUNCED, False), (Phase.SOFT_DEADLINE_PASSED, False),
    (Phase.RETIRED, True)])
def test_without_a_phase_threshold_only_retired_deprecations_fail(phase: Phase,
                                                                  expected: bool) -> None:
    """Rule: "a deprecation whose phase is RETIRED always fails too"."""
    assert fails(finding(FindingKind.DEPRECATION, phase=phase), FailOn(Level.LOW, None)) is expected


def test_an_active_deprecation_never_fails_and_a_missing_phase_counts_as_announced() -> None:
    announced = FailOn(None, Phase.ANNOUNCED)
    assert not fails(finding(FindingKind.DEPRECATION, phase=Phase.ACTIVE), announced)
    assert fails(finding(FindingKind.DEPRECATION, phase=None), announced)
    assert not fails(finding(FindingKind.DEPRECATION, phase=None),
                     FailOn(None, Phase.SOFT_DEADLINE_PASSED))


@pytest.mark.parametrize("gate_overrides", [False, True])
def test_gate_overrides_fail_only_when_asked(gate_overrides: bool) -> None:
    """Rule: "gate-override" in --fail-on makes gate overrides fail."""
    fail_on = FailOn(Level.LOW, Phase.ANNOUNCED, gate_overrides)
    assert fails(finding(FindingKind.GATE_OVERRIDE), fail_on) is gate_overrides


@pytest.mark.parametrize("kind", sorted(ALWAYS_FAIL))
def test_always_failing_kinds_fail_under_none(kind: FindingKind) -> None:
    """Rule: "these fail whatever --fail-on says"."""
    assert fails(finding(kind), parse_fail_on("none"))


def test_always_fail_is_the_documented_set() -> None:
    assert {FindingKind.RETIRED, FindingKind.DIGEST_MISMATCH,
            FindingKind.NOT_IN_REGISTRY, FindingKind.EXPIRED_IGNORE} == ALWAYS_FAIL


@pytest.mark.parametrize("kind", [k for k in FindingKind if k is not FindingKind.EXPIRED_IGNORE])
def test_ignored_findings_never_fail(kind: FindingKind) -> None:
    """Rule: "ignored findings never fail" — the always-failing kinds included."""
    everything = FailOn(Level.LOW, Phase.ANNOUNCED, True)
    ignored = finding(kind, phase=Phase.RETIRED, ignored_reason="accepted until the migration")
    assert not fails(ignored, everything)


def test_an_expired_ignore_fails_even_if_marked_ignored() -> None:
    """Rule: "(they can still be ignored, except EXPIRED_IGNORE)"."""
    assert fails(finding(FindingKind.EXPIRED_IGNORE, ignored_reason="no"), parse_fail_on("none"))


# --- apply_ignores ---------------------------------------------------------------------------


def test_an_ignore_matches_by_id() -> None:
    """Rule: "An ignore matches a finding when ids are equal … A live match sets
    ignored_reason"."""
    found = apply_ignores([advisory(), advisory(id="x_MSA-2026-0002")],
                          [Ignore("x_MSA-2026-0001", "offline only", date(2026, 12, 31))], TODAY)
    assert [(f.id, f.ignored_reason) for f in found] == [
        ("x_MSA-2026-0001", "offline only"), ("x_MSA-2026-0002", "")]


def test_an_ignore_matches_by_alias() -> None:
    """Rule: "(also when the ignore id equals one of the advisory's aliases)"."""
    found = apply_ignores([advisory(aliases=("CVE-2026-1234", "GHSA-abcd-efgh-ijkl"))],
                          [Ignore("GHSA-abcd-efgh-ijkl", "not reachable", None)], TODAY)
    assert found[0].ignored_reason == "not reachable"


def test_an_ignore_of_a_finding_id_matches_that_finding() -> None:
    deprecation = finding(FindingKind.DEPRECATION, phase=Phase.SOFT_DEADLINE_PASSED)
    found = apply_ignores([deprecation],
                          [Ignore("deprecation:support-bot@2.1.3", "migrating in Q3",
                                  date(2026, 9, 30))], TODAY)
    assert found[0].ignored_reason == "migrating in Q3"
    assert not fails(found[0], parse_fail_on(DEFAULT_FAIL_ON))


def test_a_model_scoped_ignore_matches_only_that_model() -> None:
    """Rule: "if the ignore names a model, the model is equal"."""
    found = apply_ignores([advisory("support-bot"), advisory("embedder", version="1.2.0")],
                          [Ignore("x_MSA-2026-0001", "batch only", None, model="support-bot")],
                          TODAY)
    assert {f.model: f.ignored_reason for f in found} == {"support-bot": "batch only",
                                                         "embedder": ""}


def test_an_expired_ignore_does_not_apply_and_is_reported_once_per_model() -> None:
    """Rule: "An expired ignore does not apply and adds one EXPIRED_IGNORE finding per (ignore,
    model) it would have matched: title "ignore of <id> expired on <date>", detail with its
    reason, fix "review it: renew the expiry or fix the finding"."""
    ignore = Ignore("CVE-2026-1234", "waiting for the vendor", date(2026, 5, 31))
    found = apply_ignores(
        [advisory("support-bot", aliases=("CVE-2026-1234",)),
         advisory("support-bot", id="x_MSA-2026-0009", aliases=("CVE-2026-1234",)),
         advisory("embedder", version="1.2.0", aliases=("CVE-2026-1234",))],
        [ignore], TODAY)
    assert all(not f.ignored for f in found)
    expired = [f for f in found if f.kind is FindingKind.EXPIRED_IGNORE]
    assert [(f.model, f.version) for f in expired] == [("embedder", "1.2.0"),
                                                        ("support-bot", "2.1.3")]
    first = expired[0]
    assert first.id == "ignore:CVE-2026-1234"
    assert first.title == "ignore of CVE-2026-1234 expired on 2026-05-31"
    assert "waiting for the vendor" in first.detail
    assert first.fix == "review it: renew the expiry or fix the finding"
    assert all(fails(f, parse_fail_on("none")) for f in expired)


def test_an_ignore_is_live_on_its_expiry_day() -> None:
    """Rule: "expired(today) -> today > expires"."""
    found = apply_ignores([advisory()], [Ignore("x_MSA-2026-0001", "ok", TODAY)], TODAY)
    assert [f.ignored_reason for f in found] == ["ok"]


def test_an_expired_ignore_that_matches_nothing_adds_nothing() -> None:
    found = apply_ignores([advisory()], [Ignore("x_MSA-1999-0001", "old", date(2020, 1, 1))],
                          TODAY)
    assert found == (advisory(),)


def test_a_live_ignore_still_applies_beside_an_expired_one() -> None:
    found = apply_ignores([advisory()], [Ignore("x_MSA-2026-0001", "old", date(2026, 1, 1)),
                                         Ignore("x_MSA-2026-0001", "renewed", None)], TODAY)
    assert [(f.kind, f.ignored_reason) for f in found] == [
        (FindingKind.ADVISORY, "renewed"), (FindingKind.EXPIRED_IGNORE, "")]


def test_the_first_live_ignore_gives_the_reason() -> None:
    found = apply_ignores([advisory()], [Ignore("x_MSA-2026-0001", "first", None),
                                         Ignore("x_MSA-2026-0001", "second", None,
                                                model="support-bot")], TODAY)
    assert found[0].ignored_reason == "first"


def test_an_expired_ignore_finding_cannot_be_ignored() -> None:
    expired = finding(FindingKind.EXPIRED_IGNORE)
    found = apply_ignores([expired], [Ignore(expired.id, "hush", None)], TODAY)
    assert found == (expired,)


def test_output_is_sorted_by_model_version_kind_and_id() -> None:
    """Rule: "Output sorted by (model, version, kind order as in FindingKind, id)"."""
    unsorted = [
        finding(FindingKind.NOT_IN_REGISTRY, "b"),
        advisory("b", id="x_MSA-2026-0002"),
        finding(FindingKind.DEPRECATION, "b", phase=Phase.ANNOUNCED),
        advisory("b", id="x_MSA-2026-0001"),
        finding(FindingKind.RETIRED, "a", version="9.0.0"),
        finding(FindingKind.RETIRED, "a", version="10.0.0"),
    ]
    found = apply_ignores(unsorted, [], TODAY)
    assert [(f.model, f.version, f.kind, f.id) for f in found] == [
        ("a", "10.0.0", FindingKind.RETIRED, "retired:a@10.0.0"),
        ("a", "9.0.0", FindingKind.RETIRED, "retired:a@9.0.0"),
        ("b", "2.1.3", FindingKind.ADVISORY, "x_MSA-2026-0001"),
        ("b", "2.1.3", FindingKind.ADVISORY, "x_MSA-2026-0002"),
        ("b", "2.1.3", FindingKind.DEPRECATION, "deprecation:b@2.1.3"),
        ("b", "2.1.3", FindingKind.NOT_IN_REGISTRY, "missing:b@2.1.3"),
    ]
    assert found == sort_findings(reversed(unsorted))


# --- the report ------------------------------------------------------------------------------


def report(findings: list[Finding], fail_on: str = DEFAULT_FAIL_ON) -> AuditReport:
    audited = (AuditedModel("embedder", "1.2.0", "pkg:generic/modelsteward/embedder@1.2.0"),
               AuditedModel("support-bot", "2.1.3", "pkg:generic/modelsteward/support-bot@2.1.3"))
    return AuditReport("support-portal", "https://steward.example.com", audited,
                       tuple(findings), parse_fail_on(fail_on))


def test_a_report_fails_when_any_finding_fails() -> None:
    failing = advisory(level=Level.CRITICAL)
    warning = finding(FindingKind.GATE_OVERRIDE, "embedder", "1.2.0")
    ignored = advisory(id="x_MSA-2026-0005", ignored_reason="batch only")
    audit = report([warning, failing, ignored])
    assert audit.failing == (failing,)
    assert audit.ignored == (ignored,)
    assert not audit.passed
    assert audit.for_model("support-bot") == (failing, ignored)
    assert audit.for_model("nobody") == ()


def test_a_report_without_failing_findings_passes() -> None:
    assert report([finding(FindingKind.GATE_OVERRIDE)]).passed
    assert report([]).passed
    assert not report([finding(FindingKind.GATE_OVERRIDE)], "gate-override").passed


def test_finding_ref_is_model_at_version() -> None:
    assert advisory().ref == "support-bot@2.1.3"
    assert advisory(version="").ref == "support-bot"
