"""versions by model and stage

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

Expand only: an index of the versions by model and stage, so that the models page's stage
filter asks "has this model a version in production?" with one probe, not by reading every
version of the model; and one by model and registration, so that a model page reads the newest
versions of a model with very many without reading them all.
"""
from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_versions_model_stage", "versions", ["model_id", "stage"])
    op.create_index("ix_versions_registration", "versions", ["model_id", "registered_seq"])


def downgrade() -> None:
    op.drop_index("ix_versions_registration", table_name="versions")
    op.drop_index("ix_versions_model_stage", table_name="versions")
