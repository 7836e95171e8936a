"""Alembic environment: runs on the connection handed over by :mod:`modelsteward.store.migrate`."""

from __future__ import annotations

from alembic import context

from modelsteward.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through modelsteward.store.migrate
    raise RuntimeError("modelsteward migrations run through `steward db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite can only ALTER through table copies
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
