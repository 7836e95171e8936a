"""``steward deprecate``, ``plan``, ``plans --missing``, ``tick``, ``notices`` and the warning of
``steward resolve``, through the CLI."""

from __future__ import annotations

from datetime import date, timedelta

from tests.cli.conftest import Steward


def test_deprecation_through_the_cli(steward: Steward) -> None:
    steward("model", "create", "support-bot")
    for version in ("2.1.3", "3.0.0"):
        steward("version", "register", "support-bot", version, "--force", "--reason", "seed")
    for name, team in (("checkout", "team-shop"), ("search", "team-search")):
        steward("consumer", "add", name, "--team", team, "--uses", "support-bot ~2.1")
    today = date.today()
    made = steward("deprecate", "support-bot@2.1.3", "--reason", "replaced", "--replacement",
                   "support-bot@^3", "--soft-deadline", str(today + timedelta(days=30)),
                   "--hard-deadline", str(today + timedelta(days=90)), "--migration-step",
                   "Pin support-bot ^3", "--json").json()
    assert made["phase"] == "announced" and made["replacement"] == "support-bot@^3"
    run = steward("resolve", "support-bot", "~2.1")
    assert run.stdout.strip() == "support-bot@2.1.3"
    assert "warning: support-bot@2.1.3 is deprecated (replaced)" in run.stderr
    notices = steward("notices", "--json").json()
    assert sorted(n["team"] for n in notices) == ["team-search", "team-shop"]
    assert all(n["payload"]["consumers"] == 1 for n in notices)
    # the soft deadline is 30 days away: tick writes the 30-day reminder to both teams, once
    assert steward("tick", "--json").json() == {"retired": [], "notices": 0, "reminders": 2,
                                                "failures": []}
    assert steward("tick", "--json").json()["reminders"] == 0
    reminders = [n for n in steward("notices", "--json").json()
                 if n["kind"] == "reminder:soft-deadline"]
    assert sorted(n["team"] for n in reminders) == ["team-search", "team-shop"]
    assert "Pin support-bot ^3" in steward("plan", "support-bot").stdout
    assert steward("plans", "--missing", "--json").json() == []


def test_bad_deprecations(steward: Steward) -> None:
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0")
    run = steward("deprecate", "bot@1.0.0", "--reason", "boring", "--soft-deadline",
                  "2027-01-01", "--hard-deadline", "2027-02-01", expect=2)
    assert "replaced, vulnerability" in run.stderr
    run = steward("deprecate", "bot@1.0.0", "--reason", "replaced", "--soft-deadline",
                  "2027-03-01", "--hard-deadline", "2027-02-01", expect=2)
    assert "out of order" in run.stderr
    run = steward("deprecate", "bot@1.0.0", "--reason", "replaced", "--soft-deadline",
                  "next week", "--hard-deadline", "2027-02-01", expect=2)
    assert "YYYY-MM-DD" in run.stderr
    run = steward("deprecate", "bot@1.0.0", "--reason", "replaced", "--replacement", "bot@^2",
                  "--soft-deadline", "2027-01-01", "--hard-deadline", "2027-02-01", expect=3)
    assert "No version of 'bot' matches the pin '^2'" in run.stderr
    assert steward("plan", "bot", "--json").json()["plans"] == []
