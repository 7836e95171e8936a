"""advisories (OSV records) with their package and digest index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

Expand only: three new tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisories",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisories")),
    )
    op.create_table(
        "advisory_packages",
        sa.Column("advisory_id", sa.String(length=100), nullable=False),
        sa.Column("ecosystem", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.ForeignKeyConstraint(["advisory_id"], ["advisories.id"],
                                name=op.f("fk_advisory_packages_advisory_id_advisories")),
        sa.PrimaryKeyConstraint("advisory_id", "ecosystem", "name",
                                name=op.f("pk_advisory_packages")),
    )
    op.create_index("ix_advisory_packages_package", "advisory_packages", ["ecosystem", "name"])
    op.create_table(
        "advisory_digests",
        sa.Column("advisory_id", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["advisory_id"], ["advisories.id"],
                                name=op.f("fk_advisory_digests_advisory_id_advisories")),
        sa.PrimaryKeyConstraint("advisory_id", "digest", name=op.f("pk_advisory_digests")),
    )
    op.create_index("ix_advisory_digests_digest", "advisory_digests", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_advisory_digests_digest", table_name="advisory_digests")
    op.drop_table("advisory_digests")
    op.drop_index("ix_advisory_packages_package", table_name="advisory_packages")
    op.drop_table("advisory_packages")
    op.drop_table("advisories")
