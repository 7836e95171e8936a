"""Text from the registry reaches the terminal as written, never as terminal control or Rich
markup; names people compare (teams, tokens, actors) refuse bidi controls, invisible characters
and letters of mixed scripts, as model and consumer names do by being slugs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Steward
from tests.cli.test_cli_audit import ADVISORY, _seed

HOSTILE = "\x1b[31mRED\x1b[0m \x1b]0;owned\x07 [bold]b[/bold] :warning: \u202eabc\u202c \x9b2J"


def test_descriptions_print_escaped_and_literal(steward: Steward) -> None:
    steward("model", "create", "bot", "--description", HOSTILE, "--owner-team", "support")
    steward("version", "register", "bot", "1.0.0", "--description", HOSTILE)
    for args in (("model", "show", "bot"), ("version", "show", "bot@1.0.0"),
                 ("version", "list", "bot")):
        shown = steward(*args).stdout
        assert not any(ch in shown for ch in "\x1b\x07\x9b\u202e\u202c"), (args, shown)
    shown = steward("model", "show", "bot").stdout
    assert "\\x1b[31mRED\\x1b[0m \\x1b]0;owned\\x07 [bold]b[/bold] :warning: \\u202eabc" \
           "\\u202c \\x9b2J" in shown
    listed = steward("version", "show", "bot@1.0.0", "--json")
    assert "\u202e" not in listed.stdout and "\\u202e" in listed.stdout
    assert json.loads(listed.stdout)["description"] == HOSTILE  # the same data


def test_error_messages_print_escaped(steward: Steward) -> None:
    run = steward("model", "show", "\x1b[2Jbot", expect=3)
    assert "\x1b" not in run.stderr and "\\x1b[2Jbot" in run.stderr


@pytest.mark.parametrize("team", ["s\u0443pport", "support\u202e", "sup\u200bport"])
def test_teams_refuse_mixed_scripts_and_invisible_characters(steward: Steward,
                                                             team: str) -> None:
    for args in (("model", "create", "bot", "--owner-team", team),
                 ("consumer", "add", "shop", "--team", team),
                 ("token", "create", "ci", "--team", team, "--role", "maintainer"),
                 ("subscribe", team, "--email", "ops@example.com")):
        run = steward(*args, expect=2)
        assert any(words in run.stderr for words in (
            "mixes letters of Latin ('s') and Cyrillic ('\u0443')",
            "invisible or control character U+", "printable characters")), (args, run)
    assert steward("model", "list", "--json").json() == []


def test_token_and_actor_names_refuse_the_same(steward: Steward) -> None:
    run = steward("token", "create", "c\u0456-bot", "--role", "viewer", expect=2)
    assert ("the name 'c\u0456-bot' mixes letters of Latin ('c') and Cyrillic ('\u0456')"
            in run.stderr)
    run = steward("--actor", "alice\u202e@example.com", "model", "create", "bot", expect=2)
    assert "The actor 'alice\\u202e@example.com' holds the invisible or control character " \
           "U+202E (RIGHT-TO-LEFT OVERRIDE)" in run.stderr
    steward("--actor", "José Núñez", "model", "create", "bot", "--owner-team", "données")
    assert steward("log", "--json").json_records()[-1]["actor"] == "José Núñez"


def test_audit_reports_show_advisory_texts_without_obeying_them(steward: Steward,
                                                                tmp_path: Path,
                                                                db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("lock")
    hostile = {**ADVISORY, "summary": "Jailbreak \x1b[2J\x1b[31mcleared\u202eroot",
               "details": "Details \x9b2J and \u2066isolated\u2069."}
    (tmp_path / "advisory.json").write_text(json.dumps(hostile))
    steward("advisory", "import", "advisory.json")
    for fmt in ("table", "markdown", "json", "sarif", "cyclonedx-json"):
        shown = steward("audit", "--format", fmt, expect=1).stdout
        assert not any(ch in shown for ch in "\x1b\x9b\u202e\u2066\u2069"), (fmt, shown)
    report = steward("audit", "--format", "json", expect=1).json()
    finding = report["models"][0]["findings"][0]  # type: ignore[index]
    assert finding["title"].startswith("Jailbreak \x1b[2J\x1b[31mcleared\u202eroot")  # the data
    shown = steward("advisory", "show", ADVISORY["id"]).stdout
    assert "Jailbreak \\x1b[2J\\x1b[31mcleared\\u202eroot" in shown
