"""``steward subscribe|subscriptions|unsubscribe|deliver|dead-letters|replay`` through the CLI's
entry point: stdout, stderr and exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.cli.main import main
from tests.notify.conftest import Receiver, write_notices

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def steward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Run:
    for key in list(os.environ):
        if key.startswith("STEWARD_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("STEWARD_ACTOR", "alice@example.com")
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_WEBHOOK_ALLOW_PRIVATE", "1")

    def run(*args: str, expect: int = 0) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        assert code == expect, (args, captured)
        return code, captured.out, captured.err
    return run


def test_subscribe_deliver_and_replay(steward: Run, receiver: Receiver, tmp_path: Path) -> None:
    _, out, _ = steward("subscribe", "team-a", "--webhook", receiver.url("/hook?token=t"),
                        "--kinds", "deprecation*", "--json")
    made = json.loads(out)
    assert made["secret"].startswith("whsec_") and made["kinds"] == ["deprecation*"]
    assert made["target"] == f"http://127.0.0.1:{receiver.port}/hook?…"  # the query is hidden
    receiver.secrets["/hook?token=t"] = made["secret"]
    _, out, _ = steward("subscribe", "team-a", "--email", "ops@example.com")
    assert "Subscribed team-a to * by email (ops@example.com)" in out
    assert "secret" not in out

    _, out, _ = steward("subscriptions", "--json")
    listed = json.loads(out)
    assert [s["channel"] for s in listed] == ["webhook", "email"]
    assert all("secret" not in s for s in listed)
    _, out, _ = steward("subscriptions", "--team", "team-a")
    assert made["id"] in out and "whsec_" not in out

    with Registry.open(os.environ["STEWARD_DATABASE_URL"], actor="x") as registry:
        write_notices(registry, "team-a", 2)
    _, out, _ = steward("deliver", "--once", "--json")
    # the webhook takes both; e-mail has no SMTP host here, so those two wait for a retry
    assert json.loads(out) == {"claimed": 4, "delivered": 2, "retrying": 2, "dead": 0,
                               "released": 0}
    assert len(receiver.unique) == 2
    _, out, _ = steward("dead-letters")
    assert out.strip() == "No dead letters."

    _, _, err = steward("replay", "no-such-id", expect=3)
    assert "There is no delivery 'no-such-id'" in err
    _, _, err = steward("replay", expect=2)
    assert "exactly one of: a delivery ID, --all, or --subscription ID --since DATE" in err
    _, _, err = steward("replay", "--subscription", made["id"], expect=2)
    assert "--subscription needs --since DATE" in err
    _, out, _ = steward("replay", "--subscription", made["id"], "--since", "2020-01-01")
    assert out.strip() == "0 older notice(s) queued for the subscription."
    _, out, _ = steward("replay", "--all", "--json")
    assert json.loads(out) == {"replayed": 0}

    _, out, _ = steward("unsubscribe", made["id"])
    assert out.startswith(f"Removed subscription {made['id']} (team-a, webhook")
    _, _, err = steward("unsubscribe", "nope", expect=3)
    assert "steward subscriptions --all" in err


def test_usage_errors(steward: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, err = steward("subscribe", "team-a", "--webhook", "ftp://example.com/", expect=2)
    assert "its scheme must be http or https" in err
    _, _, err = steward("subscribe", "team-a", "--email", "x@example.com", "--kinds", "nope*",
                        expect=2)
    assert "'nope*' matches no notice kind" in err
    monkeypatch.setenv("STEWARD_DELIVERY_LEASE", "5")
    _, _, err = steward("deliver", "--once", expect=2)
    assert "STEWARD_DELIVERY_LEASE: must be longer than the send timeout" in err
