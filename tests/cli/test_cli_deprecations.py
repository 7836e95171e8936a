"""``steward deprecate``, ``plan``, ``plans --missing``, ``tick``, ``notices`` and the warning of
``steward resolve``, through the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from modelsteward import Registry
from modelsteward.domain.consumers import Consumer, ConsumerKind, parse_uses
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.model import RiskTier
from modelsteward.domain.policy import Policy
from tests.cli.conftest import Steward
from tests.cli.gate_helpers import admin_steward, through_gates
from tests.conftest import FixedClock
from tests.service.lifecycle_helpers import approve_all, to_production, to_staging, trained

__all__ = ["admin_steward"]  # the fixture


def test_deprecation_through_the_cli(admin_steward: Steward) -> None:
    steward = admin_steward
    steward("model", "create", "support-bot")
    for version in ("2.1.3", "3.0.0"):
        steward("version", "register", "support-bot", version, "--force", "--reason", "seed")
        through_gates(steward, f"support-bot@{version}")
    for name, team in (("checkout", "team-shop"), ("search", "team-search")):
        steward("consumer", "add", name, "--team", team, "--uses", "support-bot ~2.1")
    today = date.today()
    made = steward("deprecate", "support-bot@2.1.3", "--reason", "replaced", "--replacement",
                   "support-bot@^3", "--soft-deadline", str(today + timedelta(days=30)),
                   "--hard-deadline", str(today + timedelta(days=90)), "--migration-step",
                   "Pin support-bot ^3", "--json").json_object()
    assert made["phase"] == "announced" and made["replacement"] == "support-bot@^3"
    run = steward("resolve", "support-bot", "~2.1")
    assert run.stdout.strip() == "support-bot@2.1.3"
    assert "warning: support-bot@2.1.3 is deprecated (replaced)" in run.stderr
    notices = steward("notices", "--json").json_records()
    assert sorted(n["team"] for n in notices) == ["team-search", "team-shop"]
    assert all(n["payload"]["consumers"] == 1 for n in notices)
    # the soft deadline is 30 days away: tick writes the 30-day reminder to both teams, once
    assert steward("tick", "--json").json() == {"retired": [], "notices": 0, "reminders": 2,
                                                "failures": [], "overdue": [], "canaries": [],
                                                "retrain": [],
                                                # its first compliance record: no drift yet
                                                "compliance": {"changed": ["support-bot"],
                                                               "drifted": []}}
    assert steward("tick", "--json").json_object()["reminders"] == 0
    reminders = [n for n in steward("notices", "--json").json_records()
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
    assert steward("plan", "bot", "--json").json_object()["plans"] == []


def production_handover(db_url: str, clock: FixedClock) -> tuple[str, str]:
    """``bot@1.0.0`` in production and ``bot@2.0.0`` approved in staging, at ``clock``'s time,
    with a consumer on ``bot ^1``."""
    with Registry.open(db_url, actor="alice", clock=clock, policy=Policy()) as registry:
        old = trained(registry, "bot")
        to_production(registry, old)
        new = trained(registry, "bot")
        to_staging(registry, new, RiskTier.LOW)
        approve_all(registry, new, RiskTier.LOW, clock.now().date() + timedelta(days=60))
        registry.consumers.add(Consumer("app", ConsumerKind.APPLICATION, "team-app",
                                        pins=(parse_uses("bot ^1"),)))
    return old, new


def test_deprecate_with_a_past_hard_deadline_keeps_the_production_holder(
        steward: Steward, db_url: str) -> None:
    clock = FixedClock(datetime.now(UTC))
    old, new = production_handover(db_url, clock)
    today = date.today()
    run = steward("deprecate", old, "--reason", "replaced", "--replacement", "bot@^2",
                  "--announced", str(today - timedelta(days=30)), "--soft-deadline",
                  str(today - timedelta(days=10)), "--hard-deadline",
                  str(today - timedelta(days=1)), "--json")
    made = run.json_object()
    assert made["phase"] == "retired"
    assert [o["ref"] for o in made["overdue"]] == [old]
    assert "holds production" in made["overdue"][0]["why"]
    assert f"warning: {old} passed the hard deadline" in run.stderr
    assert f"steward promote {new} --to production" in run.stderr
    assert [a["version"] for a in steward("alias", "list", "bot", "--json").json_records()
            if a["alias"] == "production"] == ["1.0.0"]
    kinds = [e["kind"] for e in steward("log", "bot", "--json").json_records()]
    assert "model:deprecation:overdue" in kinds and "model:version:retired" not in kinds
    # `steward retire` agrees: the production holder is refused there too
    refused = steward("retire", old, "--reason", "replaced", expect=None)
    assert refused.code != 0 and "still holds the alias(es) production" in refused.stderr
    # the overdue production holder keeps resolving, loudly, until production moves; its
    # consumers are not told it retired while it has not
    resolved = steward("resolve", "bot", "^1")
    assert resolved.stdout.strip() == old and "OVERDUE" in resolved.stderr
    assert not [n for n in steward("notices", "--json").json_records()
                if n["kind"] == "deprecation:retired"]
    # production moves, the next tick retires it, and then they are told where their pin goes
    steward("promote", new, "--to", "production")
    assert steward("tick", "--json").json_object()["retired"] == [old]
    [told] = [n for n in steward("notices", "--json").json_records()
              if n["kind"] == "deprecation:retired"]
    assert told["team"] == "team-app" and "app (bot ^1) → no longer resolves" in told["message"]


def test_tick_at_the_hard_deadline(steward: Steward, db_url: str, tmp_path: Path) -> None:
    # the plan was made 40 days ago; its hard deadline was yesterday
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    old, new = production_handover(db_url, clock)
    planned = clock.now().date()
    with Registry.open(db_url, actor="alice", clock=clock, policy=Policy()) as registry:
        registry.deprecations.plan(
            old, reason=DeprecationReason.REPLACED, replacement="bot@^2", announced=planned,
            soft_deadline=planned + timedelta(days=20),
            hard_deadline=planned + timedelta(days=39))
    # by default the production holder stays, overdue, every time tick runs
    report = steward("tick", "--json").json_object()
    assert report["retired"] == [] and [o["ref"] for o in report["overdue"]] == [old]
    assert f"overdue {old}: not retired" in steward("tick").stdout
    # a policy that moves production: the approved replacement takes it, then the old retires
    (tmp_path / "policy.yaml").write_text("deprecation: {move_production: true}\n")
    report = steward("--policy", str(tmp_path / "policy.yaml"), "tick", "--json").json_object()
    assert report["retired"] == [old] and report["overdue"] == []
    assert [a["version"] for a in steward("alias", "list", "bot", "--json").json_records()
            if a["alias"] == "production"] == ["2.0.0"]
    moved = [e for e in steward("log", "bot", "--json").json_records()
             if e["kind"] == "model:alias:set" and e["subject"] == new]
    assert moved[-1]["payload"]["reason"].startswith("hard deadline of plan ")


def test_redirect_keeps_working_after_tick_retires_the_version(steward: Steward,
                                                               db_url: str) -> None:
    # bot@1.0.0 and bot@2.0.0 passed the gates 40 days ago; 1.0.0 was planned away, redirected
    # to ^2, with a hard deadline yesterday
    clock = FixedClock(datetime.now(UTC) - timedelta(days=40))
    planned = clock.now().date()
    with Registry.open(db_url, actor="alice", clock=clock, policy=Policy()) as registry:
        old, new = trained(registry, "bot"), trained(registry, "bot")
        for ref in (old, new):
            to_staging(registry, ref, RiskTier.LOW)
        registry.deprecations.plan(
            old, reason=DeprecationReason.REPLACED, replacement="bot@^2", redirect=True,
            announced=planned, soft_deadline=planned + timedelta(days=20),
            hard_deadline=planned + timedelta(days=39))
    assert steward("tick", "--json").json_object()["retired"] == [old]
    for pin in ("1.0.0", "^1"):
        run = steward("resolve", "bot", pin, "--json")
        assert (run.json_object()["version"],
                run.json_object()["redirected_from"]) == ("2.0.0", old)
        assert f"{old} is retired; redirected to {new}" in run.stderr
    # without a redirect the retired pin says when, why and what replaces it
    with Registry.open(db_url, actor="alice", clock=clock, policy=Policy()) as registry:
        registry.deprecations.plan(
            new, reason=DeprecationReason.VULNERABILITY, replacement="", announced=planned,
            soft_deadline=planned + timedelta(days=20), hard_deadline=planned + timedelta(days=39))
    steward("tick")
    failed = steward("resolve", "bot", "^2", expect=3)
    assert f"{new} was retired on {date.today()}" in failed.stderr
    assert "vulnerability" in failed.stderr and "Nothing replaces it" in failed.stderr
