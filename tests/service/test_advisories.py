"""Advisories through the library, on both databases: publishing and its notices, matching by
version, variant, digest and upstream Hugging Face commit, inheritance through lineage,
withdrawal, export, import rules, and the audit's deprecation, retirement and override findings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
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
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import FindingKind, parse_fail_on
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason, Phase
from modelsteward.domain.lineage import Relation
from modelsteward.domain.model import Model
from modelsteward.domain.osv_document import parse_advisory
from modelsteward.errors import AdvisoryNotFound, DocumentInvalid, InvalidInput
from modelsteward.service.advisories import load_directory
from modelsteward.service.audit import audit_offline
from tests.conftest import FixedClock
from tests.domain.test_osv_schema import official_validator, without_extension
from tests.service.eligibility_helpers import DEVELOPMENT
from tests.service.lifecycle_helpers import to_registered

NOW = datetime(2026, 11, 22, tzinfo=UTC)
TODAY = NOW.date()
LOW = parse_fail_on("low,soft-deadline-passed")


def semver(name: str, introduced: str = "0", fixed: str = "", **extra: object) -> Affected:
    events = [RangeEvent(EventKind.INTRODUCED, introduced)]
    if fixed:
        events.append(RangeEvent(EventKind.FIXED, fixed))
    return Affected(ECOSYSTEM, name, ranges=(AffectedRange("SEMVER", tuple(events)),),
                    **extra)  # type: ignore[arg-type]


def draft(*affected: Affected, summary: str = "a jailbreak") -> Advisory:
    return Advisory("", NOW, summary=summary, affected=affected,
                    database_specific={"severity": "HIGH"})


def weights(root: Path, name: str, payload: bytes) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(payload)
    return folder


@pytest.fixture
def registry(db_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Registry]:
    # advisories match versions whatever their stage: the development mode (every version
    # eligible) keeps the gates out of these tests
    with Registry.open(db_url, actor="alice", clock=clock, policy=DEVELOPMENT) as reg:
        reg.create_model(Model("base-llm", owner_team="research"))
        reg.register_version("base-llm", "1.0.0", path=weights(tmp_path, "b1", b"base 1"))
        reg.register_version("base-llm", "1.1.0", force=True, reason="seed",
                             path=weights(tmp_path, "b2", b"base 2"))
        reg.create_model(Model("support-bot"))
        reg.register_version("support-bot", "1.0.0", derived_from="base-llm@1.0.0",
                             relation=Relation.FINETUNE, path=weights(tmp_path, "s1", b"bot 1"))
        reg.register_version("support-bot", "1.1.0", force=True, reason="seed",
                             derived_from="base-llm@1.1.0", relation=Relation.FINETUNE,
                             path=weights(tmp_path, "s2", b"bot 2"))
        # through the gates, so that pins resolve to them (the policy's eligibility rule)
        for ref in ("base-llm@1.0.0", "base-llm@1.1.0", "support-bot@1.0.0",
                    "support-bot@1.1.0"):
            to_registered(reg, ref)
        reg.actor = "alice"
        reg.create_model(Model("hf-tune"))
        reg.register_version("hf-tune", "1.0.0", relation=Relation.FINETUNE,
                             derived_from="pkg:huggingface/acme/open-llm@" + "a" * 40)
        reg.consumers.add(Consumer("portal", ConsumerKind.APPLICATION, "team-support",
                                   pins=(parse_uses("support-bot ~1.0"),)))
        # hf-tune has no artefact, so it cannot pass the gates: the notebook pins it exactly
        # (an exact pin still names an ineligible version)
        reg.consumers.add(Consumer("lab", ConsumerKind.NOTEBOOK, "team-lab",
                                   pins=(parse_uses("hf-tune 1.0.0"),)))
        yield reg


def test_publishing_notifies_consumers_of_derived_versions_once(registry: Registry) -> None:
    published = registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    assert published.advisory.id == "x_MSA-2026-0001"
    assert published.affected == ("base-llm@1.0.0",)
    assert published.inherited == ("support-bot@1.0.0",)
    notices = [n for n in registry.deprecations.notices() if n.kind.startswith("advisory")]
    assert [(n.team, n.model, n.kind) for n in notices] == [
        ("team-support", "support-bot", "advisory-inherited")]
    assert "portal" in notices[0].message
    second = registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    assert second.advisory.id == "x_MSA-2026-0002"
    affecting = registry.advisories.affecting("support-bot@1.0.0")
    assert [(f.advisory.id, f.inherited_from) for f in affecting] == [
        ("x_MSA-2026-0001", "base-llm@1.0.0"), ("x_MSA-2026-0002", "base-llm@1.0.0")]
    assert registry.advisories.affecting("support-bot@1.1.0") == []


def test_digest_match_finds_a_copy_under_another_version(registry: Registry) -> None:
    digest = registry.get_version("support-bot", "1.1.0").digest
    registry.advisories.create(draft(Affected(ECOSYSTEM, "support-bot",
                                              versions=("9.9.9",),
                                              digests=(f"sha256:{digest}",))))
    [found] = registry.advisories.affecting("support-bot@1.1.0")
    assert found.match.by == "digest" and found.inherited_from == ""


def test_upstream_hugging_face_commit_reaches_its_fine_tune(registry: Registry) -> None:
    git = Affected("GIT", "https://huggingface.co/acme/open-llm", ranges=(AffectedRange(
        "GIT", (RangeEvent(EventKind.INTRODUCED, "a" * 40),
                RangeEvent(EventKind.FIXED, "d" * 40)),
        "https://huggingface.co/acme/open-llm"),))
    published = registry.advisories.create(draft(git, summary="poisoned tokenizer"))
    assert published.inherited == ("hf-tune@1.0.0",)
    assert [n.team for n in registry.deprecations.notices()
            if n.kind.startswith("advisory")] == ["team-lab"]
    [found] = registry.advisories.affecting("hf-tune@1.0.0")
    assert found.inherited_from == "pkg:huggingface/acme/open-llm@" + "a" * 40


def test_withdrawn_advisories_stop_matching_and_stay_exported(registry: Registry,
                                                              tmp_path: Path) -> None:
    made = registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    registry.advisories.withdraw(made.advisory.id, "false positive")
    assert registry.advisories.affecting("base-llm@1.0.0") == []
    with pytest.raises(InvalidInput, match="already withdrawn"):
        registry.advisories.withdraw(made.advisory.id, "again")
    with pytest.raises(AdvisoryNotFound):
        registry.advisories.withdraw("x_MSA-2026-9999", "nope")
    written = registry.advisories.export(tmp_path / "osv")
    record = json.loads(written[0].read_text())
    assert record["withdrawn"] and parse_advisory(record).withdrawn is not None
    assert [a.id for a in load_directory(tmp_path / "osv")] == [made.advisory.id]
    assert registry.advisories.all() == []  # withdrawn ones are hidden by default
    assert len(registry.advisories.all(include_withdrawn=True)) == 1


def test_every_exported_advisory_is_official_osv_but_for_the_overlaid_fields(
        registry: Registry, tmp_path: Path) -> None:
    digest = registry.get_version("support-bot", "1.1.0").digest
    registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    registry.advisories.create(draft(Affected(ECOSYSTEM, "support-bot", versions=("1.1.0",),
                                              digests=(f"sha256:{digest}",))))
    registry.advisories.create(draft(Affected("GIT", "https://huggingface.co/acme/open-llm",
                                              ranges=(AffectedRange("GIT", (
                                                  RangeEvent(EventKind.INTRODUCED, "a" * 40),
                                                  RangeEvent(EventKind.FIXED, "d" * 40)),
                                                  "https://huggingface.co/acme/open-llm"),))))
    made = registry.advisories.create(draft(semver("support-bot", "1.0.0", "1.1.0")))
    registry.advisories.withdraw(made.advisory.id, "duplicate")
    written = registry.advisories.export(tmp_path / "osv")
    assert len(written) == 4
    for path in written:
        record = json.loads(path.read_text("utf-8"))
        assert list(official_validator().iter_errors(record)) != []  # the extension is used
        errors = [e.message for e in official_validator().iter_errors(without_extension(record))]
        assert errors == [], (path.name, errors)


def test_import_is_all_or_nothing_and_keeps_the_newest(registry: Registry) -> None:
    good = replace(draft(semver("base-llm", fixed="1.1.0")), id="x_MSA-2026-0100").to_osv()
    bad = {"id": "x_MSA-2026-0101", "affected": "everything"}
    with pytest.raises(DocumentInvalid) as raised:
        registry.advisories.import_documents([("good.json", good), ("bad.json", bad)])
    assert any(p.location.startswith("bad.json") for p in raised.value.problems)
    assert registry.advisories.all() == []
    [first] = registry.advisories.import_documents([("good.json", good)])
    assert first.new and first.affected == ("base-llm@1.0.0",)
    [again] = registry.advisories.import_documents([("good.json", good)])
    assert not again.new and again.notices == 0  # same modified time: unchanged
    newer = dict(good, modified="2026-11-23T00:00:00Z", summary="worse than thought")
    [updated] = registry.advisories.import_documents([("newer.json", newer)])
    assert not updated.new and registry.advisories.get("x_MSA-2026-0100").summary == \
        "worse than thought"
    unknown = replace(draft(semver("no-such-model")), id="x_MSA-2026-0102").to_osv()
    [warned] = registry.advisories.import_documents([("u.json", unknown)])
    assert any("not in this registry" in p.message for p in warned.warnings)
    with pytest.raises(DocumentInvalid, match="not in this registry"):
        registry.advisories.create(draft(semver("no-such-model")))


def _lock(registry: Registry, pin: str = "~1.0"):  # type: ignore[no-untyped-def]
    manifest = parse_manifest(f'[application]\nname = "portal"\nteam = "team-support"\n'
                              f'[models]\nsupport-bot = "{pin}"\n')
    return registry.locking.lock(manifest).lock


def test_audit_reports_deprecation_retirement_and_overrides(registry: Registry,
                                                            clock: FixedClock) -> None:
    lock = _lock(registry)
    assert registry.audits.audit(lock, fail_on=LOW).passed
    registry.deprecations.plan(
        "base-llm@1.0.0", reason=DeprecationReason.VULNERABILITY, replacement="base-llm@^1.1",
        announced=TODAY, soft_deadline=TODAY + timedelta(days=10),
        hard_deadline=TODAY + timedelta(days=40))
    report = registry.audits.audit(lock, fail_on=LOW)
    [inherited] = report.findings
    assert inherited.kind is FindingKind.DEPRECATION and inherited.phase is Phase.ANNOUNCED
    assert inherited.inherited_from == "base-llm@1.0.0" and report.passed  # announced only
    clock.advance(days=11)
    report = registry.audits.audit(lock, fail_on=LOW)
    assert not report.passed and report.failing[0].phase is Phase.SOFT_DEADLINE_PASSED
    registry.deprecations.plan(
        "support-bot@1.0.0", reason=DeprecationReason.REPLACED, replacement="support-bot@^1.1",
        announced=clock.now().date(), soft_deadline=clock.now().date() + timedelta(days=1),
        hard_deadline=clock.now().date() + timedelta(days=2))
    clock.advance(days=3)
    registry.deprecations.tick()
    report = registry.audits.audit(lock, fail_on=parse_fail_on("none"))
    kinds = [f.kind for f in report.findings]
    assert FindingKind.RETIRED in kinds and not report.passed  # retired always fails
    retired = next(f for f in report.findings if f.kind is FindingKind.RETIRED)
    assert retired.replacement == "support-bot@^1.1" and "move to support-bot@^1.1" in retired.fix


def test_audit_offline_uses_the_lock_ancestry(registry: Registry, tmp_path: Path) -> None:
    lock = _lock(registry)
    registry.advisories.create(draft(semver("base-llm", fixed="1.1.0")))
    registry.advisories.export(tmp_path / "osv")
    report = audit_offline(lock, load_directory(tmp_path / "osv"), source="osv",
                           fail_on=LOW, ignores=(), today=TODAY)
    [finding] = report.findings
    assert finding.inherited_from == "base-llm@1.0.0" and finding.fixed_in == ("1.1.0",)
    assert not report.passed


def test_bad_advisory_folder_lists_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "a.json").write_text("{not json")
    (folder / "b.json").write_text(json.dumps({"id": "x_MSA-2026-0001"}))
    with pytest.raises(DocumentInvalid) as raised:
        load_directory(folder)
    locations = " ".join(p.location for p in raised.value.problems)
    assert "a.json" in locations and "b.json" in locations
    with pytest.raises(InvalidInput, match="not a directory"):
        load_directory(tmp_path / "missing")
