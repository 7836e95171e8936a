"""The CLI end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelsteward.domain.provenance import SLSA_PROVENANCE, STATEMENT_TYPE
from tests.cli.conftest import Steward


def make_weights(folder: Path, payload: bytes = b"\x01" * 4096) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden": 64}')
    (folder / "weights").mkdir()
    (folder / "weights" / "model.safetensors").write_bytes(payload)
    return folder


def test_registry_end_to_end(steward: Steward, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    # about registering, resolving pins, provenance and history, not the gates: a development
    # policy lets the ranges choose versions that never went through them
    (tmp_path / "policy.yaml").write_text("eligibility: {minimum_stage: trained}\n")
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    assert "registry at" in steward("init").stdout
    steward("model", "create", "acme/base", "--owner-team", "team-ml", "--risk-tier", "low",
            "--license", "apache-2.0", "--tag", "llm", "--support-months", "12")
    steward("model", "create", "sonnet", "--kind", "hosted", "--provider", "anthropic",
            "--provider-model", "claude-sonnet-4-5")
    first = make_weights(tmp_path / "v1")
    out = steward("version", "register", "acme/base", "--change", "architecture", "--path",
                  str(first), "--derived-from", "pkg:huggingface/mistralai/Mistral-7B-v0.3@abc",
                  "--relation", "finetune", "--json").json_object()
    assert out["version"] == "1.0.0" and out["digest"].startswith("sha256:")
    steward("version", "register", "acme/base", "--change", "retrain", "--path",
            str(make_weights(tmp_path / "v2", b"\x02" * 4096)), "--metric", "accuracy=0.91")
    steward("version", "register", "acme/base", "--change", "quantisation", "--variant", "q4")
    steward("version", "register", "sonnet", "claude-sonnet-4-5-20250929")

    listed = steward("version", "list", "acme/base", "--json").json_records()
    assert [v["version"] for v in listed] == ["1.0.0", "1.1.0", "1.1.0+q4"]
    assert steward("resolve", "acme/base", "^1.0").stdout.strip() == "acme/base@1.1.0"
    assert steward("resolve", "acme/base", "^1+q4").stdout.strip() == "acme/base@1.1.0+q4"
    assert steward("resolve", "sonnet", "claude-sonnet-4-5-*",
                   "--json").json_object()["version"] == "claude-sonnet-4-5-20250929"
    tree = steward("lineage", "acme/base@1.1.0", "--json").json_object()
    assert tree["descendants"][0]["child"] == "acme/base@1.1.0+q4"
    shown = steward("version", "show", "acme/base@1.1.0", "--json").json_object()
    assert shown["metrics"] == {"accuracy": 0.91}
    assert len(shown["files"]) == 2
    assert "acme/base" in steward("model", "list").stdout
    assert steward("model", "show", "acme/base", "--json").json_object()["support_policy"] == {
        "active_months": 12, "afterwards": None}

    # provenance
    statement = {"_type": STATEMENT_TYPE, "predicateType": SLSA_PROVENANCE,
                 "subject": [{"name": "base", "digest": {"sha256": out["digest"][7:]}}],
                 "predicate": {"buildDefinition": {"buildType": "https://example.com/t"},
                               "runDetails": {"builder": {"id": "https://example.com/ci"}}}}
    (tmp_path / "att.json").write_text(json.dumps(statement))
    (tmp_path / "metrics.json").write_text('{"loss": 0.2, "curve": [0.9, 0.2]}')
    steward("version", "attest", "acme/base@1.0.0", str(tmp_path / "att.json"), "--metrics",
            str(tmp_path / "metrics.json"))
    refused = steward("version", "attest", "acme/base@1.1.0", str(tmp_path / "att.json"),
                      expect=4)
    assert "does not match acme/base@1.1.0" in refused.stderr

    # verify: clean, then changed / missing / extra
    assert "matches" in steward("verify", "acme/base@1.0.0", str(first)).stdout
    (first / "weights" / "model.safetensors").write_bytes(b"tampered")
    (first / "config.json").unlink()
    (first / "notes.txt").write_text("new")
    bad = steward("verify", "acme/base@1.0.0", str(first), "--json", expect=1).json_object()
    assert (bad["changed"], bad["missing"], bad["extra"]) == (
        ["weights/model.safetensors"], ["config.json"], ["notes.txt"])

    # history
    events = steward("log", "--json").json_records()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {e["actor"] for e in events} == {"alice@example.com"}
    assert all(e["subject"].startswith("sonnet")
               for e in steward("log", "sonnet", "--json").json_records())
    assert "intact" in steward("log", "verify").stdout
    assert "already at the newest schema" in steward("db", "upgrade").stdout
