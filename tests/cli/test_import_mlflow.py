"""``steward import mlflow``: a source registry (modelsteward's own MLflow API, filled through the
real ``mlflow`` client) imported into a second, empty registry; a re-run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from modelsteward.api.auth import local_authenticator
from modelsteward.service.registry import Registry
from tests.api.conftest import MakeServer, make_server  # noqa: F401  (fixture)
from tests.cli.conftest import Steward
from tests.conftest import FixedClock


@pytest.fixture
def source(make_server: MakeServer, clock: FixedClock,  # noqa: F811
           monkeypatch: pytest.MonkeyPatch) -> str:
    server = make_server(clock=clock, authenticate=local_authenticator("alice@example.com"))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    client = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
    client.create_registered_model("fraud", tags={"team": "risk"}, description="Flags fraud.")
    client.create_model_version("fraud", "s3://models/fraud/1", run_id="r1", description="one")
    client.create_model_version("fraud", "s3://models/fraud/2", run_id="r2",
                                tags={"data": "2025"})
    client.set_registered_model_alias("fraud", "champion", "2")
    client.create_registered_model("empty")
    return server.url


def test_import_copies_models_versions_tags_aliases(source: str, steward: Steward,
                                                    tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'target.db'}"
    planned = steward("--database-url", target, "import", "mlflow", "--tracking-uri", source,
                      "--dry-run", "--json").json()
    assert planned == {"changed": True, "dry_run": True, "created_models": ["empty", "fraud"],
                       "registered_versions": ["fraud:1", "fraud:2"], "tags_set": [],
                       "aliases_set": ["fraud:champion"]}
    done = steward("--database-url", target, "import", "mlflow", "--tracking-uri", source,
                   "--json").json()
    assert isinstance(done, dict) and done["registered_versions"] == ["fraud:1", "fraud:2"]
    with Registry.open(target, actor="test") as registry:
        mlflow = registry.mlflow()
        model = mlflow.get_model("fraud")
        assert (model.model.description, model.tags, model.aliases) == (
            "Flags fraud.", {"team": "risk"}, (("champion", 2),))
        first, second = mlflow.versions("fraud")
        assert (first.source, first.run_id, first.description) == ("s3://models/fraud/1", "r1",
                                                                   "one")
        assert (str(first.version.id), str(second.version.id)) == ("1.0.0", "1.1.0")
        assert second.tags == {"data": "2025", "modelsteward.version": "1.1.0"}
    again = steward("--database-url", target, "import", "mlflow", "--tracking-uri", source)
    assert again.stdout.startswith("Nothing to import")


def test_imported_models_get_the_team_given_or_the_default(source: str, steward: Steward,
                                                           tmp_path: Path) -> None:
    for team, expected in (("risk", "risk"), ("", "platform")):
        target = f"sqlite:///{tmp_path / f'target-{expected}.db'}"
        steward("--database-url", target, "import", "mlflow", "--tracking-uri", source,
                *(["--team", team] if team else []))
        with Registry.open(target, actor="test") as registry:
            assert {m.owner_team for m in registry.list_models()} == {expected}
