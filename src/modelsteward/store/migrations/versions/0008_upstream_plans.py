"""deprecation plans of upstream models named by package URL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Expand only: one new table.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

REASONS = ("replaced", "vulnerability", "data-contamination", "harmful-bias",
           "performance-regression", "regulatory", "use-case-ended", "provider-shutdown")


def upgrade() -> None:
    reasons = ", ".join(f"'{r}'" for r in REASONS)
    op.create_table(
        "upstream_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purl", sa.String(length=1024), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("replacement", sa.String(length=400), nullable=False),
        sa.Column("announced", sa.Date(), nullable=False),
        sa.Column("soft_deadline", sa.Date(), nullable=False),
        sa.Column("hard_deadline", sa.Date(), nullable=False),
        sa.Column("migration_steps", sa.JSON(), nullable=False),
        sa.Column("support_window", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(f"reason IN ({reasons})", name=op.f("ck_upstream_plans_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_plans")),
    )
    op.create_index(op.f("ix_upstream_plans_purl"), "upstream_plans", ["purl"])


def downgrade() -> None:
    op.drop_index(op.f("ix_upstream_plans_purl"), table_name="upstream_plans")
    op.drop_table("upstream_plans")
