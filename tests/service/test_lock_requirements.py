"""The lock file carries what each locked version was tested with, on every store: the
registry's newest record for that version (only the keys recorded), refreshed when the lock is
written again; a lock without it still reads and audits; the digests check stays what it was,
and a freshly written lock passes the audit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.audit import parse_fail_on
from modelsteward.domain.lockfile import Lock, parse_lock, render_lock
from modelsteward.domain.model import Model, RiskTier
from modelsteward.domain.requirements import Requirements
from modelsteward.integrity.lock_check import read_lock
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import to_registered

LOW = parse_fail_on("low")
MANIFEST = parse_manifest('[application]\nname = "portal"\nteam = "support"\n\n'
                          '[models]\nbot = "^1.0"\nembedder = "^2"\n')
TESTED = Requirements("transformers", ">=4.40,<4.47", hardware="nvidia-a100-80gb")


@pytest.fixture
def registry(db_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Registry]:
    """bot@1.0.0 registered with its requirements, embedder@2.0.0 without any; both gated."""
    with Registry.open(db_url, actor="alice", clock=clock) as reg:
        for name, version, requirements in (("bot", "1.0.0", TESTED),
                                            ("embedder", "2.0.0", None)):
            reg.create_model(Model(name, risk_tier=RiskTier.LOW))
            folder = tmp_path / name
            folder.mkdir()
            (folder / "model.safetensors").write_bytes(name.encode())
            ref = reg.register_version(name, version, path=folder,
                                       requirements=requirements).ref
            to_registered(reg, ref)
        yield reg


def test_the_lock_carries_the_recorded_requirements(registry: Registry) -> None:
    locked = registry.locking.lock(MANIFEST)
    assert locked.text.startswith('lock-version = "1.2"\n')
    assert ('requirements = { framework = "transformers", framework-version = ">=4.40,<4.47", '
            'hardware = "nvidia-a100-80gb" }') in locked.text
    bot, embedder = locked.lock.models
    assert (bot.requirements, embedder.requirements) == (TESTED, None)
    # the digests still add up, and the lock passes its own audit
    assert read_lock(locked.text) == locked.lock
    report = registry.audits.audit(read_lock(locked.text), fail_on=LOW)
    assert report.passed and report.findings == (), report.findings

    # what the registry records later reaches the lock when it is written again (same version)
    newer = Requirements("vllm", ">=0.6,<0.7", tokenizer="org/tok")
    registry.cards.set_requirements("bot@1.0.0", newer)
    registry.cards.set_requirements("embedder@2.0.0", TESTED)
    again = registry.locking.lock(MANIFEST, locked.lock)
    assert again.changes == ()
    assert [m.requirements for m in again.lock.models] == [newer, TESTED]
    assert 'requirements = { framework = "vllm", framework-version = ">=0.6,<0.7", ' \
           'tokenizer = "org/tok" }' in again.text


def test_a_lock_without_requirements_still_reads_audits_and_is_rewritten_with_them(
        registry: Registry) -> None:
    locked = registry.locking.lock(MANIFEST)
    older = Lock(locked.lock.application,
                 tuple(replace(m, requirements=None) for m in locked.lock.models))
    text = render_lock(older)
    assert text.startswith('lock-version = "1.0"\n') and "requirements" not in text
    parsed = parse_lock(text)
    assert parsed == older and read_lock(text) == older
    assert registry.audits.audit(parsed, fail_on=LOW).passed
    rewritten = registry.locking.lock(MANIFEST, parsed)
    assert rewritten.lock.models[0].requirements == TESTED
