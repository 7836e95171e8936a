"""The living card, incidents and the compliance report through a server (STEWARD_URL) over a
real socket: what the remote commands print is what the same commands print over the server's
own database, byte for byte; another team's token is refused (403, exit 7) and writes nothing."""

# ruff: noqa: F811  (the fixtures of test_remote are imported, and named as parameters)
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.tokens import Role
from tests.cli.conftest import Run, Steward
from tests.cli.test_remote import remote, served, server_db  # noqa: F401  (fixtures)


def _now() -> str:
    time.sleep(0.01)  # the previous event is strictly earlier
    moment = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    time.sleep(0.01)  # the next event is strictly later
    return moment


def _history(remote: Steward, tmp_path: Path) -> tuple[str, int]:
    """A card written through the server; (a time in the middle, the incident's id)."""
    remote("model", "create", "support-bot", "--owner-team", "support")
    remote("version", "register", "support-bot", "1.0.0")
    remote("card", "edit", "support-bot", "--section", "summary", "--text", "Answers tickets.")
    earlier = _now()
    requirements = tmp_path / "requirements.yaml"
    requirements.write_text('framework: transformers\nframework_version: ">=4.40,<4.47"\n')
    assert "transformers >=4.40,<4.47" in remote(
        "version", "requirements", "support-bot@1.0.0", "--file", str(requirements)).stdout
    made = remote("version", "incident", "support-bot@1.0.0", "--summary", "Wrong language",
                  "--severity", "high", "--started", "2026-11-20", "--json").json_object()
    remote("version", "incident", "support-bot@1.0.0", "--resolve", str(made["incident"]),
           "--resolved", "2026-11-21")
    return earlier, int(made["incident"])


def test_card_show_diff_and_json_are_the_servers_history_as_locally(
        remote: Steward, steward: Steward, server_db: str, tmp_path: Path) -> None:
    earlier, incident = _history(remote, tmp_path)

    def local(*args: str) -> Run:  # the same command over the server's own database
        return steward("--database-url", server_db, *args)

    shown = remote("card", "show", "support-bot").stdout
    assert shown == local("card", "show", "support-bot").stdout  # the same bytes
    assert "Answers tickets." in shown and "| 1.0.0 | transformers | >=4.40,<4.47 |" in shown
    assert f"incident {incident} (high, resolved 2026-11-21, started 2026-11-20)" in shown
    for args in (("card", "show", "support-bot", "--at", earlier),
                 ("card", "show", "support-bot@1.0.0", "--json"),
                 ("card", "diff", "support-bot", "--from", earlier)):
        assert remote(*args).stdout == local(*args).stdout, args
    diff = remote("card", "diff", "support-bot", "--from", earlier).stdout
    assert diff.startswith("--- support-bot at ") and "+| 1.0.0 | transformers" in diff
    assert "'nobody' is not in the registry" in remote("card", "show", "nobody",
                                                       expect=3).stderr
    assert "no version '9.9.9'" in remote("card", "show", "support-bot@9.9.9",
                                          expect=3).stderr


def test_another_teams_token_may_read_the_card_but_not_write_it(
        remote: Steward, steward: Steward, served: tuple[str, str], server_db: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, incident = _history(remote, tmp_path)
    with Registry.open(server_db, actor="setup") as registry:
        other = registry.tokens.create("bob", team="search",
                                       roles=frozenset({Role.MAINTAINER})).text
        head = registry.log()[-1].seq
    monkeypatch.setenv("STEWARD_URL", served[0])
    monkeypatch.setenv("STEWARD_TOKEN", other)
    for args in (("card", "edit", "support-bot", "--section", "summary", "--text", "Mine."),
                 ("version", "incident", "support-bot@1.0.0", "--summary", "Slow"),
                 ("version", "incident", "support-bot@1.0.0", "--resolve", str(incident)),
                 ("version", "requirements", "support-bot@1.0.0", "--file",
                  str(tmp_path / "requirements.yaml"))):
        refused = steward(*args, expect=7)
        assert "search" in refused.stderr and "STEWARD_TOKEN" in refused.stderr, args
    assert "Answers tickets." in steward("card", "show", "support-bot").stdout
    with Registry.open(server_db, actor="setup") as registry:
        assert registry.log()[-1].seq == head  # nothing written


def test_compliance_through_the_server_is_the_local_report(
        remote: Steward, steward: Steward, server_db: str, tmp_path: Path) -> None:
    _history(remote, tmp_path)

    def report(run: Run) -> dict[str, object]:
        data = json.loads(run.stdout)
        data.pop("at")  # when it was evaluated
        return dict(data)

    served_report = report(remote("compliance", "--format", "json"))
    assert served_report == report(steward("--database-url", server_db, "compliance",
                                           "--format", "json"))
    models = served_report["models"]
    assert isinstance(models, list) and [m["model"] for m in models] == ["support-bot"]
    assert report(remote("compliance", "--model", "support-bot", "--json")) == served_report
    text = remote("compliance", "--model", "support-bot").stdout
    assert "support-bot" in text and text.startswith("#")
    assert "<html" in remote("compliance", "--format", "html").stdout.lower()
    assert served_report["compliant"] is False  # nothing approved, evaluated or monitored
    remote("compliance", "--fail", expect=1)
    remote("compliance", "--fail", "--format", "json", expect=1)
    refused = remote("compliance", "--record", expect=2)
    assert "steward tick" in refused.stderr
    assert "'nobody' is not in the registry" in remote("compliance", "--model", "nobody",
                                                       expect=3).stderr
