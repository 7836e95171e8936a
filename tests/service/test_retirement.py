"""Retirement with archived weights, verification, report and restore (both databases)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.eligibility import EligibilityRule
from modelsteward.domain.lifecycle import Stage
from modelsteward.domain.model import Model, ModelKind, Version
from modelsteward.domain.policy import Policy
from modelsteward.domain.versioning import Snapshot
from modelsteward.errors import (
    ArchiveEscapes,
    ArchiveMismatch,
    ArchiveProtocolUnavailable,
    ArchiveUnwritable,
    Conflict,
    IllegalTransition,
)
from modelsteward.integrity.archive import inside
from modelsteward.integrity.manifest import hash_artifact
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import through_gates
from tests.service.test_consumers import twelve_consumers


class CorruptingFileSystem(MemoryFileSystem):  # type: ignore[misc]  # fsspec is untyped
    """Storage that flips the first byte of every file written: a broken archive backend."""

    protocol = "corrupting"

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: object) -> None:
        super().pipe_file(path, b"X" + value[1:], mode, **kwargs)

    def _open(self, path: str, mode: str = "rb", **kwargs: object):  # type: ignore[no-untyped-def]
        handle = super()._open(path, mode, **kwargs)
        if "w" in mode:
            original: Callable[[bytes], int] = handle.write

            def write(data: bytes) -> int:
                if handle.tell() == 0 and data:
                    data = b"X" + data[1:]
                return original(data)
            handle.write = write
        return handle


fsspec.register_implementation("corrupting", CorruptingFileSystem, clobber=True)


def weights(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"layers": 2}')
    (folder / "model.safetensors").write_bytes(b"\x07" * 5000)
    return folder


@pytest.fixture
def registry(db_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Registry]:
    # about retirement, not the gates: pins and the replacement ^3 may take ungated versions
    development = Policy(eligibility=EligibilityRule(Stage.TRAINED))
    with Registry.open(db_url, actor="alice", clock=clock, policy=development) as reg:
        reg.create_model(Model("support-bot", tags=("conversational",)))
        for version in ("2.0.0", "2.1.0", "2.1.3", "2.4.0", "3.0.0"):
            reg.register_version("support-bot", version, force=True, reason="seeding",
                                 path=weights(tmp_path / "w" / version))
        through_gates(reg, "support-bot@3.0.0")  # the replacement plans name must be eligible
        reg.create_model(Model("embedder"))
        reg.register_version("embedder", "1.0.0")
        yield reg


def deprecate(registry: Registry, version: str = "2.1.3") -> None:
    today = registry.clock.now().date()
    registry.deprecations.plan(
        f"support-bot@{version}", reason=DeprecationReason.REPLACED,
        replacement="support-bot@^3", announced=today, soft_deadline=today + timedelta(days=30),
        hard_deadline=today + timedelta(days=90), migration_steps=("Pin support-bot ^3",))


def test_seed_story_ends_with_archived_weights_and_a_report(registry: Registry,
                                                           clock: FixedClock,
                                                           tmp_path: Path) -> None:
    for ref in ("support-bot@2.0.0", "support-bot@2.1.0", "support-bot@2.1.3",
                "support-bot@2.4.0", "embedder@1.0.0"):
        through_gates(registry, ref)  # the consumers' ranges resolve to eligible versions only
    twelve_consumers(registry)
    deprecate(registry)
    assert len(registry.deprecations.notices()) == 3
    clock.advance(days=31)
    with pytest.raises(Conflict, match="new consumers may not adopt"):
        registry.consumers.add(Consumer("late", ConsumerKind.APPLICATION, "team-x",
                                        pins=(parse_uses("support-bot 2.1.3"),)))
    clock.advance(days=60)
    archive = tmp_path / "archive"
    report = registry.deprecations.tick(archive=str(archive))
    assert report.retired == ("support-bot@2.1.3",) and report.failures == ()
    assert registry.get_version("support-bot", "2.1.3").stage is Stage.RETIRED
    copied = archive / "support-bot" / "2.1.3"
    assert (copied / "model.safetensors").read_bytes() == b"\x07" * 5000
    markdown = (archive / "support-bot" / "2.1.3.retirement-report.md").read_text()
    assert markdown.startswith("# Retirement report: support-bot@2.1.3")
    assert "## Post-deployment interview" in markdown  # a conversational model
    data = json.loads((archive / "support-bot" / "2.1.3.retirement-report.json").read_text())
    assert data["weights"]["digest"] == "sha256:" + registry.get_version(
        "support-bot", "2.1.3").digest
    assert len(data["consumers"]) == 12


def test_retire_and_restore_through_an_fsspec_url(registry: Registry, tmp_path: Path) -> None:
    deprecate(registry)
    result = registry.retirements.retire("support-bot@2.1.3", "memory://vault", reason="replaced",
                                         interview={"went-well": "Fast answers."})
    assert result.archive == "memory://vault/support-bot/2.1.3"
    assert "Fast answers." in result.report_markdown
    restored = registry.retirements.restore("support-bot@2.1.3", tmp_path / "back")
    assert (restored / "config.json").read_text() == '{"layers": 2}'
    assert registry.log("support-bot")[-1].kind == "model:version:restored"
    with pytest.raises(ArchiveUnwritable, match="not empty"):
        registry.retirements.restore("support-bot@2.1.3", tmp_path / "back")


def test_a_restore_that_does_not_verify_leaves_nothing_at_its_destination(
        registry: Registry, tmp_path: Path) -> None:
    deprecate(registry)
    archive = registry.retirements.retire("support-bot@2.1.3", str(tmp_path / "archive"),
                                          reason="replaced").archive
    (Path(archive) / "model.safetensors").write_bytes(b"\x08" * 5000)  # tampered in storage
    events = len(registry.log())
    empty = tmp_path / "empty"
    empty.mkdir()
    for destination in (tmp_path / "new" / "back", empty):
        with pytest.raises(ArchiveMismatch, match=r"changed \['model.safetensors'\].*nothing "
                                                  "was written"):
            registry.retirements.restore("support-bot@2.1.3", destination)
        assert list(destination.parent.glob(".*restoring-*")) == []  # no staging folder left
    assert not (tmp_path / "new" / "back").exists() and list((tmp_path / "new").iterdir()) == []
    assert list(empty.iterdir()) == []
    assert len(registry.log()) == events  # nothing recorded
    (Path(archive) / "model.safetensors").write_bytes(b"\x07" * 5000)  # repaired
    restored = registry.retirements.restore("support-bot@2.1.3", empty)
    assert sorted(p.name for p in restored.iterdir()) == ["config.json", "model.safetensors"]
    assert list(tmp_path.glob(".*restoring-*")) == []


def test_a_copy_that_does_not_verify_leaves_the_version_unretired(registry: Registry) -> None:
    deprecate(registry)
    events = len(registry.log())
    with pytest.raises(ArchiveMismatch, match="does not match the registered digests"):
        registry.retirements.retire("support-bot@2.1.3", "corrupting://vault", reason="x")
    assert registry.get_version("support-bot", "2.1.3").stage is Stage.TRAINED  # unchanged
    assert len(registry.log()) == events


def test_unwritable_archives_and_wrong_stages_are_refused(registry: Registry,
                                                          tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IllegalTransition, match="allowed next stages"):
        registry.retirements.retire("support-bot@2.0.0", str(tmp_path / "arch"), reason="x")
    deprecate(registry, "2.0.0")
    with pytest.raises(ArchiveUnwritable, match="Cannot write the archive"):
        registry.retirements.retire("support-bot@2.0.0", str(blocker / "sub"), reason="x")
    assert registry.get_version("support-bot", "2.0.0").stage is Stage.TRAINED  # unchanged


def test_an_archive_protocol_without_its_package_names_what_to_install(
        registry: Registry) -> None:
    # a protocol whose implementation is not installed, as fsspec knows s3://, gs://, az://…
    fsspec.register_implementation("vaultfs", "modelsteward_absent_vaultfs.VaultFileSystem",
                                    clobber=True, errtxt="Install vaultfs to access vaults")
    deprecate(registry)
    events = len(registry.log())
    with pytest.raises(ArchiveProtocolUnavailable,
                       match=r"vaultfs:// needs a package that is not installed; install the "
                             r"package fsspec names \(Install vaultfs to access vaults\)"):
        registry.retirements.retire("support-bot@2.1.3", "vaultfs://bucket", reason="x")
    assert registry.get_version("support-bot", "2.1.3").stage is Stage.TRAINED  # unchanged
    assert len(registry.log()) == events


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None,
                    reason="s3fs is installed here, so s3:// works")
def test_an_s3_archive_without_s3fs_names_the_s3_extra(registry: Registry) -> None:
    deprecate(registry)
    with pytest.raises(ArchiveProtocolUnavailable,
                       match=r"s3:// needs a package .* `pip install 'modelsteward\[s3\]'`"):
        registry.retirements.retire("support-bot@2.1.3", "s3://vault", reason="x")
    assert registry.get_version("support-bot", "2.1.3").stage is Stage.TRAINED


def _stored_before_ids_were_checked(registry: Registry, version_id: str, source: Path) -> None:
    """A fine-tune whose version id holds '/' and '..', written straight to the store as a
    registry from before the rule would have kept it, rejected (so retirable)."""
    manifest = hash_artifact(source)
    registry.create_model(Model("ft-bot", kind=ModelKind.FINE_TUNED, provider="openai"))
    with registry.store.write() as tx:
        tx.add_version(Version("ft-bot", Snapshot("", version_id), registry.clock.now(),
                               "alice", digest=manifest.root_digest, files=manifest.files))
        tx.set_stage("ft-bot", version_id, Stage.REJECTED)


def test_retirement_never_writes_outside_the_archive_for_a_stored_bad_id(
        registry: Registry, tmp_path: Path) -> None:
    source = weights(tmp_path / "ft")
    _stored_before_ids_were_checked(registry, "x/../../../escaped", source)
    root = tmp_path / "vault" / "archive"
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(ArchiveEscapes, match="outside the archive"):
        registry.retirements.retire("ft-bot@x/../../../escaped", str(root), reason="gone",
                                    source=source)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert registry.get_version("ft-bot", "x/../../../escaped").stage is Stage.REJECTED


def test_archive_paths_are_checked_segment_by_segment(tmp_path: Path) -> None:
    assert inside(str(tmp_path), "m/1.0.0") == f"{tmp_path}/m/1.0.0"
    assert inside("memory://vault", "org/m/a...b") == "memory://vault/org/m/a...b"
    for relative in ("m/../x", "../x", "m//x", "m/./x", "/x", "m/a\\b", "m/a\x00", ""):
        with pytest.raises(ArchiveEscapes):
            inside(str(tmp_path), relative)


def test_the_report_lists_the_versions_incidents_open_and_resolved(registry: Registry) -> None:
    deprecate(registry)
    first = registry.cards.record_incident("support-bot@2.1.3", "Answers in the wrong language",
                                           severity="high", started="2026-02-01",
                                           link="https://status.example.com/1")
    registry.cards.record_incident("support-bot@2.1.3", "Slow at peak", started="2026-02-03")
    registry.cards.resolve_incident("support-bot@2.1.3", first.seq, resolved="2026-02-02")
    registry.cards.record_incident("support-bot@2.0.0", "Not this version's")
    report = registry.retirements.retire("support-bot@2.1.3", "memory://incidents",
                                         reason="replaced").report_markdown
    section = report.split("## Incidents", 1)[1].split("##", 1)[0]
    assert (f"- incident {first.seq} (high): Answers in the wrong language, started "
            "2026-02-01, resolved 2026-02-02 — https://status.example.com/1") in section
    assert "Slow at peak, started 2026-02-03, still open" in section
    assert "Not this version's" not in section
