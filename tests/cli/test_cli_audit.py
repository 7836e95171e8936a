"""Advisories, lock files and the audit through the CLI: an advisory on a base model fails the
audit of an application locked to a fine-tune of it, and ``--fix`` moves the application to the
fixed version so that the next audit passes."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.domain.policy import Policy
from tests.cli.conftest import Steward
from tests.service.lifecycle_helpers import to_registered

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("STEWARD_UPDATE_GOLDEN") == "1"  # read before the fixture clears STEWARD_*
ADVISORY = {
    "id": "x_MSA-2026-0042",
    "schema_version": "1.7.0",
    "modified": "2026-11-01T12:00:00Z",
    "published": "2026-11-01T12:00:00Z",
    "summary": "Role-play prompts bypass the refusal training of base-llm",
    "details": "A crafted role-play preamble makes base-llm 1.0.x answer requests it must refuse.",
    "affected": [{
        "package": {"ecosystem": "modelsteward", "name": "base-llm"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}],
    }],
    "references": [{"type": "ADVISORY", "url": "https://steward.example.com/x_MSA-2026-0042"}],
    "database_specific": {"severity": "HIGH", "atlas": ["AML.T0054"]},
}


def _weights(root: Path, name: str, payload: bytes) -> Path:
    folder = root / "artefacts" / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(payload)
    (folder / "config.json").write_text('{"hidden": 8}\n')
    return folder


def gate(db_url: str, *refs: str) -> None:
    """Take ``refs`` through the gates (default policy), so that they are eligible."""
    with Registry.open(db_url, actor="alice", policy=Policy()) as registry:
        for ref in refs:
            to_registered(registry, ref)


def _seed(steward: Steward, tmp_path: Path, db_url: str) -> None:
    """base-llm 1.0.0 and 1.1.0, and support-bot 1.0.0, 1.0.1 (fine-tunes of base-llm 1.0.0) and
    1.1.0 (of base-llm 1.1.0), every one through the gates; a models.toml pinning ~1.0."""
    steward("model", "create", "base-llm")
    steward("version", "register", "base-llm", "1.0.0",
            "--path", str(_weights(tmp_path, "base-1.0.0", b"base one")))
    steward("version", "register", "base-llm", "1.1.0", "--change", "retrain",
            "--path", str(_weights(tmp_path, "base-1.1.0", b"base two")))
    steward("model", "create", "support-bot")
    steward("version", "register", "support-bot", "1.0.0", "--derived-from", "base-llm@1.0.0",
            "--relation", "finetune", "--path", str(_weights(tmp_path, "bot-1.0.0", b"bot one")))
    steward("version", "register", "support-bot", "1.0.1", "--change", "config",
            "--derived-from", "base-llm@1.0.0", "--relation", "finetune",
            "--path", str(_weights(tmp_path, "bot-1.0.1", b"bot one b")))
    steward("version", "register", "support-bot", "1.1.0", "--change", "retrain",
            "--derived-from", "base-llm@1.1.0", "--relation", "finetune",
            "--path", str(_weights(tmp_path, "bot-1.1.0", b"bot two")))
    (tmp_path / "models.toml").write_text(
        "# what support-portal needs\n[application]\nname = \"support-portal\"\n"
        "team = \"support\"\n\n[models]\nsupport-bot = \"~1.0\"  # the fine-tune\n")
    gate(db_url, "base-llm@1.0.0", "base-llm@1.1.0", "support-bot@1.0.0", "support-bot@1.0.1",
         "support-bot@1.1.0")


def test_advisory_on_a_base_fails_the_audit_of_a_fine_tune_and_fix_repairs_it(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("lock")
    locked = tomllib.loads((tmp_path / "models.lock").read_text())
    assert [(m["name"], m["version"]) for m in locked["models"]] == [("support-bot", "1.0.1")]
    assert locked["models"][0]["derived-from"] == ["base-llm@1.0.0"]
    assert steward("audit").code == 0
    assert steward("consumer", "show", "support-portal",
                   "--json").json_object()["team"] == "support"

    (tmp_path / "advisory.json").write_text(json.dumps(ADVISORY))
    published = steward("advisory", "import", "advisory.json")
    assert "inherited by support-bot@1.0.0, support-bot@1.0.1" in published.stdout
    notices = [n for n in steward("notices", "--json").json_records()
               if n["kind"].startswith("advisory")]
    assert [(n["team"], n["model"], n["kind"]) for n in notices] == [
        ("support", "support-bot", "advisory-inherited")]
    shown = steward("version", "show", "support-bot@1.0.1").stdout
    assert "x_MSA-2026-0042 (high)" in shown and "inherited from base-llm@1.0.0" in shown

    failed = steward("audit", "--format", "json", expect=1).json_object()
    findings = failed["models"][0]["findings"]
    assert [(f["id"], f["inherited_from"], f["fails"]) for f in findings] == [
        ("x_MSA-2026-0042", "base-llm@1.0.0", True)]

    fixed = steward("audit", "--fix")
    assert "support-bot: 1.0.1 → 1.1.0 (pin widened from '~1.0' to '^1.1.0')" in fixed.stderr
    manifest = (tmp_path / "models.toml").read_text()
    assert "# what support-portal needs" in manifest and 'support-bot = "^1.1.0"' in manifest
    relocked = tomllib.loads((tmp_path / "models.lock").read_text())
    assert relocked["models"][0]["version"] == "1.1.0"
    assert steward("audit").code == 0
    uses = steward("consumer", "show", "support-portal", "--json").json_object()["uses"]
    assert uses == [{"model": "support-bot", "pin": "^1.1.0"}]


def test_offline_audit_against_an_exported_folder(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("lock")
    (tmp_path / "advisory.json").write_text(json.dumps(ADVISORY))
    steward("advisory", "import", "advisory.json")
    steward("advisory", "export", "osv")
    exported = json.loads((tmp_path / "osv" / "x_MSA-2026-0042.json").read_text())
    assert exported["id"] == "x_MSA-2026-0042"
    os.environ["STEWARD_DATABASE_URL"] = "sqlite:///" + str(tmp_path / "unused.db")
    run = steward("audit", "--db", "osv", "--format", "json", expect=1)
    assert run.json_object()["source"] == "osv"
    assert not (tmp_path / "unused.db").exists()  # offline: the registry was never opened


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs; STEWARD_UPDATE_GOLDEN=1 rewrites it"


def _stable(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path), "<tmp>")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_audit_outputs_exit_codes_fail_on_and_ignores(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("lock")
    (tmp_path / "advisory.json").write_text(json.dumps(ADVISORY))
    steward("advisory", "import", "advisory.json")

    table = steward("audit", expect=1)
    _golden("audit-table.txt", _stable(table.stdout, tmp_path))
    report = steward("audit", "--format", "json", expect=1)
    _golden("audit.json", _stable(report.stdout, tmp_path))
    for fmt in ("markdown", "cyclonedx-json", "sarif"):
        assert steward("audit", "--format", fmt, expect=1).stdout.strip()

    # --fail-on: a high advisory passes when only critical fails
    assert steward("audit", "--fail-on", "critical").code == 0
    assert steward("audit", "--fail-on", "high", expect=1).code == 1
    assert "is not" in steward("audit", "--fail-on", "severe", expect=2).stderr

    # --ignore on the command line, and an ignore file with reason and expiry
    assert steward("audit", "--ignore", "x_MSA-2026-0042").code == 0
    (tmp_path / ".steward-ignore.toml").write_text(
        '[[ignore]]\nid = "x_MSA-2026-0042"\nreason = "batch use only"\nexpires = 2099-01-01\n')
    assert steward("audit").code == 0
    (tmp_path / ".steward-ignore.toml").write_text(
        '[[ignore]]\nid = "x_MSA-2026-0042"\nreason = "batch use only"\nexpires = 2020-01-01\n')
    expired = steward("audit", "--format", "json", expect=1).json_object()
    kinds = sorted(f["kind"] for f in expired["models"][0]["findings"])
    assert kinds == ["advisory", "expired-ignore"]
    (tmp_path / ".steward-ignore.toml").write_text('[[ignore]]\nid = "x_MSA-2026-0042"\n')
    bad = steward("audit", expect=2)
    assert "reason" in bad.stderr and "expires" in bad.stderr

    # nothing audited: a lock with no models
    (tmp_path / ".steward-ignore.toml").unlink()
    (tmp_path / "empty.lock").write_text(
        'lock-version = "1.0"\ncreated-by = "modelsteward"\napplication = "x"\n')
    assert steward("audit", "--lock", "empty.lock", expect=8).code == 8


def test_lock_is_deterministic_and_verify_catches_a_changed_file(steward: Steward, tmp_path: Path,
        db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("lock")
    first = (tmp_path / "models.lock").read_bytes()
    (tmp_path / "models.lock").unlink()
    steward("lock")
    assert (tmp_path / "models.lock").read_bytes() == first
    steward("lock")  # again with the lock present: unchanged
    assert (tmp_path / "models.lock").read_bytes() == first

    artefact = tmp_path / "artefacts" / "bot-1.0.1"
    assert steward("verify", "--lock", "models.lock", f"support-bot={artefact}").code == 0
    (artefact / "config.json").write_text('{"hidden": 9}\n')
    run = steward("verify", "--lock", "models.lock", f"support-bot={artefact}", expect=1)
    assert "changed  config.json" in run.stdout

    # a lock whose digests were edited is refused, naming the place
    text = first.decode()
    file_digest = text.split("[[models.files]]", 1)[1].split('sha256 = "', 1)[1][:64]
    edited = text.replace(file_digest, "0" * 64)
    assert edited != text
    (tmp_path / "models.lock").write_text(edited)
    refused = steward("audit", expect=2)
    assert "the lock was edited" in refused.stderr

    # a lock from a newer lock-version
    (tmp_path / "models.lock").write_text(text.replace('lock-version = "1.0"',
                                                       'lock-version = "2.0"'))
    newer = steward("audit", expect=2)
    assert "newer" in newer.stderr


def test_lock_upgrade_and_outdated(steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    (tmp_path / "models.toml").write_text(
        '[application]\nname = "support-portal"\nteam = "support"\n\n'
        '[models]\nsupport-bot = "^1.0"\n')
    (tmp_path / "models.lock").write_text("")
    (tmp_path / "models.lock").unlink()
    steward("version", "register", "support-bot", "1.2.0", "--change", "retrain",
            "--path", str(_weights(tmp_path, "bot-1.2.0", b"bot three")))
    gate(db_url, "support-bot@1.2.0")
    steward("lock")
    assert tomllib.loads((tmp_path / "models.lock").read_text())["models"][0]["version"] == "1.2.0"
    steward("version", "register", "support-bot", "1.3.0", "--change", "retrain",
            "--path", str(_weights(tmp_path, "bot-1.3.0", b"bot four")))
    gate(db_url, "support-bot@1.3.0")
    rows = steward("outdated", "--json").json()
    assert rows == [{"model": "support-bot", "locked": "1.2.0", "wanted": "1.3.0",
                     "latest": "1.3.0"}]
    steward("lock")  # without --upgrade the locked version stays
    assert tomllib.loads((tmp_path / "models.lock").read_text())["models"][0]["version"] == "1.2.0"
    moved = steward("lock", "--upgrade", "support-bot")
    assert "support-bot 1.2.0 → 1.3.0" in moved.stdout
    assert steward("outdated", "--json").json() == []


def test_bad_manifest_names_every_problem_and_writes_nothing(steward: Steward, tmp_path: Path,
        db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    (tmp_path / "models.toml").write_text(
        '[application]\nname = "support-portal"\nteam = "support"\n\n'
        '[models]\nno-such-model = "^1"\nsupport-bot = "^9"\n')
    run = steward("lock", expect=2)
    assert "models.no-such-model" in run.stderr and "models.support-bot.pin" in run.stderr
    assert not (tmp_path / "models.lock").exists()
    assert steward("consumer", "list", "--json").json() == []


def test_advisory_commands(steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    made = steward("advisory", "create", "--model", "base-llm", "--introduced", "1.0.0",
                   "--severity", "critical", "--summary", "Unsafe pickle in the tokenizer",
                   "--atlas", "AML.T0010", "--reference", "https://example.com/x", "--json")
    record = made.json_object()
    assert record["id"].startswith("x_MSA-") and record["database_specific"]["atlas"] == [
        "AML.T0010"]
    assert "never closes" in made.stderr  # an open range is legal but worth a warning
    listed = steward("advisory", "list", "--json").json_records()
    assert [a["id"] for a in listed] == [record["id"]]
    assert "Unsafe pickle" in steward("advisory", "show", record["id"]).stdout
    steward("advisory", "withdraw", record["id"], "--reason", "not reproducible")
    assert steward("advisory", "list", "--json").json() == []
    assert steward("advisory", "list", "--withdrawn", "--json").json_records()[0]["withdrawn"]
    assert "no advisory" in steward("advisory", "show", "x_MSA-2026-9999", expect=3).stderr
    refused = steward("advisory", "create", "--summary", "nothing named", expect=2)
    assert "--model MODEL or --repo URL" in refused.stderr
    bad = steward("advisory", "create", "--model", "base-llm", "--fixed", "1.1",
                  "--summary", "x", expect=2)
    assert "affected[0].ranges[0].events[1].fixed" in bad.stderr


def test_exported_records_validate_against_the_vendored_schema(steward: Steward, tmp_path: Path,
        db_url: str) -> None:
    from modelsteward.domain.osv_document import validate_osv

    _seed(steward, tmp_path, db_url)
    (tmp_path / "advisory.json").write_text(json.dumps(ADVISORY))
    steward("advisory", "import", "advisory.json")
    steward("advisory", "create", "--model", "support-bot", "--version", "1.0.0",
            "--digest", "sha256:" + "a" * 64, "--cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "--summary", "poisoned data")
    steward("advisory", "export", "osv")
    files = sorted((tmp_path / "osv").glob("*.json"))
    assert len(files) == 2
    for file in files:
        assert validate_osv(json.loads(file.read_text())) == [], file.name


MONITORED = "monitoring:\n  thresholds: {error_rate: \"<= 0.05\"}\n"


def test_lock_outdated_and_audit_choose_and_judge_only_eligible_versions(
        steward: Steward, tmp_path: Path, db_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "policy.yaml").write_text(MONITORED)
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    _seed(steward, tmp_path, db_url)  # support-bot 1.0.0, 1.0.1, 1.1.0 through the gates
    (tmp_path / "models.toml").write_text(
        '[application]\nname = "support-portal"\nteam = "support"\n\n'
        '[models]\nsupport-bot = "^1.0"\n')
    steward("lock")
    assert tomllib.loads((tmp_path / "models.lock").read_text())["models"][0]["version"] == "1.1.0"
    steward("monitor", "record", "support-bot@1.1.0", "error_rate=0.2")  # degraded
    steward("version", "register", "support-bot", "1.2.0", "--change", "retrain",
            "--path", str(_weights(tmp_path, "bot-1.2.0", b"bot three")))  # trained only

    # the audit reports the degraded version it locked, in every format
    table = steward("audit", expect=1)
    assert "ineligible-version" in table.stdout and "high" in table.stdout
    assert "0 findings" not in table.stdout and "1 finding, 1 failing" in table.stdout
    [finding] = steward("audit", "--format", "json",
                        expect=1).json_object()["models"][0]["findings"]
    assert (finding["kind"], finding["level"], finding["fails"]) == (
        "ineligible-version", "high", True)
    assert "is degraded (production monitoring: error_rate = 0.2" in finding["detail"]
    assert "ineligible-version" in steward("audit", "--format", "markdown", expect=1).stdout
    assert "ineligible-version" in steward("audit", "--format", "sarif", expect=1).stdout
    assert "ineligible-version" in steward("audit", "--format", "cyclonedx-json",
                                           expect=1).stdout
    assert steward("audit", "--fail-on", "critical").code == 0

    # outdated, audit --fix and lock --upgrade skip the trained and the degraded version
    assert steward("outdated", "--json").json() == [
        {"model": "support-bot", "locked": "1.1.0", "wanted": "1.0.1", "latest": "1.0.1"}]
    fixed = steward("audit", "--fix")
    assert "fixed: support-bot: 1.1.0 → 1.0.1" in fixed.stderr
    assert tomllib.loads((tmp_path / "models.lock").read_text())["models"][0]["version"] == "1.0.1"
    assert steward("audit").code == 0
    assert "(unchanged)" in steward("lock", "--upgrade", "support-bot").stdout
    assert steward("outdated", "--json").json() == []

    # a trained version locked by an exact pin is reported, as never gated (medium)
    (tmp_path / "models.toml").write_text(
        '[application]\nname = "support-portal"\nteam = "support"\n\n'
        '[models]\nsupport-bot = "1.2.0"\n')
    steward("lock")
    report = steward("audit", "--format", "json", expect=1).json_object()
    [finding] = report["models"][0]["findings"]
    assert (finding["kind"], finding["level"]) == ("ineligible-version", "medium")
    assert "it is still trained" in finding["detail"]


def test_lock_with_candidates_is_recorded_and_honoured(
        steward: Steward, tmp_path: Path, db_url: str) -> None:
    _seed(steward, tmp_path, db_url)
    steward("version", "register", "support-bot", "1.0.2", "--change", "config",
            "--path", str(_weights(tmp_path, "bot-1.0.2", b"bot one c")))  # trained only
    steward("lock")
    assert tomllib.loads((tmp_path / "models.lock").read_text())["models"][0]["version"] == "1.0.1"
    (tmp_path / "models.lock").unlink()
    steward("lock", "--candidates")
    text = (tmp_path / "models.lock").read_text()
    entry = tomllib.loads(text)["models"][0]
    assert (entry["version"], entry["candidates"]) == ("1.0.2", True)
    assert text.startswith('lock-version = "1.1"')
    steward("lock")  # without --candidates: the recorded choice stays
    assert (tmp_path / "models.lock").read_text() == text
    audited = steward("audit")
    assert "support-bot@1.0.2 was locked with --candidates" in audited.stdout
    assert "0 findings" in audited.stdout
    report = steward("audit", "--format", "json").json_object()
    assert report["models"][0]["candidates"] is True and report["models"][0]["findings"] == []
    steward("version", "register", "support-bot", "1.0.3", "--change", "config",
            "--path", str(_weights(tmp_path, "bot-1.0.3", b"bot one d")))  # trained only
    assert steward("outdated", "--json").json() == [
        {"model": "support-bot", "locked": "1.0.2", "wanted": "1.0.3", "latest": "1.1.0"}]
    assert "support-bot 1.0.2 → 1.0.3" in steward("lock", "--upgrade", "--candidates").stdout
    # --upgrade without --candidates goes back to an eligible version
    assert "support-bot 1.0.3 → 1.0.1" in steward("lock", "--upgrade").stdout
    assert "candidates = true" not in (tmp_path / "models.lock").read_text()
