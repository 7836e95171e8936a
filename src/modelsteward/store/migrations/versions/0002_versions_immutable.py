"""registered versions are immutable in the database too

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Triggers refuse any UPDATE of the columns that identify a registered version or describe its
artefact, and any UPDATE or DELETE of its file digests. Status and other lifecycle columns that
later releases add stay writable. Compatible with the previous release: it never updates those
columns.
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

IMMUTABLE = ("model_id", "version", "major", "minor", "patch", "prerelease", "variant",
             "digest", "change", "forced_reason", "meta", "metrics", "registered_at",
             "registered_by", "registered_seq")
MESSAGE = "registered versions are immutable: register a new version instead"


def upgrade() -> None:
    columns = ", ".join(IMMUTABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION steward_refuse_version_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (table %)', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        op.execute(f"CREATE TRIGGER versions_immutable BEFORE UPDATE OF {columns} ON versions "
                   "FOR EACH ROW EXECUTE FUNCTION steward_refuse_version_change()")
        op.execute("CREATE TRIGGER version_files_immutable BEFORE UPDATE OR DELETE ON "
                   "version_files FOR EACH ROW EXECUTE FUNCTION steward_refuse_version_change()")
        return
    op.execute(f"CREATE TRIGGER versions_immutable BEFORE UPDATE OF {columns} ON versions "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER version_files_immutable_{action.lower()} BEFORE {action} "
                   f"ON version_files BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER version_files_immutable ON version_files")
        op.execute("DROP TRIGGER versions_immutable ON versions")
        op.execute("DROP FUNCTION steward_refuse_version_change()")
        return
    op.execute("DROP TRIGGER version_files_immutable_delete")
    op.execute("DROP TRIGGER version_files_immutable_update")
    op.execute("DROP TRIGGER versions_immutable")
