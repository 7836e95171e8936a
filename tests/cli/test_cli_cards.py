"""``steward card show|edit|diff`` and ``steward version requirements`` against a real
database: the Markdown on stdout (deterministic), ``--json``, ``--at``, the diff between two
times, and a requirements file with several problems reported at once (exit 2)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.cli.conftest import Steward


def _now() -> str:
    moment = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    time.sleep(0.01)  # the next event is strictly later
    return moment


def test_edit_show_requirements_and_diff(steward: Steward, tmp_path: Path) -> None:
    steward("model", "create", "support-bot", "--owner-team", "support")
    steward("version", "register", "support-bot", "1.0.0")
    steward("card", "edit", "support-bot", "--section", "summary", "--text", "Answers tickets.")
    earlier = _now()
    requirements = tmp_path / "requirements.yaml"
    requirements.write_text('framework: transformers\nframework_version: ">=4.40,<4.47"\n'
                            "hardware: nvidia-a100-80gb\n")
    recorded = steward("version", "requirements", "support-bot@1.0.0", "--file",
                       str(requirements))
    assert "transformers >=4.40,<4.47" in recorded.stdout
    notes = tmp_path / "limits.md"
    notes.write_text("Not for *legal* advice.\n")
    steward("card", "edit", "support-bot", "--section", "limitations", "--file", str(notes))

    shown = steward("card", "show", "support-bot").stdout
    assert shown.startswith("# Model card: support-bot\n")
    assert "## Summary\n\nAnswers tickets." in shown and "Not for *legal* advice." in shown
    assert "| 1.0.0 | transformers | >=4.40,<4.47 | — | nvidia-a100-80gb |" in shown
    assert steward("card", "show", "support-bot").stdout == shown  # same bytes
    data = steward("card", "show", "support-bot@1.0.0", "--json").json_object()
    assert data["versions"][0]["requirements"]["framework"] == "transformers"
    assert data["sections"][0] == {"section": "summary", "text": "Answers tickets.",
                                   "seq": data["sections"][0]["seq"]}
    before = steward("card", "show", "support-bot", "--at", earlier).stdout
    assert "transformers" not in before and "Answers tickets." in before
    diff = steward("card", "diff", "support-bot", "--from", earlier).stdout
    assert diff.startswith("--- support-bot at ")
    assert "+| 1.0.0 | transformers" in diff and "+Not for *legal* advice." in diff


def test_bad_input_is_refused_with_every_problem(steward: Steward, tmp_path: Path) -> None:
    steward("model", "create", "support-bot")
    steward("version", "register", "support-bot", "1.0.0")
    bad = tmp_path / "requirements.json"
    bad.write_text(json.dumps({"framework_version": "4.40 or later", "gpu": "a100",
                               "serving_config_digest": "md5:1"}))
    refused = steward("version", "requirements", "support-bot@1.0.0", "--file", str(bad),
                      expect=2)
    for where in ("gpu", "framework", "framework_version", "serving_config_digest"):
        assert f"  - {where}: " in refused.stderr, refused.stderr
    assert "4 problems" in refused.stderr
    assert "exactly one of --text or --file" in steward(
        "card", "edit", "support-bot", "--section", "summary", expect=2).stderr
    assert "'nobody' is not in the registry" in steward("card", "show", "nobody",
                                                        expect=None).stderr
    assert steward("card", "show", "support-bot", "--at", "yesterday", expect=2).stderr


def test_an_incident_is_recorded_shown_and_resolved(steward: Steward) -> None:
    steward("model", "create", "support-bot", "--owner-team", "support")
    steward("version", "register", "support-bot", "1.0.0")
    head = steward("log", "--json").json_records()[-1]["seq"]
    for arguments, message in (
            (("--summary", " "), "summary is empty"),
            (("--summary", "x" * 501), "at most 500"),
            (("--summary", "Slow", "--started", "last week"), "YYYY-MM-DD"),
            (("--summary", "Slow", "--link", "status page"), "http(s) URL"),
            (("--summary", "Slow", "--severity", "urgent"), "'urgent' is not one of"),
            ((), "--summary TEXT"),
            (("--resolve", "1", "--summary", "Slow"), "--resolve ID takes only --resolved")):
        refused = steward("version", "incident", "support-bot@1.0.0", *arguments, expect=2)
        assert message in refused.stderr, (arguments, refused.stderr)
    assert "no version '9.9.9'" in steward("version", "incident", "support-bot@9.9.9",
                                            "--summary", "Slow", expect=3).stderr
    assert steward("log", "--json").json_records()[-1]["seq"] == head  # nothing written

    made = steward("version", "incident", "support-bot@1.0.0", "--summary", "Wrong language",
                   "--severity", "HIGH", "--started", "2026-11-20", "--link",
                   "https://status.example.com/81", "--json").json_object()
    number = made["incident"]
    assert made["kind"] == "model:version:incident" and made["seq"] == number
    shown = steward("card", "show", "support-bot").stdout
    assert (f"- 1.0.0: incident {number} (high, open since 2026-11-20) — Wrong language — "
            f"<https://status.example.com/81> (event {number})") in shown
    done = steward("version", "incident", "support-bot@1.0.0", "--resolve", str(number),
                   "--resolved", "2026-11-21")
    assert f"Resolved incident {number} of support-bot@1.0.0" in done.stdout
    assert "resolved already" in steward("version", "incident", "support-bot@1.0.0",
                                         "--resolve", str(number), expect=None).stderr
    assert "(high, resolved 2026-11-21, started 2026-11-20)" in steward(
        "card", "show", "support-bot@1.0.0").stdout


def test_register_records_the_requirements_file_with_the_version(steward: Steward,
                                                                 tmp_path: Path) -> None:
    steward("model", "create", "support-bot")
    bad = tmp_path / "bad.yaml"
    bad.write_text('framework_version: "latest"\n')
    refused = steward("version", "register", "support-bot", "1.0.0", "--requirements",
                      str(bad), expect=2)
    assert "  - framework: " in refused.stderr and "  - framework_version: " in refused.stderr
    assert steward("version", "list", "support-bot", "--json").json() == []  # nothing written
    tested = tmp_path / "tested.json"
    tested.write_text(json.dumps({"framework": "vllm", "framework_version": ">=0.6,<0.7"}))
    steward("version", "register", "support-bot", "1.0.0", "--requirements", str(tested))
    data = steward("card", "show", "support-bot@1.0.0", "--json").json_object()
    assert data["versions"][0]["requirements"]["framework_version"] == ">=0.6,<0.7"
    kinds = [e["kind"] for e in steward("log", "support-bot", "--json").json_records()]
    assert kinds[-2:] == ["model:version:registered", "model:version:requirements-set"]
