"""The state check passes on every kind of change the registry makes itself (no false alarms),
on SQLite and PostgreSQL: MLflow-compatible writes, deletions with consumer moves, deprecation
and retirement at the hard deadline, consumers, locks, tokens, registry-file imports, variants,
retirement with an archive and restore."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from modelsteward import Registry
from modelsteward.domain.app_manifest import parse_manifest
from modelsteward.domain.consumers import Consumer, ConsumerKind, ConsumerPin
from modelsteward.domain.deprecation import DeprecationReason
from modelsteward.domain.model import Model
from modelsteward.domain.registry_file import parse_registry_file
from modelsteward.domain.tokens import Role
from modelsteward.domain.versioning import ChangeKind
from tests.conftest import FixedClock
from tests.service.eligibility_helpers import DEVELOPMENT


def _intact(registry: Registry) -> None:
    report = registry.verify_history()
    assert report.broken is None
    assert report.differences == (), [d.describe() for d in report.differences or ()]


def test_mlflow_writes_follow_from_their_events(db_url: str) -> None:
    with Registry.open(db_url, actor="alice") as registry:
        mlflow = registry.mlflow()
        mlflow.create_model("churn", description="first", tags={"team": "growth"})
        mlflow.update_model("churn", "second")
        mlflow.set_model_tag("churn", "stage", "beta")
        mlflow.delete_model_tag("churn", "team")
        for _ in range(3):
            mlflow.create_version("churn", source="s3://bucket/run", tags={"k": "v"})
        mlflow.update_version("churn", 1, "described later")
        mlflow.set_version_tag("churn", 2, "reviewed", "yes")
        mlflow.delete_version_tag("churn", 1, "k")
        mlflow.set_alias("churn", "champion", 1)
        mlflow.set_alias("churn", "champion", 2)
        mlflow.set_alias("churn", "challenger", 3)
        mlflow.delete_alias("churn", "challenger")
        mlflow.delete_version("churn", 3)
        _intact(registry)
        mlflow.delete_model("churn")
        _intact(registry)


def test_deletions_deprecations_consumers_locks_and_tokens_follow(
        db_url: str, tmp_path: Path) -> None:
    clock = FixedClock()
    today = clock.now().date()
    # the replay is the subject, not the gates: the development mode, every version eligible
    with Registry.open(db_url, actor="alice", clock=clock, policy=DEVELOPMENT) as registry:
        registry.create_model(Model("bot", owner_team="support"))
        registry.create_model(Model("other", owner_team="support"))
        for change in (ChangeKind.ARCHITECTURE, ChangeKind.RETRAIN, ChangeKind.RETRAIN):
            registry.register_version("bot", change=change)
        registry.register_version("other", change=ChangeKind.ARCHITECTURE)
        registry.lifecycle.set_alias("bot@1.0.0", "canary")
        registry.lifecycle.set_alias("bot@1.1.0", "canary")
        consumers = registry.consumers
        consumers.add(Consumer("web", ConsumerKind.APPLICATION, "support",
                               pins=(ConsumerPin("bot", "1.0.0"), ConsumerPin("other", "^1"))))
        consumers.add(Consumer("batch", ConsumerKind.PIPELINE, "data",
                               pins=(ConsumerPin("bot", "^1.0"),)))
        consumers.pin("batch", ConsumerPin("other", "1.0.0"))
        consumers.unpin("batch", "other")
        registry.deletions.delete("bot@1.0.0", reason="broken", replacement="bot@^1.1")
        registry.deprecations.plan(
            "bot@1.1.0", reason=DeprecationReason.REPLACED, replacement="bot@1.2.0",
            announced=today - timedelta(days=30), soft_deadline=today - timedelta(days=20),
            hard_deadline=today + timedelta(days=1))
        clock.advance(days=2)
        registry.deprecations.tick()
        consumers.remove("batch", reason="retired pipeline")
        registry.locking.lock(parse_manifest(
            '[application]\nname = "checkout"\nteam = "shop"\n\n[models]\nbot = "^1.2"\n'))
        issued = registry.tokens.create("ci", team="support", roles=frozenset({Role.VIEWER}))
        registry.tokens.revoke(issued.token.id)
        _intact(registry)
        registry.deletions.delete("other", reason="unused")
        _intact(registry)


REGISTRY_FILE: dict[str, dict[str, dict[str, object]]] = {"models": {
    "summarization-primary": {"provider": "anthropic", "model_id": "claude-sonnet-4-5-20250929",
                              "purpose": "Summaries", "status": "active",
                              "eval_scores": {"accuracy": 0.94}, "owner": "team-ai"},
    "classification-v2": {"type": "fine-tuned", "base_model": "gpt-4o-mini",
                          "fine_tune_id": "ft:gpt-4o-mini:org:classification-v2:abc123",
                          "status": "active"}}}


def test_imports_retirement_and_restore_follow(db_url: str, tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "model.bin").write_text("weights")
    with Registry.open(db_url, actor="alice") as registry:
        registry.registry_files.import_registry(parse_registry_file(REGISTRY_FILE))
        changed = {"models": dict(REGISTRY_FILE["models"])}
        changed["models"]["summarization-primary"] = {
            **REGISTRY_FILE["models"]["summarization-primary"], "purpose": "Longer summaries"}
        registry.registry_files.import_registry(parse_registry_file(changed))
        registry.create_model(Model("bot", owner_team="support"))
        registry.register_version("bot", change=ChangeKind.ARCHITECTURE, path=weights)
        registry.register_version("bot", change=ChangeKind.QUANTISATION, variant="q4",
                                  path=weights)
        registry.lifecycle.reject("bot@1.0.0", "worse")
        registry.retirements.retire("bot@1.0.0", str(tmp_path / "archive"), reason="replaced")
        registry.retirements.restore("bot@1.0.0", tmp_path / "restored")
        _intact(registry)
