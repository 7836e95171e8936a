"""tombstones: deleted models and versions stay, hidden, for audit

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Expand only: nullable columns, added with plain ALTER TABLE so that SQLite keeps the
immutability triggers of 0002.
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    timestamp = "TIMESTAMP WITH TIME ZONE" if op.get_bind().dialect.name == "postgresql" \
        else "DATETIME"
    op.execute(f"ALTER TABLE models ADD COLUMN deleted_at {timestamp}")
    op.execute(f"ALTER TABLE versions ADD COLUMN deleted_at {timestamp}")


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("models") as batch:
        batch.drop_column("deleted_at")
