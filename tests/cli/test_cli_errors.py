"""Bad input gets a clear message, a documented non-zero exit code, and nothing half-written."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.cli.conftest import Steward


@pytest.fixture
def seeded(steward: Steward, tmp_path: Path) -> Steward:
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.4.2")
    return steward


def versions(steward: Steward) -> list[str]:
    return [v["version"] for v in steward("version", "list", "bot", "--json").json_records()]


def events(steward: Steward) -> int:
    return len(steward("log", "--json").json_records())


def test_invalid_names_versions_and_pins(seeded: Steward) -> None:
    run = seeded("model", "create", "Support Bot", expect=2)
    assert "not a valid model name" in run.stderr and "'support-bot'" in run.stderr
    run = seeded("version", "register", "bot", "v1.5.0", "--change", "retrain", expect=2)
    assert "without the 'v'" in run.stderr
    run = seeded("version", "register", "bot", "1.5", "--change", "retrain", expect=2)
    assert "MAJOR.MINOR.PATCH" in run.stderr
    run = seeded("resolve", "bot", "^^2", expect=2)
    assert "Accepted forms" in run.stderr
    run = seeded("version", "register", "bot", "--change", "rewrite", expect=2)
    assert "architecture, retrain, config" in run.stderr
    run = seeded("model", "create", "x", "--risk-tier", "extreme", expect=2)
    assert "low, medium, high" in run.stderr
    assert versions(seeded) == ["1.4.2"]


def test_bump_contradiction_duplicate_and_force(seeded: Steward) -> None:
    before = events(seeded)
    run = seeded("version", "register", "bot", "2.1.0", "--change", "architecture", expect=4)
    assert "the next version is 2.0.0, not 2.1.0" in run.stderr and "--force" in run.stderr
    run = seeded("version", "register", "bot", "1.4.2", "--change", "config", expect=4)
    assert "already registered" in run.stderr
    run = seeded("version", "register", "bot", "1.4.2+q4", "--change", "config", expect=4)
    assert "produces a new version without a variant" in run.stderr
    run = seeded("version", "register", "bot", "1.4.3", "--force", expect=2)
    assert "--force needs --reason" in run.stderr
    assert events(seeded) == before and versions(seeded) == ["1.4.2"]
    seeded("version", "register", "bot", "1.4.3", "--change", "config")
    run = seeded("version", "register", "bot", "1.4.3", "--change", "config", expect=4)
    assert "already registered" in run.stderr
    forced = seeded("version", "register", "bot", "2.1.0", "--change", "architecture",
                    "--force", "--reason", "aligning with upstream numbering")
    assert "overridden" in forced.stderr


def test_not_found(seeded: Steward) -> None:
    assert "steward model create ghost" in seeded("model", "show", "ghost", expect=3).stderr
    assert "no version '9.9.9'" in seeded("version", "show", "bot@9.9.9", expect=3).stderr
    assert "No version of 'bot' matches" in seeded("resolve", "bot", "^7", expect=3).stderr
    assert "MODEL@VERSION" in seeded("version", "show", "bot", expect=2).stderr


def test_a_typo_in_a_model_name_offers_the_nearest_names(seeded: Steward) -> None:
    seeded("model", "create", "support-bot")
    seeded("model", "create", "support-bot-eu")
    for args in (("model", "show", "suport-bot"), ("resolve", "suport-bot", "^1"),
                 ("version", "register", "suport-bot", "1.0.0"),
                 ("version", "show", "suport-bot@1.0.0")):
        refused = seeded(*args, expect=3)
        assert ("Model 'suport-bot' is not in the registry. Did you mean 'support-bot' or "
                "'support-bot-eu'?") in refused.stderr, args
        assert "model create" not in refused.stderr
    assert [m["name"] for m in seeded("model", "list", "--json").json_records()] == [
        "bot", "support-bot", "support-bot-eu"]
    assert "steward model create ghost" in seeded("model", "show", "ghost", expect=3).stderr


def test_missing_unreadable_and_escaping_paths(seeded: Steward, tmp_path: Path) -> None:
    before = events(seeded)
    run = seeded("version", "register", "bot", "--change", "retrain", "--path",
                 str(tmp_path / "nowhere"), expect=5)
    assert "Cannot read" in run.stderr and "nowhere" in run.stderr
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "ok.bin").write_bytes(b"1")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    os.symlink(secret, folder / "leak.bin")
    run = seeded("version", "register", "bot", "--change", "retrain", "--path", str(folder),
                 expect=5)
    assert "outside the model folder" in run.stderr
    assert events(seeded) == before and versions(seeded) == ["1.4.2"]


def test_a_file_name_that_is_not_utf8_is_refused_naming_the_file(seeded: Steward,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "weights").mkdir(parents=True)
    (folder / "ok.bin").write_bytes(b"1")
    with open(os.fsencode(folder / "weights") + b"/caf\xe9.bin", "wb") as stream:
        stream.write(b"2")
    before = events(seeded)
    run = seeded("version", "register", "bot", "--change", "retrain", "--path", str(folder),
                 expect=5)
    assert "weights/caf\\xe9.bin" in run.stderr and "is not UTF-8" in run.stderr
    assert "Rename the file" in run.stderr and "Traceback" not in run.stderr
    assert events(seeded) == before and versions(seeded) == ["1.4.2"]


def test_a_file_name_with_a_backslash_is_refused_at_registration(seeded: Steward,
                                                                 tmp_path: Path) -> None:
    """A lock file writes paths with '/' only (as PEP 751 does) and refuses a backslash, which
    Windows reads as a folder separator: such a name is refused before it is registered, so
    every registered version can be locked and its lock read back."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "back\\slash.bin").write_bytes(b"1")
    before = events(seeded)
    run = seeded("version", "register", "bot", "--change", "retrain", "--path", str(folder),
                 expect=5)
    assert "back\\slash.bin" in run.stderr and "holds a backslash" in run.stderr
    assert "Rename the file" in run.stderr
    single = seeded("version", "register", "bot", "--change", "retrain", "--path",
                    str(folder / "back\\slash.bin"), expect=5)
    assert "holds a backslash" in single.stderr
    assert events(seeded) == before and versions(seeded) == ["1.4.2"]


def test_malformed_attestation_and_metrics(seeded: Steward, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    run = seeded("version", "attest", "bot@1.4.2", str(tmp_path / "bad.json"), expect=2)
    assert "is not valid JSON" in run.stderr and "line 1" in run.stderr
    (tmp_path / "wrong.json").write_text('{"_type": "x", "subject": []}')
    run = seeded("version", "attest", "bot@1.4.2", str(tmp_path / "wrong.json"), expect=2)
    assert "$.predicateType" in run.stderr and "$.subject" in run.stderr
    run = seeded("version", "register", "bot", "--change", "retrain", "--metric", "acc=high",
                 expect=2)
    assert "must be a number" in run.stderr


def test_unreachable_database(steward: Steward) -> None:
    run = steward("--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none",
                  "model", "list", expect=6)
    assert "Cannot open the database" in run.stderr and "STEWARD_DATABASE_URL" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None,
                    reason="s3fs is installed here, so s3:// works")
def test_retiring_into_s3_without_s3fs_says_which_extra_to_install(
        steward: Steward, tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "model.safetensors").write_bytes(b"\x01" * 64)
    steward("model", "create", "bot")
    steward("version", "register", "bot", "1.0.0", "--path", str(weights))
    steward("reject", "bot@1.0.0", "--reason", "superseded")
    before = events(steward)
    run = steward("retire", "bot@1.0.0", "--reason", "replaced", "--archive", "s3://vault",
                  expect=2)
    assert "pip install 'modelsteward[s3]'" in run.stderr and "Traceback" not in run.stderr
    assert events(steward) == before
