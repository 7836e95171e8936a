"""``steward delete`` through the CLI: dry run, deletion, tombstone."""

from __future__ import annotations

from datetime import date, timedelta

from tests.cli.conftest import Steward
from tests.cli.gate_helpers import admin_steward, through_gates

__all__ = ["admin_steward"]  # the fixture


def test_delete_with_dry_run_and_tombstone(admin_steward: Steward) -> None:
    steward = admin_steward
    for name in ("old-bot", "new-bot"):
        steward("model", "create", name)
        steward("version", "register", name, "1.0.0")
        through_gates(steward, f"{name}@1.0.0")
    steward("consumer", "add", "checkout", "--team", "team-shop", "--uses", "old-bot ^1")
    dry = steward("delete", "old-bot", "--replacement", "new-bot@^1", "--reason", "merged",
                  "--dry-run")
    assert dry.stdout.startswith("Would delete old-bot; 1 consumer pin(s) would be moved.")
    assert steward("consumer", "show", "checkout", "--json").json_object()["uses"] == [
        {"model": "old-bot", "pin": "^1"}]
    done = steward("delete", "old-bot", "--replacement", "new-bot@^1", "--reason", "merged",
                   "--json").json_object()
    assert done["changes"] == [{"consumer": "checkout", "team": "team-shop",
                                "from": "old-bot ^1", "to": "new-bot ^1"}]
    assert [m["name"] for m in steward("model", "list", "--json").json_records()] == ["new-bot"]
    assert "steward model create" in steward("model", "show", "old-bot", expect=3).stderr
    shown = steward("model", "show", "old-bot", "--include-deleted", "--json").json_object()
    assert shown["deleted"] is True
    assert "DELETED" in steward("version", "show", "old-bot@1.0.0", "--include-deleted").stdout
    assert steward("log", "old-bot", "--json").json_records()[-1]["kind"] == "model:deleted"
    assert "intact" in steward("log", "verify").stdout
    run = steward("delete", "new-bot", "--reason", "x", "--replacement", "new-bot@^1", expect=4)
    assert "cannot be replaced by itself" in run.stderr


def test_deleting_a_version_keeps_the_pins_that_still_resolve(admin_steward: Steward) -> None:
    steward = admin_steward
    steward("model", "create", "bot")
    for version in ("1.0.0", "1.1.0"):
        steward("version", "register", "bot", version, "--force", "--reason", "seed")
        through_gates(steward, f"bot@{version}")
    for name, team in (("app-0", "team-a"), ("app-1", "team-a"), ("app-2", "team-b")):
        steward("consumer", "add", name, "--team", team, "--uses", "bot ^1")
    steward("consumer", "add", "exact", "--team", "team-c", "--uses", "bot 1.1.0")
    dry = steward("delete", "bot@1.1.0", "--reason", "bad weights", "--dry-run").stdout
    assert dry.startswith("Would delete bot@1.1.0; 1 consumer pin(s) would be cleared.")
    assert "3 consumer pin(s) still resolve without it and would be kept:" in dry
    done = steward("delete", "bot@1.1.0", "--reason", "bad weights", "--json").json_object()
    assert done["changes"] == [{"consumer": "exact", "team": "team-c", "from": "bot 1.1.0",
                                "to": None}]
    assert done["unchanged"] == [
        {"consumer": f"app-{i}", "team": team, "pin": "bot ^1", "resolves_to": "1.0.0"}
        for i, team in enumerate(("team-a", "team-a", "team-b"))]
    assert steward("consumer", "show", "app-0", "--json").json_object()["resolves_to"] == {
        "bot": "1.0.0"}
    assert steward("consumer", "show", "exact", "--json").json_object()["uses"] == []
    told = {n["team"]: n["message"] for n in steward("notices", "--json").json_records()
            if n["kind"] == "deletion"}
    assert "2 of your consumer pins still resolve and were kept: app-0 (^1 → 1.0.0), " \
        "app-1 (^1 → 1.0.0)." in told["team-a"]
    assert "1 of your consumer pins were cleared (no replacement was given): exact." \
        in told["team-c"]
    assert "intact" in steward("log", "verify").stdout


def test_a_trained_replacement_is_refused(admin_steward: Steward) -> None:
    steward = admin_steward
    for name in ("old-bot", "new-bot"):
        steward("model", "create", name)
        steward("version", "register", name, "1.0.0")
    through_gates(steward, "old-bot@1.0.0")
    steward("consumer", "add", "checkout", "--team", "team-shop", "--uses", "old-bot ^1")
    run = steward("delete", "old-bot", "--replacement", "new-bot@^1", "--reason", "merged",
                  expect=4)
    assert "The replacement new-bot@^1 gives no version applications may use: the best " \
        "match, new-bot@1.0.0, is not eligible because it is still trained" in run.stderr
    today = date.today()
    run = steward("deprecate", "old-bot@1.0.0", "--reason", "replaced",
                  "--replacement", "new-bot@1.0.0",
                  "--soft-deadline", (today + timedelta(days=10)).isoformat(),
                  "--hard-deadline", (today + timedelta(days=20)).isoformat(), expect=4)
    assert "resolves to new-bot@1.0.0, which is not eligible for applications because it " \
        "is still trained" in run.stderr
    assert steward("consumer", "show", "checkout", "--json").json_object()["resolves_to"] == {
        "old-bot": "1.0.0"}
