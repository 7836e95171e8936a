"""Lock files, ``outdated`` and the audit through the library, on both databases: they choose and
judge versions by the policy's eligibility rule (a version that has not passed the evaluation
gate, or that production monitoring degraded, is never chosen; a locked one is reported), and a
lock that admitted candidates keeps that choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.advisory import (
    ECOSYSTEM,
    Advisory,
    Affected,
    AffectedRange,
    EventKind,
    RangeEvent,
)
from modelsteward.domain.app_manifest import AppManifest, Requirement, parse_manifest
from modelsteward.domain.audit import FindingKind, parse_fail_on
from modelsteward.domain.lockfile import Lock, parse_lock
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.policy import Policy, Threshold
from modelsteward.domain.severity import Level
from modelsteward.errors import DocumentInvalid
from modelsteward.results import Locked
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_registered

POLICY = Policy(monitoring=(Threshold("error_rate", "<=", 0.05),))
LOW = parse_fail_on("low,soft-deadline-passed")


def manifest(pin: str = "^1.0", *, candidates: bool = False) -> AppManifest:
    table = f'{{ pin = "{pin}", candidates = true }}' if candidates else f'"{pin}"'
    return parse_manifest(f'[application]\nname = "portal"\nteam = "support"\n\n'
                          f'[models]\nbot = {table}\n')


@pytest.fixture
def registry(db_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Registry]:
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as reg:
        reg.create_model(Model("bot", risk_tier=RiskTier.LOW))
        yield reg


def add(registry: Registry, tmp_path: Path, version: str, *, gated: bool = True,
        degraded: bool = False) -> str:
    """Register bot@version with an artefact; through the gates unless ``gated`` is False;
    then degraded by production monitoring when asked."""
    folder = tmp_path / version
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(f"bot {version}".encode())
    registry.actor = "alice"
    ref = registry.register_version("bot", version, path=folder, force=True,
                                    reason="test versions").ref
    if gated:
        to_registered(registry, ref)
    if degraded:
        assert registry.lifecycle.record_measurements(ref, {"error_rate": 0.2}).breaches
    return ref


def locked(result: Locked | Lock) -> str:
    lock = result.lock if isinstance(result, Locked) else result
    return lock.models[0].version


def test_lock_upgrade_and_outdated_skip_trained_and_degraded_versions(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    first = registry.locking.lock(manifest())
    assert locked(first) == "1.0.0" and not first.lock.models[0].candidates
    add(registry, tmp_path, "1.1.0", degraded=True)
    add(registry, tmp_path, "1.2.0", gated=False)  # just registered: trained
    assert registry.locking.outdated(first.lock) == []
    upgraded = registry.locking.lock(manifest(), first.lock, upgrade=True)
    assert locked(upgraded) == "1.0.0" and upgraded.changes == ()
    add(registry, tmp_path, "1.3.0")
    [row] = registry.locking.outdated(first.lock)
    assert (row.wanted, row.latest) == ("1.3.0", "1.3.0")
    assert registry.locking.lock(manifest(), first.lock).changes == ()  # without --upgrade
    moved = registry.locking.lock(manifest(), first.lock, upgrade={"bot"})
    assert moved.changes == ("bot 1.0.0 → 1.3.0",)


def test_lock_moves_off_a_locked_version_that_stopped_being_eligible(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    current = add(registry, tmp_path, "1.1.0")
    before = registry.locking.lock(manifest())
    assert locked(before) == "1.1.0"
    assert registry.lifecycle.record_measurements(current, {"error_rate": 0.3}).breaches
    again = registry.locking.lock(manifest(), before.lock)
    assert again.changes == ("bot 1.1.0 → 1.0.0",)


def test_a_pin_with_no_eligible_version_says_why_and_what_to_do(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0", gated=False)
    with pytest.raises(DocumentInvalid) as refused:
        registry.locking.lock(manifest())
    [problem] = refused.value.problems
    assert problem.location == "models.bot.pin"
    assert "no eligible version of bot matches '^1.0': the best match, bot@1.0.0" in \
        problem.message
    assert "it is still trained" in problem.message and "--candidates" in problem.message


def test_audit_reports_a_locked_trained_and_a_locked_degraded_version(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0", gated=False)
    add(registry, tmp_path, "1.1.0", degraded=True)
    # exact pins still lock them: that is not a choice, and the audit says what is wrong
    exact = registry.locking.lock(manifest("1.0.0"))
    assert exact.warnings == (
        "bot@1.0.0 is not eligible for applications because it is still trained: it has not "
        "passed the evaluation gate (the policy's eligibility.minimum_stage is registered; "
        "`steward promote` moves it to evaluated); the exact pin '1.0.0' locks it anyway and "
        "`steward audit` reports it",)
    trained = exact.lock
    degraded = registry.locking.lock(manifest("1.1.0")).lock
    [never_gated] = registry.audits.audit(trained, fail_on=LOW).findings
    assert never_gated.kind is FindingKind.INELIGIBLE and never_gated.level is Level.MEDIUM
    assert never_gated.id == "ineligible:bot@1.0.0"
    assert "it is still trained: it has not passed the evaluation gate" in never_gated.detail
    assert "steward promote" in never_gated.fix
    report = registry.audits.audit(degraded, fail_on=LOW)
    [harmed] = report.findings
    assert harmed.kind is FindingKind.INELIGIBLE and harmed.level is Level.HIGH
    assert "it is degraded (production monitoring: error_rate = 0.2" in harmed.detail
    assert not report.passed
    assert registry.audits.audit(degraded, fail_on=parse_fail_on("high")).failing
    assert registry.audits.audit(degraded, fail_on=parse_fail_on("critical")).passed
    assert registry.audits.audit(trained, fail_on=parse_fail_on("high")).passed


def test_audit_fix_never_moves_onto_an_ineligible_version(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    lock = registry.locking.lock(manifest()).lock
    registry.advisories.create(Advisory(
        "", registry.clock.now(), summary="a jailbreak", database_specific={"severity": "HIGH"},
        affected=(Affected(ECOSYSTEM, "bot", ranges=(AffectedRange("SEMVER", (
            RangeEvent(EventKind.INTRODUCED, "0"), RangeEvent(EventKind.FIXED, "1.1.0"))),)),)))
    add(registry, tmp_path, "1.1.0", degraded=True)
    add(registry, tmp_path, "1.2.0", gated=False)
    text = '[application]\nname = "portal"\nteam = "support"\n\n[models]\nbot = "^1.0"\n'
    report = registry.audits.audit(lock, fail_on=LOW)
    assert [f.kind for f in report.failing] == [FindingKind.ADVISORY]
    stuck = registry.audits.fix(text, lock, report)
    assert stuck.fixed == () and locked(stuck.locked) == "1.0.0"
    assert stuck.unfixed == ("bot@1.0.0: no eligible version of bot newer than it, nor the one "
                             "its pin gives, passes the audit (x_MSA-2026-0001)",)
    add(registry, tmp_path, "1.3.0")
    fixed = registry.audits.fix(text, lock, report)
    assert fixed.fixed == ("bot: 1.0.0 → 1.3.0",) and locked(fixed.locked) == "1.3.0"
    assert registry.audits.audit(fixed.locked.lock, fail_on=LOW).passed


def test_audit_fix_moves_a_degraded_version_to_the_best_eligible_one(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    add(registry, tmp_path, "1.1.0")
    lock = registry.locking.lock(manifest()).lock
    assert locked(lock) == "1.1.0"
    assert registry.lifecycle.record_measurements("bot@1.1.0", {"error_rate": 0.2}).breaches
    add(registry, tmp_path, "1.2.0", gated=False)
    report = registry.audits.audit(lock, fail_on=LOW)
    assert [f.kind for f in report.failing] == [FindingKind.INELIGIBLE]
    text = '[application]\nname = "portal"\nteam = "support"\n\n[models]\nbot = "^1.0"\n'
    fixed = registry.audits.fix(text, lock, report)
    assert fixed.fixed == ("bot: 1.1.0 → 1.0.0",) and locked(fixed.locked) == "1.0.0"


def test_a_lock_with_candidates_records_it_and_keeps_the_choice(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    add(registry, tmp_path, "1.1.0", gated=False)
    staged = registry.locking.lock(manifest(), candidates=True)
    entry = staged.lock.models[0]
    assert (entry.version, entry.candidates) == ("1.1.0", True)
    assert "candidates = true" in staged.text and staged.text.startswith('lock-version = "1.1"')
    assert parse_lock(staged.text) == staged.lock
    # re-locked without --candidates, the entry keeps its choice (and its version)
    again = registry.locking.lock(manifest(), staged.lock)
    assert again.text == staged.text
    # the audit does not report a candidate below the minimum stage: it asked for it
    report = registry.audits.audit(staged.lock, fail_on=LOW)
    assert report.findings == () and report.audited[0].candidates
    # outdated and upgrades look at candidates too
    add(registry, tmp_path, "1.2.0", gated=False)
    [row] = registry.locking.outdated(staged.lock)
    assert (row.wanted, row.latest) == ("1.2.0", "1.2.0")
    assert registry.locking.outdated(registry.locking.lock(manifest()).lock) == []
    # but a degraded candidate is still reported
    assert registry.lifecycle.record_measurements("bot@1.1.0", {"error_rate": 0.2}).breaches
    [finding] = registry.audits.audit(staged.lock, fail_on=LOW).findings
    assert finding.kind is FindingKind.INELIGIBLE and finding.level is Level.HIGH
    assert "locked with --candidates" in finding.detail
    # --upgrade without --candidates drops the choice: the entry moves to an eligible version
    upgraded = registry.locking.lock(manifest(), staged.lock, upgrade=True)
    assert (locked(upgraded), upgraded.lock.models[0].candidates) == ("1.0.0", False)
    assert upgraded.text.startswith('lock-version = "1.0"')


def test_models_toml_can_admit_candidates_for_one_model(
        registry: Registry, tmp_path: Path) -> None:
    add(registry, tmp_path, "1.0.0")
    add(registry, tmp_path, "1.1.0", gated=False)
    result = registry.locking.lock(manifest(candidates=True))
    assert (locked(result), result.lock.models[0].candidates) == ("1.1.0", True)
    everyone = AppManifest("portal", "support", (Requirement("bot", "^1.0"),), candidates=True)
    assert locked(registry.locking.lock(everyone)) == "1.1.0"
    assert locked(registry.locking.lock(manifest())) == "1.0.0"
