"""experiments and canaries, and the sufficient statistics of their outcomes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

Expand only: two new tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ab_test', 'canary')", name=op.f("ck_experiments_kind")),
        sa.CheckConstraint("status IN ('running', 'promoted', 'rolled_back', 'stopped')",
                           name=op.f("ck_experiments_status")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_experiments")),
    )
    op.create_index("ix_experiments_model", "experiments", ["model"])
    op.create_table(
        "experiment_moments",
        sa.Column("experiment", sa.String(length=100), nullable=False),
        sa.Column("arm", sa.String(length=100), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("total_sq", sa.Float(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_experiment_moments_count")),
        sa.ForeignKeyConstraint(["experiment"], ["experiments.name"],
                                name=op.f("fk_experiment_moments_experiment_experiments")),
        sa.PrimaryKeyConstraint("experiment", "arm", "metric", "day",
                                name=op.f("pk_experiment_moments")),
    )


def downgrade() -> None:
    op.drop_table("experiment_moments")
    op.drop_index("ix_experiments_model", table_name="experiments")
    op.drop_table("experiments")
