"""the directions an evaluation file declares for its metrics

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

Expand only: one nullable column. Evaluations recorded before it declare no direction (NULL),
which is what they said; the previous release ignores the column.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("directions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("directions")
