"""Taking versions through the gates from the CLI cheaply, for tests whose subject is what
happens to eligible versions: an administrator waives each gate with a reason
(`steward override`) and promotes the version to ``registered``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Steward

ADMIN = "root"


@pytest.fixture
def admin_steward(steward: Steward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Steward:
    """``steward`` under the default policy plus an administrator, :data:`ADMIN`."""
    (tmp_path / "policy.yaml").write_text(f"administrators: [{ADMIN}]\n")
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    return steward


def through_gates(steward: Steward, ref: str) -> None:
    """Carry the trained version ``ref`` to ``registered``, each gate waived by :data:`ADMIN`."""
    for gate, stage in (("validation", "evaluated"), ("evaluation", "registered")):
        steward("--actor", ADMIN, "override", ref, "--gate", gate, "--reason",
                "test setup: the gates are not the subject")
        steward("--actor", ADMIN, "promote", ref, "--to", stage)
