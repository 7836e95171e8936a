"""consumers and the pins they use models by

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Expand only: two new tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=129), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('application', 'pipeline', 'deployment', 'notebook')",
                           name=op.f("ck_consumers_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumers")),
        sa.UniqueConstraint("name", name=op.f("uq_consumers_name")),
    )
    op.create_table(
        "consumer_pins",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=36), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=False),
        sa.Column("pin", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["consumer_id"], ["consumers.id"],
                                name=op.f("fk_consumer_pins_consumer_id_consumers")),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"],
                                name=op.f("fk_consumer_pins_model_id_models")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_pins")),
        sa.UniqueConstraint("consumer_id", "model_id", name="uq_consumer_pins_consumer_model"),
    )
    op.create_index(op.f("ix_consumer_pins_model_id"), "consumer_pins", ["model_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_consumer_pins_model_id"), table_name="consumer_pins")
    op.drop_table("consumer_pins")
    op.drop_table("consumers")
