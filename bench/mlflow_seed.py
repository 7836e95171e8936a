"""The registry of ``scale_seed.py`` written into MLflow's own model-registry schema, for the
scale benchmark's baseline (``bench_scale.py``).

MLflow's ``SqlAlchemyStore`` creates its schema (its Alembic migrations) on the empty database;
then the same models, versions, stages and aliases are inserted in batches straight into its
tables, in one transaction (executemany; COPY on PostgreSQL, as ``scale_seed`` does):
MLflow's write path, one ``create_model_version`` at a time, would take hours at 1,000,000
versions.

* ``registered_models``: ``model-000000``… (and ``model-big``), created and last updated when
  ``scale_seed`` writes them, with the same description;
* ``model_versions``: versions ``1``…``count`` of each, ``READY``, stage ``Production`` for the
  newest of four models in five and ``Staging`` for the one before in one model in five (as
  ``scale_seed.stages_of``), ``None`` otherwise, ``source`` ``models:/NAME/N``;
* ``registered_model_aliases``: ``production`` on the version in production;
* ``registered_model_tags``: one tag per model, ``team`` (modelsteward keeps the owner team as
  a column, MLflow as a tag); ``model_version_tags``: one per version, ``accuracy`` (the metric
  the seed gives each version).

Consumers, deprecation plans and advisories have no MLflow counterpart and are not written: the
one model in 200 with a plan shows its versions as ``Archived`` in modelsteward's MLflow view
and as ``scale_seed`` staged them here. ``tests/bench/test_mlflow_seed.py`` checks that the
other models read the same through both. On PostgreSQL the tables are analysed afterwards, as
for the registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scale_seed import TEAMS, Shape, _inserter, moment_of, stages_of
from sqlalchemy import Table, text

from modelsteward.domain.lifecycle import Stage

_BATCH = 20_000  # rows per executemany


def _millis(shape: Shape, i: int) -> int:
    return int(moment_of(shape, i).timestamp() * 1000)


def _rows(shape: Shape) -> Iterator[tuple[str, dict[str, object]]]:
    """(table, row) of the whole registry, in name order."""
    for i, name, count in shape.counts():
        at = _millis(shape, i)
        yield "registered_models", {"name": name, "creation_time": at, "last_updated_time": at,
                                    "description": f"Scale model {i}"}
        yield "registered_model_tags", {"name": name, "key": "team",
                                        "value": f"team-{i % TEAMS}"}
        stages = dict(stages_of(i, count))
        for n in range(count):
            stage = stages.get(n)
            yield "model_versions", {
                "name": name, "version": n + 1, "creation_time": at, "last_updated_time": at,
                "description": "", "user_id": "seeder",
                "current_stage": ("Production" if stage is Stage.PRODUCTION else
                                  "Staging" if stage is Stage.STAGING else "None"),
                "source": f"models:/{name}/{n + 1}", "storage_location": None,
                "run_id": None, "run_link": None, "status": "READY", "status_message": None}
            yield "model_version_tags", {"name": name, "version": n + 1, "key": "accuracy",
                                         "value": str(0.8 + n % 100 / 1000)}
            if stage is Stage.PRODUCTION:
                yield "registered_model_aliases", {"name": name, "alias": "production",
                                                   "version": n + 1}


def open_store(url: str) -> Any:
    """MLflow's model-registry store at ``url`` (its schema created when the database is
    empty). ``Any``: MLflow ships no type information."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
    return SqlAlchemyStore(url)  # type: ignore[no-untyped-call]


def seed(url: str, shape: Shape) -> None:
    """Write ``shape`` into the (empty) MLflow registry at ``url``."""
    from mlflow.store.model_registry.dbmodels.models import (
        SqlModelVersion,
        SqlModelVersionTag,
        SqlRegisteredModel,
        SqlRegisteredModelAlias,
        SqlRegisteredModelTag,
    )
    store = open_store(url)
    tables: dict[str, Table] = {m.__tablename__: m.__table__ for m in (
        SqlRegisteredModel, SqlRegisteredModelTag, SqlModelVersion, SqlModelVersionTag,
        SqlRegisteredModelAlias)}
    # parents first: a version's row refers to its model's
    order = ("registered_models", "registered_model_tags", "model_versions",
             "model_version_tags", "registered_model_aliases")
    pending: dict[str, list[dict[str, object]]] = {name: [] for name in order}
    with store.engine.begin() as connection:
        write = _inserter(connection)  # COPY on PostgreSQL (executemany took over 30 min)

        def flush() -> None:
            for name in order:
                write(tables[name], pending[name])
                pending[name] = []

        for table, row in _rows(shape):
            pending[table].append(row)
            if len(pending["model_versions"]) >= _BATCH:
                flush()
        flush()
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as connection:
            for name in order:
                connection.execute(text(f"ANALYZE {name}"))
    store.engine.dispose()
