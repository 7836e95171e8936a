"""``steward import registry`` / ``steward export registry`` with the Factor 15 example."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.conftest import Steward
from tests.domain.test_registry_file import SEED


def test_import_is_idempotent_and_export_round_trips(steward: Steward, tmp_path: Path) -> None:
    source = tmp_path / "model-registry.yaml"
    source.write_text(SEED)
    first = steward("import", "registry", str(source), "--json").json()
    assert first["created_models"] == ["summarization-primary", "summarization-candidate",
                                       "classification-v2", "embedding-production"]
    assert first["registered_versions"] == [
        "summarization-primary@claude-sonnet-4-5-20250929",
        "summarization-candidate@claude-sonnet-4-5-20250929",
        "classification-v2@ft:gpt-4o-mini:org:classification-v2:abc123",
        "embedding-production@text-embedding-3-small"]
    events = len(steward("log", "--json").json())
    again = steward("import", "registry", str(source))
    assert "Nothing to change" in again.stdout
    assert len(steward("log", "--json").json()) == events

    shown = steward("version", "show", "summarization-primary@claude-sonnet-4-5-20250929",
                    "--json").json()
    assert shown["metrics"] == {"accuracy": 0.94, "relevance": 0.91, "cost_per_1k_requests": 12.5}
    assert shown["status"] == "active"

    exported = tmp_path / "exported.yaml"
    steward("export", "registry", "-o", str(exported))
    assert yaml.safe_load(exported.read_text()) == yaml.safe_load(SEED)
    assert yaml.safe_load(steward("export", "registry").stdout) == yaml.safe_load(SEED)


def test_changed_entries_update_models_and_register_new_versions(steward: Steward,
                                                                 tmp_path: Path) -> None:
    source = tmp_path / "model-registry.yaml"
    source.write_text(SEED)
    steward("import", "registry", str(source))
    changed = yaml.safe_load(SEED)
    changed["models"]["embedding-production"]["purpose"] = "Embeddings for search"
    changed["models"]["summarization-primary"]["model_id"] = "claude-sonnet-4-5-20251101"
    source.write_text(yaml.safe_dump(changed))
    report = steward("import", "registry", str(source), "--json").json()
    assert sorted(report["updated_models"]) == ["embedding-production", "summarization-primary"]
    assert report["registered_versions"] == ["summarization-primary@claude-sonnet-4-5-20251101"]
    assert steward("resolve", "summarization-primary", "claude-sonnet-4-5-*").stdout.strip() == \
        "summarization-primary@claude-sonnet-4-5-20251101"


def test_every_problem_is_reported_and_nothing_written(steward: Steward, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"models": {
        "Good Name": {"provider": "openai", "model_id": "gpt-4o"},
        "scores": {"eval_scores": {"accuracy": "high"}},
        "hosted": {"type": "hosted"},
        "tiered": {"risk_tier": "extreme"},
        "ok-model": {"provider": "openai", "model_id": "gpt-4o-2024-08-06"},
    }}))
    run = steward("import", "registry", str(bad), expect=2)
    for location in ("models.Good Name", "models.scores.eval_scores.accuracy",
                     "models.hosted.provider", "models.hosted.model_id", "models.tiered.risk_tier"):
        assert location in run.stderr, location
    assert "nothing was written" in run.stderr
    assert steward("model", "list", "--json").json() == []


def test_immutable_version_conflict_is_a_problem(steward: Steward, tmp_path: Path) -> None:
    source = tmp_path / "model-registry.yaml"
    source.write_text(SEED)
    steward("import", "registry", str(source))
    changed = yaml.safe_load(SEED)
    changed["models"]["classification-v2"]["eval_scores"]["accuracy"] = 0.5
    changed["models"]["new-model"] = {"provider": "openai", "model_id": "gpt-4o-2024-08-06"}
    source.write_text(yaml.safe_dump(changed))
    run = steward("import", "registry", str(source), expect=2)
    assert "models.classification-v2" in run.stderr and "immutable" in run.stderr
    assert "new-model" not in [m["name"] for m in steward("model", "list", "--json").json()]


def test_malformed_and_missing_files(steward: Steward, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("models:\n  a: [unclosed\n")
    run = steward("import", "registry", str(broken), expect=2)
    assert "is not valid YAML" in run.stderr and "line" in run.stderr
    run = steward("import", "registry", str(tmp_path / "absent.yaml"), expect=5)
    assert "no such file" in run.stderr
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    run = steward("import", "registry", str(tmp_path / "list.yaml"), expect=2)
    assert "must be a mapping with a 'models' key" in run.stderr
