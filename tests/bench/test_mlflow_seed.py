"""The MLflow baseline of the scale benchmark holds the data the registry's MLflow view shows:
the same registered models, version numbers, stages and aliases, read through MLflow's own
store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import mlflow_seed
import scale_seed

pytest.importorskip("mlflow.store.model_registry.sqlalchemy_store")

SHAPE = scale_seed.Shape(versions=60, models=10, big=15)


def test_mlflow_store_shows_what_the_registry_shows(tmp_path: Path) -> None:
    registry_url = f"sqlite:///{tmp_path / 'registry.db'}"
    mlflow_url = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with scale_seed.open_registry(registry_url) as registry:
        scale_seed.seed(registry, SHAPE)
        ours = registry.mlflow()
        mlflow_seed.seed(mlflow_url, SHAPE)
        store = mlflow_seed.open_store(mlflow_url)
        try:
            theirs = store.search_registered_models(max_results=1000)
            assert [m.name for m in theirs] == [m.name for m in ours.models()]
            # a deprecation plan has no MLflow counterpart: its model's versions show as
            # Archived in modelsteward's view only (scale_seed plans model 7 of these ten)
            planned = {name for _, name, _ in SHAPE.counts()
                       if registry.deprecations.plans(name)}
            assert planned == {"model-000007"}
            for _, name, count in SHAPE.counts():
                if name in planned:
                    continue
                assert len(store.search_model_versions(f"name='{name}'",
                                                       max_results=1000)) == count
                latest = store.get_latest_versions(name)
                assert [(str(v.version), v.current_stage) for v in latest] == [
                    (str(v.number), v.stage) for v in ours.latest_versions(name)]
                aliases = store.get_registered_model(name).aliases  # alias -> version
                assert sorted((k, str(v)) for k, v in aliases.items()) == [
                    (alias, str(number)) for alias, number in ours.get_model(name).aliases]
        finally:
            store.engine.dispose()
