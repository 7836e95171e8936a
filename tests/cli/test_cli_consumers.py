"""``steward consumer …`` and ``steward impact`` through the CLI."""

from __future__ import annotations

from tests.cli.conftest import Steward


def test_consumers_and_impact(steward: Steward) -> None:
    steward("model", "create", "support-bot")
    for version in ("2.1.0", "2.1.3", "2.4.0"):
        steward("version", "register", "support-bot", version, "--force", "--reason", "seed")
    for name, team, pin in (("checkout", "team-shop", "^2.1"), ("search", "team-search", "2.1.3"),
                            ("nightly-eval", "team-ml", "~2.1")):
        steward("consumer", "add", name, "--team", team, "--environment", "production",
                "--uses", f"support-bot {pin}")
    report = steward("impact", "support-bot@2.1.3").stdout
    assert report.splitlines()[0] == "support-bot@2.1.3: 2 consumers, 2 teams"
    assert "by team: team-ml 1, team-search 1" in report
    data = steward("impact", "support-bot", "--json").json()
    assert data["consumers"] == 3 and data["by_environment"] == {"production": 3}
    shown = steward("consumer", "show", "checkout", "--json").json()
    assert shown["resolves_to"] == {"support-bot": "2.4.0"}
    assert [c["name"] for c in steward("consumer", "list", "--model", "support-bot",
                                       "--json").json()] == ["checkout", "nightly-eval", "search"]


def test_bad_consumer_input(steward: Steward) -> None:
    steward("model", "create", "support-bot")
    steward("version", "register", "support-bot", "1.0.0")
    run = steward("consumer", "add", "Checkout Service", "--team", "t", expect=2)
    assert "not a valid model name" in run.stderr
    run = steward("consumer", "add", "checkout", "--team", "t", "--uses", "support-bot", expect=2)
    assert "MODEL PIN" in run.stderr
    run = steward("consumer", "add", "checkout", "--team", "t", "--kind", "robot", expect=2)
    assert "application, pipeline, deployment, notebook" in run.stderr
    run = steward("consumer", "add", "checkout", "--team", "t", "--uses", "support-bot ^3",
                  expect=3)
    assert "No version of 'support-bot' matches the pin '^3'" in run.stderr
    assert steward("consumer", "list", "--json").json() == []
    assert "No consumer is named 'ghost'" in steward("consumer", "show", "ghost", expect=3).stderr
