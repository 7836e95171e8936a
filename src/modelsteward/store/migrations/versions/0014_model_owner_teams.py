"""every model has an owner team

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Data only: models made without an owner team (by an administrator, through the MLflow API, from
a registry file entry without ``owner``, by ``steward import mlflow``) get the default team,
STEWARD_DEFAULT_TEAM when set where the migration runs, else ``platform``; administrators move
them with ``steward model transfer``. Until then every maintainer could change them. The
downgrade leaves the teams: an owner team is valid under the previous release too.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    team = os.environ.get("STEWARD_DEFAULT_TEAM", "").strip() or "platform"
    models = sa.table("models", sa.column("owner_team", sa.String(200)))
    op.execute(models.update().where(models.c.owner_team == "").values(owner_team=team))


def downgrade() -> None:
    pass
