"""``steward log --limit N`` shows the latest N events (oldest of them first) and pages back
with ``--before``."""

from __future__ import annotations

from tests.cli.conftest import Steward


def _seqs(run: Steward, *args: str) -> list[int]:
    found = run("log", *args, "--json").json()
    assert isinstance(found, list)
    return [event["seq"] for event in found]


def test_limit_shows_the_latest_events_and_pages_back(steward: Steward) -> None:
    steward("model", "create", "support-bot", "--owner-team", "support")
    steward("model", "create", "other", "--owner-team", "support")
    for change in ("architecture", "retrain", "retrain", "config", "prompt", "retrain"):
        steward("version", "register", "support-bot", "--change", change)
    # support-bot's events: 1 (created), 3..8 (versions); 2 is the other model's
    assert _seqs(steward, "support-bot", "--limit", "5") == [4, 5, 6, 7, 8]
    assert _seqs(steward, "--limit", "5", "support-bot") == [4, 5, 6, 7, 8]
    shown = steward("log", "support-bot", "--limit", "5")
    assert shown.stdout.index("│ 4 ") < shown.stdout.index("│ 8 ")  # oldest of them first
    assert "steward log support-bot --limit 5 --before 4" in shown.stderr
    assert _seqs(steward, "support-bot", "--limit", "5", "--before", "4") == [1, 3]
    assert _seqs(steward, "--limit", "2") == [7, 8]
    assert _seqs(steward, "--limit", "3", "--before", "3") == [1, 2]
    assert "No events before 1." in steward("log", "--before", "1").stdout
    assert _seqs(steward) == list(range(1, 9))  # without --limit: the whole history
