"""``steward import registry`` / ``steward export registry`` with the Factor 15 example."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import Steward
from tests.conftest import fresh_pg_schema
from tests.domain.test_registry_file import SEED


def test_import_is_idempotent_and_export_round_trips(
        steward: Steward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # about the file, not the gates: under a development policy the evaluating candidate is its
    # model's current version, so the export writes its status and scores back (under the
    # default policy it has not passed the evaluation gate: test_round_trip_is_stable)
    (tmp_path / "policy.yaml").write_text("eligibility: {minimum_stage: trained}\n")
    monkeypatch.setenv("STEWARD_POLICY", str(tmp_path / "policy.yaml"))
    source = tmp_path / "model-registry.yaml"
    source.write_text(SEED)
    first = steward("import", "registry", str(source), "--json").json_object()
    assert first["created_models"] == ["summarization-primary", "summarization-candidate",
                                       "classification-v2", "embedding-production"]
    assert first["registered_versions"] == [
        "summarization-primary@claude-sonnet-4-5-20250929",
        "summarization-candidate@claude-sonnet-4-5-20250929",
        "classification-v2@ft:gpt-4o-mini:org:classification-v2:abc123",
        "embedding-production@text-embedding-3-small"]
    events = len(steward("log", "--json").json_records())
    again = steward("import", "registry", str(source))
    assert "Nothing to change" in again.stdout
    assert len(steward("log", "--json").json_records()) == events

    shown = steward("version", "show", "summarization-primary@claude-sonnet-4-5-20250929",
                    "--json").json_object()
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
    report = steward("import", "registry", str(source), "--json").json_object()
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
    assert "new-model" not in [m["name"] for m in steward("model", "list", "--json").json_records()]


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


STAGED = {"models": {
    "chat": {"provider": "openai", "model_id": "gpt-4o-2024-08-06", "status": "Active",
             "eval_scores": {"accuracy": 0.9}},
    "search": {"provider": "openai", "model_id": "text-embedding-3-small", "status": "staging"},
    "legacy": {"provider": "openai", "model_id": "gpt-4-0613", "status": "decommissioned"},
    "draft": {"provider": "openai", "model_id": "gpt-4o-mini-2024-07-18"},
}}


def test_status_sets_the_stage_and_active_takes_the_production_alias(steward: Steward,
                                                                      tmp_path: Path) -> None:
    """`status: active` (any case) → stage production, the production alias, and events that
    say the stage was imported, naming the file and the entry; the other words → their stages;
    no status → trained. The log's state check agrees, and a second import writes nothing."""
    source = tmp_path / "model-registry.yaml"
    source.write_text(yaml.safe_dump(STAGED))
    report = steward("import", "registry", str(source), "--json").json_object()
    assert report["stages"] == {"chat@gpt-4o-2024-08-06": "production",
                                "search@text-embedding-3-small": "staging",
                                "legacy@gpt-4-0613": "retired"}
    assert report["aliases"] == {"chat@gpt-4o-2024-08-06": "production"}

    def stage(ref: str) -> str:
        return str(steward("version", "show", ref, "--json").json_object()["stage"])

    assert stage("chat@gpt-4o-2024-08-06") == "production"
    assert stage("search@text-embedding-3-small") == "staging"
    assert stage("legacy@gpt-4-0613") == "retired"
    assert stage("draft@gpt-4o-mini-2024-07-18") == "trained"
    aliases = steward("alias", "list", "chat", "--json").json_records()
    assert [(a["alias"], a["version"]) for a in aliases] == [("production", "gpt-4o-2024-08-06")]

    log = steward("log", "--json").json_records()
    promoted = [e for e in log if e["kind"] == "model:version:promoted"]
    assert [(e["subject"], e["payload"]["to"]) for e in promoted] == [
        ("chat@gpt-4o-2024-08-06", "production"), ("search@text-embedding-3-small", "staging")]
    for event in promoted:
        assert event["payload"]["imported"] is True
        assert event["payload"]["source"] == str(source)
        assert event["payload"]["from"] == "trained" and event["payload"]["gates"] == []
    assert promoted[0]["payload"]["entry"] == "models.chat"
    [retired] = [e for e in log if e["kind"] == "model:version:retired"]
    assert retired["payload"]["imported"] is True and retired["payload"]["entry"] == "models.legacy"
    [alias] = [e for e in log if e["kind"] == "model:alias:set"]
    assert alias["subject"] == "chat@gpt-4o-2024-08-06"
    assert alias["payload"]["alias"] == "production" and str(source) in alias["payload"]["reason"]
    steward("log", "verify")

    again = steward("import", "registry", str(source))
    assert "Nothing to change" in again.stdout
    assert len(steward("log", "--json").json_records()) == len(log)


def test_an_unknown_status_is_refused_naming_the_accepted_words(steward: Steward,
                                                                 tmp_path: Path) -> None:
    source = tmp_path / "model-registry.yaml"
    source.write_text(yaml.safe_dump({"models": {
        "chat": {"provider": "openai", "model_id": "gpt-4o-2024-08-06", "status": "active"},
        "odd": {"provider": "openai", "model_id": "gpt-4o-2024-05-13", "status": "shadow"}}}))
    run = steward("import", "registry", str(source), expect=2)
    assert "models.odd.status" in run.stderr and "'shadow'" in run.stderr
    for word in ("experimental", "evaluating", "active", "deployed", "staging", "archived",
                 "rejected"):
        assert word in run.stderr, word
    assert "nothing was written" in run.stderr
    assert steward("model", "list", "--json").json() == []
    assert steward("log", "--json").json() == []


def test_export_writes_the_eligible_current_version_with_its_evaluations(
        steward: Steward, tmp_path: Path) -> None:
    """A newer rejected or retired version is never written as the current one: the version
    holding production is, with the scores of its evaluations over those of the file."""
    source = tmp_path / "model-registry.yaml"
    first = {"models": {
        "chat": {"provider": "openai", "model_id": "gpt-4o-2024-05-13", "status": "deployed",
                 "eval_scores": {"accuracy": 0.9, "relevance": 0.8}},
        "search": {"provider": "openai", "model_id": "embed-2024-01-01", "status": "staging"}}}
    source.write_text(yaml.safe_dump(first))
    steward("import", "registry", str(source))
    newer = {"models": {
        "chat": {"provider": "openai", "model_id": "gpt-4o-2024-08-06", "status": "rejected"},
        "search": {"provider": "openai", "model_id": "embed-2024-06-01", "status": "retired"}}}
    source.write_text(yaml.safe_dump(newer))
    steward("import", "registry", str(source))
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_text(json.dumps({"suite": "golden", "dataset_digest": "sha256:" + "ab" * 32,
                                      "metrics": {"accuracy": 0.93},
                                      "cost_per_1k_requests": 4.5}))
    steward("eval", "record", "chat@gpt-4o-2024-05-13", str(evaluation))

    exported = yaml.safe_load(steward("export", "registry").stdout)["models"]
    # model_id is the model's (now the newer snapshot); the version written is the current one
    assert exported["chat"]["version"] == "gpt-4o-2024-05-13"
    assert exported["chat"]["status"] == "deployed"  # the file's own word for production
    assert exported["chat"]["eval_scores"] == {"accuracy": 0.93, "relevance": 0.8,
                                               "cost_per_1k_requests": 4.5}
    assert exported["search"]["version"] == "embed-2024-01-01"
    assert exported["search"]["status"] == "staging"

    # the exported file imports as it is: nothing changes
    (tmp_path / "exported.yaml").write_text(yaml.safe_dump({"models": exported}))
    assert "Nothing to change" in steward("import", "registry",
                                          str(tmp_path / "exported.yaml")).stdout


def test_a_model_without_an_eligible_version_is_written_without_status(
        steward: Steward, tmp_path: Path) -> None:
    source = tmp_path / "model-registry.yaml"
    source.write_text(yaml.safe_dump({"models": {
        "old": {"provider": "openai", "model_id": "gpt-4-0613", "status": "rejected",
                "eval_scores": {"accuracy": 0.5}, "notes": "worse than the baseline"}}}))
    steward("import", "registry", str(source))
    [entry] = yaml.safe_load(steward("export", "registry").stdout)["models"].values()
    assert entry == {"provider": "openai", "model_id": "gpt-4-0613",
                     "notes": "worse than the baseline"}
    exported = tmp_path / "exported.yaml"
    steward("export", "registry", "-o", str(exported))
    assert "Nothing to change" in steward("import", "registry", str(exported)).stdout


def test_round_trip_is_stable(steward: Steward, tmp_path: Path, db_url: str,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """import(export(x)) changes nothing; into an empty registry it gives the current versions
    the same stages and aliases, and exporting that registry gives the same file. (A model
    whose only version is rejected or retired is left out here: it is written without status,
    so an empty registry takes it as trained, which resolution still counts as current until it
    counts only versions that passed the evaluation gate; the test above covers it.)"""
    source = tmp_path / "model-registry.yaml"
    models = {**STAGED["models"], **yaml.safe_load(SEED)["models"]}
    del models["legacy"]
    source.write_text(yaml.safe_dump({"models": models}))
    steward("import", "registry", str(source))
    exported = tmp_path / "exported.yaml"
    steward("export", "registry", "-o", str(exported))
    events = len(steward("log", "--json").json_records())
    assert "Nothing to change" in steward("import", "registry", str(exported)).stdout
    assert len(steward("log", "--json").json_records()) == events
    assert steward("export", "registry").stdout == exported.read_text()

    def stages() -> dict[str, str]:
        found = {}
        for model in steward("model", "list", "--json").json_records():
            for version in steward("version", "list", model["name"], "--json").json_records():
                found[f"{model['name']}@{version['version']}"] = version["stage"]
        return found

    def aliases() -> list[tuple[str, str]]:
        return [(m["name"], a["alias"] + " " + a["version"])
                for m in steward("model", "list", "--json").json_records()
                for a in steward("alias", "list", m["name"], "--json").json_records()]

    before, held = stages(), aliases()
    assert before["chat@gpt-4o-2024-08-06"] == "production"
    with contextlib.ExitStack() as stack:
        fresh = (f"sqlite:///{tmp_path / 'fresh.db'}" if db_url.startswith("sqlite")
                 else stack.enter_context(fresh_pg_schema()))
        monkeypatch.setenv("STEWARD_DATABASE_URL", fresh)
        steward("import", "registry", str(exported))
        current = {f"{name}@{e.get('version') or e.get('fine_tune_id') or e['model_id']}"
                   for name, e in yaml.safe_load(exported.read_text())["models"].items()
                   if "status" in e}
        assert "chat@gpt-4o-2024-08-06" in current
        after = stages()
        assert {ref: after[ref] for ref in current} == {ref: before[ref] for ref in current}
        assert aliases() == held
        assert steward("export", "registry").stdout == exported.read_text()
