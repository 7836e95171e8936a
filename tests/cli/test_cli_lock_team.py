"""``steward lock`` against the database keeps an application with its team: a models.toml
naming another team than the recorded application's is refused and writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Steward
from tests.cli.test_cli_audit import _weights, gate


def manifest(team: str) -> str:
    return (f'[application]\nname = "support-portal"\nteam = "{team}"\n\n'
            '[models]\nsupport-bot = "~1.0"\n')


def test_a_manifest_of_another_team_cannot_take_over_an_application(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    steward("model", "create", "support-bot", "--owner-team", "support")
    steward("version", "register", "support-bot", "1.0.0",
            "--path", str(_weights(tmp_path, "bot-1.0.0", b"bot one")))
    gate(db_url, "support-bot@1.0.0")
    (tmp_path / "models.toml").write_text(manifest("support"))
    steward("lock")
    locked = (tmp_path / "models.lock").read_text()
    (tmp_path / "models.toml").write_text(manifest("billing").replace("~1.0", "1.0.0"))
    refused = steward("lock", expect=2)
    assert "recorded for team 'support'" in refused.stderr
    assert (tmp_path / "models.lock").read_text() == locked
    shown = steward("consumer", "show", "support-portal", "--json").json()
    assert shown["team"] == "support"  # type: ignore[index]
    assert [u["pin"] for u in shown["uses"]] == ["~1.0"]  # type: ignore[index]
