"""``make run``: the demonstration registry is built and shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.demo import main


def test_demo_builds_a_registry_and_shows_it(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "Building the demonstration registry" in shown
    assert "acme/support-base@1.1.0" in shown and "hash chain verified" in shown
    with Registry.open(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        kinds = {m.name: m.kind.value for m in registry.list_models()}
        assert kinds == {"claude-sonnet": "hosted", "acme/support-base": "self-hosted",
                         "support-bot": "fine-tuned"}
        assert [str(v.id) for v in registry.list_versions("acme/support-base")] == [
            "1.0.0", "1.1.0", "1.1.0+q4"]
        assert registry.attestations("acme/support-base@1.1.0")
    # a second run reuses the registry instead of failing on duplicates
    assert main(["--home", str(tmp_path)]) == 0
    assert "Using the demonstration registry" in capsys.readouterr().out
