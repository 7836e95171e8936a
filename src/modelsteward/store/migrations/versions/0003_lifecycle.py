"""lifecycle: stages, evaluations, approvals, staging checks, overrides, aliases, measurements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Expand only: new tables and two new columns with defaults, so the previous release keeps
working on the upgraded schema. The version columns are added with plain ALTER TABLE (not a
batch table copy) so that SQLite keeps the immutability triggers of 0002.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

STAGES = ("trained", "evaluated", "registered", "staging", "production", "deprecated", "retired",
          "rejected")

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alias_assignments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('model_id', sa.String(length=36), nullable=False),
    sa.Column('alias', sa.String(length=100), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['model_id'], ['models.id'], name=op.f('fk_alias_assignments_model_id_models')),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_alias_assignments_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alias_assignments'))
    )
    with op.batch_alter_table('alias_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_alias_assignments_lookup', ['model_id', 'alias', 'assigned_at'], unique=False)
        batch_op.create_index('uq_alias_assignments_exclusive', ['model_id', 'alias'], unique=True, sqlite_where=sa.text('exclusive AND removed_at IS NULL'), postgresql_where=sa.text('exclusive AND removed_at IS NULL'))

    op.create_table('approvals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('approver', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('risks_accepted', sa.Text(), nullable=False),
    sa.Column('monitoring_plan', sa.Text(), nullable=False),
    sa.Column('rollback_plan', sa.Text(), nullable=False),
    sa.Column('next_review', sa.Date(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaces', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_approvals_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_version_id'), ['version_id'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('suite', sa.String(length=200), nullable=False),
    sa.Column('dataset_digest', sa.String(length=200), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('cost_per_1k_requests', sa.Float(), nullable=True),
    sa.Column('latency_ms', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_evaluations_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_version_id'), ['version_id'], unique=False)

    op.create_table('gate_overrides',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('gate', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gate IN ('validation', 'evaluation', 'staging', 'approval')", name=op.f('ck_gate_overrides_gate')),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_gate_overrides_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_overrides'))
    )
    with op.batch_alter_table('gate_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_overrides_version_id'), ['version_id'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('metric', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_measurements_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurements_version_id'), ['version_id'], unique=False)

    op.create_table('staging_checks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_staging_checks_version_id_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staging_checks'))
    )
    with op.batch_alter_table('staging_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staging_checks_version_id'), ['version_id'], unique=False)

    stages = ", ".join(f"'{s}'" for s in STAGES)
    op.execute("ALTER TABLE versions ADD COLUMN stage VARCHAR(16) DEFAULT 'trained' NOT NULL "
               f"CONSTRAINT ck_versions_stage CHECK (stage IN ({stages}))")
    op.execute("ALTER TABLE versions ADD COLUMN blocked_reason TEXT DEFAULT '' NOT NULL")



def downgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('blocked_reason')
        batch_op.drop_column('stage')

    with op.batch_alter_table('staging_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staging_checks_version_id'))

    op.drop_table('staging_checks')
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurements_version_id'))

    op.drop_table('measurements')
    with op.batch_alter_table('gate_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_overrides_version_id'))

    op.drop_table('gate_overrides')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_version_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_version_id'))

    op.drop_table('approvals')
    with op.batch_alter_table('alias_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_alias_assignments_exclusive', sqlite_where=sa.text('exclusive AND removed_at IS NULL'), postgresql_where=sa.text('exclusive AND removed_at IS NULL'))
        batch_op.drop_index('ix_alias_assignments_lookup')

    op.drop_table('alias_assignments')
