"""index events under the models they concern beyond their subject

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08

Expand only: a new table, filled from the advisory and consumer events already in the log
(domain.mentions decides which models each names), in batches; on PostgreSQL the events'
subject index is rebuilt with the pattern operator class, so ``subject LIKE 'MODEL@%'`` uses it
whatever the database's collation.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from modelsteward.domain.mentions import MENTIONING_KINDS, mentioned_models

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    mentions = op.create_table(
        "event_mentions",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("model", "seq", name=op.f("pk_event_mentions")),
    )
    if op.get_bind().dialect.name == "postgresql":  # prefix lookups whatever the collation
        op.drop_index("ix_events_subject", table_name="events")
        op.create_index("ix_events_subject", "events", ["subject"],
                        postgresql_ops={"subject": "varchar_pattern_ops"})
    events = sa.table("events", sa.column("seq", sa.BigInteger()), sa.column("kind", sa.String()),
                      sa.column("subject", sa.String()), sa.column("payload", sa.Text()))
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(events.c.seq, events.c.kind, events.c.subject, events.c.payload)
            .where(events.c.seq > after, events.c.kind.in_(sorted(MENTIONING_KINDS)))
            .order_by(events.c.seq).limit(_BATCH)).all()
        if not rows:
            return
        found = [{"model": model, "seq": row.seq, "subject": row.subject}
                 for row in rows for model in mentioned_models(row.kind, _payload(row.payload))]
        if found:
            connection.execute(sa.insert(mentions), found)
        after = rows[-1].seq


def _payload(text: str) -> dict[str, object]:
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def downgrade() -> None:
    op.drop_table("event_mentions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_events_subject", table_name="events")
        op.create_index("ix_events_subject", "events", ["subject"])
