"""``steward consumer …`` and ``steward impact`` through the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from modelsteward import Registry
from modelsteward.domain.deprecation import DeprecationReason
from tests.cli.conftest import Steward
from tests.cli.gate_helpers import admin_steward, through_gates
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import POLICY

__all__ = ["admin_steward"]  # the fixture


def test_consumers_and_impact(admin_steward: Steward) -> None:
    steward = admin_steward
    steward("model", "create", "support-bot")
    for version in ("2.1.0", "2.1.3", "2.4.0"):
        steward("version", "register", "support-bot", version, "--force", "--reason", "seed")
        through_gates(steward, f"support-bot@{version}")
    for name, team, pin in (("checkout", "team-shop", "^2.1"), ("search", "team-search", "2.1.3"),
                            ("nightly-eval", "team-ml", "~2.1")):
        steward("consumer", "add", name, "--team", team, "--environment", "production",
                "--uses", f"support-bot {pin}")
    report = steward("impact", "support-bot@2.1.3").stdout
    assert report.splitlines()[0] == "support-bot@2.1.3: 2 consumers, 2 teams"
    assert "by team: team-ml 1, team-search 1" in report
    data = steward("impact", "support-bot", "--json").json_object()
    assert data["consumers"] == 3 and data["by_environment"] == {"production": 3}
    shown = steward("consumer", "show", "checkout", "--json").json_object()
    assert shown["resolves_to"] == {"support-bot": "2.4.0"}
    assert [c["name"] for c in steward("consumer", "list", "--model", "support-bot",
                                       "--json").json_records()] == [
        "checkout", "nightly-eval", "search"]


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


def test_show_and_impact_of_pins_that_no_longer_resolve(admin_steward: Steward,
                                                      db_url: str) -> None:
    steward = admin_steward
    steward("model", "create", "support-bot")
    for version in ("2.1.0", "2.1.3", "3.0.0"):
        steward("version", "register", "support-bot", version, "--force", "--reason", "seed")
        through_gates(steward, f"support-bot@{version}")
    steward("version", "register", "support-bot", "3.1.0", "--force", "--reason", "seed")
    steward("consumer", "add", "retired-user", "--team", "team-a",
            "--uses", "support-bot 2.1.0")
    steward("consumer", "add", "deleted-user", "--team", "team-b", "--uses", "support-bot ~2.1")
    # an exact pin naming a version that passed no gate: accepted, with a warning
    added = steward("consumer", "add", "tester", "--team", "team-c",
                    "--uses", "support-bot 3.1.0")
    assert "warning: support-bot 3.1.0 names support-bot@3.1.0, which is not eligible for " \
        "applications because it is still trained" in added.stderr
    run = steward("consumer", "pin", "tester", "support-bot", "^3")
    assert "resolves to support-bot@3.0.0" in run.stdout and run.stderr == ""
    kept = steward("delete", "support-bot@2.1.3", "--reason", "leaked training data")
    assert "1 consumer pin(s) still resolve without it and were kept:" in kept.stdout
    assert "support-bot@2.1.0" in kept.stdout
    # a plan made 40 days ago whose hard deadline was yesterday: tick retires 2.1.0
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    planned = clock.now().date()
    with Registry.open(db_url, actor="alice", clock=clock, policy=POLICY) as registry:
        registry.deprecations.plan(
            "support-bot@2.1.0", reason=DeprecationReason.VULNERABILITY,
            replacement="support-bot@^3", announced=planned,
            soft_deadline=planned + timedelta(days=20), hard_deadline=planned + timedelta(days=39))
    assert steward("tick", "--json").json_object()["retired"] == ["support-bot@2.1.0"]
    today = date.today().isoformat()
    shown = steward("consumer", "show", "retired-user").stdout
    assert f"support-bot 2.1.0 → resolves to nothing: support-bot@2.1.0 was retired on {today}" \
        in shown and "replacement support-bot@^3" in shown
    data = steward("consumer", "show", "retired-user", "--json").json_object()
    assert data["resolves_to"] == {"support-bot": None}
    assert data["unresolvable"]["support-bot"]["state"] == "retired"
    assert data["unresolvable"]["support-bot"]["replacement"] == "support-bot@^3"
    deleted = steward("consumer", "show", "deleted-user", "--json").json_object()
    assert deleted["resolves_to"] == {"support-bot": None}
    assert deleted["unresolvable"]["support-bot"] == {
        "version": "support-bot@2.1.3", "state": "deleted", "since": today,
        "reason": "leaked training data", "replacement": None}
    impact = steward("impact", "support-bot", "--json").json_object()
    by_name = {a["consumer"]: a for a in impact["affected"]}
    assert by_name["retired-user"]["resolves_to"] is None
    assert by_name["retired-user"]["unresolvable"]["version"] == "support-bot@2.1.0"
    assert by_name["deleted-user"]["unresolvable"]["state"] == "deleted"
    assert by_name["tester"]["resolves_to"] == "3.0.0" and by_name["tester"]["unresolvable"] is None
    table = steward("impact", "support-bot@2.1.3").stdout
    assert table.splitlines()[0] == "support-bot@2.1.3: 1 consumer, 1 team"
    assert "deleted-user" in table and "deleted on" in table
