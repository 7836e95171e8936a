"""The installed ``steward`` executable: exit codes and streams as a shell sees them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Steward


def test_console_script_reports_errors_on_stderr_with_exit_codes(steward_exe: Steward,
                                                                 tmp_path: Path) -> None:
    # about streams and exit codes, not the gates: a development policy (the executable runs in
    # tmp_path) lets ^1 choose the version that never went through them
    (tmp_path / "policy.yaml").write_text("eligibility: {minimum_stage: trained}\n")
    development = ("--policy", "policy.yaml")
    steward_exe("model", "create", "bot")
    assert steward_exe("version", "register", "bot", "--change", "architecture").stdout \
        .startswith("Registered bot@1.0.0")
    assert steward_exe(*development, "resolve", "bot", "^1").stdout.strip() == "bot@1.0.0"
    missing = steward_exe(*development, "resolve", "bot", "^2", expect=3)
    assert missing.stdout == "" and "No version of 'bot' matches" in missing.stderr
    usage = steward_exe("resolve", expect=2)
    assert "Missing argument" in usage.stderr
    assert "intact" in steward_exe("log", "verify").stdout
