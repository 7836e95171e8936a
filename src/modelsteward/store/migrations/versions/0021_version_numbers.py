"""versions numbered per model, and indexes for a model of very many versions

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

Each version keeps its MLflow number, its 1-based place in its model's registration order
(deleted versions included), filled here for the versions already registered: it was a count of
the model's earlier versions at every read, which grows with the model. With it:

* ``ix_versions_number`` (model, number) finds a version by number, and a model's newest;
* ``ix_versions_model_stage`` gains the number, so the newest version of a stage is one probe
  (the models page's stage probe still leads with model and stage); it replaces the index by
  model and stage, and ``ix_versions_number`` the one by model and registration;
* ``ix_versions_core`` (model, major, minor, patch) reads a page of a model's versions in
  version order (the resolution index had the variant before the core);
* ``ix_versions_stage_core`` (model, stage, variant, major, minor, patch) replaces that
  resolution index: a pin's candidates are read stage by stage, each from its newest, so that
  a model whose admitted versions are few among very many is not read whole.

Not for a rolling upgrade: the previous release does not write the number, so a version it
registered on this schema would take 0, which the unique index refuses after the first one.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("number", sa.BigInteger(), nullable=False,
                                        server_default="0"))
    op.execute("UPDATE versions SET number = numbered.n FROM (SELECT id, ROW_NUMBER() OVER "
               "(PARTITION BY model_id ORDER BY registered_seq) AS n FROM versions) AS numbered "
               "WHERE versions.id = numbered.id")
    op.drop_index("ix_versions_registration", table_name="versions")
    op.drop_index("ix_versions_model_stage", table_name="versions")
    op.create_index("ix_versions_number", "versions", ["model_id", "number"], unique=True)
    op.create_index("ix_versions_model_stage", "versions", ["model_id", "stage", "number"])
    op.create_index("ix_versions_core", "versions", ["model_id", "major", "minor", "patch"])
    op.drop_index("ix_versions_resolve", table_name="versions")
    op.create_index("ix_versions_stage_core", "versions",
                    ["model_id", "stage", "variant", "major", "minor", "patch"])


def downgrade() -> None:
    op.drop_index("ix_versions_stage_core", table_name="versions")
    op.create_index("ix_versions_resolve", "versions",
                    ["model_id", "variant", "major", "minor", "patch"])
    op.drop_index("ix_versions_core", table_name="versions")
    op.drop_index("ix_versions_model_stage", table_name="versions")
    op.drop_index("ix_versions_number", table_name="versions")
    op.create_index("ix_versions_model_stage", "versions", ["model_id", "stage"])
    op.create_index("ix_versions_registration", "versions", ["model_id", "registered_seq"])
    op.drop_column("versions", "number")
