"""where a version's weights are: where they were registered from, archived to, restored to

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Expand only: one new table.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifact_locations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('source', 'archive', 'restored')",
                           name=op.f("ck_artifact_locations_kind")),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"],
                                name=op.f("fk_artifact_locations_version_id_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_locations")),
    )
    op.create_index(op.f("ix_artifact_locations_version_id"), "artifact_locations",
                    ["version_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_artifact_locations_version_id"), table_name="artifact_locations")
    op.drop_table("artifact_locations")
