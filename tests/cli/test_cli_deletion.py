"""``steward delete`` through the CLI: dry run, deletion, tombstone."""

from __future__ import annotations

from tests.cli.conftest import Steward


def test_delete_with_dry_run_and_tombstone(steward: Steward) -> None:
    for name in ("old-bot", "new-bot"):
        steward("model", "create", name)
        steward("version", "register", name, "1.0.0")
    steward("consumer", "add", "checkout", "--team", "team-shop", "--uses", "old-bot ^1")
    dry = steward("delete", "old-bot", "--replacement", "new-bot@^1", "--reason", "merged",
                  "--dry-run")
    assert dry.stdout.startswith("Would delete old-bot; 1 consumer pin(s) would be moved.")
    assert steward("consumer", "show", "checkout", "--json").json()["uses"] == [
        {"model": "old-bot", "pin": "^1"}]
    done = steward("delete", "old-bot", "--replacement", "new-bot@^1", "--reason", "merged",
                   "--json").json()
    assert done["changes"] == [{"consumer": "checkout", "team": "team-shop",
                                "from": "old-bot ^1", "to": "new-bot ^1"}]
    assert [m["name"] for m in steward("model", "list", "--json").json()] == ["new-bot"]
    assert "steward model create" in steward("model", "show", "old-bot", expect=3).stderr
    shown = steward("model", "show", "old-bot", "--include-deleted", "--json").json()
    assert shown["deleted"] is True
    assert "DELETED" in steward("version", "show", "old-bot@1.0.0", "--include-deleted").stdout
    assert steward("log", "old-bot", "--json").json()[-1]["kind"] == "model:deleted"
    assert "intact" in steward("log", "verify").stdout
    run = steward("delete", "new-bot", "--reason", "x", "--replacement", "new-bot@^1", expect=4)
    assert "cannot be replaced by itself" in run.stderr
