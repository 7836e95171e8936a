"""deprecation plans and notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Expand only: two new tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REASONS = ("replaced", "vulnerability", "data-contamination", "harmful-bias",
           "performance-regression", "regulatory", "use-case-ended", "provider-shutdown")


def upgrade() -> None:
    reasons = ", ".join(f"'{r}'" for r in REASONS)
    op.create_table(
        "deprecation_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("replacement", sa.String(length=400), nullable=False),
        sa.Column("announced", sa.Date(), nullable=False),
        sa.Column("soft_deadline", sa.Date(), nullable=False),
        sa.Column("hard_deadline", sa.Date(), nullable=False),
        sa.Column("migration_steps", sa.JSON(), nullable=False),
        sa.Column("support_window", sa.Text(), nullable=False),
        sa.Column("redirect", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(f"reason IN ({reasons})", name=op.f("ck_deprecation_plans_reason")),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"],
                                name=op.f("fk_deprecation_plans_model_id_models")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deprecation_plans")),
    )
    op.create_index(op.f("ix_deprecation_plans_model_id"), "deprecation_plans", ["model_id"])
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=129), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_index(op.f("ix_notices_team"), "notices", ["team"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_team"), table_name="notices")
    op.drop_table("notices")
    op.drop_index(op.f("ix_deprecation_plans_model_id"), table_name="deprecation_plans")
    op.drop_table("deprecation_plans")
